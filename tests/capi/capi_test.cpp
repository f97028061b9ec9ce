// The C ABI as a host uses it (only iocp.h): events and their order, errors from callbacks,
// exceptions that must not cross, contexts, stats, the IOHandler calls.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "backend_names.h"
#include "event_log.h"
#include "iocp.h"
#include "wait_until.h"

namespace {

using testing_support::EventLog;
using testing_support::namesTheCompletionBackend;
using testing_support::waitUntil;

std::string str(const char* p, size_t n) { return std::string(p, n); }


class Capi : public ::testing::TestWithParam<int> {  // 0 = iohDefault, 1 = iohIOCP.
 protected:
  void SetUp() override {
    server = iocp_server_create();
    ASSERT_NE(server, nullptr);
    ASSERT_EQ(iocp_server_add_binding(server, "127.0.0.1", 9, 0), 0);
    ASSERT_EQ(iocp_server_set_int(server, IOCP_SERVER_IOHANDLER_TYPE, GetParam()), IOCP_OK);
  }
  void TearDown() override {
    for (iocp_client* c : clients) iocp_client_destroy(c);
    iocp_server_destroy(server);
  }
  int start() {
    EXPECT_EQ(iocp_server_set_active(server, 1), IOCP_OK) << iocp_last_error();
    int port = 0;
    iocp_server_binding(server, 0, nullptr, nullptr, &port);
    return port;
  }
  iocp_client* connect(int port) {
    iocp_client* c = iocp_client_create();
    iocp_client_set_int(c, IOCP_CLIENT_PORT, port);
    iocp_client_set_int(c, IOCP_CLIENT_READ_TIMEOUT, 5000);
    EXPECT_EQ(iocp_client_connect(c), IOCP_OK) << iocp_last_error();
    clients.push_back(c);
    return c;
  }
  static std::string readLn(iocp_io* io, int* rc = nullptr) {
    const char* line = nullptr;
    size_t n = 0;
    const int r = iocp_io_readln(io, nullptr, 0, IOCP_TIMEOUT_DEFAULT, -1, &line, &n);
    if (rc) *rc = r;
    return r == IOCP_OK ? str(line, n) : std::string();
  }
  static void writeLn(iocp_io* io, const std::string& s) { iocp_io_writeln(io, s.data(), s.size()); }

