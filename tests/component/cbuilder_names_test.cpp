// C++Builder-style server code, written with Indy's names (IocpIndyCompat.h): a data module with
// the server as a published pointer and __fastcall handlers, compiled by g++ / mingw and served in
// both engines.
#include "IocpIndyCompat.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#if defined(_WIN32)
#include <winsock2.h>
#else
#include <sys/socket.h>
#endif

#include "wait_until.h"

// Indy's names are the component's own entities, not look-alikes.
static_assert(std::is_same_v<TIdTCPServer, Iocp::TIocpTCPServer>);
static_assert(std::is_same_v<TIdCustomTCPServer, Iocp::TIocpTCPServer>);
static_assert(std::is_same_v<TIdContext, Iocp::TIocpContext>);
static_assert(std::is_same_v<TIdServerContext, Iocp::TIocpContext>);
static_assert(std::is_same_v<TIdTCPConnection, Iocp::TIocpTCPConnection>);
static_assert(std::is_same_v<TIdIOHandler, Iocp::TIocpIOHandler>);
static_assert(std::is_same_v<TIdIOHandlerSocket, Iocp::TIocpIOHandler>);
static_assert(std::is_same_v<TIdIOHandlerStack, Iocp::TIocpIOHandler>);
static_assert(std::is_same_v<TIdSocketHandle, Iocp::TIocpSocketHandle>);
static_assert(std::is_same_v<TIdSocketHandles, Iocp::TIocpSocketHandles>);
static_assert(std::is_same_v<TIdContextThreadList, Iocp::TIocpContextList>);
static_assert(std::is_same_v<TIdTCPClient, Iocp::TIocpTCPClient>);
static_assert(std::is_same_v<TIdServerThreadEvent, Iocp::TIdServerThreadEvent>);
static_assert(std::is_base_of_v<EIdSilentException, EIdConnClosedGracefully>);
static_assert(std::is_same_v<EIdException, Iocp::EIdException>);
static_assert(iohIOCP == Iocp::iohIOCP && iohDefault == Iocp::iohDefault);

// The component's own names are visible unqualified too (as a package's are in C++Builder), and
// a name both ways is one entity, never two rivals that make a use ambiguous.
static_assert(std::is_same_v<TIocpTCPServer, TIdTCPServer> && std::is_same_v<TIocpContext, TIdContext>);
static_assert(std::is_base_of_v<EIdException, EIocpConfigError> && hbWhenIdle == Iocp::hbWhenIdle);
namespace with_using_directive {
using namespace Iocp;
static_assert(std::is_same_v<TIdServerThreadEvent, ::TIdServerThreadEvent>);
static_assert(std::is_same_v<EIdNotConnected, Iocp::EIdNotConnected>);
constexpr TIdIOHandlerType kEngine = iohIOCP;
static_assert(kEngine == Iocp::iohIOCP && maSplit == Iocp::maSplit);
}  // namespace with_using_directive

namespace {

// ServerModule.h as C++Builder's IDE writes it for a data module holding a TIdTCPServer: the
// component and its handlers in the published section, the constructor public.
class TServerModule {
__published:  // IDE-managed Components
  TIdTCPServer *IdTCPServer1;
  void __fastcall IdTCPServer1Connect(TIdContext *AContext);
  void __fastcall IdTCPServer1Execute(TIdContext *AContext);
  void __fastcall IdTCPServer1Disconnect(TIdContext *AContext);
  void __fastcall IdTCPServer1Exception(TIdContext *AContext, const std::exception &AException);

 public:
  explicit __fastcall TServerModule(TIdIOHandlerType AIOHandlerType);
  __fastcall ~TServerModule();
  TServerModule(const TServerModule &) = delete;
  TServerModule &operator=(const TServerModule &) = delete;

  int __fastcall ClientCount();                      // Under Contexts->LockList, as in Indy.
  void __fastcall Broadcast(const std::string &AText);  // WriteLn to every context.

