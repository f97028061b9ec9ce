/* iocp.h: the C ABI of the IOCP bridge (libiocp.so / iocp64.dll, iocp32.dll).
 *
 * A thin, stable C face of the C++ component (component/cpp): the same server, context,
 * IOHandler and client with Indy's semantics (event order, ReadLn limits and timeouts,
 * exactly-once OnDisconnect with a reason, MaxConnections, TerminateWaitTime, heartbeat, Stats,
 * Contexts). Nothing here re-implements them; every call forwards to the component.
 *
 * Conventions:
 * - Handles are opaque pointers. Strings go in as (pointer, length) and need no terminator.
 * - Text is UTF-8 both ways (host names, file paths, messages, the XML configuration, close
 *   reasons); lengths count bytes. Data (what is read and written) is bytes, as it is.
 * - Functions return IOCP_OK (0) or a negative IOCP_ERR_* code; iocp_last_error() then gives the
 *   text and iocp_last_os_error() the OS code of a socket error, both for the calling thread.
 *   Functions that answer a count or a flag return it (>= 0) or an error code.
 * - Strings and bytes handed out (const char** + size_t*) stay valid until the next call on the
 *   same handle from the same handler; copy them.
 * - No C++ exception ever leaves a function of this ABI, and callbacks must not let one in: a
 *   callback returns 0, or IOCP_ERR_HANDLER after iocp_set_handler_error() to say that it raised
 *   (the connection then closes and the exception event reports it, as in Indy).
 * - Threads: each function says from where it may be called. "Handler" means the connection's
 *   own handler context: inside on_connect / on_execute / on_disconnect / on_heartbeat for that
 *   context (iohIOCP: on its fiber; iohDefault: its thread), or the thread using a client.
 */
#ifndef IOCP_H
#define IOCP_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#if defined(IOCP_BUILDING_LIBRARY)
#define IOCP_API __declspec(dllexport)
#else
#define IOCP_API __declspec(dllimport)
#endif
#else
#define IOCP_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define IOCP_HEADER_ABI_VERSION 1 /* Raised on every incompatible change of this header. */

/* ---- Results ------------------------------------------------------------------------------ */
#define IOCP_OK 0
#define IOCP_ERR_ARGUMENT (-1)          /* A null handle, an unknown option, a bad value. */
#define IOCP_ERR_STATE (-2)             /* Not now: e.g. an option set while the server is active. */
#define IOCP_ERR_NOT_CONNECTED (-3)     /* Indy: EIdNotConnected. */
#define IOCP_ERR_CLOSED_GRACEFULLY (-4) /* Indy: EIdConnClosedGracefully. */
#define IOCP_ERR_SOCKET (-5)            /* Indy: EIdSocketError; iocp_last_os_error() has LastError. */
#define IOCP_ERR_READ_TIMEOUT (-6)      /* Indy: EIdReadTimeout. */
#define IOCP_ERR_MAX_LINE_LENGTH (-7)   /* Indy: EIdReadLnMaxLineLengthExceeded. */
#define IOCP_ERR_READLN_MAX_ATTEMPTS (-8) /* Indy: EIdReadLnWaitMaxAttemptsExceeded. */
#define IOCP_ERR_BIND (-9)              /* Indy: EIdCouldNotBindSocket. */
#define IOCP_ERR_CONNECT_TIMEOUT (-10)  /* Indy: EIdConnectTimeout. */
#define IOCP_ERR_NO_ON_EXECUTE (-11)    /* Indy: EIdTCPNoOnExecute. */
#define IOCP_ERR_HANDLER (-12)          /* A callback raised (iocp_set_handler_error). */
#define IOCP_ERR_FAILED (-13)           /* Anything else (Indy: EIdException); the text says what. */
#define IOCP_ERR_NO_DATA_TO_READ (-14)  /* Indy: EIdNoDataToRead. */
#define IOCP_ERR_REQUIRES_LARGE_STREAM (-15) /* Indy: EIdIOHandlerRequiresLargeStream. */
#define IOCP_ERR_STREAM_TOO_LARGE (-16) /* Indy: EIdIOHandlerStreamDataTooLarge. */
#define IOCP_ERR_RESOLVE (-17)          /* Indy: EIdResolveError (an EIdSocketError). */
#define IOCP_ERR_CONFIG (-18)           /* EIocpConfigError: a refused XML configuration. */

/* The ABI version this library implements (IOCP_HEADER_ABI_VERSION it was built with). Any thread. */
IOCP_API int iocp_abi_version(void);
/* The library's version, e.g. "0.1.0". Any thread. */
IOCP_API const char* iocp_version_string(void);
/* The text of the calling thread's last failure ("" if none; at most 2,047 bytes, a longer one
   is cut and ends in "..."). Valid until the thread's next failing call. Any thread. */
IOCP_API const char* iocp_last_error(void);
/* The OS error code of the calling thread's last IOCP_ERR_SOCKET (0 if none). Any thread. */
IOCP_API int iocp_last_os_error(void);
/* From inside a callback: record why it raised before returning IOCP_ERR_HANDLER. `code` is the
   IOCP_ERR_* that best names the exception's class (IOCP_ERR_FAILED for the user's own); a message
   over 2,047 bytes is cut and ends in "...". Handler. */
IOCP_API void iocp_set_handler_error(int code, const char* message, size_t length);

/* ---- Host runtimes -------------------------------------------------------------------------- */
/* iohIOCP runs handlers on fibers; a host runtime that keeps state per thread (Free Pascal's
   exception frames and raised objects, Delphi's raise list) must keep it per fiber instead. The
   hook runs on the resuming thread right before a fiber runs (entering = 1) and right after it
   parks or finishes (entering = 0), with that fiber's own block of IOCP_FIBER_STATE_SIZE bytes,
   zeroed when the fiber is created. Set once, before any server is activated; NULL = none. */
