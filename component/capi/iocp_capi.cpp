// The C ABI (iocp.h) over the C++ component: every function forwards to TIocpTCPServer,
// TIocpContext, TIocpIOHandler or TIocpTCPClient, and turns the component's exceptions into
// IOCP_ERR_* codes with a per-thread text. No C++ exception leaves this file.
#include "iocp.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <mutex>
#include <new>
#include <string>
#include <utility>

#include "Iocp.h"
#include "IocpHost.h"
#include "IocpServerOptions.h"

using namespace Iocp;

namespace {

// --- Errors -------------------------------------------------------------------------------------

// Per-thread error texts, kept in fixed arrays (longer texts are cut, ending in "..."): a
// thread_local with a destructor is destroyed through the C++ runtime's thread-exit list, and
// with the mingw-w64 runtime inside iocp.dll that list was seen corrupted at the exit of
// connection threads that had run Pascal handlers (a crash under Wine in about one run of six;
// none in 24 runs with plain arrays).
constexpr std::size_t kErrorText = 2048;
struct ErrorText {
  char text[kErrorText];
  void set(const char* s, std::size_t n) {
    if (n >= kErrorText) {
      std::memcpy(text, s, kErrorText - 4);
      std::memcpy(text + kErrorText - 4, "...", 4);
    } else {
      if (n) std::memcpy(text, s, n);
      text[n] = '\0';
    }
  }
};
thread_local ErrorText tLastError{};
thread_local int tLastOsError = 0;
// Set by iocp_set_handler_error inside a callback, read right after it returns (no park between).
thread_local int tHandlerCode = 0;
thread_local ErrorText tHandlerMessage{};

int fail(int code, const std::string& text, int osError = 0) {
  tLastError.set(text.data(), text.size());
  tLastOsError = osError;
  return code;
}

// What a callback raised, carried through the component as a C++ exception (it closes the
// connection and reaches the exception event, as any handler exception does).
class HandlerRaised : public EIdException {
 public:
  HandlerRaised(int code, const std::string& message) : EIdException(message), Code(code) {}
  int Code;
};

// The IOCP_ERR_* naming an exception's Indy class.
int codeOf(const std::exception& e) {
  if (auto* h = dynamic_cast<const HandlerRaised*>(&e)) return h->Code;
  if (dynamic_cast<const EIdConnClosedGracefully*>(&e)) return IOCP_ERR_CLOSED_GRACEFULLY;
  if (dynamic_cast<const EIdSocketError*>(&e)) return IOCP_ERR_SOCKET;
  if (dynamic_cast<const EIdReadTimeout*>(&e)) return IOCP_ERR_READ_TIMEOUT;
  if (dynamic_cast<const EIdReadLnMaxLineLengthExceeded*>(&e)) return IOCP_ERR_MAX_LINE_LENGTH;
  if (dynamic_cast<const EIdReadLnWaitMaxAttemptsExceeded*>(&e)) return IOCP_ERR_READLN_MAX_ATTEMPTS;
  if (dynamic_cast<const EIdNotConnected*>(&e)) return IOCP_ERR_NOT_CONNECTED;
  if (dynamic_cast<const EIdCouldNotBindSocket*>(&e)) return IOCP_ERR_BIND;
  if (dynamic_cast<const EIdConnectTimeout*>(&e)) return IOCP_ERR_CONNECT_TIMEOUT;
  if (dynamic_cast<const EIdTCPNoOnExecute*>(&e)) return IOCP_ERR_NO_ON_EXECUTE;
  if (dynamic_cast<const EIdNoDataToRead*>(&e)) return IOCP_ERR_NO_DATA_TO_READ;
  if (dynamic_cast<const EIdIOHandlerRequiresLargeStream*>(&e)) return IOCP_ERR_REQUIRES_LARGE_STREAM;
  if (dynamic_cast<const EIdIOHandlerStreamDataTooLarge*>(&e)) return IOCP_ERR_STREAM_TOO_LARGE;
  if (dynamic_cast<const EIocpConfigError*>(&e)) return IOCP_ERR_CONFIG;
  return IOCP_ERR_FAILED;
}

// Run `body` (returning an int result), turning every exception into a code. The catch blocks
// only record: nothing in them may park (the fiber caveat).
template <typename Body>
int guarded(Body&& body) noexcept {
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
void raiseIfHandlerFailed(int result) {
  if (result == IOCP_OK) return;
  const int code = result == IOCP_ERR_HANDLER && tHandlerCode != 0 ? tHandlerCode : IOCP_ERR_FAILED;
  std::string message = tHandlerCode != 0 ? std::string(tHandlerMessage.text)
                                          : "a handler failed (code " + std::to_string(result) + ")";
  tHandlerCode = 0;
  tHandlerMessage.set("", 0);
  throw HandlerRaised(code, message);
}

void giveOut(const std::string& s, const char** data, size_t* length) {
  if (data) *data = s.data();
  if (length) *length = s.size();
}

std::string text(const char* s, size_t n) { return s && n ? std::string(s, n) : std::string(); }

}  // namespace

// --- Handle types ---------------------------------------------------------------------------------

// An IOHandler handle: the component's IOHandler and the buffer its answers are handed out from.
struct iocp_io {
  TIocpIOHandler* io = nullptr;
  std::string out;  // The last line / bytes handed out.
};

namespace {
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
CapiContext* capi(iocp_context* c) { return static_cast<CapiContext*>(reinterpret_cast<TIocpContext*>(c)); }
iocp_context* handleOf(TIocpContext* c) { return reinterpret_cast<iocp_context*>(c); }
}  // namespace

struct iocp_server {
  TIocpTCPServer server;
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
  TIocpTCPClient client;
  iocp_io handle;
  iocp_client_event events[4] = {};
  void* users[4] = {};
};

namespace {

// Install the component events that forward to the C callbacks set on `s`.
void wireEvents(iocp_server* s) {
  TIocpTCPServer& srv = s->server;
  srv.ContextClass = [s] {
    return static_cast<TIocpContext*>(
        new CapiContext(s, s->contextEvents[IOCP_ON_CONTEXT_FREED], s->contextUsers[IOCP_ON_CONTEXT_FREED]));
  };
  auto forward = [s](int which) -> TIdServerThreadEvent {
    if (!s->contextEvents[which]) return nullptr;
    return [s, which](TIocpContext* c) {
      raiseIfHandlerFailed(s->contextEvents[which](s->contextUsers[which], handleOf(c)));
    };
  };
  srv.OnContextCreated = forward(IOCP_ON_CONTEXT_CREATED);
  srv.OnConnect = forward(IOCP_ON_CONNECT);
  srv.OnExecute = forward(IOCP_ON_EXECUTE);
  srv.OnDisconnect = forward(IOCP_ON_DISCONNECT);
  srv.OnHeartbeat = forward(IOCP_ON_HEARTBEAT);
  srv.OnDataAvailable = forward(IOCP_ON_DATA_AVAILABLE);
  srv.OnMessage = nullptr;
  if (s->onMessage) {
    srv.OnMessage = [s](TIocpContext* c, std::string_view m) {
      raiseIfHandlerFailed(s->onMessage(s->messageUser, handleOf(c), m.data(), m.size()));
    };
  }
  srv.OnException = nullptr;
  if (s->onException) {
    srv.OnException = [s](TIocpContext* c, const std::exception& e) {
      const char* what = e.what();
      s->onException(s->exceptionUser, handleOf(c), codeOf(e), what, std::strlen(what));
    };
  }
  srv.OnListenException = nullptr;
  if (s->onListenException) {
    srv.OnListenException = [s](TIocpSocketHandle* b, const std::exception& e) {
      int index = -1;
      for (int i = 0; b && i < s->server.Bindings.Count(); ++i) {
        if (&s->server.Bindings[i] == b) index = i;
      }
      const char* what = e.what();
      s->onListenException(s->listenUser, index, what, std::strlen(what));
    };
  }
  srv.OnBeforeBind = nullptr;
  if (s->beforeBind) {
    srv.OnBeforeBind = [s](TIocpSocketHandle* b) {
      int index = -1;
      for (int i = 0; i < s->server.Bindings.Count(); ++i) {
        if (&s->server.Bindings[i] == b) index = i;
      }
      raiseIfHandlerFailed(s->beforeBind(s->bindUser, index));
    };
  }
  srv.OnAfterBind = nullptr;
  if (s->afterBind) srv.OnAfterBind = [s](TIocpTCPServer*) { raiseIfHandlerFailed(s->afterBind(s->bindUser, -1)); };
}

int inactiveOrFail(iocp_server* s) {
  if (!s) return fail(IOCP_ERR_ARGUMENT, "no server");
  if (s->server.GetActive()) return fail(IOCP_ERR_STATE, "the server is active: deactivate it first");
  return IOCP_OK;
}

// iocp_server_set_int/get_int/set_str/get_str: the option table (IocpServerOptions.h) walked
// for one id. A value out of its range or not one of its names is refused, naming the option.
class OptionById : public options::Path {
 public:
  enum Op { SetInt, GetInt, SetText, GetText };
  OptionById(int id, Op op) : id_(id), op_(op) {}
  int64_t in = 0;    // SetInt's value.
  int64_t out = 0;   // GetInt's answer.
  std::string str;   // SetText's value, GetText's answer.