  std::atomic<int> Connects{0};
  std::atomic<int> Disconnects{0};
  std::atomic<int> ListedInOnDisconnect{0};  // OnDisconnect saw its context still in Contexts.
  std::atomic<int> Errors{0};                // OnException with anything but a silent exception.
};

// What the form loader does with ServerModule.dfm: create the component, assign the properties
// the form stores and bind its events to the module's methods (closures in C++Builder, lambdas
// here).
__fastcall TServerModule::TServerModule(TIdIOHandlerType AIOHandlerType) : IdTCPServer1(new TIdTCPServer()) {
  IdTCPServer1->DefaultPort = 0;
  IdTCPServer1->Bindings.Add().IP = "127.0.0.1";
  IdTCPServer1->IOHandlerOptions.IOHandlerType = AIOHandlerType;
  IdTCPServer1->IOHandlerOptions.IOCP.IOCPThreads = 2;
  IdTCPServer1->OnConnect = [this](TIdContext *AContext) { IdTCPServer1Connect(AContext); };
  IdTCPServer1->OnExecute = [this](TIdContext *AContext) { IdTCPServer1Execute(AContext); };
  IdTCPServer1->OnDisconnect = [this](TIdContext *AContext) { IdTCPServer1Disconnect(AContext); };
  IdTCPServer1->OnException = [this](TIdContext *AContext, const std::exception &AException) {
    IdTCPServer1Exception(AContext, AException);
  };
}

__fastcall TServerModule::~TServerModule() {
  IdTCPServer1->Active = false;
  delete IdTCPServer1;
}

void __fastcall TServerModule::IdTCPServer1Connect(TIdContext *AContext) {
  ++Connects;
  AContext->Connection->IOHandler->WriteLn("Welcome " + AContext->Binding->PeerIP);
}

void __fastcall TServerModule::IdTCPServer1Execute(TIdContext *AContext) {
  std::string Line = AContext->Connection->IOHandler->ReadLn();
  if (Line == "COUNT") {
    AContext->Connection->IOHandler->WriteLn(std::to_string(ClientCount()));
  } else if (Line == "QUIT") {
    AContext->Connection->IOHandler->WriteLn("Bye");
    AContext->Connection->Disconnect();
  } else {
    AContext->Connection->IOHandler->WriteLn(Line);
  }
}

void __fastcall TServerModule::IdTCPServer1Disconnect(TIdContext *AContext) {
  std::vector<TIdContext *> &List = IdTCPServer1->Contexts->LockList();
  const bool Listed = std::find(List.begin(), List.end(), AContext) != List.end();
  IdTCPServer1->Contexts->UnlockList();
  if (Listed) ++ListedInOnDisconnect;
  ++Disconnects;
}

void __fastcall TServerModule::IdTCPServer1Exception(TIdContext *, const std::exception &AException) {
  if (dynamic_cast<const EIdSilentException *>(&AException) == nullptr) ++Errors;
}

int __fastcall TServerModule::ClientCount() {
  std::vector<TIdContext *> &List = IdTCPServer1->Contexts->LockList();
  const int Count = static_cast<int>(List.size());
  IdTCPServer1->Contexts->UnlockList();
  return Count;
}

void __fastcall TServerModule::Broadcast(const std::string &AText) {
  std::vector<TIdContext *> &List = IdTCPServer1->Contexts->LockList();
  for (TIdContext *Context : List) Context->Connection->IOHandler->WriteLn(AText);
  IdTCPServer1->Contexts->UnlockList();
}

std::unique_ptr<TIdTCPClient> connectTo(uint16_t APort) {
  auto Client = std::make_unique<TIdTCPClient>();
  Client->ReadTimeout = 5000;
  Client->Connect("127.0.0.1", APort);
  return Client;
}

class CBuilderNames : public ::testing::TestWithParam<TIdIOHandlerType> {};

TEST_P(CBuilderNames, ADataModuleWrittenWithIndyNamesEchoesALine) {
  TServerModule Module(GetParam());
  Module.IdTCPServer1->Active = true;
  ASSERT_TRUE(Module.IdTCPServer1->Active);
  auto Client = connectTo(Module.IdTCPServer1->Bindings[0].Port);
  EXPECT_EQ(Client->IOHandler->ReadLn(), "Welcome 127.0.0.1");
  Client->IOHandler->WriteLn("Hello from a C++Builder module");
  EXPECT_EQ(Client->IOHandler->ReadLn(), "Hello from a C++Builder module");
  Client->Disconnect();
  EXPECT_TRUE(testing_support::waitUntil([&] { return Module.Disconnects == 1; }));
  Module.IdTCPServer1->Active = false;
  EXPECT_EQ(Module.Errors, 0);
}

TEST_P(CBuilderNames, ContextsOnConnectAndOnDisconnectWorkTheIndyWay) {
  TServerModule Module(GetParam());
  Module.IdTCPServer1->Active = true;
  const uint16_t Port = Module.IdTCPServer1->Bindings[0].Port;
  auto First = connectTo(Port);
  auto Second = connectTo(Port);
  EXPECT_EQ(First->IOHandler->ReadLn(), "Welcome 127.0.0.1");
  EXPECT_EQ(Second->IOHandler->ReadLn(), "Welcome 127.0.0.1");
  EXPECT_EQ(Module.Connects, 2);

  First->IOHandler->WriteLn("COUNT");  // Counted by a handler under LockList.
  EXPECT_EQ(First->IOHandler->ReadLn(), "2");
  EXPECT_EQ(Module.ClientCount(), 2);  // And from the owning thread.
  EXPECT_EQ(Module.IdTCPServer1->Contexts->Count(), 2);

  Module.Broadcast("News for everyone");  // Indy's broadcast: lock Contexts, WriteLn to each.
  EXPECT_EQ(First->IOHandler->ReadLn(), "News for everyone");
  EXPECT_EQ(Second->IOHandler->ReadLn(), "News for everyone");

  First->IOHandler->WriteLn("QUIT");  // The server disconnects this one.
  EXPECT_EQ(First->IOHandler->ReadLn(), "Bye");
  EXPECT_THROW(First->IOHandler->ReadLn(), EIdConnClosedGracefully);
  EXPECT_TRUE(testing_support::waitUntil([&] { return Module.Disconnects == 1; }));
  EXPECT_TRUE(testing_support::waitUntil([&] { return Module.IdTCPServer1->Contexts->Count() == 1; }));

  Second->Disconnect();  // This one leaves by itself.
  EXPECT_TRUE(testing_support::waitUntil([&] { return Module.Disconnects == 2; }));
  EXPECT_TRUE(testing_support::waitUntil([&] { return Module.IdTCPServer1->Contexts->Count() == 0; }));
  EXPECT_EQ(Module.ListedInOnDisconnect, 2);  // Indy's order: OnDisconnect, then out of Contexts.
  EXPECT_EQ(Module.Connects, 2);
  EXPECT_EQ(Module.Errors, 0);

  Module.IdTCPServer1->Active = false;
  try {  // Indy's exception names in a catch clause.
    Module.IdTCPServer1->OnExecute = nullptr;
    Module.IdTCPServer1->Active = true;
    ADD_FAILURE() << "activated without OnExecute";
  } catch (const EIdTCPNoOnExecute &) {
  }
}

// Members C++Builder handlers reach for: InputBuffer->Size as a property, Socket->Binding,
// text encodings (IndyTextEncoding_*(), DefStringEncoding), IndySleep, Binding's socket options.
TEST_P(CBuilderNames, InputBufferSizeBindingAndEncodingsAsCBuilderCodeWritesThem) {
  std::unique_ptr<TIdTCPServer> Server(new TIdTCPServer());
  Server->Bindings.Add().IP = "127.0.0.1";
  Server->IOHandlerOptions.IOHandlerType = GetParam();
  std::atomic<int> Checks{0};
  Server->OnExecute = [&](TIdContext *AContext) {
    TIdIOHandler *IO = AContext->Connection->IOHandler;
    if (IO->InputBuffer->Size == 0) {  // Indy's polling idiom, property syntax.
      IndySleep(5);
      return;
    }
    if (AContext->Connection->Socket->Binding == AContext->Binding &&
        AContext->Connection->Socket->Binding->PeerIP == "127.0.0.1" && IO->InputBuffer()->Size() > 0)
      ++Checks;
    AContext->Binding->SetKeepAliveValues(true, 30000, 5000);
    int KeepAlive = 0;
    AContext->Binding->GetSockOpt(SOL_SOCKET, SO_KEEPALIVE, KeepAlive);
    if (KeepAlive != 0) ++Checks;
    const std::string Line = IO->ReadLn(IndyTextEncoding_8Bit());  // Latin-1 bytes -> UTF-8 text.
    IO->WriteLn(Line, IndyTextEncoding_ASCII());                    // One '?' per non-ASCII character.
    IO->DefStringEncoding = IndyTextEncoding_8Bit();
    IO->WriteLn(Line);                                              // Back to Latin-1.
    IO->DefStringEncoding = IndyTextEncoding_UTF8();
    IO->WriteLn(Line);                                              // UTF-8.
  };
  Server->Active = true;
  std::unique_ptr<TIdTCPClient> Client(new TIdTCPClient());
  Client->ReadTimeout = testing_support::kEventuallyMs;
  Client->Connect("127.0.0.1", Server->Bindings[0].Port);
  Client->IOHandler->Write(std::string("caf\xE9\n"));
  EXPECT_EQ(Client->IOHandler->ReadLn(), "caf?");
  EXPECT_EQ(Client->IOHandler->ReadLn(), "caf\xE9");
  EXPECT_EQ(Client->IOHandler->ReadLn(), "caf\xC3\xA9");
  EXPECT_EQ(Checks.load(), 2);
  Client->Disconnect();
  Server->Active = false;
}

// GStack (IdStack) as C++Builder code calls it, with the properties as member functions.
TEST(CBuilderGStack, AnswersAsIndys) {
  static_assert(std::is_same_v<TIdStack, Iocp::TIocpStack>);
  static_assert(std::is_base_of_v<EIdSocketError, EIdResolveError>);
  ASSERT_NE(GStack, nullptr);
  EXPECT_FALSE(GStack->HostName().empty());
  EXPECT_EQ(GStack->ResolveHost("localhost"), "127.0.0.1");
  EXPECT_EQ(GStack->ResolveHost("LOCALHOST", Id_IPv6), "::1");
  EXPECT_EQ(GStack->ResolveHost("10.1.2.3"), "10.1.2.3");
  EXPECT_EQ(GStack->ResolveHost("::FFFF:1.2.3.4", Id_IPv6), "::ffff:1.2.3.4");
  EXPECT_THROW(GStack->ResolveHost("bad..name"), EIdResolveError);  // Rejected without DNS.
  EXPECT_TRUE(GStack->IsIP("1.2.3.4"));
  EXPECT_TRUE(GStack->IsIP("001.02.3.4"));
  EXPECT_FALSE(GStack->IsIP("256.1.1.1"));
  EXPECT_FALSE(GStack->IsIP("1.2.3"));
  EXPECT_TRUE(GStack->IsIP("1.2.3.4."));  // As Indy's Fetch-based test.
  EXPECT_FALSE(GStack->IsIP("1.2.3.4.5"));
  EXPECT_TRUE(GStack->IsIP(" 1. 2.3.4"));  // IndyStrToInt trims.
  EXPECT_FALSE(GStack->IsIP(""));
  // Whatever this machine has: LocalAddresses are the list's IPv4 entries in order, no loopback.
  std::vector<std::string> v4;
  for (const TIdStackLocalAddress &A : GStack->GetLocalAddressList()) {
    EXPECT_NE(A.IPAddress.rfind("127.", 0), 0u) << A.IPAddress;
    if (A.IPVersion == Id_IPv4) {
      v4.push_back(A.IPAddress);
    } else {  // Indy's form: eight groups, upper case, no "::".
      EXPECT_EQ(std::count(A.IPAddress.begin(), A.IPAddress.end(), ':'), 7) << A.IPAddress;
      EXPECT_EQ(A.IPAddress.find_first_of("abcdef"), std::string::npos) << A.IPAddress;
    }
  }
  EXPECT_EQ(GStack->LocalAddresses(), v4);
  EXPECT_EQ(GStack->LocalAddress(), v4.empty() ? std::string() : v4.front());
}

INSTANTIATE_TEST_SUITE_P(Engines, CBuilderNames, ::testing::Values(iohDefault, iohIOCP),
                         [](const ::testing::TestParamInfo<TIdIOHandlerType> &AInfo) {
                           return std::string(AInfo.param == iohIOCP ? "iohIOCP" : "iohDefault");
                         });

}  // namespace