#define IOCP_FIBER_STATE_SIZE 64
typedef void (*iocp_fiber_switch_hook)(void* state, int entering);
IOCP_API int iocp_set_fiber_switch_hook(iocp_fiber_switch_hook hook);
/* A host runtime's self-test of that per-fiber state (the Pascal units run one at the first
   activation with iohIOCP): runs `count` (1..16) fibers on the calling thread in turn, each
   fn(user, index) until it returns; inside, iocp_yield_interleaved_fiber() parks that fiber and
   the next one runs. The hook runs on every switch, as for handlers. fn must not unwind through
   the library. IOCP_ERR_STATE from inside a fiber. Any other thread. */
typedef void (*iocp_interleaved_fiber_fn)(void* user, int index);
IOCP_API int iocp_run_interleaved_fibers(int count, iocp_interleaved_fiber_fn fn, void* user);
/* From a fiber of iocp_run_interleaved_fibers: let the next one run. IOCP_ERR_STATE elsewhere. */
IOCP_API int iocp_yield_interleaved_fiber(void);

/* ---- Handles ------------------------------------------------------------------------------ */
typedef struct iocp_server iocp_server;   /* TIocpTCPServer */
typedef struct iocp_context iocp_context; /* TIocpContext: one connection of a server */
typedef struct iocp_io iocp_io;           /* TIocpIOHandler of a context or a client */
typedef struct iocp_client iocp_client;   /* TIocpTCPClient */

/* ---- Server ------------------------------------------------------------------------------- */
/* A new, inactive server with Indy's defaults (see the option list). Any thread; NULL if out of
   memory. */
IOCP_API iocp_server* iocp_server_create(void);
/* Deactivates (as iocp_server_set_active(s, 0)) and frees. Not from a handler. */
IOCP_API void iocp_server_destroy(iocp_server* server);

/* Options: every property of TIocpTCPServer but the bindings and the events, one table for the
   component, its XML configuration and this ABI (component/cpp/src/IocpServerOptions.h). Numbers,
   booleans (0/1) and choices (by value) through iocp_server_set_int/get_int; strings (ids 100
   and up) through iocp_server_set_str/get_str. A value out of its range, or not one of its
   choices, is refused with IOCP_ERR_ARGUMENT and a text naming the option and what is allowed;
   iocp_server_set_active refuses the same values set through the C++ component. Set while
   inactive, from the owning thread; get from the owning thread. Each constant below gives the
   allowed values and a new server's value. */
