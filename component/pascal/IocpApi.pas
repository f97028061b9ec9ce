{ IocpApi: the Pascal import unit of the C ABI (component/capi/iocp.h), function for function.
  The higher units (IocpServer, IocpClient, IocpIndyCompat) are built on it; applications use
  those. A test parses this unit and iocp.h and fails on any difference in names, parameters,
  types or constant values (tests/capi/abi_match_test.cpp), so keep both in step.

  Valid Delphi and Free Pascal (mode delphi). Every function is cdecl and comes from libiocp.so,
  or on Windows from iocp32.dll (32-bit programs) or iocp64.dll (64-bit): one name per bitness,
  so that a program never loads the other one from PATH.

  Under Delphi on Windows the imports are delayed: the DLL is loaded at the first call, not when
  the program or package loads. The components make no call until first activated or connected,
  so the IDE loads the design package and designs, streams and saves forms without the DLL. }
unit IocpApi;

{$IFDEF FPC}
  {$mode delphi}
  {$PACKRECORDS C}
{$ENDIF}

interface

{$IFNDEF FPC}
  {$IFDEF MSWINDOWS}
    {$DEFINE IOCP_DELAYED}  { Delphi 2010 and later: the "delayed" directive. }
  {$ENDIF}
{$ENDIF}

const
{$IFDEF MSWINDOWS}
  {$IF DEFINED(CPUX64) OR DEFINED(CPU64BITS) OR DEFINED(CPU64)}
  IocpLib = 'iocp64.dll';
  {$ELSE}
  IocpLib = 'iocp32.dll';
  {$IFEND}
{$ELSE}
  IocpLib = 'iocp';
{$ENDIF}

  { The constants of iocp.h (IOCP_*), same names and values. }
  IOCP_HEADER_ABI_VERSION = 1;
  IOCP_OK = 0;
  IOCP_ERR_ARGUMENT = -1;
  IOCP_ERR_STATE = -2;
  IOCP_ERR_NOT_CONNECTED = -3;
  IOCP_ERR_CLOSED_GRACEFULLY = -4;
  IOCP_ERR_SOCKET = -5;
  IOCP_ERR_READ_TIMEOUT = -6;
  IOCP_ERR_MAX_LINE_LENGTH = -7;
  IOCP_ERR_READLN_MAX_ATTEMPTS = -8;
  IOCP_ERR_BIND = -9;
  IOCP_ERR_CONNECT_TIMEOUT = -10;
  IOCP_ERR_NO_ON_EXECUTE = -11;
  IOCP_ERR_HANDLER = -12;
  IOCP_ERR_FAILED = -13;
  IOCP_ERR_NO_DATA_TO_READ = -14;
  IOCP_ERR_REQUIRES_LARGE_STREAM = -15;
  IOCP_ERR_STREAM_TOO_LARGE = -16;
  IOCP_ERR_RESOLVE = -17;
  IOCP_ERR_CONFIG = -18;
  IOCP_FIBER_STATE_SIZE = 64;
  IOCP_CACHE_HINTS = 3;
  { option-table:start (generated from the table by iocp-option-table --write; see iocp.h) }
  IOCP_SERVER_DEFAULT_PORT = 1;              { DefaultPort: 0..65535; new: 0; port of a binding without one }
  IOCP_SERVER_LISTEN_QUEUE = 2;              { ListenQueue: 0..2147483647; new: 0; listen() backlog; 0 = the system's maximum }
  IOCP_SERVER_MAX_CONNECTIONS = 3;           { MaxConnections: 0..2147483647; new: 0; 0 = unlimited }
  IOCP_SERVER_MAX_CONNECTION_REPLY = 100;    { MaxConnectionReply: string; new: ""; line sent to a refused client; "" = close }
  IOCP_SERVER_REUSE_SOCKET = 4;              { ReuseSocket: 0/1; new: 1; SO_REUSEADDR on the listeners }
  IOCP_SERVER_REUSE_PORT = 38;               { ReusePort: 0/1; new: 0; SO_REUSEPORT: several processes on one port (Linux) }
  IOCP_SERVER_USE_NAGLE = 5;                 { UseNagle: 0/1; new: 1; false sets TCP_NODELAY on accepted connections }
  IOCP_SERVER_TERMINATE_WAIT_TIME = 6;       { TerminateWaitTime: 0..2147483647; new: 5000; ms Active = false waits for handlers }
  IOCP_SERVER_IOHANDLER_TYPE = 7;            { IOHandlerOptions.IOHandlerType: 0 = iohDefault, 1 = iohIOCP; new: iohDefault; iohDefault: a thread per connection; iohIOCP: the engine }
  IOCP_SERVER_IOCP_THREADS = 8;              { IOHandlerOptions.IOCP.IOCPThreads: 0..1024; new: 0; 0 = number of processors }
  IOCP_SERVER_WORKOP_THREADS = 9;            { IOHandlerOptions.IOCP.WorkOpThreads: 0..1024; new: 0; N = each connection pinned to one of N threads }
  IOCP_SERVER_FIBER_STACK_SIZE = 10;         { IOHandlerOptions.IOCP.FiberStackSize: 16384..1073741824; new: 262144; bytes reserved per connection's fiber }
  IOCP_SERVER_MAX_PENDING_OUTPUT = 11;       { IOHandlerOptions.IOCP.MaxPendingOutput: 1..2147483647; new: 4194304; bytes queued before a write waits }
  IOCP_SERVER_BACKEND = 25;                  { IOHandlerOptions.IOCP.Backend: 0 = ibDefault, 1 = ibIoUring; new: ibDefault; what iohIOCP waits on (Linux): epoll, io_uring }
  IOCP_SERVER_SLOW_CONSUMER = 35;            { IOHandlerOptions.IOCP.SlowConsumer: 0 = scPauseReading, 1 = scDisconnect; new: scPauseReading; event model, output past MaxPendingOutput: pause reading the peer, or drop it }
  IOCP_SERVER_HEARTBEAT_ENABLED = 12;        { Heartbeat.Enabled: 0/1; new: 0; ping every Interval, close after Timeout }
  IOCP_SERVER_HEARTBEAT_INTERVAL = 13;       { Heartbeat.Interval: 1..2147483647; new: 30000; ms }
  IOCP_SERVER_HEARTBEAT_TIMEOUT = 14;        { Heartbeat.Timeout: 1..2147483647; new: 10000; ms }
  IOCP_SERVER_HEARTBEAT_MODE = 15;           { Heartbeat.Mode: 0 = hbAlways, 1 = hbWhenIdle; new: hbAlways; every Interval, or after an Interval of silence }
  IOCP_SERVER_HEARTBEAT_PAYLOAD = 101;       { Heartbeat.Payload: string; new: ""; bytes written as the ping; "" = none }
  IOCP_SERVER_KEEPALIVE_ENABLED = 17;        { KeepAlive.Enabled: 0/1; new: 0; TCP keepalive probes }
  IOCP_SERVER_KEEPALIVE_TIME = 18;           { KeepAlive.Time: 1..2147483647; new: 60000; ms idle before the first probe }
  IOCP_SERVER_KEEPALIVE_INTERVAL = 19;       { KeepAlive.Interval: 1..2147483647; new: 10000; ms between probes }
  IOCP_SERVER_IDLE_TIMEOUT = 16;             { IdleTimeout: 0..2147483647; new: 0; ms without a completed read or write; 0 = never }
  IOCP_SERVER_USER_TIMEOUT = 20;             { UserTimeout: 0..2147483647; new: 0; ms data may stay unacknowledged; 0 = the OS default }
  IOCP_SERVER_RECEIVE_BUFFER_SIZE = 26;      { ReceiveBufferSize: 0..268435456; new: 0; SO_RCVBUF of accepted sockets; 0 = the OS default }
  IOCP_SERVER_SEND_BUFFER_SIZE = 27;         { SendBufferSize: 0..268435456; new: 0; SO_SNDBUF of accepted sockets; 0 = the OS default }
  IOCP_SERVER_FRAMING_KIND = 21;             { Framing.Kind: 0 = fkNone, 1 = fkLine, 2 = fkLengthPrefixed; new: fkNone; how OnMessage's messages are cut }
  IOCP_SERVER_FRAMING_DELIMITER = 102;       { Framing.Delimiter: string; new: "\n"; fkLine: ends each message (a CR before an LF is dropped) }
  IOCP_SERVER_FRAMING_LENGTH_BYTES = 22;     { Framing.LengthBytes: 1, 2, 4, 8; new: 4; fkLengthPrefixed: bytes of the length }
  IOCP_SERVER_FRAMING_BIG_ENDIAN = 23;       { Framing.BigEndian: 0/1; new: 1; fkLengthPrefixed: network byte order }
  IOCP_SERVER_FRAMING_MAX_FRAME_SIZE = 24;   { Framing.MaxFrameSize: 1..2147483647; new: 1048576; longest message in bytes }
  IOCP_SERVER_SSL_ENABLED = 28;              { SSLOptions.Enabled: 0/1; new: 0; TLS on every connection (needs CertFile and KeyFile) }
  IOCP_SERVER_SSL_CERT_FILE = 103;           { SSLOptions.CertFile: string; new: ""; PEM: the server's certificate (chain) }
  IOCP_SERVER_SSL_KEY_FILE = 104;            { SSLOptions.KeyFile: string; new: ""; PEM: its private key }
  IOCP_SERVER_SSL_ROOT_CERT_FILE = 105;      { SSLOptions.RootCertFile: string; new: ""; PEM: the CAs that verify client certificates }
  IOCP_SERVER_SSL_CIPHER_LIST = 106;         { SSLOptions.CipherList: string; new: ""; OpenSSL's TLS 1.2 cipher list; "" = AEAD with forward secrecy }
  IOCP_SERVER_SSL_VERSIONS = 29;             { SSLOptions.SSLVersions: a sum of 1 = sslvSSLv2, 2 = sslvSSLv23, 4 = sslvSSLv3, 8 = sslvTLSv1, 16 = sslvTLSv1_1, 32 = sslvTLSv1_2, 64 = sslvTLSv1_3; new: [sslvTLSv1_2,sslvTLSv1_3]; TLS versions accepted (bit 1 << TIdSSLVersion) }
  IOCP_SERVER_SSL_MODE = 30;                 { SSLOptions.Mode: 0 = sslmUnassigned, 1 = sslmClient, 2 = sslmServer, 3 = sslmBoth; new: sslmUnassigned; the side: sslmServer, sslmBoth or sslmUnassigned }
  IOCP_SERVER_SSL_VERIFY_MODE = 31;          { SSLOptions.VerifyMode: a sum of 1 = sslvrfPeer, 2 = sslvrfFailIfNoPeerCert, 4 = sslvrfClientOnce; new: []; client certificates: sslvrfPeer asks and verifies }
  IOCP_SERVER_SSL_VERIFY_DEPTH = 32;         { SSLOptions.VerifyDepth: 0..100; new: 0; longest chain verified; 0 = OpenSSL's default }
  IOCP_SERVER_SSL_PASS_THROUGH = 33;         { SSLOptions.PassThrough: 0/1; new: 0; plain until the handler sets PassThrough false (STARTTLS) }
  IOCP_SERVER_SSL_HANDSHAKE_TIMEOUT = 34;    { SSLOptions.HandshakeTimeout: 0..2147483647; new: 10000; ms a TLS handshake may take; 0 = no limit }
  IOCP_SERVER_PROXY_PROTOCOL_MODE = 36;      { ProxyProtocol.Mode: 0 = ppOff, 1 = ppV1, 2 = ppV2, 3 = ppEither; new: ppOff; the PROXY protocol header every connection begins with }
  IOCP_SERVER_PROXY_PROTOCOL_TRUSTED_SOURCES = 107; { ProxyProtocol.TrustedSources: string; new: ""; addresses/networks allowed to send it ("10.0.0.0/8, ::1") }
  IOCP_SERVER_PROXY_PROTOCOL_TIMEOUT = 37;   { ProxyProtocol.Timeout: 1..2147483647; new: 5000; ms the whole header may take }
  { option-table:end }
  IOCP_BACKEND_DEFAULT = 0;
  IOCP_BACKEND_IO_URING = 1;
  IOCP_OPTION_NUMBER = 1;
  IOCP_OPTION_BOOLEAN = 2;
  IOCP_OPTION_CHOICE = 3;
  IOCP_OPTION_STRING = 4;
  IOCP_OPTION_SET = 5;  { Bit n: the element of ordinal n (a Delphi set's own layout). }
  IOCP_ON_CONTEXT_CREATED = 1;
  IOCP_ON_CONNECT = 2;
  IOCP_ON_EXECUTE = 3;
  IOCP_ON_DISCONNECT = 4;
  IOCP_ON_HEARTBEAT = 5;
  IOCP_ON_CONTEXT_FREED = 6;
  IOCP_ON_DATA_AVAILABLE = 7;
  IOCP_STAT_ACTIVE_CONNECTIONS = 1;
  IOCP_STAT_PEAK_CONNECTIONS = 2;
  IOCP_STAT_ACCEPTED = 3;
  IOCP_STAT_REFUSED = 4;
  IOCP_STAT_OS_RECEIVES_PENDING = 5;
  IOCP_STAT_OS_RECEIVE_BYTES_PENDING = 6;
  IOCP_STAT_OS_SENDS_PENDING = 7;
  IOCP_STAT_BYTES_IN = 8;
  IOCP_STAT_BYTES_OUT = 9;
  IOCP_STAT_READS = 10;
  IOCP_STAT_WRITES = 11;
  IOCP_STAT_ENGINE_THREADS = 12;
  IOCP_STAT_IO_THREAD_FAILURES = 13;
  IOCP_STAT_READ_PAUSES = 14;
  IOCP_TIMEOUT_DEFAULT = -1;
  IOCP_TIMEOUT_INFINITE = -2;
  IOCP_WRITE_BUFFER_OPEN = 1;
  IOCP_WRITE_BUFFER_FLUSH = 2;
  IOCP_WRITE_BUFFER_CLOSE = 3;
  IOCP_WRITE_BUFFER_CANCEL = 4;
  IOCP_WRITE_BUFFER_CLEAR = 5;
  IOCP_IO_READ_TIMEOUT = 1;
  IOCP_IO_MAX_LINE_LENGTH = 2;
  IOCP_IO_MAX_LINE_ACTION = 3;
  IOCP_IO_READLN_TIMEDOUT = 4;
  IOCP_IO_READLN_SPLIT = 5;
  IOCP_IO_CONNECTED = 6;
  IOCP_IO_WRITE_BUFFERING = 7;
  IOCP_IO_LARGE_STREAM = 8;
  IOCP_IO_INPUT_SIZE = 9;
  IOCP_IO_WRITE_BUFFER_THRESHOLD = 10;
  IOCP_IO_CLOSED_GRACEFULLY = 11;
  IOCP_IO_PASS_THROUGH = 12;  { Writing 0 starts TLS (STARTTLS). }
  IOCP_STREAM_SIZE = 1;
  IOCP_STREAM_POSITION = 2;
  IOCP_STREAM_SEEK = 3;
  IOCP_STREAM_READ = 4;
  IOCP_STREAM_WRITE = 5;
  IOCP_STREAM_SET_SIZE = 6;
  IOCP_CLIENT_PORT = 1;
  IOCP_CLIENT_CONNECT_TIMEOUT = 2;
  IOCP_CLIENT_READ_TIMEOUT = 3;
  IOCP_CLIENT_USE_NAGLE = 4;
  IOCP_CLIENT_CLEAN_DISCONNECT = 5;
  IOCP_CLIENT_CLEAN_DISCONNECT_TIMEOUT = 6;
  IOCP_CLIENT_HEARTBEAT_ENABLED = 7;
  IOCP_CLIENT_HEARTBEAT_INTERVAL = 8;
  IOCP_CLIENT_HEARTBEAT_TIMEOUT = 9;
  IOCP_CLIENT_HEARTBEAT_MODE = 10;
  IOCP_CLIENT_SSL_ENABLED = 11;
  IOCP_CLIENT_SSL_VERSIONS = 12;
  IOCP_CLIENT_SSL_VERIFY_MODE = 13;
  IOCP_CLIENT_SSL_VERIFY_DEPTH = 14;
  IOCP_CLIENT_SSL_PASS_THROUGH = 15;
  IOCP_CLIENT_SSL_HANDSHAKE_TIMEOUT = 16;
  IOCP_CLIENT_HOST = 100;
  IOCP_CLIENT_GOODBYE = 101;
  IOCP_CLIENT_HEARTBEAT_PAYLOAD = 102;
  IOCP_CLIENT_SSL_CERT_FILE = 103;
  IOCP_CLIENT_SSL_KEY_FILE = 104;
  IOCP_CLIENT_SSL_ROOT_CERT_FILE = 105;
  IOCP_CLIENT_SSL_CIPHER_LIST = 106;
  IOCP_ON_CONNECTED = 1;
  IOCP_ON_DISCONNECTED = 2;
  IOCP_ON_CLIENT_HEARTBEAT = 3;
type
  { C's size_t. C++Builder has its own: the generated header leaves it out. PPAnsiChar, PInt64
    and PUInt64 are the system unit's. }
  size_t = NativeUInt;
  {$EXTERNALSYM size_t}
  Psize_t = ^size_t;

  { Opaque handles (iocp_server*, iocp_context*, iocp_io*, iocp_client*). }
  Piocp_server = type Pointer;
  Piocp_context = type Pointer;
  Piocp_io = type Pointer;
  Piocp_client = type Pointer;
  { iocp_context* const**: the locked Contexts list, an array of context handles. }
  Piocp_context_array = ^Piocp_context;
  PPiocp_context_array = ^Piocp_context_array;

  { One certificate of the peer's chain (iocp.h's iocp_x509, Indy's TIdX509), valid during the
    callback. }
  iocp_x509 = record
    subject: PAnsiChar;
    issuer: PAnsiChar;
    serial_number: PAnsiChar;
    md5: PAnsiChar;
    sha1: PAnsiChar;
    sha256: PAnsiChar;
    not_before: Int64;  { Seconds since 1970-01-01 UTC. }
    not_after: Int64;
    version: Int32;
  end;
  Piocp_x509 = ^iocp_x509;

  { Callbacks (iocp.h typedefs). They run on engine threads; see the header for each. }
  iocp_fiber_switch_hook = procedure(state: Pointer; entering: Integer); cdecl;
  iocp_interleaved_fiber_fn = procedure(user: Pointer; index: Integer); cdecl;
  iocp_context_event = function(user: Pointer; context: Piocp_context): Integer; cdecl;
  iocp_exception_event = procedure(user: Pointer; context: Piocp_context; code: Integer;
    message: PAnsiChar; length: size_t); cdecl;
  iocp_listen_exception_event = procedure(user: Pointer; binding: Integer; message: PAnsiChar;
    length: size_t); cdecl;
  iocp_bind_event = function(user: Pointer; binding: Integer): Integer; cdecl;
  iocp_password_event = function(user: Pointer; buf: PAnsiChar; size: size_t; length: Psize_t): Integer; cdecl;
  iocp_verify_peer_event = function(user: Pointer; certificate: Piocp_x509; ok: Integer; depth: Integer;
    error: Integer; accept: PInteger): Integer; cdecl;
  iocp_message_event = function(user: Pointer; context: Piocp_context; message: PAnsiChar;
    length: size_t): Integer; cdecl;
  iocp_client_event = function(user: Pointer; c: Piocp_client): Integer; cdecl;
  iocp_stream_fn = function(user: Pointer; operation: Integer; data: Pointer; value: Int64): Int64; cdecl;
  iocp_local_address_fn = procedure(user: Pointer; ip_version: Integer; address: PAnsiChar;
    address_length: size_t; netmask: PAnsiChar; netmask_length: size_t; interface_name: PAnsiChar;
    name_length: size_t; friendly_name: PAnsiChar; friendly_length: size_t; interface_index: UInt32); cdecl;
  iocp_draining_fn = procedure(user: Pointer); cdecl;

function iocp_abi_version: Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_version_string: PAnsiChar; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_last_error: PAnsiChar; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_last_os_error: Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
procedure iocp_set_handler_error(code: Integer; message: PAnsiChar; length: size_t); cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_set_fiber_switch_hook(hook: iocp_fiber_switch_hook): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_run_interleaved_fibers(count: Integer; fn: iocp_interleaved_fiber_fn; user: Pointer): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_yield_interleaved_fiber: Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_create: Piocp_server; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
procedure iocp_server_destroy(server: Piocp_server); cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_set_int(server: Piocp_server; option: Integer; value: Int64): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_get_int(server: Piocp_server; option: Integer; value: PInt64): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_set_str(server: Piocp_server; option: Integer; value: PAnsiChar; length: size_t): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_get_str(server: Piocp_server; option: Integer; value: PPAnsiChar; length: Psize_t): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_option_count: Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_option_info(index: Integer; id: PInteger; kind: PInteger; path: PPAnsiChar; min: PInt64; max: PInt64): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_load_xml(server: Piocp_server; xml: PAnsiChar; length: size_t): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_save_xml(server: Piocp_server; xml: PPAnsiChar; length: Psize_t): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_clear_bindings(server: Piocp_server): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_add_binding(server: Piocp_server; ip: PAnsiChar; ip_length: size_t; port: Integer): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_binding_count(server: Piocp_server): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_binding(server: Piocp_server; index: Integer; ip: PPAnsiChar; ip_length: Psize_t; port: PInteger): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_set_active(server: Piocp_server; active: Integer): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_active(server: Piocp_server): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_active_backend(server: Piocp_server; text_: PPAnsiChar; length: Psize_t): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_set_context_event(server: Piocp_server; which: Integer; fn: iocp_context_event; user: Pointer): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_set_exception_event(server: Piocp_server; fn: iocp_exception_event; user: Pointer): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_set_listen_exception_event(server: Piocp_server; fn: iocp_listen_exception_event; user: Pointer): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_set_message_event(server: Piocp_server; fn: iocp_message_event; user: Pointer): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_set_bind_events(server: Piocp_server; before: iocp_bind_event; after: iocp_bind_event; user: Pointer): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_clear_sni_certificates(server: Piocp_server): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_add_sni_certificate(server: Piocp_server; host_name: PAnsiChar; host_name_length: size_t; cert_file: PAnsiChar; cert_file_length: size_t; key_file: PAnsiChar; key_file_length: size_t): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_sni_certificate_count(server: Piocp_server): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_sni_certificate(server: Piocp_server; index: Integer; host_name: PPAnsiChar; host_name_length: Psize_t; cert_file: PPAnsiChar; cert_file_length: Psize_t; key_file: PPAnsiChar; key_file_length: Psize_t): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_set_tls_events(server: Piocp_server; password: iocp_password_event; verify_peer: iocp_verify_peer_event; user: Pointer): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_lock_contexts(server: Piocp_server; items: PPiocp_context_array; count: PInteger): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_unlock_contexts(server: Piocp_server): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_context_count(server: Piocp_server): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_context_user(context: Piocp_context): Pointer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_context_set_user(context: Piocp_context; user: Pointer): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_context_io(context: Piocp_context): Piocp_io; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_context_execute_again(context: Piocp_context): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_context_server(context: Piocp_context): Piocp_server; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_context_endpoint(context: Piocp_context; which: Integer; ip: PPAnsiChar; ip_length: Psize_t; port: PInteger): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_context_handle(context: Piocp_context): Int64; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_context_set_sockopt(context: Piocp_context; level: Integer; name: Integer; value: Integer): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_context_get_sockopt(context: Piocp_context; level: Integer; name: Integer; value: PInteger): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_context_keepalive(context: Piocp_context; enabled: Integer; time_ms: Integer; interval_ms: Integer): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_context_nagle(context: Piocp_context; enabled: Integer): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_context_disconnect_reason(context: Piocp_context; text_: PPAnsiChar; length: Psize_t): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_context_disconnect_detail(context: Piocp_context; text_: PPAnsiChar; length: Psize_t): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_context_disconnect(context: Piocp_context; notify_peer: Integer): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_stat(server: Piocp_server; which: Integer; value: PUInt64): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_closed_count(server: Piocp_server; reason: PAnsiChar; length: size_t; value: PUInt64): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_io_readln(io: Piocp_io; terminator: PAnsiChar; terminator_length: size_t; timeout_ms: Integer; max_line_length: Integer; line: PPAnsiChar; length: Psize_t): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_io_readln_wait(io: Piocp_io; fail_count: Integer; line: PPAnsiChar; length: Psize_t): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_io_read_bytes(io: Piocp_io; count: Integer; data: PPAnsiChar; length: Psize_t): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_io_read_int(io: Piocp_io; size: Integer; is_signed: Integer; convert: Integer; value: PInt64): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_io_write(io: Piocp_io; data: Pointer; length: size_t): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_io_writeln(io: Piocp_io; text_: PAnsiChar; length: size_t): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_io_write_int(io: Piocp_io; size: Integer; convert: Integer; value: Int64): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_io_check_for_data(io: Piocp_io; timeout_ms: Integer): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_io_check_for_disconnect(io: Piocp_io; raise_if_disconnected: Integer; ignore_buffer: Integer): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_io_write_buffer(io: Piocp_io; operation: Integer; argument: Integer): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_io_input(io: Piocp_io; data: PPAnsiChar; length: Psize_t): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_io_input_consume(io: Piocp_io; count: size_t): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_io_write_stream(io: Piocp_io; stream: iocp_stream_fn; user: Pointer; size: Int64; write_byte_count: Integer): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_io_read_stream(io: Piocp_io; stream: iocp_stream_fn; user: Pointer; byte_count: Int64; read_until_disconnect: Integer): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
procedure iocp_sleep(ms: Integer); cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_set_listening(server: Piocp_server; listening: Integer): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_drain(server: Piocp_server; timeout_ms: Integer; on_draining: iocp_draining_fn; user: Pointer; all_ended: PInteger): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_draining(server: Piocp_server; draining: PInteger): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_server_reload_certificates(server: Piocp_server): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_context_set_cache_hints(context: Piocp_context; addresses: PPointer; count: size_t): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_local_addresses(fn: iocp_local_address_fn; user: Pointer): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_host_name(text: PPAnsiChar; length: Psize_t): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_resolve_host(host: PAnsiChar; host_length: size_t; ip_version: Integer; text: PPAnsiChar; length: Psize_t): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_io_set_int(io: Piocp_io; option: Integer; value: Int64): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_io_get_int(io: Piocp_io; option: Integer; value: PInt64): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_io_close(io: Piocp_io): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_client_create: Piocp_client; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
procedure iocp_client_destroy(c: Piocp_client); cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_client_set_int(c: Piocp_client; option: Integer; value: Int64): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_client_get_int(c: Piocp_client; option: Integer; value: PInt64): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_client_set_str(c: Piocp_client; option: Integer; value: PAnsiChar; length: size_t): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_client_set_event(c: Piocp_client; which: Integer; fn: iocp_client_event; user: Pointer): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_client_set_tls_events(c: Piocp_client; password: iocp_password_event; verify_peer: iocp_verify_peer_event; user: Pointer): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_client_connect(c: Piocp_client): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_client_disconnect(c: Piocp_client; notify_peer: Integer): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_client_connected(c: Piocp_client): Integer; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};
function iocp_client_io(c: Piocp_client): Piocp_io; cdecl; external IocpLib {$IFDEF IOCP_DELAYED}delayed{$ENDIF};

implementation

end.