  iocp_server* server = nullptr;
  std::vector<iocp_client*> clients;
};
INSTANTIATE_TEST_SUITE_P(Engines, Capi, ::testing::Values(0, 1),
                         [](const ::testing::TestParamInfo<int>& p) { return p.param ? "iohIOCP" : "iohDefault"; });

// The user-data pointer of the callbacks below: the test's event log.
EventLog* host(void* user) { return static_cast<EventLog*>(user); }

TEST_P(Capi, EventsArriveInIndysOrderWithTheReasonAndTheException) {
  EventLog h;
  iocp_server_set_context_event(server, IOCP_ON_CONTEXT_CREATED, [](void* u, iocp_context*) {
    host(u)->add("created");
    return IOCP_OK;
  }, &h);
  iocp_server_set_context_event(server, IOCP_ON_CONNECT, [](void* u, iocp_context*) {
    host(u)->add("connect");
    return IOCP_OK;
  }, &h);
  iocp_server_set_context_event(server, IOCP_ON_EXECUTE, [](void* u, iocp_context* c) {
    int rc = 0;
    const std::string line = readLn(iocp_context_io(c), &rc);
    if (rc != IOCP_OK) {
      iocp_set_handler_error(rc, iocp_last_error(), std::strlen(iocp_last_error()));
      return IOCP_ERR_HANDLER;
    }
    host(u)->add("execute " + line);
    writeLn(iocp_context_io(c), line);
    return IOCP_OK;
  }, &h);
  iocp_server_set_context_event(server, IOCP_ON_DISCONNECT, [](void* u, iocp_context* c) {
    const char* reason = nullptr;
    size_t n = 0;
    iocp_context_disconnect_reason(c, &reason, &n);
    host(u)->add("disconnect " + str(reason, n) + " in=" + std::to_string(iocp_server_context_count(iocp_context_server(c))));
    return IOCP_OK;
  }, &h);
  iocp_server_set_exception_event(server, [](void* u, iocp_context*, int code, const char* msg, size_t n) {
    host(u)->add("exception " + std::to_string(code) + " " + str(msg, n));
  }, &h);
  iocp_server_set_context_event(server, IOCP_ON_CONTEXT_FREED, [](void* u, iocp_context*) {
    host(u)->add("freed");
    return IOCP_OK;
  }, &h);
  const int port = start();
  iocp_client* c = connect(port);
  writeLn(iocp_client_io(c), "a");
  EXPECT_EQ(readLn(iocp_client_io(c)), "a");
  iocp_client_disconnect(c, 1);
  ASSERT_TRUE(waitUntil([&] { return !h.snapshot().empty() && h.snapshot().back() == "freed"; }));
  // As Indy's loop: the read after OnExecute may see the close (the loop ends quietly), or the
  // next OnExecute's ReadLn does (EIdConnClosedGracefully reaches the exception event).
  const std::vector<std::string> raised = {
      "created", "connect", "execute a", "disconnect peer closed in=1",
      "exception " + std::to_string(IOCP_ERR_CLOSED_GRACEFULLY) + " Connection Closed Gracefully.", "freed"};
  const std::vector<std::string> quiet = {"created", "connect", "execute a", "disconnect peer closed in=1", "freed"};
  EXPECT_TRUE(h.snapshot() == raised || h.snapshot() == quiet) << ::testing::PrintToString(h.snapshot());
}

// A callback written in C++ throws: the exception never reaches the host's calls into the ABI;
// it ends that connection, as a handler exception does, and the server serves on.
TEST_P(Capi, AnExceptionThrownInACallbackDoesNotCrossTheAbi) {
  EventLog h;
  iocp_server_set_context_event(server, IOCP_ON_EXECUTE, [](void*, iocp_context* c) -> int {
    const std::string line = readLn(iocp_context_io(c));
    if (line == "throw") throw std::runtime_error("thrown in a C++ callback");
    writeLn(iocp_context_io(c), line);
    return IOCP_OK;
  }, &h);
  iocp_server_set_exception_event(server, [](void* u, iocp_context*, int code, const char* msg, size_t n) {
    if (code != IOCP_ERR_CLOSED_GRACEFULLY) host(u)->add(std::to_string(code) + " " + str(msg, n));
  }, &h);
  const int port = start();
  iocp_client* victim = connect(port);
  iocp_client* other = connect(port);
  writeLn(iocp_client_io(victim), "throw");
  int rc = 0;
  readLn(iocp_client_io(victim), &rc);
  EXPECT_EQ(rc, IOCP_ERR_CLOSED_GRACEFULLY);
  ASSERT_TRUE(waitUntil([&] { return h.snapshot().size() == 1; }));
  EXPECT_EQ(h.snapshot()[0], std::to_string(IOCP_ERR_FAILED) + " thrown in a C++ callback");
  writeLn(iocp_client_io(other), "still here");
  EXPECT_EQ(readLn(iocp_client_io(other)), "still here");
  EXPECT_EQ(iocp_server_active(server), 1);
}

TEST_P(Capi, AHandlerErrorCarriesItsCodeAndText) {
  EventLog h;
  iocp_server_set_context_event(server, IOCP_ON_EXECUTE, [](void*, iocp_context* c) {
    readLn(iocp_context_io(c));
    const char* why = "EMyError: bad request";
    iocp_set_handler_error(IOCP_ERR_FAILED, why, std::strlen(why));
    return IOCP_ERR_HANDLER;
  }, nullptr);
  iocp_server_set_exception_event(server, [](void* u, iocp_context* c, int code, const char* msg, size_t n) {
    const char* reason = nullptr;
    size_t rn = 0;
    iocp_context_disconnect_reason(c, &reason, &rn);
    host(u)->add(std::to_string(code) + " " + str(msg, n) + " / " + str(reason, rn));
  }, &h);
  const int port = start();
  iocp_client* c = connect(port);
  writeLn(iocp_client_io(c), "x");
  ASSERT_TRUE(waitUntil([&] { return h.snapshot().size() == 1; }));
  EXPECT_EQ(h.snapshot()[0], std::to_string(IOCP_ERR_FAILED) + " EMyError: bad request / handler error");
}

// The per-thread texts are fixed arrays: a long handler message arrives cut, ending in "...".
TEST_P(Capi, ALongHandlerErrorArrivesCutTo2047Bytes) {
  EventLog h;
  iocp_server_set_context_event(server, IOCP_ON_EXECUTE, [](void*, iocp_context* c) {
    readLn(iocp_context_io(c));
    const std::string why(5000, 'x');
    iocp_set_handler_error(IOCP_ERR_FAILED, why.data(), why.size());
    return IOCP_ERR_HANDLER;
  }, nullptr);
  iocp_server_set_exception_event(server, [](void* u, iocp_context*, int, const char* msg, size_t n) {
    host(u)->add(str(msg, n));
  }, &h);
  const int port = start();
  iocp_client* c = connect(port);
  writeLn(iocp_client_io(c), "x");
  ASSERT_TRUE(waitUntil([&] { return h.snapshot().size() == 1; }));
  EXPECT_EQ(h.snapshot()[0], std::string(2044, 'x') + "...");
}

TEST_P(Capi, ContextsAreEnumeratedAndDisconnectedFromAnotherThread) {
  iocp_server_set_context_event(server, IOCP_ON_EXECUTE, [](void*, iocp_context* c) {
    int rc = 0;
    readLn(iocp_context_io(c), &rc);
    return rc == IOCP_OK ? IOCP_OK : (iocp_set_handler_error(rc, "", 0), IOCP_ERR_HANDLER);
  }, nullptr);
  const int port = start();
  for (int i = 0; i < 5; ++i) connect(port);
  ASSERT_TRUE(waitUntil([&] { return iocp_server_context_count(server) == 5; }));
  iocp_context* const* items = nullptr;
  int count = 0;
  ASSERT_EQ(iocp_server_lock_contexts(server, &items, &count), IOCP_OK);
  EXPECT_EQ(count, 5);
  for (int i = 0; i < count; ++i) {
    int peerPort = 0;
    const char* ip = nullptr;
    size_t n = 0;
    EXPECT_EQ(iocp_context_endpoint(items[i], 1, &ip, &n, &peerPort), IOCP_OK);
    EXPECT_EQ(str(ip, n), "127.0.0.1");
    EXPECT_GT(peerPort, 0);
    EXPECT_EQ(iocp_context_disconnect(items[i], 1), IOCP_OK);
  }
  iocp_server_unlock_contexts(server);
  ASSERT_TRUE(waitUntil([&] { return iocp_server_context_count(server) == 0; }));
  uint64_t closed = 0, accepted = 0;
  EXPECT_EQ(iocp_server_closed_count(server, "local disconnect", 16, &closed), IOCP_OK);
  EXPECT_EQ(closed, 5u);
  EXPECT_EQ(iocp_server_stat(server, IOCP_STAT_ACCEPTED, &accepted), IOCP_OK);
  EXPECT_EQ(accepted, 5u);
}

TEST_P(Capi, IntegersBytesAndTheInputBufferRoundTrip) {
  iocp_server_set_context_event(server, IOCP_ON_EXECUTE, [](void*, iocp_context* c) {
    iocp_io* io = iocp_context_io(c);
    int64_t a = 0, b = 0;
    if (iocp_io_read_int(io, 4, 1, 1, &a) || iocp_io_read_int(io, 2, 0, 0, &b)) return IOCP_ERR_HANDLER;
    const char* data = nullptr;
    size_t n = 0;
    if (iocp_io_read_bytes(io, 3, &data, &n)) return IOCP_ERR_HANDLER;
    const std::string three = str(data, n);
    for (int i = 0; i < 50 && (iocp_io_input(io, &data, &n), n < 4); ++i) {
      iocp_io_check_for_data(io, 100);  // Until "rest" is buffered.
    }
    iocp_io_input(io, &data, &n);        // Peek ...
    const std::string peeked = str(data, n);
    iocp_io_input_consume(io, 2);         // ... and take two bytes.
    iocp_io_input(io, &data, &n);
    writeLn(io, std::to_string(a) + " " + std::to_string(b) + " " + three + " " + peeked + " " + str(data, n));
    iocp_io_write_int(io, 8, 1, -5);
    readLn(io);
    return IOCP_OK;
  }, nullptr);
  const int port = start();
  iocp_client* c = connect(port);
  iocp_io* io = iocp_client_io(c);
  iocp_io_write_int(io, 4, 1, -123456);
  iocp_io_write_int(io, 2, 0, 65000);
  iocp_io_write(io, "xyzrest", 7);
  EXPECT_EQ(readLn(io), "-123456 65000 xyz rest st");
  int64_t v = 0;
  EXPECT_EQ(iocp_io_read_int(io, 8, 1, 1, &v), IOCP_OK);
  EXPECT_EQ(v, -5);
  EXPECT_EQ(iocp_io_read_int(io, 3, 1, 1, &v), IOCP_ERR_ARGUMENT);
}

// A bridge's OnExecute that runs Indy's loop itself (iocp_context_execute_again): one call per
// connection, as many rounds as Indy would run; pending input reaches the buffer between rounds
// (the polling idiom sees it); once the loop has ended the answer stays 0.
TEST_P(Capi, AnOnExecuteCallbackRunsIndysLoopItself) {
  struct Counts {
    std::atomic<int> calls{0}, rounds{0}, endedAgain{-1};
  } counts;
  iocp_server_set_context_event(server, IOCP_ON_EXECUTE, [](void* user, iocp_context* c) {
    Counts& n = *static_cast<Counts*>(user);
    n.calls++;
    iocp_io* io = iocp_context_io(c);
    int again = 0;
    do {
      n.rounds++;
      const char* data = nullptr;
      size_t len = 0;
      iocp_io_input(io, &data, &len);  // Polls: reads only what is buffered already.
      if (len > 0 && std::memchr(data, '\n', len)) writeLn(io, "echo " + readLn(io));
    } while ((again = iocp_context_execute_again(c)) == 1);
    n.endedAgain = iocp_context_execute_again(c);
    return again == 0 ? IOCP_OK : IOCP_ERR_HANDLER;
  }, &counts);
  const int port = start();
  iocp_client* c = connect(port);
  iocp_io* io = iocp_client_io(c);
  writeLn(io, "a");
  EXPECT_EQ(readLn(io), "echo a");
  writeLn(io, "b");
  EXPECT_EQ(readLn(io), "echo b");
  iocp_client_disconnect(c, 1);
  ASSERT_TRUE(waitUntil([&] { return counts.endedAgain.load() != -1; }));
  EXPECT_EQ(counts.calls.load(), 1);
  EXPECT_GE(counts.rounds.load(), 3);
  EXPECT_EQ(counts.endedAgain.load(), 0);
}

TEST_P(Capi, TheEventModelEchoesRawBytesWithOnDataAvailable) {
  iocp_server_set_context_event(server, IOCP_ON_DATA_AVAILABLE, [](void*, iocp_context* c) {
    iocp_io* io = iocp_context_io(c);
    const char* data = nullptr;
    size_t n = 0;
    if (iocp_io_input(io, &data, &n)) return IOCP_ERR_HANDLER;
    if (iocp_io_write(io, data, n) || iocp_io_input_consume(io, n)) return IOCP_ERR_HANDLER;
    return IOCP_OK;
  }, nullptr);
  const int port = start();
  iocp_io* io = iocp_client_io(connect(port));
  writeLn(io, "raw bytes");
  EXPECT_EQ(readLn(io), "raw bytes");
}

TEST_P(Capi, TheEventModelDeliversWholeMessagesByItsFraming) {
  ASSERT_EQ(iocp_server_set_int(server, IOCP_SERVER_FRAMING_KIND, 2), IOCP_OK);
  ASSERT_EQ(iocp_server_set_int(server, IOCP_SERVER_FRAMING_LENGTH_BYTES, 3), IOCP_ERR_ARGUMENT);
  ASSERT_EQ(iocp_server_set_int(server, IOCP_SERVER_FRAMING_LENGTH_BYTES, 2), IOCP_OK);
  ASSERT_EQ(iocp_server_set_int(server, IOCP_SERVER_FRAMING_MAX_FRAME_SIZE, 100), IOCP_OK);
  int64_t v = 0;
  ASSERT_EQ(iocp_server_get_int(server, IOCP_SERVER_FRAMING_LENGTH_BYTES, &v), IOCP_OK);
  EXPECT_EQ(v, 2);
  iocp_server_set_message_event(server, [](void*, iocp_context* c, const char* m, size_t n) {
    const std::string reply = "got " + std::to_string(n) + ": " + str(m, n);
    return iocp_io_writeln(iocp_context_io(c), reply.data(), reply.size());
  }, nullptr);
  const int port = start();
  iocp_io* io = iocp_client_io(connect(port));
  iocp_io_write(io, "\0\5hello\0\0\0\3abc", 14);  // Three frames in one write, one of them empty.
  EXPECT_EQ(readLn(io), "got 5: hello");
  EXPECT_EQ(readLn(io), "got 0: ");
  EXPECT_EQ(readLn(io), "got 3: abc");
}

// IOCP_SERVER_BACKEND chooses what iohIOCP waits on; iocp_server_active_backend says what serves.
TEST_P(Capi, TheBackendOptionIsSetWhileInactiveAndTheActiveBackendIsReadBack) {
  int64_t v = -1;
  ASSERT_EQ(iocp_server_get_int(server, IOCP_SERVER_BACKEND, &v), IOCP_OK);
  EXPECT_EQ(v, IOCP_BACKEND_DEFAULT);
  EXPECT_EQ(iocp_server_set_int(server, IOCP_SERVER_BACKEND, 2), IOCP_ERR_ARGUMENT);
  EXPECT_NE(std::string(iocp_last_error()).find("IOCP.Backend"), std::string::npos) << iocp_last_error();
  ASSERT_EQ(iocp_server_set_int(server, IOCP_SERVER_BACKEND, IOCP_BACKEND_IO_URING), IOCP_OK);
  ASSERT_EQ(iocp_server_get_int(server, IOCP_SERVER_BACKEND, &v), IOCP_OK);
  EXPECT_EQ(v, IOCP_BACKEND_IO_URING);
  const char* text = "unset";
  size_t n = 99;
  ASSERT_EQ(iocp_server_active_backend(server, &text, &n), IOCP_OK);
  EXPECT_EQ(str(text, n), "");  // Inactive.

  iocp_server_set_context_event(server, IOCP_ON_EXECUTE, [](void*, iocp_context* c) {
    int rc = 0;
    const std::string line = readLn(iocp_context_io(c), &rc);
    if (rc != IOCP_OK) {
      iocp_set_handler_error(rc, "", 0);
      return IOCP_ERR_HANDLER;
    }
    writeLn(iocp_context_io(c), line);
    return IOCP_OK;
  }, nullptr);
  const int port = start();
  ASSERT_EQ(iocp_server_active_backend(server, &text, &n), IOCP_OK);
  const std::string active = str(text, n);
  if (GetParam() == 1) {
    EXPECT_TRUE(namesTheCompletionBackend(active, true)) << active;
  } else {
    EXPECT_EQ(active, "threads");  // The option is the completion engine's.
  }
  std::string seenElsewhere;
  std::thread([&] {
    const char* t = nullptr;
    size_t tn = 0;
    if (iocp_server_active_backend(server, &t, &tn) == IOCP_OK) seenElsewhere = str(t, tn);
  }).join();
  EXPECT_EQ(seenElsewhere, active);
  EXPECT_EQ(iocp_server_set_int(server, IOCP_SERVER_BACKEND, IOCP_BACKEND_DEFAULT), IOCP_ERR_STATE);
  iocp_io* io = iocp_client_io(connect(port));
  writeLn(io, "served");
  EXPECT_EQ(readLn(io), "served");

  ASSERT_EQ(iocp_server_set_active(server, 0), IOCP_OK);
  ASSERT_EQ(iocp_server_active_backend(server, &text, &n), IOCP_OK);
  EXPECT_EQ(str(text, n), "");
  ASSERT_EQ(iocp_server_set_int(server, IOCP_SERVER_BACKEND, IOCP_BACKEND_DEFAULT), IOCP_OK);
  start();
  ASSERT_EQ(iocp_server_active_backend(server, &text, &n), IOCP_OK);
  if (GetParam() == 1) {
    EXPECT_TRUE(namesTheCompletionBackend(str(text, n), false)) << str(text, n);
  } else {
    EXPECT_EQ(str(text, n), "threads");
  }
  EXPECT_EQ(iocp_server_active_backend(nullptr, &text, &n), IOCP_ERR_ARGUMENT);
}

TEST(CapiErrors, TheLastErrorBelongsToTheCallingThread) {
  EXPECT_EQ(iocp_server_set_int(nullptr, 1, 1), IOCP_ERR_ARGUMENT);
  const std::string mine = iocp_last_error();
  std::thread([] { iocp_client_set_int(nullptr, 1, 1); }).join();
  EXPECT_EQ(iocp_last_error(), mine);
  EXPECT_FALSE(mine.empty());
}

TEST(CapiErrors, ConnectFailuresAreSocketErrorsWithTheOsCode) {
  iocp_server* s = iocp_server_create();
  iocp_server_add_binding(s, "127.0.0.1", 9, 0);
  iocp_server_set_context_event(s, IOCP_ON_EXECUTE, [](void*, iocp_context*) { return IOCP_OK; }, nullptr);
  ASSERT_EQ(iocp_server_set_active(s, 1), IOCP_OK);
  int port = 0;
  iocp_server_binding(s, 0, nullptr, nullptr, &port);
  iocp_server_destroy(s);  // Nobody listens on `port` any more.
  iocp_client* c = iocp_client_create();
  iocp_client_set_int(c, IOCP_CLIENT_PORT, port);
  EXPECT_EQ(iocp_client_connect(c), IOCP_ERR_SOCKET);
  EXPECT_NE(iocp_last_os_error(), 0);
  EXPECT_NE(std::string(iocp_last_error()).find("Could not connect"), std::string::npos) << iocp_last_error();
  iocp_client_destroy(c);
}

TEST(CapiErrors, ABindConflictIsReportedAsCouldNotBind) {
  iocp_server* a = iocp_server_create();
  iocp_server* b = iocp_server_create();
  for (iocp_server* s : {a, b}) {
    iocp_server_set_context_event(s, IOCP_ON_EXECUTE, [](void*, iocp_context*) { return IOCP_OK; }, nullptr);
    iocp_server_set_int(s, IOCP_SERVER_REUSE_SOCKET, 0);
  }
  iocp_server_add_binding(a, "127.0.0.1", 9, 0);
  ASSERT_EQ(iocp_server_set_active(a, 1), IOCP_OK);
  int port = 0;
  iocp_server_binding(a, 0, nullptr, nullptr, &port);
  iocp_server_add_binding(b, "127.0.0.1", 9, port);
  EXPECT_EQ(iocp_server_set_active(b, 1), IOCP_ERR_BIND);
  EXPECT_NE(std::string(iocp_last_error()).find("Could not bind"), std::string::npos);
  iocp_server_destroy(b);
  iocp_server_destroy(a);
}

}  // namespace