/* option-table:start (generated from the table by iocp-option-table --write; do not edit) */
#define IOCP_SERVER_DEFAULT_PORT 1            /* DefaultPort: 0..65535; new: 0; port of a binding without one */
#define IOCP_SERVER_LISTEN_QUEUE 2            /* ListenQueue: 0..2147483647; new: 0; listen() backlog; 0 = the system's maximum */
#define IOCP_SERVER_MAX_CONNECTIONS 3         /* MaxConnections: 0..2147483647; new: 0; 0 = unlimited */
#define IOCP_SERVER_MAX_CONNECTION_REPLY 100  /* MaxConnectionReply: string; new: ""; line sent to a refused client; "" = close */
#define IOCP_SERVER_REUSE_SOCKET 4            /* ReuseSocket: 0/1; new: 1; SO_REUSEADDR on the listeners */
#define IOCP_SERVER_REUSE_PORT 38             /* ReusePort: 0/1; new: 0; SO_REUSEPORT: several processes on one port (Linux) */
#define IOCP_SERVER_USE_NAGLE 5               /* UseNagle: 0/1; new: 1; false sets TCP_NODELAY on accepted connections */
#define IOCP_SERVER_TERMINATE_WAIT_TIME 6     /* TerminateWaitTime: 0..2147483647; new: 5000; ms Active = false waits for handlers */
#define IOCP_SERVER_IOHANDLER_TYPE 7          /* IOHandlerOptions.IOHandlerType: 0 = iohDefault, 1 = iohIOCP; new: iohDefault; iohDefault: a thread per connection; iohIOCP: the engine */
#define IOCP_SERVER_IOCP_THREADS 8            /* IOHandlerOptions.IOCP.IOCPThreads: 0..1024; new: 0; 0 = number of processors */
#define IOCP_SERVER_WORKOP_THREADS 9          /* IOHandlerOptions.IOCP.WorkOpThreads: 0..1024; new: 0; N = each connection pinned to one of N threads */
#define IOCP_SERVER_FIBER_STACK_SIZE 10       /* IOHandlerOptions.IOCP.FiberStackSize: 16384..1073741824; new: 262144; bytes reserved per connection's fiber */
#define IOCP_SERVER_MAX_PENDING_OUTPUT 11     /* IOHandlerOptions.IOCP.MaxPendingOutput: 1..2147483647; new: 4194304; bytes queued before a write waits */
#define IOCP_SERVER_BACKEND 25                /* IOHandlerOptions.IOCP.Backend: 0 = ibDefault, 1 = ibIoUring; new: ibDefault; what iohIOCP waits on (Linux): epoll, io_uring */
#define IOCP_SERVER_SLOW_CONSUMER 35          /* IOHandlerOptions.IOCP.SlowConsumer: 0 = scPauseReading, 1 = scDisconnect; new: scPauseReading; event model, output past MaxPendingOutput: pause reading the peer, or drop it */
#define IOCP_SERVER_HEARTBEAT_ENABLED 12      /* Heartbeat.Enabled: 0/1; new: 0; ping every Interval, close after Timeout */
#define IOCP_SERVER_HEARTBEAT_INTERVAL 13     /* Heartbeat.Interval: 1..2147483647; new: 30000; ms */
#define IOCP_SERVER_HEARTBEAT_TIMEOUT 14      /* Heartbeat.Timeout: 1..2147483647; new: 10000; ms */
#define IOCP_SERVER_HEARTBEAT_MODE 15         /* Heartbeat.Mode: 0 = hbAlways, 1 = hbWhenIdle; new: hbAlways; every Interval, or after an Interval of silence */
#define IOCP_SERVER_HEARTBEAT_PAYLOAD 101     /* Heartbeat.Payload: string; new: ""; bytes written as the ping; "" = none */
#define IOCP_SERVER_KEEPALIVE_ENABLED 17      /* KeepAlive.Enabled: 0/1; new: 0; TCP keepalive probes */
#define IOCP_SERVER_KEEPALIVE_TIME 18         /* KeepAlive.Time: 1..2147483647; new: 60000; ms idle before the first probe */
#define IOCP_SERVER_KEEPALIVE_INTERVAL 19     /* KeepAlive.Interval: 1..2147483647; new: 10000; ms between probes */
#define IOCP_SERVER_IDLE_TIMEOUT 16           /* IdleTimeout: 0..2147483647; new: 0; ms without a completed read or write; 0 = never */
#define IOCP_SERVER_USER_TIMEOUT 20           /* UserTimeout: 0..2147483647; new: 0; ms data may stay unacknowledged; 0 = the OS default */
#define IOCP_SERVER_RECEIVE_BUFFER_SIZE 26    /* ReceiveBufferSize: 0..268435456; new: 0; SO_RCVBUF of accepted sockets; 0 = the OS default */
#define IOCP_SERVER_SEND_BUFFER_SIZE 27       /* SendBufferSize: 0..268435456; new: 0; SO_SNDBUF of accepted sockets; 0 = the OS default */
#define IOCP_SERVER_FRAMING_KIND 21           /* Framing.Kind: 0 = fkNone, 1 = fkLine, 2 = fkLengthPrefixed; new: fkNone; how OnMessage's messages are cut */
#define IOCP_SERVER_FRAMING_DELIMITER 102     /* Framing.Delimiter: string; new: "\n"; fkLine: ends each message (a CR before an LF is dropped) */
#define IOCP_SERVER_FRAMING_LENGTH_BYTES 22   /* Framing.LengthBytes: 1, 2, 4, 8; new: 4; fkLengthPrefixed: bytes of the length */
#define IOCP_SERVER_FRAMING_BIG_ENDIAN 23     /* Framing.BigEndian: 0/1; new: 1; fkLengthPrefixed: network byte order */
#define IOCP_SERVER_FRAMING_MAX_FRAME_SIZE 24 /* Framing.MaxFrameSize: 1..2147483647; new: 1048576; longest message in bytes */
#define IOCP_SERVER_SSL_ENABLED 28            /* SSLOptions.Enabled: 0/1; new: 0; TLS on every connection (needs CertFile and KeyFile) */
#define IOCP_SERVER_SSL_CERT_FILE 103         /* SSLOptions.CertFile: string; new: ""; PEM: the server's certificate (chain) */
#define IOCP_SERVER_SSL_KEY_FILE 104          /* SSLOptions.KeyFile: string; new: ""; PEM: its private key */
#define IOCP_SERVER_SSL_ROOT_CERT_FILE 105    /* SSLOptions.RootCertFile: string; new: ""; PEM: the CAs that verify client certificates */
#define IOCP_SERVER_SSL_CIPHER_LIST 106       /* SSLOptions.CipherList: string; new: ""; OpenSSL's TLS 1.2 cipher list; "" = AEAD with forward secrecy */
#define IOCP_SERVER_SSL_VERSIONS 29           /* SSLOptions.SSLVersions: a sum of 1 = sslvSSLv2, 2 = sslvSSLv23, 4 = sslvSSLv3, 8 = sslvTLSv1, 16 = sslvTLSv1_1, 32 = sslvTLSv1_2, 64 = sslvTLSv1_3; new: [sslvTLSv1_2,sslvTLSv1_3]; TLS versions accepted (bit 1 << TIdSSLVersion) */
#define IOCP_SERVER_SSL_MODE 30               /* SSLOptions.Mode: 0 = sslmUnassigned, 1 = sslmClient, 2 = sslmServer, 3 = sslmBoth; new: sslmUnassigned; the side: sslmServer, sslmBoth or sslmUnassigned */
#define IOCP_SERVER_SSL_VERIFY_MODE 31        /* SSLOptions.VerifyMode: a sum of 1 = sslvrfPeer, 2 = sslvrfFailIfNoPeerCert, 4 = sslvrfClientOnce; new: []; client certificates: sslvrfPeer asks and verifies */
#define IOCP_SERVER_SSL_VERIFY_DEPTH 32       /* SSLOptions.VerifyDepth: 0..100; new: 0; longest chain verified; 0 = OpenSSL's default */
#define IOCP_SERVER_SSL_PASS_THROUGH 33       /* SSLOptions.PassThrough: 0/1; new: 0; plain until the handler sets PassThrough false (STARTTLS) */
#define IOCP_SERVER_SSL_HANDSHAKE_TIMEOUT 34  /* SSLOptions.HandshakeTimeout: 0..2147483647; new: 10000; ms a TLS handshake may take; 0 = no limit */
#define IOCP_SERVER_PROXY_PROTOCOL_MODE 36    /* ProxyProtocol.Mode: 0 = ppOff, 1 = ppV1, 2 = ppV2, 3 = ppEither; new: ppOff; the PROXY protocol header every connection begins with */
#define IOCP_SERVER_PROXY_PROTOCOL_TRUSTED_SOURCES 107 /* ProxyProtocol.TrustedSources: string; new: ""; addresses/networks allowed to send it ("10.0.0.0/8, ::1") */
#define IOCP_SERVER_PROXY_PROTOCOL_TIMEOUT 37 /* ProxyProtocol.Timeout: 1..2147483647; new: 5000; ms the whole header may take */
/* option-table:end */
/* IOCP_SERVER_BACKEND's values. */
#define IOCP_BACKEND_DEFAULT 0  /* ibDefault: epoll (the environment's IOCP_BACKEND overrides it) */
#define IOCP_BACKEND_IO_URING 1 /* ibIoUring: io_uring, or epoll where the kernel refuses it */
IOCP_API int iocp_server_set_int(iocp_server* server, int option, int64_t value);
IOCP_API int iocp_server_get_int(iocp_server* server, int option, int64_t* value);
IOCP_API int iocp_server_set_str(iocp_server* server, int option, const char* value, size_t length);
/* The string option's bytes (handed out until the next call on this server). */
IOCP_API int iocp_server_get_str(iocp_server* server, int option, const char** value, size_t* length);