  // IOCP_OK, or the failure (an unknown id, a refused value) already recorded.
  int run(TIocpTCPServer& server) {
    options::describe(*this, server);
    if (!found_) return fail(IOCP_ERR_ARGUMENT, "unknown server option " + std::to_string(id_));
    return result_;
  }

  template <typename T>
  void number(const options::Key& k, T& v, long long lo, long long hi) {
    if (!mine(k, false)) return;
    if (op_ == GetInt) {
      out = static_cast<int64_t>(v);
    } else if (in < lo || in > hi) {
      refuse(k, "allowed range: " + std::to_string(lo) + ".." + std::to_string(hi));
    } else {
      v = static_cast<T>(in);
    }
  }
  void boolean(const options::Key& k, bool& v) {
    if (!mine(k, false)) return;
    if (op_ == GetInt) {
      out = v ? 1 : 0;
    } else if (in != 0 && in != 1) {
      refuse(k, "allowed values: 0, 1");
    } else {
      v = in == 1;
    }
  }
  void text(const options::Key& k, std::string& v) {
    if (!mine(k, true)) return;
    if (op_ == GetText) {
      str = v;
    } else {
      v = str;
    }
  }
  template <typename V, typename E, std::size_t N>
  void choice(const options::Key& k, V& v, const options::Name<E> (&list)[N]) {
    if (!mine(k, false)) return;
    if (op_ == GetInt) {
      out = static_cast<int64_t>(v);
      return;
    }
    std::string allowed;
    for (const options::Name<E>& n : list) {
      if (static_cast<int64_t>(n.value) == in) {
        v = static_cast<V>(n.value);
        return;
      }
      allowed += (allowed.empty() ? "" : ", ") + std::to_string(static_cast<long long>(n.value)) + " (" + n.text + ")";
    }
    refuse(k, "allowed values: " + allowed);
  }
  void bindings(const char*, TIocpSocketHandles&) {}

 private:
  // True when `k` is the option asked for; an option of the other type (a number asked for as
  // text, or the reverse) is refused.
  bool mine(const options::Key& k, bool isText) {
    if (k.id != id_) return false;
    found_ = true;
    const bool askText = op_ == SetText || op_ == GetText;
    if (askText != isText) {
      result_ = fail(IOCP_ERR_ARGUMENT, at(k.name) + " (option " + std::to_string(id_) + ") is " +
                                            (isText ? "a string: use iocp_server_set_str/get_str"
                                                    : "a number: use iocp_server_set_int/get_int"));
      return false;
    }
    return true;
  }
  void refuse(const options::Key& k, const std::string& allowed) {
    result_ = fail(IOCP_ERR_ARGUMENT, at(k.name) + " = " + std::to_string(in) + " is not allowed; " + allowed);
  }