namespace {

// The host hook keeps a state block per fiber: what a fiber saved in its block when it left, it
// finds again when it comes back, whichever thread resumes it, and no other fiber touches it.
//
// The hook here does what a runtime bridge does (IocpFiberRtl.pas): it swaps a per-thread value
// (tRuntime, standing for a runtime's exception state) with the one the fiber saved, and it gives
// each block an identity on its first enter. The handlers check after every park that they find
// their own identity and their own value again. Eight connections park in turn (every fiber parks
// between two runs of every other one), so a block shared by two fibers would be overwritten by
// the other fiber's leave and show as a mismatch, and would hand out fewer identities than fibers.
struct HookBlock {        // The start of a fiber's IOCP_FIBER_STATE_SIZE bytes.
  uint64_t id;            // Given on the fiber's first enter (the block starts zeroed).
  uint64_t fiberValue;    // The fiber's tRuntime, kept while it is parked.
  uint64_t threadValue;   // The resuming thread's tRuntime, kept while the fiber runs.
  uint64_t running;       // 1 from enter to leave.
};
static_assert(sizeof(HookBlock) <= IOCP_FIBER_STATE_SIZE, "the test's block fits the engine's");

std::atomic<uint64_t> gLastId{0};
std::atomic<int> gEnters{0}, gLeaves{0}, gHookErrors{0};
thread_local int tDepth = 0;               // Fiber runs on this thread right now (0 or 1).
thread_local uint64_t tRuntime = 0;        // The "runtime state" of whatever runs on this thread.
thread_local const HookBlock* tBlock = nullptr;  // The block of the fiber this thread runs.
thread_local uint64_t tFiberId = 0;        // Its identity.

void swappingHook(void* state, int entering) {
  auto* b = static_cast<HookBlock*>(state);
  if (entering) {
    ++gEnters;
    if (tDepth++ != 0) ++gHookErrors;  // Never nested on one thread.
    if (b->running != 0) ++gHookErrors;  // Never entered while it runs elsewhere.
    b->running = 1;
    if (b->id == 0) b->id = ++gLastId;
    b->threadValue = tRuntime;
    tRuntime = b->fiberValue;
    tBlock = b;
    tFiberId = b->id;
  } else {
    ++gLeaves;
    if (--tDepth != 0) ++gHookErrors;
    if (b != tBlock || b->id != tFiberId) ++gHookErrors;  // Leaves with the block it entered with.
    b->running = 0;
    b->fiberValue = tRuntime;
    tRuntime = b->threadValue;
    tBlock = nullptr;
    tFiberId = 0;
  }
}

// What the handlers found, per connection: the identity of their fiber's block and the value
// they left in tRuntime before parking.
struct FiberChecks {
  std::mutex mu;
  std::map<iocp_context*, std::pair<uint64_t, uint64_t>> mine;  // context -> (id, value).
  std::set<uint64_t> claimed;                                    // Ids some context owns.
  std::vector<std::string> errors;
  uint64_t nextValue = 0;