/* The table itself, for bridges that map options by name: how many options there are, and the
   index-th (0-based, table order): its id, its kind (IOCP_OPTION_*), its dotted path as the
   component names it ("IOHandlerOptions.IOCP.IOCPThreads"; valid for the life of the library),
   and its range (a choice: its lowest and highest value; a string: 0..0; a set: 0..every bit,
   bit n standing for the element of ordinal n, as Delphi stores a set). Any thread. */
#define IOCP_OPTION_NUMBER 1
#define IOCP_OPTION_BOOLEAN 2
#define IOCP_OPTION_CHOICE 3
#define IOCP_OPTION_STRING 4
#define IOCP_OPTION_SET 5
IOCP_API int iocp_server_option_count(void);
IOCP_API int iocp_server_option_info(int index, int* id, int* kind, const char** path, int64_t* min, int64_t* max);

/* The XML configuration (TIocpTCPServer::LoadFromXmlString / SaveToXmlString): load refuses a bad
   document with IOCP_ERR_CONFIG, naming the element, and then changes nothing; save hands out
   the document (UTF-8) until the next call on this server. Owning thread; load while inactive.
   A build without pugixml (the Windows DLL) answers IOCP_ERR_CONFIG to both. */
IOCP_API int iocp_server_load_xml(iocp_server* server, const char* xml, size_t length);
IOCP_API int iocp_server_save_xml(iocp_server* server, const char** xml, size_t* length);

/* Bindings (Indy: Bindings.Add / Clear). An empty ip = every IPv4 address; port 0 = chosen by
   the OS (read back after activation). Owning thread, while inactive. No binding at activation:
   one IPv4 binding on DefaultPort. */
IOCP_API int iocp_server_clear_bindings(iocp_server* server);
/* Returns the new binding's index. */
IOCP_API int iocp_server_add_binding(iocp_server* server, const char* ip, size_t ip_length, int port);
IOCP_API int iocp_server_binding_count(iocp_server* server);
/* The binding's address and port (the bound port once active). */
IOCP_API int iocp_server_binding(iocp_server* server, int index, const char** ip, size_t* ip_length,
                                 int* port);

/* Activate (listen; IOCP_ERR_BIND, IOCP_ERR_NO_ON_EXECUTE) or deactivate (close every
   connection, wait up to TerminateWaitTime). Owning thread, never from a handler. */
IOCP_API int iocp_server_set_active(iocp_server* server, int active);
/* 1 while listening, 0 if not. Any thread. */
IOCP_API int iocp_server_active(iocp_server* server);
/* Indy's StopListening (listening 0: close the listening sockets, connections go on) and
   StartListening (1: listen again on the same bindings and ports, the bind events run again;
   IOCP_ERR_BIND; IOCP_ERR_FAILED while inactive). Owning thread, never from a handler. */
IOCP_API int iocp_server_set_listening(iocp_server* server, int listening);
/* Drain, a graceful stop for a restart: stop listening (with IOCP_SERVER_REUSE_PORT a new process on
   the port takes the new connections), draining turns 1 and on_draining(user) runs on this thread
   (may be NULL), then wait up to timeout_ms for every connection to end by itself; then deactivate
   (the rest end with "server stopping"). *all_ended (may be NULL): 1 when none was left.
   IOCP_ERR_FAILED while inactive. Owning thread, never from a handler. */
typedef void (*iocp_draining_fn)(void* user);
IOCP_API int iocp_server_drain(iocp_server* server, int timeout_ms, iocp_draining_fn on_draining, void* user,
                               int* all_ended);
/* *draining: 1 once a drain has begun, until the next activation. Any thread, handlers included. */
IOCP_API int iocp_server_draining(iocp_server* server, int* draining);
/* ReloadCertificates: SSLOptions' certificate and key files loaded again for the connections
   accepted from now on (open ones keep theirs). IOCP_ERR_CONFIG (a missing or expired
   certificate, a key that does not match it: the old one goes on serving), IOCP_ERR_FAILED while
   inactive or without SSLOptions.Enabled. Any thread, not concurrently with set_active. */
IOCP_API int iocp_server_reload_certificates(iocp_server* server);
/* SSLOptions.SNICertificates: a server's further certificates, chosen by the name a client asks
   for (SNI; host_name may be "*.example.com": one label in front of it). Clear, add (PEM files),
   count and read one (the strings stay valid until the list changes). They take effect at the
   next activation or iocp_server_reload_certificates. Owning thread. */
IOCP_API int iocp_server_clear_sni_certificates(iocp_server* server);
IOCP_API int iocp_server_add_sni_certificate(iocp_server* server, const char* host_name, size_t host_name_length,
                                             const char* cert_file, size_t cert_file_length, const char* key_file,
                                             size_t key_file_length);
IOCP_API int iocp_server_sni_certificate_count(iocp_server* server);
IOCP_API int iocp_server_sni_certificate(iocp_server* server, int index, const char** host_name,
                                         size_t* host_name_length, const char** cert_file, size_t* cert_file_length,
                                         const char** key_file, size_t* key_file_length);
/* What serves the connections (ActiveBackend): "threads" (iohDefault), "epoll", "io_uring",
   "IOCP" (Windows), or "epoll (io_uring unavailable: <why>)"; "" while inactive. Valid until the
   next iocp_server_set_active. Any thread, not concurrently with iocp_server_set_active. */
IOCP_API int iocp_server_active_backend(iocp_server* server, const char** text, size_t* length);

