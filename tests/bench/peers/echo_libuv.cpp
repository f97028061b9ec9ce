// bench_echo_libuv: benchmark peer, an echo server on libuv. One loop, uv_tcp handles; the alloc
// callback hands out the connection's own buffer and what was read goes back with uv_write.
// Reading pauses only while the kernel has not yet taken a write (the buffer is still in use).
#include <netinet/in.h>
#include <uv.h>

#include <climits>
#include <csignal>
#include <cstdio>

#include "peer_common.h"

namespace {

struct Connection {
  uv_tcp_t tcp;
  bool paused = false;  // Reading stopped until the pending write has left the buffer.
  char buf[16 * 1024];
};

void onClosed(uv_handle_t* handle) { delete static_cast<Connection*>(handle->data); }  // Listener, signals: null.

void closeHandle(uv_handle_t* handle) {
  if (!uv_is_closing(handle)) uv_close(handle, onClosed);
}

void onAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  Connection* c = static_cast<Connection*>(handle->data);
  *buf = uv_buf_init(c->buf, sizeof c->buf);
}

void onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);

void onWritten(uv_write_t* req, int status) {
  uv_stream_t* stream = req->handle;
  delete req;
  if (status < 0) return closeHandle(reinterpret_cast<uv_handle_t*>(stream));  // Also UV_ECANCELED on close.
  Connection* c = static_cast<Connection*>(stream->data);
  if (c->paused && uv_stream_get_write_queue_size(stream) == 0) {
    c->paused = false;
    uv_read_start(stream, onAlloc, onRead);
  }
}

void onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  if (nread < 0) return closeHandle(reinterpret_cast<uv_handle_t*>(stream));  // UV_EOF or an error.
  if (nread == 0) return;  // EAGAIN: the buffer was not used.
  const uv_buf_t out = uv_buf_init(buf->base, static_cast<unsigned int>(nread));
  auto* req = new uv_write_t;
  if (uv_write(req, stream, &out, 1, onWritten) != 0) {
    delete req;
    return closeHandle(reinterpret_cast<uv_handle_t*>(stream));
  }
  // uv_write sends at once when it can. Bytes still queued live in this connection's buffer, so
  // stop reading into it until onWritten reports them sent.
  if (uv_stream_get_write_queue_size(stream) > 0) {
    static_cast<Connection*>(stream->data)->paused = true;
    uv_read_stop(stream);
  }
}

void onConnection(uv_stream_t* server, int status) {
  if (status < 0) return;  // E.g. out of descriptors (libuv drops the connection itself).
  auto* c = new Connection;
  c->tcp.data = c;
  uv_tcp_init(server->loop, &c->tcp);
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0) return closeHandle(reinterpret_cast<uv_handle_t*>(&c->tcp));
  uv_tcp_nodelay(&c->tcp, 1);
  uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), onAlloc, onRead);
}

void closeEverything(uv_handle_t* handle, void*) { closeHandle(handle); }

void onSignal(uv_signal_t* signal, int) { uv_walk(signal->loop, closeEverything, nullptr); }

int failed(const char* what, int err) {
  std::fprintf(stderr, "bench_echo_libuv: %s: %s\n", what, uv_strerror(err));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const peer::Spec spec{"bench_echo_libuv", 1, nullptr, nullptr};
  const peer::Options opt = peer::parseArgs(argc, argv, spec);
  peer::raiseFileLimit();

  uv_loop_t* loop = uv_default_loop();
  uv_tcp_t server;
  uv_tcp_init(loop, &server);
  server.data = nullptr;
  sockaddr_in addr{};
  uv_ip4_addr(opt.host.c_str(), opt.port, &addr);
  const std::string where = "listen on " + opt.host + ":" + std::to_string(opt.port);
  // uv_tcp_bind sets SO_REUSEADDR; the kernel caps the backlog at net.core.somaxconn.
  if (int err = uv_tcp_bind(&server, reinterpret_cast<const sockaddr*>(&addr), 0)) return failed(where.c_str(), err);
  if (int err = uv_listen(reinterpret_cast<uv_stream_t*>(&server), INT_MAX, onConnection)) return failed(where.c_str(), err);
  int len = sizeof addr;
  if (int err = uv_tcp_getsockname(&server, reinterpret_cast<sockaddr*>(&addr), &len)) return failed("getsockname", err);

  uv_signal_t sigint, sigterm;
  uv_signal_init(loop, &sigint);
  uv_signal_init(loop, &sigterm);
  sigint.data = sigterm.data = nullptr;
  uv_signal_start(&sigint, onSignal, SIGINT);
  uv_signal_start(&sigterm, onSignal, SIGTERM);

  peer::announce(ntohs(addr.sin_port));
  uv_run(loop, UV_RUN_DEFAULT);  // Returns once the signal handler has closed every handle.
  if (int err = uv_loop_close(loop)) return failed("uv_loop_close", err);
  return 0;
}
