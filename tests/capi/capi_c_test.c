/* The C ABI used from C (compiled as C11): a header that is valid C, error codes and the
   calling thread's error text, and an echo round trip through the server and the client.
   Prints "N passed, N failed" and exits non-zero on any failure. */
#include <stdio.h>
#include <string.h>

#include "iocp.h"

static int passed = 0, failed = 0;

#define CHECK(cond)                                                   \
  do {                                                                \
    if (cond) {                                                       \
      ++passed;                                                       \
    } else {                                                          \
      ++failed;                                                       \
      fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                 \
  } while (0)

static int on_execute(void* user, iocp_context* context) {
  (void)user;
  iocp_io* io = iocp_context_io(context);
  const char* line;
  size_t length;
  int rc = iocp_io_readln(io, NULL, 0, IOCP_TIMEOUT_DEFAULT, -1, &line, &length);
  if (rc != IOCP_OK) {
    iocp_set_handler_error(rc, iocp_last_error(), strlen(iocp_last_error()));
    return IOCP_ERR_HANDLER;
  }
  char reply[256];
  int n = snprintf(reply, sizeof reply, "c: %.*s", (int)length, line);
  return iocp_io_writeln(io, reply, (size_t)n);
}

int main(void) {
  CHECK(iocp_abi_version() == IOCP_HEADER_ABI_VERSION);
  CHECK(strlen(iocp_version_string()) > 0);
  CHECK(strcmp(iocp_last_error(), "") == 0);

  /* Errors: a code and the thread's text. */
  CHECK(iocp_server_set_int(NULL, IOCP_SERVER_DEFAULT_PORT, 1) == IOCP_ERR_ARGUMENT);
  CHECK(strlen(iocp_last_error()) > 0);
  iocp_server* server = iocp_server_create();
  CHECK(server != NULL);
  CHECK(iocp_server_set_int(server, 9999, 1) == IOCP_ERR_ARGUMENT);
  CHECK(strstr(iocp_last_error(), "unknown server option 9999") != NULL);
  CHECK(iocp_server_set_int(server, IOCP_SERVER_DEFAULT_PORT, 70000) == IOCP_ERR_ARGUMENT);
  CHECK(iocp_server_set_active(server, 1) == IOCP_ERR_NO_ON_EXECUTE);  /* Indy's EIdTCPNoOnExecute. */

  /* Defaults as documented. */
  int64_t v = -1;
  CHECK(iocp_server_get_int(server, IOCP_SERVER_TERMINATE_WAIT_TIME, &v) == IOCP_OK && v == 5000);
  CHECK(iocp_server_get_int(server, IOCP_SERVER_LISTEN_QUEUE, &v) == IOCP_OK && v == 0);
  CHECK(iocp_server_get_int(server, IOCP_SERVER_USE_NAGLE, &v) == IOCP_OK && v == 1);
  CHECK(iocp_server_get_int(server, IOCP_SERVER_BACKEND, &v) == IOCP_OK && v == IOCP_BACKEND_DEFAULT);
  const char* backend = NULL;
  size_t backend_length = 99;
  CHECK(iocp_server_active_backend(server, &backend, &backend_length) == IOCP_OK && backend_length == 0);

  /* An echo round trip. */
  CHECK(iocp_server_add_binding(server, "127.0.0.1", 9, 0) == 0);
  CHECK(iocp_server_set_int(server, IOCP_SERVER_IOHANDLER_TYPE, 1) == IOCP_OK);
  CHECK(iocp_server_set_context_event(server, IOCP_ON_EXECUTE, on_execute, NULL) == IOCP_OK);
  CHECK(iocp_server_set_active(server, 1) == IOCP_OK);
  CHECK(iocp_server_active(server) == 1);
  CHECK(iocp_server_set_int(server, IOCP_SERVER_DEFAULT_PORT, 1) == IOCP_ERR_STATE);
  int port = 0;
  CHECK(iocp_server_binding(server, 0, NULL, NULL, &port) == IOCP_OK && port > 0);
  CHECK(iocp_server_active_backend(server, &backend, &backend_length) == IOCP_OK && backend_length > 0);

  iocp_client* client = iocp_client_create();
  CHECK(iocp_client_set_int(client, IOCP_CLIENT_PORT, port) == IOCP_OK);
  CHECK(iocp_client_set_int(client, IOCP_CLIENT_READ_TIMEOUT, 5000) == IOCP_OK);
  CHECK(iocp_client_connect(client) == IOCP_OK);
  iocp_io* io = iocp_client_io(client);
  CHECK(iocp_io_writeln(io, "hello", 5) == IOCP_OK);
  const char* line = NULL;
  size_t length = 0;
  CHECK(iocp_io_readln(io, NULL, 0, IOCP_TIMEOUT_DEFAULT, -1, &line, &length) == IOCP_OK);
  CHECK(length == 8 && memcmp(line, "c: hello", 8) == 0);

  /* The server closes the connection: the next read reports Indy's graceful close. */
  CHECK(iocp_server_set_active(server, 0) == IOCP_OK);
  CHECK(iocp_io_readln(io, NULL, 0, IOCP_TIMEOUT_DEFAULT, -1, &line, &length) == IOCP_ERR_CLOSED_GRACEFULLY);
  CHECK(iocp_client_disconnect(client, 1) == IOCP_OK);
  CHECK(iocp_io_readln(io, NULL, 0, IOCP_TIMEOUT_DEFAULT, -1, &line, &length) == IOCP_ERR_NOT_CONNECTED);
  iocp_client_destroy(client);
  iocp_server_destroy(server);

  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