/* ---- Server events ------------------------------------------------------------------------- */
/* A context event. Returns IOCP_OK, or IOCP_ERR_HANDLER after iocp_set_handler_error(). */
typedef int (*iocp_context_event)(void* user, iocp_context* context);
/* The exception that ended a connection (after on_disconnect, as in Indy). `code` is an
   IOCP_ERR_*, IOCP_ERR_HANDLER for what a callback raised. Must not raise. */
typedef void (*iocp_exception_event)(void* user, iocp_context* context, int code, const char* message,
                                     size_t length);
/* A listener failed (binding index), or the engine did (-1: an iohIOCP I/O thread failed; the
   message says what and which connections were closed). Must not raise. */
typedef void (*iocp_listen_exception_event)(void* user, int binding, const char* message, size_t length);
/* Before a binding is opened (binding index) or after all are (-1). Returns IOCP_OK, or
   IOCP_ERR_HANDLER to stop the activation. */
typedef int (*iocp_bind_event)(void* user, int binding);

/* Which context event iocp_server_set_context_event sets. */
#define IOCP_ON_CONTEXT_CREATED 1 /* Accepting thread, context already in Contexts. */
#define IOCP_ON_CONNECT 2         /* Handler, once. */
#define IOCP_ON_EXECUTE 3         /* Handler, repeatedly while connected. Required. */
#define IOCP_ON_DISCONNECT 4      /* Handler, exactly once, socket already closed. */
#define IOCP_ON_HEARTBEAT 5       /* Handler context while the handler waits: a ping is due. */
#define IOCP_ON_CONTEXT_FREED 6   /* Last, after on_disconnect and the exception event, right
                                     before the context is freed: release the host's object
                                     (iocp_context_user) here. The result is ignored. */
#define IOCP_ON_DATA_AVAILABLE 7  /* The event model, instead of on_execute: bytes arrived; take
                                     what is whole from the input (iocp_io_input, then iocp_io_input_consume), the rest
                                     stays. No fiber: must not wait (iohIOCP: an engine thread;
                                     reads that would wait time out at once), writes queue. */
/* Set (fn = NULL: clear) an event. Owning thread, while inactive. */
IOCP_API int iocp_server_set_context_event(iocp_server* server, int which, iocp_context_event fn, void* user);
IOCP_API int iocp_server_set_exception_event(iocp_server* server, iocp_exception_event fn, void* user);
IOCP_API int iocp_server_set_listen_exception_event(iocp_server* server, iocp_listen_exception_event fn,
                                                    void* user);
/* The event model with framing, instead of on_execute: one whole message (IOCP_SERVER_FRAMING_*),
   valid during the call only; do not read from the context's io here. Handler context, no fiber
   (as IOCP_ON_DATA_AVAILABLE). Returns IOCP_OK, or IOCP_ERR_HANDLER after iocp_set_handler_error(). */
typedef int (*iocp_message_event)(void* user, iocp_context* context, const char* message, size_t length);
/* Set (fn = NULL: clear) the message event. Owning thread, while inactive. */
IOCP_API int iocp_server_set_message_event(iocp_server* server, iocp_message_event fn, void* user);
/* on_before_bind gets each binding's index, on_after_bind -1. */
IOCP_API int iocp_server_set_bind_events(iocp_server* server, iocp_bind_event before, iocp_bind_event after,
                                         void* user);

/* ---- TLS events (Indy: the SSL IOHandler's OnGetPassword and OnVerifyPeer) ------------------ */
/* One certificate of the peer's chain (Indy's TIdX509), valid during the call; the strings end
   with a NUL. */
typedef struct iocp_x509 {
  const char* subject;        /* One line, OpenSSL's form: "/C=DE/O=Example/CN=host". */
  const char* issuer;
  const char* serial_number;  /* Hex pairs with colons: "0A:1B:2C". */
  const char* md5;            /* Fingerprints of the certificate, "AB:CD:..." (Indy's */
  const char* sha1;           /* FingerprintAsString is the MD5 one). */
  const char* sha256;
  int64_t not_before;         /* Validity: seconds since 1970-01-01 UTC. */
  int64_t not_after;
  int32_t version;            /* 2 for an X.509 v3 certificate. */
} iocp_x509;
/* The password of an encrypted SSLOptions key file: write it to buf (size bytes at most) and its
   length to *length. Runs on the thread that activates (iocp_server_set_active,
   iocp_server_reload_certificates; iocp_client_connect). Returns IOCP_OK, or IOCP_ERR_HANDLER
   after iocp_set_handler_error() (the key is not loaded). */
typedef int (*iocp_password_event)(void* user, char* buf, size_t size, size_t* length);
/* With SSLOptions.VerifyMode containing sslvrfPeer: each certificate of the peer's chain, the
   CA's first (depth 0 = the peer's own), with OpenSSL's verdict `ok` and its error (X509_V_ERR_*,
   0 = none). Set *accept (preset to ok) to 1 to accept, 0 to refuse: it decides, as in Indy.
   Runs inside the handshake on an I/O thread: must not wait. Returns IOCP_OK, or
   IOCP_ERR_HANDLER (refuses). */
typedef int (*iocp_verify_peer_event)(void* user, const iocp_x509* certificate, int ok, int depth, int error,
                                      int* accept);
/* Set (NULL: clear) the TLS events. Owning thread, while inactive; they apply from the next
   activation (and iocp_server_reload_certificates). */
IOCP_API int iocp_server_set_tls_events(iocp_server* server, iocp_password_event password,
                                        iocp_verify_peer_event verify_peer, void* user);

/* ---- Contexts ------------------------------------------------------------------------------ */
/* Indy: Contexts.LockList. Locks the list and hands out its items and count; a handler holding
   the lock never waits (docs/guarantees.md, "Threads"). Pair with iocp_server_unlock_contexts on the same
   thread. Any thread. */
