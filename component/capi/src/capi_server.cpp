// The C ABI's servers: options (the option table), bindings, activation, events, contexts and
// counters (iocp.h "Server", "Contexts", "Stats").
#include "capi.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <string>
#include <vector>

#include "IocpHost.h"
#include "IocpServerOptions.h"

using namespace iocp_capi;

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

}  // namespace

namespace iocp_capi {

Iocp::TIocpSSLEvents tlsEvents(iocp_password_event password, iocp_verify_peer_event verify, void* user) {
  Iocp::TIocpSSLEvents events;
  if (password) {
    events.OnGetPassword = [password, user](std::string& Password) {
      char buf[4096];
      size_t length = 0;
      raiseIfHandlerFailed(password(user, buf, sizeof buf, &length));
      Password.assign(buf, length < sizeof buf ? length : sizeof buf);
    };
  }
  if (verify) {
    events.OnVerifyPeer = [verify, user](TIdX509* cert, bool ok, int depth, int error) {
      iocp_x509 x{};
      x.subject = cert->Subject->OneLine.c_str();
      x.issuer = cert->Issuer->OneLine.c_str();
      x.serial_number = cert->SerialNumber.c_str();
      x.md5 = cert->Fingerprints->MD5AsString.c_str();
      x.sha1 = cert->Fingerprints->SHA1AsString.c_str();
      x.sha256 = cert->Fingerprints->SHA256AsString.c_str();
      // TDateTime back to seconds since 1970 (whole seconds: the certificate has no finer).
      x.not_before = static_cast<int64_t>(std::llround((cert->notBefore - 25569.0) * 86400.0));
      x.not_after = static_cast<int64_t>(std::llround((cert->notAfter - 25569.0) * 86400.0));
      x.version = static_cast<int32_t>(cert->Version);
      int accept = ok ? 1 : 0;
      raiseIfHandlerFailed(verify(user, &x, ok ? 1 : 0, depth, error, &accept));
      return accept != 0;
    };
  }
  return events;
}

}  // namespace iocp_capi

namespace {

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
      refuse(k, options::allowedRange(lo, hi));
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
  template <typename E, std::size_t N>
  void flags(const options::Key& k, TIocpSet<E>& v, const options::Name<E> (&list)[N]) {
    if (!mine(k, false)) return;
    if (op_ == GetInt) {
      out = static_cast<int64_t>(v.Bits);
      return;
    }
    const unsigned mask = options::flagsMask(list);
    if (in < 0 || (static_cast<uint64_t>(in) & ~static_cast<uint64_t>(mask))) {
      std::string allowed;
      for (const options::Name<E>& n : list) {
        allowed += (allowed.empty() ? "" : ", ") + std::to_string(1LL << n.value) + " (" + n.text + ")";
      }
      refuse(k, "allowed values: a sum of " + allowed);
      return;
    }
    v.Bits = static_cast<unsigned>(in);
  }
  void bindings(const char*, TIocpSocketHandles&) {}
  void certificates(const char*, std::vector<TIocpSNICertificate>&) {}

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
    result_ = fail(IOCP_ERR_ARGUMENT, options::notAllowed(at(k.name), std::to_string(in), allowed));
  }

  int id_;
  Op op_;
  bool found_ = false;
  int result_ = IOCP_OK;
};

}  // namespace

extern "C" {

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

int iocp_server_drain(iocp_server* s, int timeout_ms, iocp_draining_fn on_draining, void* user, int* all_ended) {
  if (!s) return fail(IOCP_ERR_ARGUMENT, "no server");
  return guarded([&] {
    TIocpServerNotifyEvent previous = s->server.OnDraining;
    s->server.OnDraining = [&](TIocpTCPServer*) {
      if (on_draining) on_draining(user);
    };
    bool ended = false;
    try {
      ended = s->server.Drain(timeout_ms);
    } catch (...) {
      s->server.OnDraining = previous;
      throw;
    }
    s->server.OnDraining = previous;
    if (all_ended) *all_ended = ended ? 1 : 0;
    return IOCP_OK;
  });
}

int iocp_server_draining(iocp_server* s, int* draining) {
  if (!s || !draining) return fail(IOCP_ERR_ARGUMENT, "no server or no draining");
  *draining = s->server.Draining() ? 1 : 0;
  return IOCP_OK;
}

int iocp_server_reload_certificates(iocp_server* s) {
  if (!s) return fail(IOCP_ERR_ARGUMENT, "no server");
  return guarded([&] {
    s->server.ReloadCertificates();
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

int iocp_server_clear_sni_certificates(iocp_server* s) {
  if (!s) return fail(IOCP_ERR_ARGUMENT, "no server");
  s->server.SSLOptions.SNICertificates.clear();
  return IOCP_OK;
}

int iocp_server_add_sni_certificate(iocp_server* s, const char* host, size_t hostLength, const char* cert,
                                    size_t certLength, const char* key, size_t keyLength) {
  if (!s) return fail(IOCP_ERR_ARGUMENT, "no server");
  if (!host || hostLength == 0) return fail(IOCP_ERR_ARGUMENT, "an SNI certificate needs a host name");
  return guarded([&] {
    s->server.SSLOptions.SNICertificates.push_back({text(host, hostLength), text(cert, certLength), text(key, keyLength)});
    return static_cast<int>(s->server.SSLOptions.SNICertificates.size()) - 1;
  });
}

int iocp_server_sni_certificate_count(iocp_server* s) {
  if (!s) return fail(IOCP_ERR_ARGUMENT, "no server");
  return static_cast<int>(s->server.SSLOptions.SNICertificates.size());
}

int iocp_server_sni_certificate(iocp_server* s, int index, const char** host, size_t* hostLength, const char** cert,
                                size_t* certLength, const char** key, size_t* keyLength) {
  if (!s) return fail(IOCP_ERR_ARGUMENT, "no server");
  const auto& list = s->server.SSLOptions.SNICertificates;
  if (index < 0 || static_cast<size_t>(index) >= list.size()) {
    return fail(IOCP_ERR_ARGUMENT, "no SNI certificate " + std::to_string(index));
  }
  giveOut(list[static_cast<size_t>(index)].HostName, host, hostLength);
  giveOut(list[static_cast<size_t>(index)].CertFile, cert, certLength);
  giveOut(list[static_cast<size_t>(index)].KeyFile, key, keyLength);
  return IOCP_OK;
}

int iocp_server_set_tls_events(iocp_server* s, iocp_password_event password, iocp_verify_peer_event verify,
                               void* user) {
  if (const int st = inactiveOrFail(s)) return st;
  return guarded([&] {
    Iocp::TIocpSSLEvents events = tlsEvents(password, verify, user);
    s->server.OnGetPassword = std::move(events.OnGetPassword);
    s->server.OnVerifyPeer = std::move(events.OnVerifyPeer);
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

int iocp_context_disconnect_detail(iocp_context* c, const char** text, size_t* length) {
  if (!c) return fail(IOCP_ERR_ARGUMENT, "no context");
  return guarded([&] {
    capi(c)->reason = capi(c)->DisconnectDetail();
    giveOut(capi(c)->reason, text, length);
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
      case IOCP_STAT_READ_PAUSES: *value = st.ReadPauses; break;
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

}  // extern "C"
