// The C ABI's clients (iocp.h "Client").
#include "capi.h"

using namespace iocp_capi;

extern "C" {

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

int iocp_client_set_tls_events(iocp_client* c, iocp_password_event password, iocp_verify_peer_event verify,
                               void* user) {
  if (!c) return fail(IOCP_ERR_ARGUMENT, "no client");
  return guarded([&] {
    Iocp::TIocpSSLEvents events = tlsEvents(password, verify, user);
    c->client.OnGetPassword = std::move(events.OnGetPassword);
    c->client.OnVerifyPeer = std::move(events.OnVerifyPeer);
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
    case IOCP_CLIENT_SSL_ENABLED: cl.SSLOptions.Enabled = v != 0; break;
    case IOCP_CLIENT_SSL_VERSIONS:
      if ((st = intValue(value, 0, 127, "SSLOptions.SSLVersions", &v))) return st;
      cl.SSLOptions.SSLVersions.Bits = static_cast<unsigned>(v);
      break;
    case IOCP_CLIENT_SSL_VERIFY_MODE:
      if ((st = intValue(value, 0, 7, "SSLOptions.VerifyMode", &v))) return st;
      cl.SSLOptions.VerifyMode.Bits = static_cast<unsigned>(v);
      break;
    case IOCP_CLIENT_SSL_VERIFY_DEPTH:
      if ((st = intValue(value, 0, 100, "SSLOptions.VerifyDepth", &v))) return st;
      cl.SSLOptions.VerifyDepth = v;
      break;
    case IOCP_CLIENT_SSL_PASS_THROUGH: cl.SSLOptions.PassThrough = v != 0; break;
    case IOCP_CLIENT_SSL_HANDSHAKE_TIMEOUT:
      if ((st = intValue(value, 0, INT32_MAX, "SSLOptions.HandshakeTimeout", &v))) return st;
      cl.SSLOptions.HandshakeTimeout = v;
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
    case IOCP_CLIENT_SSL_ENABLED: *value = cl.SSLOptions.Enabled; break;
    case IOCP_CLIENT_SSL_VERSIONS: *value = cl.SSLOptions.SSLVersions.Bits; break;
    case IOCP_CLIENT_SSL_VERIFY_MODE: *value = cl.SSLOptions.VerifyMode.Bits; break;
    case IOCP_CLIENT_SSL_VERIFY_DEPTH: *value = cl.SSLOptions.VerifyDepth; break;
    case IOCP_CLIENT_SSL_PASS_THROUGH: *value = cl.SSLOptions.PassThrough; break;
    case IOCP_CLIENT_SSL_HANDSHAKE_TIMEOUT: *value = cl.SSLOptions.HandshakeTimeout; break;
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
      case IOCP_CLIENT_SSL_CERT_FILE: c->client.SSLOptions.CertFile = text(value, length); break;
      case IOCP_CLIENT_SSL_KEY_FILE: c->client.SSLOptions.KeyFile = text(value, length); break;
      case IOCP_CLIENT_SSL_ROOT_CERT_FILE: c->client.SSLOptions.RootCertFile = text(value, length); break;
      case IOCP_CLIENT_SSL_CIPHER_LIST: c->client.SSLOptions.CipherList = text(value, length); break;
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