IOCP_API int iocp_server_lock_contexts(iocp_server* server, iocp_context* const** items, int* count);
IOCP_API int iocp_server_unlock_contexts(iocp_server* server);
/* Indy: Contexts.Count. Any thread. */
IOCP_API int iocp_server_context_count(iocp_server* server);

/* Per-connection pointer of the host (e.g. its context object). Any thread. */
IOCP_API void* iocp_context_user(iocp_context* context);
IOCP_API int iocp_context_set_user(iocp_context* context, void* user);
/* Up to IOCP_CACHE_HINTS addresses of the host's own per-connection objects (e.g. the context,
   connection and IOHandler objects that wrap this context): with iohIOCP the engine fetches them
   into the cache just before it resumes the context's handler, as it does its own state. Only a
   hint, never read through; more than IOCP_CACHE_HINTS are ignored; a later call replaces the set.
   From on_context_created or the context's handler. */
#define IOCP_CACHE_HINTS 3
IOCP_API int iocp_context_set_cache_hints(iocp_context* context, const void* const* addresses, size_t count);
IOCP_API iocp_io* iocp_context_io(iocp_context* context); /* Its IOHandler. Any thread. */
/* Indy's execute loop run by the on_execute callback itself (one exception frame per connection
   for a language with costly ones): after each round of the user's OnExecute, 1 = run it again,
   0 = the loop has ended (return from the callback; it stays 0). A callback that never calls it
   is one round per call. Only from the context's handler, inside on_execute. */
IOCP_API int iocp_context_execute_again(iocp_context* context);
IOCP_API iocp_server* iocp_context_server(iocp_context* context);
/* Binding: which = 0 the local end (IP, Port), 1 the peer (PeerIP, PeerPort). Any thread. */
IOCP_API int iocp_context_endpoint(iocp_context* context, int which, const char** ip, size_t* ip_length,
                                   int* port);
IOCP_API int64_t iocp_context_handle(iocp_context* context); /* The OS socket, -1 once closed. */
/* Binding.SetSockOpt / GetSockOpt (level and name as the OS numbers them), SetKeepAliveValues,
   SetNagleOpt of a connection (IOCP_ERR_SOCKET, IOCP_ERR_NOT_CONNECTED once closed). Handler. */
IOCP_API int iocp_context_set_sockopt(iocp_context* context, int level, int name, int value);
IOCP_API int iocp_context_get_sockopt(iocp_context* context, int level, int name, int* value);
IOCP_API int iocp_context_keepalive(iocp_context* context, int enabled, int time_ms, int interval_ms);
IOCP_API int iocp_context_nagle(iocp_context* context, int enabled);
/* Why it ended ("peer closed", ...; "" while open). Any thread. */
IOCP_API int iocp_context_disconnect_reason(iocp_context* context, const char** text, size_t* length);
/* More words on the reason where there are any (TLS failed: OpenSSL's reason), else "". Any thread. */
IOCP_API int iocp_context_disconnect_detail(iocp_context* context, const char** text, size_t* length);
/* Indy: Connection.Disconnect(ANotifyPeer). Any thread. */
IOCP_API int iocp_context_disconnect(iocp_context* context, int notify_peer);

/* ---- Stats --------------------------------------------------------------------------------- */
#define IOCP_STAT_ACTIVE_CONNECTIONS 1
#define IOCP_STAT_PEAK_CONNECTIONS 2
#define IOCP_STAT_ACCEPTED 3
#define IOCP_STAT_REFUSED 4
#define IOCP_STAT_OS_RECEIVES_PENDING 5
#define IOCP_STAT_OS_RECEIVE_BYTES_PENDING 6
#define IOCP_STAT_OS_SENDS_PENDING 7
#define IOCP_STAT_BYTES_IN 8
#define IOCP_STAT_BYTES_OUT 9
#define IOCP_STAT_READS 10
#define IOCP_STAT_WRITES 11
#define IOCP_STAT_ENGINE_THREADS 12
#define IOCP_STAT_IO_THREAD_FAILURES 13 /* iohIOCP I/O threads whose wait failed for good. */
#define IOCP_STAT_READ_PAUSES 14 /* iohIOCP event model: reading paused for output (IOCP_SERVER_SLOW_CONSUMER). */
/* One counter of the running server (0 while inactive). Any thread. */
IOCP_API int iocp_server_stat(iocp_server* server, int which, uint64_t* value);
/* Finished connections that ended for `reason` ("peer closed", "heartbeat timeout", ...). */
IOCP_API int iocp_server_closed_count(iocp_server* server, const char* reason, size_t length, uint64_t* value);

/* ---- IOHandler ----------------------------------------------------------------------------- */
/* Timeouts in ms: IOCP_TIMEOUT_DEFAULT = the IOHandler's ReadTimeout, IOCP_TIMEOUT_INFINITE. */
#define IOCP_TIMEOUT_DEFAULT (-1)
#define IOCP_TIMEOUT_INFINITE (-2)
/* ReadLn: a line ending in `terminator` (NULL/0 = LF; a CR before LF is stripped). On timeout
   IOCP_OK with an empty line and READLN_TIMEDOUT set. max_line_length < 0: the IOHandler's.
   Handler. */
IOCP_API int iocp_io_readln(iocp_io* io, const char* terminator, size_t terminator_length, int timeout_ms,
                            int max_line_length, const char** line, size_t* length);
/* ReadLnWait: skips blank lines, returns the first other one trimmed. Handler. */
IOCP_API int iocp_io_readln_wait(iocp_io* io, int fail_count, const char** line, size_t* length);
/* ReadBytes: exactly `count` bytes (count < 0: what is buffered, waiting for some). Handler. */
IOCP_API int iocp_io_read_bytes(iocp_io* io, int count, const char** data, size_t* length);
/* ReadInt16/32/64, ReadUInt*, ReadByte (size 1, 2, 4 or 8 bytes; is_signed; convert = network
   order). Handler. */
