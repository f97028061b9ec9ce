// Internal to the C ABI (component/capi/src/*.cpp): the handles behind iocp.h's opaque types and
// the helpers every part uses to turn the component's exceptions into IOCP_ERR_* codes.
// capi_errors.cpp: results, error texts, the host hook; capi_server.cpp: servers, their options,
// contexts and counters; capi_io.cpp: IOHandlers and the stack; capi_client.cpp: clients.
#pragma once

#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "Iocp.h"
#include "iocp.h"

// An IOHandler handle: the component's IOHandler and the buffer its answers are handed out from.
struct iocp_io {
  Iocp::TIocpIOHandler* io = nullptr;
  std::string out;  // The last line / bytes handed out.
};

namespace iocp_capi {

using namespace Iocp;

// Records a failure for iocp_last_error / iocp_last_os_error (calling thread) and returns `code`.
int fail(int code, const std::string& text, int osError = 0);

// What a callback raised, carried through the component as a C++ exception (it closes the
// connection and reaches the exception event, as any handler exception does).
class HandlerRaised : public EIdException {
 public:
  HandlerRaised(int code, const std::string& message) : EIdException(message), Code(code) {}
  int Code;
};

// The IOCP_ERR_* naming an exception's Indy class.
int codeOf(const std::exception& e);

// Run `body` (returning an int result), turning every exception into a code. The catch blocks
// only record: nothing in them may park (the fiber caveat).
template <typename Body>
inline int guarded(Body&& body) noexcept {
  int code = 0;
  std::string text;
  int osError = 0;
  try {
    return body();
  } catch (const EIdResolveError& e) {
    code = IOCP_ERR_RESOLVE;
    text = e.what();
    osError = e.LastError;
  } catch (const EIdSocketError& e) {
    code = IOCP_ERR_SOCKET;
    text = e.what();
    osError = e.LastError;
  } catch (const std::bad_alloc&) {
    code = IOCP_ERR_FAILED;
    text = "out of memory";
  } catch (const std::exception& e) {
    code = codeOf(e);
    text = e.what();
  } catch (...) {
    code = IOCP_ERR_FAILED;
    text = "unknown exception";
  }
  return fail(code, text, osError);
}

// A callback's result: IOCP_ERR_HANDLER becomes the C++ exception the component expects.
void raiseIfHandlerFailed(int result);

// The TLS events as the component's: OnGetPassword and OnVerifyPeer forwarding to C callbacks
// (null where none). A callback's IOCP_ERR_HANDLER raises its recorded exception.
Iocp::TIocpSSLEvents tlsEvents(iocp_password_event password, iocp_verify_peer_event verify, void* user);

// Hands out a string that stays valid until the next call on the same handle.
inline void giveOut(const std::string& s, const char** data, size_t* length) {
  if (data) *data = s.data();
  if (length) *length = s.size();
}

// A (pointer, length) argument as a string; a null pointer is "".
inline std::string text(const char* s, size_t n) { return s && n ? std::string(s, n) : std::string(); }

// An int64 argument that must fit lo..hi: IOCP_OK with *out set, or IOCP_ERR_ARGUMENT naming `what`.
int intValue(int64_t v, int64_t lo, int64_t hi, const char* what, int* out);

// The context the server creates for the C ABI: the host's pointer and the IOHandler handle.
class CapiContext final : public TIocpContext {
 public:
  CapiContext(iocp_server* server, iocp_context_event onFreed, void* freedUser)
      : owner(server), onFreed_(onFreed), freedUser_(freedUser) {
    handle.io = Connection->IOHandler;
  }
  ~CapiContext() override {
    if (onFreed_) onFreed_(freedUser_, reinterpret_cast<iocp_context*>(static_cast<TIocpContext*>(this)));
  }
  iocp_server* const owner;  // The C ABI server this context belongs to.
  void* user = nullptr;
  iocp_io handle;
  std::string reason;  // DisconnectReason handed out.

 private:
  const iocp_context_event onFreed_;
  void* const freedUser_;
};
inline CapiContext* capi(iocp_context* c) { return static_cast<CapiContext*>(reinterpret_cast<TIocpContext*>(c)); }
inline iocp_context* handleOf(TIocpContext* c) { return reinterpret_cast<iocp_context*>(c); }

}  // namespace iocp_capi

struct iocp_server {
  Iocp::TIocpTCPServer server;
  iocp_context_event contextEvents[8] = {};
  void* contextUsers[8] = {};
  iocp_message_event onMessage = nullptr;
  void* messageUser = nullptr;
  iocp_exception_event onException = nullptr;
  void* exceptionUser = nullptr;
  iocp_listen_exception_event onListenException = nullptr;
  void* listenUser = nullptr;
  iocp_bind_event beforeBind = nullptr, afterBind = nullptr;
  void* bindUser = nullptr;
  std::string bindingIp;  // Handed out by iocp_server_binding.
  std::string optionText;  // Handed out by iocp_server_get_str and iocp_server_save_xml.
  // Handed out by iocp_server_active_backend; written only by iocp_server_set_active, so a
  // reader on another thread never sees it change under the pointer it was given.
  std::string activeBackend;
  bool locked = false;
};

struct iocp_client {
  Iocp::TIocpTCPClient client;
  iocp_io handle;
  iocp_client_event events[4] = {};
  void* users[4] = {};
};
