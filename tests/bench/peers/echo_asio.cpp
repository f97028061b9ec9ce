// bench_echo_asio: benchmark peer, the idiomatic Boost.Asio echo server. One io_context run on
// --threads threads; each session reads with async_read_some into its own buffer and writes what
// it read back with async_write (one operation outstanding per session, so no strand is needed).
// --tls-cert/--tls-key: the same session over asio::ssl::stream (OpenSSL), after async_handshake.
#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include "peer_common.h"

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

// Stream: tcp::socket, or asio::ssl::stream<tcp::socket> (start() handshakes first).
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <class... Args>
  explicit Session(Args&&... args) : stream_(std::forward<Args>(args)...) {}

  void start() {
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      read();
    } else {
      stream_.async_handshake(asio::ssl::stream_base::server, [self = this->shared_from_this()](error_code ec) {
        if (!ec) self->read();
      });
    }
  }

 private:
  void read() {
    stream_.async_read_some(asio::buffer(data_), [self = this->shared_from_this()](error_code ec, std::size_t n) {
      if (!ec) self->write(n);  // EOF or error: the session ends with its last handler.
    });
  }

  void write(std::size_t n) {
    asio::async_write(stream_, asio::buffer(data_, n), [self = this->shared_from_this()](error_code ec, std::size_t) {
      if (!ec) self->read();
    });
  }

  Stream stream_;
  std::array<char, 16 * 1024> data_;
};

class Server {
 public:
  // tls: the server context, or nullptr for plain TCP.
  Server(asio::io_context& io, const tcp::endpoint& endpoint, asio::ssl::context* tls)
      : acceptor_(io), retry_(io), tls_(tls) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
    accept();
  }

  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  void close() {
    error_code ignored;
    acceptor_.close(ignored);
    retry_.cancel();
  }

 private:
  void accept() {
    acceptor_.async_accept([this](error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;  // Closed: stopping.
      if (ec) {  // E.g. out of descriptors: try again shortly instead of spinning.
        retry_.expires_after(std::chrono::milliseconds(10));
        retry_.async_wait([this](error_code wec) {
          if (!wec) accept();
        });
        return;
      }
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      if (tls_ != nullptr) {
        std::make_shared<Session<asio::ssl::stream<tcp::socket>>>(std::move(socket), *tls_)->start();
      } else {
        std::make_shared<Session<tcp::socket>>(std::move(socket))->start();
      }
      accept();
    });
  }

  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  asio::ssl::context* tls_;
};

}  // namespace

int main(int argc, char** argv) {
  const peer::Spec spec{"bench_echo_asio", 1024, nullptr, nullptr, true};
  const peer::Options opt = peer::parseArgs(argc, argv, spec);
  peer::raiseFileLimit();

  asio::io_context io(opt.threads);  // Concurrency hint: the number of threads that run it.
  std::unique_ptr<asio::ssl::context> tls;
  std::unique_ptr<Server> server;
  try {
    if (!opt.tlsCert.empty()) {  // TLS 1.2 and 1.3, as the other peers.
      tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
      tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
      tls->use_certificate_chain_file(opt.tlsCert);
      tls->use_private_key_file(opt.tlsKey, asio::ssl::context::pem);
    }
    server = std::make_unique<Server>(io, tcp::endpoint(asio::ip::make_address_v4(opt.host), opt.port), tls.get());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_echo_asio: listen on %s:%u: %s\n", opt.host.c_str(), static_cast<unsigned>(opt.port), e.what());
    return 1;
  }
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](error_code, int) {
    server->close();
    io.stop();
  });

  peer::announce(server->port());
  std::vector<std::thread> threads;
  for (int i = 1; i < opt.threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();
  // Sessions still open are destroyed (their sockets closed) with the io_context's handlers.
  return 0;
}