  int id_;
  Op op_;
  bool found_ = false;
  int result_ = IOCP_OK;
};

int intValue(int64_t v, int64_t lo, int64_t hi, const char* what, int* out) {
  if (v < lo || v > hi) {
    return fail(IOCP_ERR_ARGUMENT, std::string(what) + " out of range: " + std::to_string(v));
  }
  *out = static_cast<int>(v);
  return IOCP_OK;
}

}  // namespace

extern "C" {

int iocp_abi_version(void) { return IOCP_HEADER_ABI_VERSION; }
const char* iocp_version_string(void) { return IOCP_VERSION_STRING; }
const char* iocp_last_error(void) { return tLastError.text; }
int iocp_last_os_error(void) { return tLastOsError; }

void iocp_set_handler_error(int code, const char* message, size_t length) {
  tHandlerCode = code < 0 ? code : IOCP_ERR_FAILED;
  tHandlerMessage.set(message ? message : "", message ? length : 0);
}

namespace {
std::atomic<iocp_fiber_switch_hook> gHostHook{nullptr};
void hostHook(void* state, bool entering) {
  if (iocp_fiber_switch_hook hook = gHostHook.load(std::memory_order_relaxed)) hook(state, entering ? 1 : 0);
}
}  // namespace

int iocp_set_fiber_switch_hook(iocp_fiber_switch_hook hook) {
  static_assert(IOCP_FIBER_STATE_SIZE == IocpFiberHostStateSize, "one size for the host state");
  gHostHook.store(hook);
  SetFiberSwitchHook(hook ? &hostHook : nullptr);
  return IOCP_OK;
}

// --- Server ---------------------------------------------------------------------------------------

iocp_server* iocp_server_create(void) {
  try {
    auto* s = new iocp_server();
    wireEvents(s);
    return s;
  } catch (...) {
    fail(IOCP_ERR_FAILED, "out of memory");
    return nullptr;
  }
}

void iocp_server_destroy(iocp_server* server) {
  if (!server) return;
  guarded([&] {
    delete server;
    return IOCP_OK;
  });
}

int iocp_server_set_int(iocp_server* s, int option, int64_t value) {
  if (const int st = inactiveOrFail(s)) return st;
  return guarded([&] {
    OptionById w(option, OptionById::SetInt);
    w.in = value;
    return w.run(s->server);
  });
}

int iocp_server_get_int(iocp_server* s, int option, int64_t* value) {
  if (!s || !value) return fail(IOCP_ERR_ARGUMENT, "no server or no value");
  return guarded([&] {
    OptionById w(option, OptionById::GetInt);
    const int st = w.run(s->server);
    if (st == IOCP_OK) *value = w.out;
    return st;
  });
}

int iocp_server_set_str(iocp_server* s, int option, const char* value, size_t length) {
  if (const int st = inactiveOrFail(s)) return st;
  return guarded([&] {
    OptionById w(option, OptionById::SetText);
    w.str = text(value, length);
    return w.run(s->server);
  });
}

int iocp_server_get_str(iocp_server* s, int option, const char** value, size_t* length) {
  if (!s) return fail(IOCP_ERR_ARGUMENT, "no server");
  return guarded([&] {
    OptionById w(option, OptionById::GetText);
    const int st = w.run(s->server);
    if (st != IOCP_OK) return st;
    s->optionText = w.str;
    giveOut(s->optionText, value, length);
    return IOCP_OK;
  });
}

int iocp_server_option_count(void) { return static_cast<int>(options::rows().size()); }

int iocp_server_option_info(int index, int* id, int* kind, const char** path, int64_t* min, int64_t* max) {
  const std::vector<options::Row>& rows = options::rows();
  if (index < 0 || static_cast<std::size_t>(index) >= rows.size()) {
    return fail(IOCP_ERR_ARGUMENT, "no option " + std::to_string(index) + "; there are " + std::to_string(rows.size()));
  }
  const options::Row& r = rows[static_cast<std::size_t>(index)];
  if (id) *id = r.id;
  if (kind) *kind = static_cast<int>(r.kind);
  if (path) *path = r.path.c_str();
  if (min) *min = r.lo;
  if (max) *max = r.hi;
  return IOCP_OK;
}

int iocp_server_load_xml(iocp_server* s, const char* xml, size_t length) {
  if (const int st = inactiveOrFail(s)) return st;
  return guarded([&] {
    s->server.LoadFromXmlString(text(xml, length));
    return IOCP_OK;
  });
}

int iocp_server_save_xml(iocp_server* s, const char** xml, size_t* length) {
  if (!s) return fail(IOCP_ERR_ARGUMENT, "no server");
  return guarded([&] {
    s->optionText = s->server.SaveToXmlString();
    giveOut(s->optionText, xml, length);
    return IOCP_OK;
  });
}

int iocp_server_clear_bindings(iocp_server* s) {
  if (const int st = inactiveOrFail(s)) return st;
  s->server.Bindings.Clear();
  return IOCP_OK;
}

int iocp_server_add_binding(iocp_server* s, const char* ip, size_t ipLength, int port) {
  if (const int st = inactiveOrFail(s)) return st;
  if (port < 0 || port > 65535) return fail(IOCP_ERR_ARGUMENT, "port out of range: " + std::to_string(port));
  return guarded([&] {
    TIocpSocketHandle& b = s->server.Bindings.Add();
    b.IP = text(ip, ipLength);
    b.Port = static_cast<uint16_t>(port);
    return s->server.Bindings.Count() - 1;
  });
}

int iocp_server_binding_count(iocp_server* s) {
  if (!s) return fail(IOCP_ERR_ARGUMENT, "no server");
  return s->server.Bindings.Count();
}

int iocp_server_binding(iocp_server* s, int index, const char** ip, size_t* ipLength, int* port) {
  if (!s || index < 0 || index >= s->server.Bindings.Count()) return fail(IOCP_ERR_ARGUMENT, "no such binding");
  return guarded([&] {
    const TIocpSocketHandle& b = s->server.Bindings[index];
    s->bindingIp = b.IP;
    giveOut(s->bindingIp, ip, ipLength);
    if (port) *port = b.Port;
    return IOCP_OK;
  });
}

int iocp_server_set_active(iocp_server* s, int active) {
  if (!s) return fail(IOCP_ERR_ARGUMENT, "no server");
  return guarded([&] {
    s->server.SetActive(active != 0);
    s->activeBackend = s->server.ActiveBackend();
    return IOCP_OK;
  });
}

int iocp_server_active(iocp_server* s) { return s && s->server.GetActive() ? 1 : 0; }

int iocp_server_set_listening(iocp_server* s, int listening) {
  if (!s) return fail(IOCP_ERR_ARGUMENT, "no server");
  return guarded([&] {
    if (listening) {
      s->server.StartListening();
    } else {
      s->server.StopListening();
    }
    return IOCP_OK;
  });
}

int iocp_server_active_backend(iocp_server* s, const char** text, size_t* length) {
  if (!s) return fail(IOCP_ERR_ARGUMENT, "no server");
  giveOut(s->activeBackend, text, length);
  return IOCP_OK;
}

int iocp_server_set_context_event(iocp_server* s, int which, iocp_context_event fn, void* user) {
  if (const int st = inactiveOrFail(s)) return st;
  if (which < IOCP_ON_CONTEXT_CREATED || which > IOCP_ON_DATA_AVAILABLE) {
    return fail(IOCP_ERR_ARGUMENT, "unknown context event " + std::to_string(which));
  }
  s->contextEvents[which] = fn;
  s->contextUsers[which] = user;
  return guarded([&] {
    wireEvents(s);
    return IOCP_OK;
  });
}

int iocp_server_set_message_event(iocp_server* s, iocp_message_event fn, void* user) {
  if (const int st = inactiveOrFail(s)) return st;
  s->onMessage = fn;
  s->messageUser = user;
  return guarded([&] {
    wireEvents(s);
    return IOCP_OK;
  });
}

int iocp_server_set_exception_event(iocp_server* s, iocp_exception_event fn, void* user) {
  if (const int st = inactiveOrFail(s)) return st;
  s->onException = fn;
  s->exceptionUser = user;
  return guarded([&] {
    wireEvents(s);
    return IOCP_OK;
  });
}

int iocp_server_set_listen_exception_event(iocp_server* s, iocp_listen_exception_event fn, void* user) {
  if (const int st = inactiveOrFail(s)) return st;
  s->onListenException = fn;
  s->listenUser = user;
  return guarded([&] {
    wireEvents(s);
    return IOCP_OK;
  });
}

int iocp_server_set_bind_events(iocp_server* s, iocp_bind_event before, iocp_bind_event after, void* user) {
  if (const int st = inactiveOrFail(s)) return st;
  s->beforeBind = before;
  s->afterBind = after;
  s->bindUser = user;
  return guarded([&] {
    wireEvents(s);
    return IOCP_OK;
  });
}

// --- Contexts --------------------------------------------------------------------------------------

int iocp_server_lock_contexts(iocp_server* s, iocp_context* const** items, int* count) {
  if (!s) return fail(IOCP_ERR_ARGUMENT, "no server");
  return guarded([&] {
    std::vector<TIocpContext*>& list = s->server.Contexts->LockList();
    // TIocpContext* and iocp_context* are the same address (handleOf), so the list is the array.
    if (items) *items = reinterpret_cast<iocp_context* const*>(list.data());
    if (count) *count = static_cast<int>(list.size());
    return IOCP_OK;
  });
}

int iocp_server_unlock_contexts(iocp_server* s) {
  if (!s) return fail(IOCP_ERR_ARGUMENT, "no server");
  s->server.Contexts->UnlockList();
  return IOCP_OK;
}

int iocp_server_context_count(iocp_server* s) {
  if (!s) return fail(IOCP_ERR_ARGUMENT, "no server");
  return s->server.Contexts->Count();
}

void* iocp_context_user(iocp_context* c) { return c ? capi(c)->user : nullptr; }

int iocp_context_set_user(iocp_context* c, void* user) {
  if (!c) return fail(IOCP_ERR_ARGUMENT, "no context");
  capi(c)->user = user;
  return IOCP_OK;
}

int iocp_context_set_cache_hints(iocp_context* c, const void* const* addresses, size_t count) {
  if (!c || (!addresses && count)) return fail(IOCP_ERR_ARGUMENT, "no context or addresses");
  static_assert(IOCP_CACHE_HINTS + 1 <= IocpCacheHintCount, "room for the IOHandler handle");
  const void* hints[IOCP_CACHE_HINTS + 1] = {&capi(c)->handle};  // What every read hands out through.
  const std::size_t n = std::min<std::size_t>(count, IOCP_CACHE_HINTS);
  for (std::size_t i = 0; i < n; ++i) hints[1 + i] = addresses[i];
  SetCacheHints(*capi(c), hints, 1 + n);
  return IOCP_OK;
}

iocp_io* iocp_context_io(iocp_context* c) { return c ? &capi(c)->handle : nullptr; }

int iocp_context_execute_again(iocp_context* c) {
  if (!c) return fail(IOCP_ERR_ARGUMENT, "no context");
  return guarded([&] { return ExecuteAgain(*capi(c)) ? 1 : 0; });
}

iocp_server* iocp_context_server(iocp_context* c) { return c ? capi(c)->owner : nullptr; }

int iocp_context_endpoint(iocp_context* c, int which, const char** ip, size_t* ipLength, int* port) {
  if (!c || (which != 0 && which != 1)) return fail(IOCP_ERR_ARGUMENT, "no context, or which is not 0 or 1");
  const TIocpSocketHandle& b = *capi(c)->Binding;
  giveOut(which == 0 ? b.IP : b.PeerIP, ip, ipLength);
  if (port) *port = which == 0 ? b.Port : b.PeerPort;
  return IOCP_OK;
}

int64_t iocp_context_handle(iocp_context* c) { return c ? static_cast<int64_t>(capi(c)->Binding->Handle) : -1; }

int iocp_context_set_sockopt(iocp_context* c, int level, int name, int value) {
  if (!c) return fail(IOCP_ERR_ARGUMENT, "no context");
  return guarded([&] {
    capi(c)->Binding->SetSockOpt(level, name, value);
    return IOCP_OK;
  });
}

int iocp_context_get_sockopt(iocp_context* c, int level, int name, int* value) {
  if (!c || !value) return fail(IOCP_ERR_ARGUMENT, "no context or no value");
  return guarded([&] {
    capi(c)->Binding->GetSockOpt(level, name, *value);
    return IOCP_OK;
  });
}

int iocp_context_keepalive(iocp_context* c, int enabled, int timeMs, int intervalMs) {
  if (!c) return fail(IOCP_ERR_ARGUMENT, "no context");
  return guarded([&] {
    capi(c)->Binding->SetKeepAliveValues(enabled != 0, timeMs, intervalMs);
    return IOCP_OK;
  });
}

int iocp_context_nagle(iocp_context* c, int enabled) {
  if (!c) return fail(IOCP_ERR_ARGUMENT, "no context");
  return guarded([&] {
    capi(c)->Binding->SetNagleOpt(enabled != 0);
    return IOCP_OK;
  });
}

int iocp_context_disconnect_reason(iocp_context* c, const char** reason, size_t* length) {
  if (!c) return fail(IOCP_ERR_ARGUMENT, "no context");
  return guarded([&] {
    capi(c)->reason = capi(c)->DisconnectReason();
    giveOut(capi(c)->reason, reason, length);
    return IOCP_OK;
  });
}

int iocp_context_disconnect(iocp_context* c, int notifyPeer) {
  if (!c) return fail(IOCP_ERR_ARGUMENT, "no context");
  return guarded([&] {
    capi(c)->Connection->Disconnect(notifyPeer != 0);
    return IOCP_OK;
  });
}

// --- Stats ------------------------------------------------------------------------------------------

int iocp_server_stat(iocp_server* s, int which, uint64_t* value) {
  if (!s || !value) return fail(IOCP_ERR_ARGUMENT, "no server or no value");
  return guarded([&] {
    const TIocpServerStats st = s->server.Stats();
    switch (which) {
      case IOCP_STAT_ACTIVE_CONNECTIONS: *value = st.ActiveConnections; break;
      case IOCP_STAT_PEAK_CONNECTIONS: *value = st.PeakConnections; break;
      case IOCP_STAT_ACCEPTED: *value = st.Accepted; break;
      case IOCP_STAT_REFUSED: *value = st.Refused; break;
      case IOCP_STAT_OS_RECEIVES_PENDING: *value = st.OSReceivesPending; break;
      case IOCP_STAT_OS_RECEIVE_BYTES_PENDING: *value = st.OSReceiveBytesPending; break;
      case IOCP_STAT_OS_SENDS_PENDING: *value = st.OSSendsPending; break;
      case IOCP_STAT_BYTES_IN: *value = st.BytesIn; break;
      case IOCP_STAT_BYTES_OUT: *value = st.BytesOut; break;
      case IOCP_STAT_READS: *value = st.Reads; break;
      case IOCP_STAT_WRITES: *value = st.Writes; break;
      case IOCP_STAT_ENGINE_THREADS: *value = s->server.EngineThreadCount(); break;
      case IOCP_STAT_IO_THREAD_FAILURES: *value = st.IOThreadFailures; break;
      default: return fail(IOCP_ERR_ARGUMENT, "unknown statistic " + std::to_string(which));
    }
    return IOCP_OK;
  });
}

int iocp_server_closed_count(iocp_server* s, const char* reason, size_t length, uint64_t* value) {
  if (!s || !value) return fail(IOCP_ERR_ARGUMENT, "no server or no value");
  return guarded([&] {
    const TIocpServerStats st = s->server.Stats();
    const auto it = st.Closed.find(text(reason, length));
    *value = it == st.Closed.end() ? 0 : it->second;
    return IOCP_OK;
  });
}

// --- IOHandler -------------------------------------------------------------------------------------

int iocp_io_readln(iocp_io* io, const char* terminator, size_t terminatorLength, int timeoutMs,
                   int maxLineLength, const char** line, size_t* length) {
  if (!io) return fail(IOCP_ERR_ARGUMENT, "no IOHandler");
  return guarded([&] {
    const std::string term = terminator && terminatorLength ? std::string(terminator, terminatorLength) : std::string(LF);
    io->out = io->io->ReadLn(term, timeoutMs, maxLineLength);
    giveOut(io->out, line, length);
    return IOCP_OK;
  });
}

int iocp_io_readln_wait(iocp_io* io, int failCount, const char** line, size_t* length) {
  if (!io) return fail(IOCP_ERR_ARGUMENT, "no IOHandler");
  return guarded([&] {
    io->out = io->io->ReadLnWait(failCount > 0 ? failCount : 0x7FFFFFFF);
    giveOut(io->out, line, length);
    return IOCP_OK;
  });
}

int iocp_io_read_bytes(iocp_io* io, int count, const char** data, size_t* length) {
  if (!io) return fail(IOCP_ERR_ARGUMENT, "no IOHandler");
  return guarded([&] {
    TIdBytes bytes;
    io->io->ReadBytes(bytes, count, false);
    io->out.assign(bytes.begin(), bytes.end());
    giveOut(io->out, data, length);
    return IOCP_OK;
  });
}

int iocp_io_read_int(iocp_io* io, int size, int isSigned, int convert, int64_t* value) {
  if (!io || !value) return fail(IOCP_ERR_ARGUMENT, "no IOHandler or no value");
  return guarded([&] {
    TIocpIOHandler& h = *io->io;
    const bool c = convert != 0;
    if (size != 1 && size != 2 && size != 4 && size != 8) {
      return fail(IOCP_ERR_ARGUMENT, "integer size is 1, 2, 4 or 8, not " + std::to_string(size));
    }
    // One branch per type: a conditional over a signed and an unsigned type would convert both.
    if (size == 1) {
      const uint8_t b = h.ReadByte();
      *value = isSigned ? static_cast<int64_t>(static_cast<int8_t>(b)) : static_cast<int64_t>(b);
    } else if (size == 2) {
      if (isSigned) *value = h.ReadInt16(c);
      else *value = h.ReadUInt16(c);
    } else if (size == 4) {
      if (isSigned) *value = h.ReadInt32(c);
      else *value = h.ReadUInt32(c);
    } else {
      if (isSigned) *value = h.ReadInt64(c);
      else *value = static_cast<int64_t>(h.ReadUInt64(c));
    }
    return IOCP_OK;
  });
}

int iocp_io_write(iocp_io* io, const void* data, size_t length) {
  if (!io || (!data && length)) return fail(IOCP_ERR_ARGUMENT, "no IOHandler or no data");
  return guarded([&] {
    io->io->WriteRaw(data, length);
    return IOCP_OK;
  });
}

int iocp_io_writeln(iocp_io* io, const char* s, size_t length) {
  if (!io || (!s && length)) return fail(IOCP_ERR_ARGUMENT, "no IOHandler or no text");
  return guarded([&] {
    std::string line;  // The text and its EOL in one write, as WriteLn without an encoding.
    line.reserve(length + std::string_view(EOL).size());
    line.append(s ? s : "", length).append(EOL);
    io->io->WriteRaw(line.data(), line.size());
    return IOCP_OK;
  });
}

int iocp_io_write_int(iocp_io* io, int size, int convert, int64_t value) {
  if (!io) return fail(IOCP_ERR_ARGUMENT, "no IOHandler");
  return guarded([&] {
    TIocpIOHandler& h = *io->io;
    const bool c = convert != 0;
    switch (size) {
      case 1: h.Write(static_cast<uint8_t>(value)); break;
      case 2: h.Write(static_cast<uint16_t>(value), c); break;
      case 4: h.Write(static_cast<uint32_t>(value), c); break;
      case 8: h.Write(static_cast<uint64_t>(value), c); break;
      default: return fail(IOCP_ERR_ARGUMENT, "integer size is 1, 2, 4 or 8, not " + std::to_string(size));
    }
    return IOCP_OK;
  });
}

int iocp_io_check_for_data(iocp_io* io, int timeoutMs) {
  if (!io) return fail(IOCP_ERR_ARGUMENT, "no IOHandler");
  return guarded([&] { return io->io->CheckForDataOnSource(timeoutMs) ? 1 : 0; });
}

int iocp_io_check_for_disconnect(iocp_io* io, int raiseIfDisconnected, int ignoreBuffer) {
  if (!io) return fail(IOCP_ERR_ARGUMENT, "no IOHandler");
  return guarded([&] {
    io->io->CheckForDisconnect(raiseIfDisconnected != 0, ignoreBuffer != 0);
    return IOCP_OK;
  });
}

int iocp_io_write_buffer(iocp_io* io, int operation, int argument) {
  if (!io) return fail(IOCP_ERR_ARGUMENT, "no IOHandler");
  return guarded([&] {
    switch (operation) {
      case IOCP_WRITE_BUFFER_OPEN: io->io->WriteBufferOpen(argument); break;
      case IOCP_WRITE_BUFFER_FLUSH: io->io->WriteBufferFlush(argument > 0 ? argument : -1); break;
      case IOCP_WRITE_BUFFER_CLOSE: io->io->WriteBufferClose(); break;
      case IOCP_WRITE_BUFFER_CANCEL: io->io->WriteBufferCancel(); break;
      case IOCP_WRITE_BUFFER_CLEAR: io->io->WriteBufferClear(); break;
      default: return fail(IOCP_ERR_ARGUMENT, "unknown write buffer operation " + std::to_string(operation));
    }
    return IOCP_OK;
  });
}

int iocp_io_input(iocp_io* io, const char** data, size_t* length) {
  if (!io) return fail(IOCP_ERR_ARGUMENT, "no IOHandler");
  return guarded([&] {
    const std::string_view view = io->io->InputBuffer()->View();
    if (data) *data = view.data();
    if (length) *length = view.size();
    return IOCP_OK;
  });
}

int iocp_io_input_consume(iocp_io* io, size_t count) {
  if (!io) return fail(IOCP_ERR_ARGUMENT, "no IOHandler");
  return guarded([&] {
    io->io->InputBuffer()->ExtractToString(static_cast<int>(count));
    return IOCP_OK;
  });
}

namespace {
// The caller's stream behind iocp_stream_fn; a failure it reports becomes the exception it raised.
class CallbackStream final : public TIocpStreamAccess {
 public:
  CallbackStream(iocp_stream_fn fn, void* user) : fn_(fn), user_(user) {}
  int64_t Size() override { return call(IOCP_STREAM_SIZE, nullptr, 0); }
  int64_t Position() override { return call(IOCP_STREAM_POSITION, nullptr, 0); }
  void Seek(int64_t APosition) override { call(IOCP_STREAM_SEEK, nullptr, APosition); }
  int64_t Read(void* ADst, int64_t ACount) override { return call(IOCP_STREAM_READ, ADst, ACount); }
  void Write(const void* ASrc, int64_t ACount) override {
    call(IOCP_STREAM_WRITE, const_cast<void*>(ASrc), ACount);
  }
  void SetSize(int64_t ASize) override { call(IOCP_STREAM_SET_SIZE, nullptr, ASize); }

 private:
  int64_t call(int op, void* data, int64_t value) {
    const int64_t r = fn_(user_, op, data, value);
    if (r < 0) raiseIfHandlerFailed(static_cast<int>(r));
    return r;
  }
  iocp_stream_fn fn_;
  void* user_;
};
}  // namespace

int iocp_io_write_stream(iocp_io* io, iocp_stream_fn stream, void* user, int64_t size, int writeByteCount) {
  if (!io || !stream) return fail(IOCP_ERR_ARGUMENT, "no IOHandler or no stream");
  return guarded([&] {
    CallbackStream s(stream, user);
    io->io->Write(s, size, writeByteCount != 0);
    return IOCP_OK;
  });
}

int iocp_io_read_stream(iocp_io* io, iocp_stream_fn stream, void* user, int64_t byteCount, int readUntilDisconnect) {
  if (!io || !stream) return fail(IOCP_ERR_ARGUMENT, "no IOHandler or no stream");
  return guarded([&] {
    CallbackStream s(stream, user);
    io->io->ReadStream(s, byteCount, readUntilDisconnect != 0);
    return IOCP_OK;
  });
}

namespace {

// iocp_host_name's and iocp_resolve_host's answer (a host name is at most 255 bytes, an address 45).
thread_local char tHostText[256];

int hostText(const std::string& text, const char** out, size_t* length) {
  const std::size_t n = std::min(text.size(), sizeof tHostText - 1);
  std::memcpy(tHostText, text.data(), n);
  tHostText[n] = '\0';
  *out = tHostText;
  *length = n;
  return IOCP_OK;
}

}  // namespace

int iocp_local_addresses(iocp_local_address_fn fn, void* user) {
  if (!fn) return fail(IOCP_ERR_ARGUMENT, "no callback");
  return guarded([&] {
    for (const TIocpLocalAddress& a : GStack->GetLocalAddressList()) {
      fn(user, a.IPVersion == Id_IPv6 ? 6 : 4, a.IPAddress.data(), a.IPAddress.size(), a.SubNetMask.data(),
         a.SubNetMask.size(), a.InterfaceName.data(), a.InterfaceName.size(), a.FriendlyName.data(),
         a.FriendlyName.size(), a.InterfaceIndex);
    }
    return IOCP_OK;
  });
}

int iocp_host_name(const char** text, size_t* length) {
  if (!text || !length) return fail(IOCP_ERR_ARGUMENT, "no text or length");
  return guarded([&] { return hostText(GStack->HostName(), text, length); });
}

int iocp_resolve_host(const char* host, size_t hostLength, int ipVersion, const char** text, size_t* length) {
  if (!text || !length || (!host && hostLength)) return fail(IOCP_ERR_ARGUMENT, "no host, text or length");
  if (ipVersion != 4 && ipVersion != 6) return fail(IOCP_ERR_ARGUMENT, "ip_version is 4 or 6");
  return guarded([&] {
    return hostText(GStack->ResolveHost(std::string(host ? host : "", hostLength), ipVersion == 6 ? Id_IPv6 : Id_IPv4),
                    text, length);
  });
}

void iocp_sleep(int ms) { IndySleep(static_cast<uint32_t>(ms < 0 ? 0 : ms)); }

int iocp_io_set_int(iocp_io* io, int option, int64_t value) {
  if (!io) return fail(IOCP_ERR_ARGUMENT, "no IOHandler");
  int v = 0;
  if (const int st = intValue(value, INT32_MIN, INT32_MAX, "value", &v)) return st;
  switch (option) {
    case IOCP_IO_READ_TIMEOUT: io->io->ReadTimeout = v; break;
    case IOCP_IO_MAX_LINE_LENGTH: io->io->MaxLineLength = v; break;
    case IOCP_IO_MAX_LINE_ACTION: io->io->MaxLineAction = v == 1 ? maSplit : maException; break;
    case IOCP_IO_LARGE_STREAM: io->io->LargeStream = v != 0; break;
    default: return fail(IOCP_ERR_ARGUMENT, "IOHandler option " + std::to_string(option) + " cannot be set");
  }
  return IOCP_OK;
}

int iocp_io_get_int(iocp_io* io, int option, int64_t* value) {
  if (!io || !value) return fail(IOCP_ERR_ARGUMENT, "no IOHandler or no value");
  const TIocpIOHandler& h = *io->io;
  switch (option) {
    case IOCP_IO_READ_TIMEOUT: *value = h.ReadTimeout; break;
    case IOCP_IO_MAX_LINE_LENGTH: *value = h.MaxLineLength; break;
    case IOCP_IO_MAX_LINE_ACTION: *value = h.MaxLineAction == maSplit ? 1 : 0; break;
    case IOCP_IO_READLN_TIMEDOUT: *value = h.ReadLnTimedout; break;
    case IOCP_IO_READLN_SPLIT: *value = h.ReadLnWasSplit(); break;
    case IOCP_IO_CONNECTED: *value = h.Connected(); break;
    case IOCP_IO_WRITE_BUFFERING: *value = h.WriteBufferingActive(); break;
    case IOCP_IO_LARGE_STREAM: *value = h.LargeStream; break;
    case IOCP_IO_INPUT_SIZE: *value = h.InputBuffer->Size; break;
    case IOCP_IO_WRITE_BUFFER_THRESHOLD: *value = h.WriteBufferThreshold(); break;
    case IOCP_IO_CLOSED_GRACEFULLY: *value = h.ClosedGracefully(); break;
    default: return fail(IOCP_ERR_ARGUMENT, "unknown IOHandler option " + std::to_string(option));
  }
  return IOCP_OK;
}

int iocp_io_close(iocp_io* io) {
  if (!io) return fail(IOCP_ERR_ARGUMENT, "no IOHandler");
  return guarded([&] {
    io->io->Close();
    return IOCP_OK;
  });
}

// --- Client ------------------------------------------------------------------------------------------

iocp_client* iocp_client_create(void) {
  try {
    auto* c = new iocp_client();
    c->handle.io = c->client.IOHandler;
    auto forward = [c](int which) -> TIocpClientNotifyEvent {
      return [c, which](TIocpTCPClient*) {
        if (c->events[which]) raiseIfHandlerFailed(c->events[which](c->users[which], c));
      };
    };
    c->client.OnConnected = forward(IOCP_ON_CONNECTED);
    c->client.OnDisconnected = forward(IOCP_ON_DISCONNECTED);
    c->client.OnHeartbeat = forward(IOCP_ON_CLIENT_HEARTBEAT);
    return c;
  } catch (...) {
    fail(IOCP_ERR_FAILED, "out of memory");
    return nullptr;
  }
}

void iocp_client_destroy(iocp_client* c) {
  if (!c) return;
  guarded([&] {
    delete c;
    return IOCP_OK;
  });
}

int iocp_client_set_int(iocp_client* c, int option, int64_t value) {
  if (!c) return fail(IOCP_ERR_ARGUMENT, "no client");
  TIocpTCPClient& cl = c->client;
  int v = 0;
  int st = intValue(value, INT32_MIN, INT32_MAX, "value", &v);
  if (st) return st;
  switch (option) {
    case IOCP_CLIENT_PORT:
      if ((st = intValue(value, 0, 65535, "Port", &v))) return st;
      cl.Port = static_cast<uint16_t>(v);
      break;
    case IOCP_CLIENT_CONNECT_TIMEOUT: cl.ConnectTimeout = v; break;
    case IOCP_CLIENT_READ_TIMEOUT:
      cl.ReadTimeout = v;
      cl.IOHandler->ReadTimeout = v;  // Indy: the client's ReadTimeout is its IOHandler's.
      break;
    case IOCP_CLIENT_USE_NAGLE: cl.UseNagle = v != 0; break;
    case IOCP_CLIENT_CLEAN_DISCONNECT: cl.Options.CleanDisconnect = v != 0; break;
    case IOCP_CLIENT_CLEAN_DISCONNECT_TIMEOUT: cl.Options.CleanDisconnectTimeout = v; break;
    case IOCP_CLIENT_HEARTBEAT_ENABLED: cl.Heartbeat.Enabled = v != 0; break;
    case IOCP_CLIENT_HEARTBEAT_INTERVAL: cl.Heartbeat.Interval = v; break;
    case IOCP_CLIENT_HEARTBEAT_TIMEOUT: cl.Heartbeat.Timeout = v; break;
    case IOCP_CLIENT_HEARTBEAT_MODE:
      if ((st = intValue(value, 0, 1, "Heartbeat.Mode", &v))) return st;
      cl.Heartbeat.Mode = v == 1 ? hbWhenIdle : hbAlways;
      break;
    default: return fail(IOCP_ERR_ARGUMENT, "unknown client option " + std::to_string(option));
  }
  return IOCP_OK;
}

int iocp_client_get_int(iocp_client* c, int option, int64_t* value) {
  if (!c || !value) return fail(IOCP_ERR_ARGUMENT, "no client or no value");
  const TIocpTCPClient& cl = c->client;
  switch (option) {
    case IOCP_CLIENT_PORT: *value = cl.Port; break;
    case IOCP_CLIENT_CONNECT_TIMEOUT: *value = cl.ConnectTimeout; break;
    case IOCP_CLIENT_READ_TIMEOUT: *value = cl.ReadTimeout; break;
    case IOCP_CLIENT_USE_NAGLE: *value = cl.UseNagle; break;
    case IOCP_CLIENT_CLEAN_DISCONNECT: *value = cl.Options.CleanDisconnect; break;
    case IOCP_CLIENT_CLEAN_DISCONNECT_TIMEOUT: *value = cl.Options.CleanDisconnectTimeout; break;
    case IOCP_CLIENT_HEARTBEAT_ENABLED: *value = cl.Heartbeat.Enabled; break;
    case IOCP_CLIENT_HEARTBEAT_INTERVAL: *value = cl.Heartbeat.Interval; break;
    case IOCP_CLIENT_HEARTBEAT_TIMEOUT: *value = cl.Heartbeat.Timeout; break;
    case IOCP_CLIENT_HEARTBEAT_MODE: *value = cl.Heartbeat.Mode == hbWhenIdle ? 1 : 0; break;
    default: return fail(IOCP_ERR_ARGUMENT, "unknown client option " + std::to_string(option));
  }
  return IOCP_OK;
}

int iocp_client_set_str(iocp_client* c, int option, const char* value, size_t length) {
  if (!c) return fail(IOCP_ERR_ARGUMENT, "no client");
  return guarded([&] {
    switch (option) {
      case IOCP_CLIENT_HOST: c->client.Host = text(value, length); break;
      case IOCP_CLIENT_GOODBYE: c->client.Options.Goodbye = text(value, length); break;
      case IOCP_CLIENT_HEARTBEAT_PAYLOAD: c->client.Heartbeat.Payload = text(value, length); break;
      default: return fail(IOCP_ERR_ARGUMENT, "unknown client string option " + std::to_string(option));
    }
    return IOCP_OK;
  });
}

int iocp_client_set_event(iocp_client* c, int which, iocp_client_event fn, void* user) {
  if (!c) return fail(IOCP_ERR_ARGUMENT, "no client");
  if (which < IOCP_ON_CONNECTED || which > IOCP_ON_CLIENT_HEARTBEAT) {
    return fail(IOCP_ERR_ARGUMENT, "unknown client event " + std::to_string(which));
  }
  c->events[which] = fn;
  c->users[which] = user;
  return IOCP_OK;
}

int iocp_client_connect(iocp_client* c) {
  if (!c) return fail(IOCP_ERR_ARGUMENT, "no client");
  return guarded([&] {
    c->client.Connect();
    return IOCP_OK;
  });
}

int iocp_client_disconnect(iocp_client* c, int notifyPeer) {
  if (!c) return fail(IOCP_ERR_ARGUMENT, "no client");
  return guarded([&] {
    c->client.Disconnect(notifyPeer != 0);
    return IOCP_OK;
  });
}

int iocp_client_connected(iocp_client* c) { return c && c->client.Connected() ? 1 : 0; }

iocp_io* iocp_client_io(iocp_client* c) { return c ? &c->handle : nullptr; }

}  // extern "C"
