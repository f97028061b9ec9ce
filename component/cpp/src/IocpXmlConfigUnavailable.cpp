// TIocpTCPServer's XML configuration in a build without pugixml (the Windows cross build: Debian
// ships no pugixml for mingw-w64). The members exist, so code using them compiles everywhere;
// each raises EIocpConfigError. component/CMakeLists.txt picks this file or IocpXmlConfig.cpp.
#include "IocpTCPServer.h"

namespace Iocp {

namespace {
[[noreturn]] void unavailable() {
  throw EIocpConfigError("XML configuration needs pugixml; this build was made without it");
}
}  // namespace

void TIocpTCPServer::LoadFromXml(const std::string&) { unavailable(); }
void TIocpTCPServer::SaveToXml(const std::string&) const { unavailable(); }
void TIocpTCPServer::LoadFromXmlString(const std::string&) { unavailable(); }
std::string TIocpTCPServer::SaveToXmlString() const { unavailable(); }

}  // namespace Iocp
