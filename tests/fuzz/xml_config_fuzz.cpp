// Fuzz target: TIocpTCPServer's XML configuration (LoadFromXmlString; a configuration file may
// come from anyone who can edit it). Input: the document.
// Properties:
//   - a load either succeeds or raises EIdException (EIocpConfigError): nothing else escapes;
//   - a failed load changes no option (the server saves the same document as before it);
//   - what a successful load gives, saved and loaded into a second server, saves the same again
//     (every option the reader accepts, the writer writes back readably).
#include <cstdint>
#include <string>

#include "IocpTCPServer.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string document(reinterpret_cast<const char*>(data), size);
  Iocp::TIocpTCPServer server;
  const std::string before = server.SaveToXmlString();
  try {
    server.LoadFromXmlString(document);
  } catch (const Iocp::EIdException& e) {
    FUZZ_CHECK(server.SaveToXmlString() == before, std::string("a failed load changed options: ") + e.what());
    return 0;
  }
  const std::string saved = server.SaveToXmlString();
  Iocp::TIocpTCPServer second;
  try {
    second.LoadFromXmlString(saved);
  } catch (const Iocp::EIdException& e) {
    FUZZ_CHECK(false, std::string("what the server saved does not load: ") + e.what() + "\n" + saved);
  }
  FUZZ_CHECK(second.SaveToXmlString() == saved, "saved, loaded and saved again differs:\n" + saved + "\n---\n" +
                                                    second.SaveToXmlString());
  return 0;
}
