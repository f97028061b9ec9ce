// Two network namespaces joined by a veth pair, for tests of peers that vanish without FIN or
// RST (vanished_peer_test.cpp, vanished_tls_peer_test.cpp). Linux, root. The namespaces are
// deleted by the destructor, also when a test fails.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace testing_support {

// Addresses that exist only inside the two namespaces a NamespacePair creates.
constexpr const char* kServerIp = "10.231.0.1";
constexpr const char* kClientIp = "10.231.0.2";

inline bool run(const std::string& command) {
  const int rc = std::system((command + " >/dev/null 2>&1").c_str());
  return rc == 0;
}

// Move the calling thread into the named network namespace (sockets and devices it creates from
// now on live there).
inline bool enterNamespace(const std::string& name) {
  const int fd = open(("/var/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = setns(fd, CLONE_NEWNET) == 0;
  close(fd);
  return ok;
}

// Two namespaces ("server" and "client") joined by veth; both deleted by the destructor.
class NamespacePair {
 public:
  NamespacePair() {
    const std::string id = std::to_string(getpid());
    server_ = "iocpt-s" + id;
    client_ = "iocpt-c" + id;
    const std::string vs = "vs" + id, vc = "vc" + id;
    clientLink_ = vc;
    ok_ = run("ip netns add " + server_) && run("ip netns add " + client_) &&
          run("ip link add " + vs + " type veth peer name " + vc) &&
          run("ip link set " + vs + " netns " + server_) && run("ip link set " + vc + " netns " + client_) &&
          run("ip -n " + server_ + " addr add " + kServerIp + "/24 dev " + vs) &&
          run("ip -n " + client_ + " addr add " + kClientIp + "/24 dev " + vc) &&
          run("ip -n " + server_ + " link set " + vs + " up") && run("ip -n " + client_ + " link set " + vc + " up") &&
          run("ip -n " + server_ + " link set lo up") && run("ip -n " + client_ + " link set lo up");
  }
  ~NamespacePair() {
    run("ip netns del " + server_);  // Deleting a namespace deletes its end of the veth pair.
    run("ip netns del " + client_);
  }
  bool ok() const { return ok_; }
  // Move the calling thread into a namespace (sockets it creates from now on live there).
  bool enterServer() const { return enterNamespace(server_); }
  bool enterClient() const { return enterNamespace(client_); }
  // The peer vanishes: its link goes down. No FIN, no RST: the server's packets go nowhere.
  bool cutClient() const { return run("ip -n " + client_ + " link set " + clientLink_ + " down"); }

 private:
  std::string server_, client_, clientLink_;
  bool ok_ = false;
};

}  // namespace testing_support
