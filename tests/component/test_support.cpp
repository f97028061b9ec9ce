#include "test_support.h"

namespace testing_support {

std::string RawSocket::recvLine(int timeoutMs) {
  const auto t0 = std::chrono::steady_clock::now();
  for (;;) {
    const std::size_t pos = pending_.find("\r\n");
    if (pos != std::string::npos) {
      std::string line = pending_.substr(0, pos);
      pending_.erase(0, pos + 2);
      return line;
    }
    const int left = timeoutMs - static_cast<int>(msSince(t0));
    if (left <= 0) return {};
    const std::string more = recvSome(left);
    if (more.empty()) return {};
    pending_ += more;
  }
}

BurstResult echoBurst(const std::string& ip, uint16_t port, int count, int rounds, int durationMs) {
  struct Client {
    raw::Socket s = -1;
    bool connected = false;
    int echoes = 0;
    std::string got;
  };
  std::vector<Client> clients(static_cast<std::size_t>(count));
  const auto t0 = std::chrono::steady_clock::now();
  for (Client& c : clients) c.s = raw::startConnect(ip, port);
  BurstResult r;
  std::vector<raw::PollItem> items;
  std::vector<Client*> owners;
  const std::string line = "burst line\r\n";
  while (r.echoed < count && msSince(t0) < durationMs) {
    items.clear();
    owners.clear();
    for (Client& c : clients) {
      if (c.s < 0 || c.echoes >= rounds) continue;
      items.push_back(raw::PollItem{c.s, !c.connected});
      owners.push_back(&c);
    }
    if (items.empty()) break;
    if (raw::poll(items, 50) <= 0) continue;
    for (std::size_t i = 0; i < items.size(); ++i) {
      Client& c = *owners[i];
      const raw::PollItem& it = items[i];
      if (!c.connected && (it.writable || it.failed)) {
        if (raw::socketError(c.s) != 0) {  // Refused or reset: this client is out.
          raw::close(c.s);
          c.s = -1;
          continue;
        }
        c.connected = true;
        ++r.connected;
        raw::send(c.s, line.data(), line.size());  // Small: always fits the socket buffer.
      }
      if (!c.connected || !(it.readable || it.failed)) continue;
      char buf[4096];
      const long n = raw::recv(c.s, buf, sizeof buf);
      if (n <= 0) continue;
      c.got.append(buf, static_cast<std::size_t>(n));
      for (std::size_t pos; (pos = c.got.find("\r\n")) != std::string::npos;) {
        c.got.erase(0, pos + 2);
        if (++c.echoes == rounds) {
          ++r.echoed;
          r.lastEchoedMs = msSince(t0);
        } else {
          raw::send(c.s, line.data(), line.size());
        }
      }
    }
  }
  for (Client& c : clients) {
    if (c.s >= 0) raw::close(c.s);
  }
  return r;
}

}  // namespace testing_support