  void note(const std::string& e) {  // With mu held.
    if (errors.size() < 20) errors.push_back(e);
  }
  // On the fiber: is this still the connection's own block, with the value it left? (Not inlined:
  // a fiber may resume on another thread, so its thread-locals are looked up anew on each call.)
  [[gnu::noinline]] void check(iocp_context* c, const char* where) {
    std::lock_guard<std::mutex> lock(mu);
    const uint64_t id = tFiberId;
    if (id == 0) {
      note(std::string(where) + ": the handler runs outside a hooked fiber run");
      return;
    }
    auto it = mine.find(c);
    if (it == mine.end()) {
      if (!claimed.insert(id).second) {
        note(std::string(where) + ": a new connection found block " + std::to_string(id) + ", which another one has");
      }
      it = mine.emplace(c, std::make_pair(id, uint64_t{0})).first;
    }
    if (it->second.first != id) {
      note(std::string(where) + ": block " + std::to_string(id) + " instead of its own " + std::to_string(it->second.first));
    }
    if (tRuntime != it->second.second) {
      note(std::string(where) + ": runtime state " + std::to_string(tRuntime) + " instead of the " +
           std::to_string(it->second.second) + " it left");
    }
  }
  // On the fiber, before it parks: a value of its own in the runtime state.
  [[gnu::noinline]] void leaveMark(iocp_context* c) {
    std::lock_guard<std::mutex> lock(mu);
    tRuntime = mine[c].second = ++nextValue;
  }
};

TEST(CapiHost, TheFiberSwitchHookKeepsAStateBlockPerFiber) {
  constexpr int kConnections = 8, kRounds = 30;
  ASSERT_EQ(iocp_set_fiber_switch_hook(swappingHook), IOCP_OK);
  FiberChecks checks;
  iocp_server* s = iocp_server_create();
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(iocp_server_add_binding(s, "127.0.0.1", 9, 0), IOCP_OK);
  ASSERT_EQ(iocp_server_set_int(s, IOCP_SERVER_IOHANDLER_TYPE, 1), IOCP_OK);
  ASSERT_EQ(iocp_server_set_int(s, IOCP_SERVER_IOCP_THREADS, 2), IOCP_OK);  // Resumed on either thread.
  ASSERT_EQ(iocp_server_set_context_event(s, IOCP_ON_EXECUTE, [](void* u, iocp_context* c) {
    auto* fc = static_cast<FiberChecks*>(u);
    fc->check(c, "before the park");
    fc->leaveMark(c);
    const char* line = nullptr;
    size_t n = 0;
    const int rc = iocp_io_readln(iocp_context_io(c), nullptr, 0, IOCP_TIMEOUT_DEFAULT, -1, &line, &n);
    fc->check(c, "after the park");
    if (rc != IOCP_OK) return (iocp_set_handler_error(rc, "", 0), IOCP_ERR_HANDLER);
    return iocp_io_writeln(iocp_context_io(c), line, n);
  }, &checks), IOCP_OK);
  ASSERT_EQ(iocp_server_set_active(s, 1), IOCP_OK) << iocp_last_error();
  int port = 0;
  ASSERT_EQ(iocp_server_binding(s, 0, nullptr, nullptr, &port), IOCP_OK);

  std::vector<iocp_client*> clients;
  for (int i = 0; i < kConnections; ++i) {
    iocp_client* c = iocp_client_create();
    ASSERT_NE(c, nullptr);
    clients.push_back(c);
    ASSERT_EQ(iocp_client_set_int(c, IOCP_CLIENT_PORT, port), IOCP_OK);
    ASSERT_EQ(iocp_client_set_int(c, IOCP_CLIENT_READ_TIMEOUT, 5000), IOCP_OK);
    ASSERT_EQ(iocp_client_connect(c), IOCP_OK) << iocp_last_error();
  }
  // Each round: a line to every connection, then every echo. Every handler runs once per round
  // and parks again, so between two runs of one fiber every other fiber runs and parks.
  for (int round = 0; round < kRounds; ++round) {
    for (int i = 0; i < kConnections; ++i) {
      const std::string out = std::to_string(round) + "/" + std::to_string(i);
      ASSERT_EQ(iocp_io_writeln(iocp_client_io(clients[i]), out.data(), out.size()), IOCP_OK) << iocp_last_error();
    }
    for (int i = 0; i < kConnections; ++i) {
      const char* line = nullptr;
      size_t n = 0;
      ASSERT_EQ(iocp_io_readln(iocp_client_io(clients[i]), nullptr, 0, IOCP_TIMEOUT_DEFAULT, -1, &line, &n), IOCP_OK)
          << "round " << round << ", connection " << i << ": " << iocp_last_error();
      EXPECT_EQ(std::string(line, n), std::to_string(round) + "/" + std::to_string(i));
    }
  }
  for (iocp_client* c : clients) iocp_client_destroy(c);
  iocp_server_destroy(s);
  iocp_set_fiber_switch_hook(nullptr);

  std::lock_guard<std::mutex> lock(checks.mu);
  for (const std::string& e : checks.errors) ADD_FAILURE() << e;
  EXPECT_EQ(checks.mine.size(), static_cast<std::size_t>(kConnections));
  EXPECT_EQ(gLastId.load(), static_cast<uint64_t>(kConnections)) << "one block per fiber, given an identity each";
  // The start, and nearly always a resume per round (a line can be there before the handler asks).
  EXPECT_GE(gEnters.load(), kConnections * kRounds / 2);
  EXPECT_EQ(gEnters.load(), gLeaves.load());
  EXPECT_EQ(gHookErrors.load(), 0);
}

}  // namespace