IOCP_API int iocp_io_read_int(iocp_io* io, int size, int is_signed, int convert, int64_t* value);
/* Write (bytes as they are) / WriteLn (+ CRLF). Any thread: from elsewhere the bytes are queued
   whole for the connection (Indy's broadcast). */
IOCP_API int iocp_io_write(iocp_io* io, const void* data, size_t length);
IOCP_API int iocp_io_writeln(iocp_io* io, const char* text, size_t length);
/* Write(Int16/32/64, ...): an integer of `size` bytes, network order if convert. Handler. */
IOCP_API int iocp_io_write_int(iocp_io* io, int size, int convert, int64_t value);
/* CheckForDataOnSource: 1 if bytes arrived within timeout_ms, 0 if not (never an error for a
   closed connection, as Indy). Handler. */
IOCP_API int iocp_io_check_for_data(iocp_io* io, int timeout_ms);
/* CheckForDisconnect. Handler. */
IOCP_API int iocp_io_check_for_disconnect(iocp_io* io, int raise_if_disconnected, int ignore_buffer);
/* Write buffering. Handler. */
#define IOCP_WRITE_BUFFER_OPEN 1 /* argument: threshold (<= 0: none) */
#define IOCP_WRITE_BUFFER_FLUSH 2 /* argument: bytes to send (<= 0: all); the rest stays collected */
#define IOCP_WRITE_BUFFER_CLOSE 3
#define IOCP_WRITE_BUFFER_CANCEL 4
#define IOCP_WRITE_BUFFER_CLEAR 5 /* drop what was collected, go on collecting */
IOCP_API int iocp_io_write_buffer(iocp_io* io, int operation, int argument);
/* InputBuffer: the bytes buffered and not yet read (without consuming them or copying them: valid
   until the next call on this IOHandler), and Extract. Handler. */
IOCP_API int iocp_io_input(iocp_io* io, const char** data, size_t* length);
IOCP_API int iocp_io_input_consume(iocp_io* io, size_t count);
/* Streams (Indy's TStream) of the caller, for Write(stream) and ReadStream: the library asks
   the caller's function for what it needs. It returns the answer, or IOCP_ERR_HANDLER after
   iocp_set_handler_error() when it raised (the stream call then returns that code). */
#define IOCP_STREAM_SIZE 1     /* -> the stream's size */
#define IOCP_STREAM_POSITION 2 /* -> its position */
#define IOCP_STREAM_SEEK 3     /* value = the new position -> 0 */
#define IOCP_STREAM_READ 4     /* up to `value` bytes into data -> bytes read, 0 at the end */
#define IOCP_STREAM_WRITE 5    /* `value` bytes from data -> 0 */
#define IOCP_STREAM_SET_SIZE 6 /* value = the new size -> 0 */
typedef int64_t (*iocp_stream_fn)(void* user, int operation, void* data, int64_t value);
/* Write(AStream, ASize, AWriteByteCount) with Indy's framing: size 0 = the whole stream from
   position 0, < 0 = from the position to the end; the count is 32-bit unless LargeStream
   (IOCP_ERR_REQUIRES_LARGE_STREAM over 2 GiB), network order; IOCP_ERR_NO_DATA_TO_READ when the
   stream ends early. Handler. */
IOCP_API int iocp_io_write_stream(iocp_io* io, iocp_stream_fn stream, void* user, int64_t size,
                                  int write_byte_count);
/* ReadStream(AStream, AByteCount, AReadUntilDisconnect) with Indy's framing: byte_count -1 reads
   the count first (32-bit unless LargeStream); a negative count reads until the peer closes.
   Handler. */
IOCP_API int iocp_io_read_stream(iocp_io* io, iocp_stream_fn stream, void* user, int64_t byte_count,
                                 int read_until_disconnect);
/* ---- This machine (Indy's GStack) ------------------------------------------------------------ */
/* One address of a local interface: ip_version 4 or 6; netmask empty for IPv6. */
typedef void (*iocp_local_address_fn)(void* user, int ip_version, const char* address,
                                      size_t address_length, const char* netmask,
                                      size_t netmask_length, const char* interface_name,
                                      size_t name_length, const char* friendly_name,
                                      size_t friendly_length, uint32_t interface_index);
/* Calls fn for every address of an interface that is up, loopback excluded, IPv4 and IPv6, in
   the OS's order (Indy's GetLocalAddressList). IOCP_ERR_SOCKET when the OS cannot list them.
   Any thread. */
IOCP_API int iocp_local_addresses(iocp_local_address_fn fn, void* user);
/* This machine's host name. The text stays valid until the next iocp_host_name or
   iocp_resolve_host on the same thread. Any thread. */
IOCP_API int iocp_host_name(const char** text, size_t* length);
/* Indy's ResolveHost: host as a numeric address of ip_version (4 or 6); a numeric address comes
   back as it is and "localhost" as the loopback address; a name goes through the resolver and
   blocks for as long as it takes. IOCP_ERR_RESOLVE when it does not resolve. The text stays valid
   as iocp_host_name's. Any thread. */
IOCP_API int iocp_resolve_host(const char* host, size_t host_length, int ip_version, const char** text,
                               size_t* length);

/* IndySleep: in an iohIOCP handler the fiber parks for ms (its thread serves others meanwhile);
   anywhere else the thread sleeps. Any thread. */
IOCP_API void iocp_sleep(int ms);
/* Integer properties of an IOHandler. Handler. */
#define IOCP_IO_READ_TIMEOUT 1      /* ms, 0 = forever (read/write) */
#define IOCP_IO_MAX_LINE_LENGTH 2   /* 16384 (read/write) */
#define IOCP_IO_MAX_LINE_ACTION 3   /* 0 = maException, 1 = maSplit (read/write) */
#define IOCP_IO_READLN_TIMEDOUT 4   /* set by ReadLn (read) */
#define IOCP_IO_READLN_SPLIT 5      /* set by ReadLn (read) */
#define IOCP_IO_CONNECTED 6         /* Connected (read) */
#define IOCP_IO_WRITE_BUFFERING 7   /* WriteBufferingActive (read) */
#define IOCP_IO_LARGE_STREAM 8      /* 0 = 32-bit stream counts (Indy's default), 1 = 64-bit (read/write) */
#define IOCP_IO_INPUT_SIZE 9        /* InputBuffer.Size, without a copy (read) */
#define IOCP_IO_WRITE_BUFFER_THRESHOLD 10 /* WriteBufferThreshold, -1 = none (read) */
#define IOCP_IO_CLOSED_GRACEFULLY 11 /* ClosedGracefully: the peer's FIN was read (read) */
/* PassThrough (SSLOptions): 1 while bytes go plain (read); writing 0 starts TLS now and waits for
   the handshake (STARTTLS): IOCP_ERR_NOT_CONNECTED with the reason when it fails, IOCP_ERR_FAILED
   when TLS is not configured; writing 1 once TLS runs is refused (read/write). */
#define IOCP_IO_PASS_THROUGH 12
IOCP_API int iocp_io_set_int(iocp_io* io, int option, int64_t value);
IOCP_API int iocp_io_get_int(iocp_io* io, int option, int64_t* value);
/* Close: the connection ends (queued output is sent first). Any thread. */
IOCP_API int iocp_io_close(iocp_io* io);

/* ---- Client -------------------------------------------------------------------------------- */
IOCP_API iocp_client* iocp_client_create(void);     /* Any thread. */
IOCP_API void iocp_client_destroy(iocp_client* c);   /* Closes the connection. Its owner. */
#define IOCP_CLIENT_PORT 1                      /* 0 */
#define IOCP_CLIENT_CONNECT_TIMEOUT 2           /* 0 = the OS's */
#define IOCP_CLIENT_READ_TIMEOUT 3              /* 0 = forever */
#define IOCP_CLIENT_USE_NAGLE 4                 /* 1 */
#define IOCP_CLIENT_CLEAN_DISCONNECT 5          /* 0 */
#define IOCP_CLIENT_CLEAN_DISCONNECT_TIMEOUT 6  /* 1000 ms */
#define IOCP_CLIENT_HEARTBEAT_ENABLED 7         /* 0 */
#define IOCP_CLIENT_HEARTBEAT_INTERVAL 8        /* 30000 ms */
#define IOCP_CLIENT_HEARTBEAT_TIMEOUT 9         /* 10000 ms */
#define IOCP_CLIENT_HEARTBEAT_MODE 10           /* 0 = hbAlways, 1 = hbWhenIdle */
/* SSLOptions (TLS; the server's IOCP_SERVER_SSL_* say what each does; VerifyMode with sslvrfPeer
   checks the server's certificate against ROOT_CERT_FILE and Host's name). */
#define IOCP_CLIENT_SSL_ENABLED 11              /* 0 */
#define IOCP_CLIENT_SSL_VERSIONS 12             /* 96 = [sslvTLSv1_2, sslvTLSv1_3] (bit 1 << TIdSSLVersion) */
#define IOCP_CLIENT_SSL_VERIFY_MODE 13          /* 0 (bit 1 << TIdSSLVerifyMode) */
#define IOCP_CLIENT_SSL_VERIFY_DEPTH 14         /* 0 = OpenSSL's default */
#define IOCP_CLIENT_SSL_PASS_THROUGH 15         /* 0: the handshake in Connect; 1: IOCP_IO_PASS_THROUGH 0 starts it */
#define IOCP_CLIENT_SSL_HANDSHAKE_TIMEOUT 16    /* 10000 ms */
IOCP_API int iocp_client_set_int(iocp_client* c, int option, int64_t value);
IOCP_API int iocp_client_get_int(iocp_client* c, int option, int64_t* value);
#define IOCP_CLIENT_HOST 100                    /* "127.0.0.1" */
#define IOCP_CLIENT_GOODBYE 101                 /* "" */
#define IOCP_CLIENT_HEARTBEAT_PAYLOAD 102       /* "" */
#define IOCP_CLIENT_SSL_CERT_FILE 103           /* "": a client certificate (PEM), when the server asks */
#define IOCP_CLIENT_SSL_KEY_FILE 104            /* "" */
#define IOCP_CLIENT_SSL_ROOT_CERT_FILE 105      /* "": the CAs that verify the server */
#define IOCP_CLIENT_SSL_CIPHER_LIST 106         /* "" = OpenSSL's default */
IOCP_API int iocp_client_set_str(iocp_client* c, int option, const char* value, size_t length);
/* A client event: OnConnected, OnDisconnected, OnHeartbeat. Returns IOCP_OK or IOCP_ERR_HANDLER. */
typedef int (*iocp_client_event)(void* user, iocp_client* c);
#define IOCP_ON_CONNECTED 1
#define IOCP_ON_DISCONNECTED 2
#define IOCP_ON_CLIENT_HEARTBEAT 3
IOCP_API int iocp_client_set_event(iocp_client* c, int which, iocp_client_event fn, void* user);
/* The client's TLS events (as iocp_server_set_tls_events; they apply from the next connect). The
   owner. */
IOCP_API int iocp_client_set_tls_events(iocp_client* c, iocp_password_event password,
                                        iocp_verify_peer_event verify_peer, void* user);
/* Connect to Host:Port (IOCP_ERR_CONNECT_TIMEOUT, IOCP_ERR_SOCKET). The owner. */
IOCP_API int iocp_client_connect(iocp_client* c);
/* Disconnect(ANotifyPeer). The owner. */
IOCP_API int iocp_client_disconnect(iocp_client* c, int notify_peer);
IOCP_API int iocp_client_connected(iocp_client* c); /* 1 / 0. The owner. */
IOCP_API iocp_io* iocp_client_io(iocp_client* c);   /* Its IOHandler. Any thread. */

#ifdef __cplusplus
}
#endif

#endif /* IOCP_H */
