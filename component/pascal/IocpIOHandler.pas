{ IocpIOHandler: TIocpIOHandler, Indy's reading and writing members over the C ABI's IOHandler
  (iocp_io_*). Used by the server's contexts and by the client.

  Threads: every member only from the connection's own handler (OnConnect / OnExecute /
  OnDisconnect of that context, or the thread that owns a client), except Write/WriteLn (any
  thread: from elsewhere the bytes are queued whole, Indy's broadcast) and Close (any thread). }
unit IocpIOHandler;

{$IFDEF FPC}
  {$mode delphi}
{$ENDIF}

interface

uses
  SysUtils, Classes, IocpApi, IocpGlobal;

const
  IdTimeoutDefault = -1;   { The IOHandler's ReadTimeout. }
  IdTimeoutInfinite = -2;  { Wait forever. }
  IdMaxLineLengthDefault = 16 * 1024;
  EOL = #13#10;
  LF = #10;

type
  { Indy's type of an OS socket: Winsock's SOCKET, a descriptor elsewhere. }
  TIdStackSocketHandle = {$IFDEF MSWINDOWS} NativeUInt {$ELSE} Integer {$ENDIF};

  TIocpIOHandler = class;

  { Indy's TIdSocketHandle: a server's listening address (an item of Bindings: set IP and Port
    while the server is inactive), or a connection's addresses and socket (AContext.Binding,
    Connection.Socket.Binding: read them, and set socket options, from its handler). }
  TIocpSocketHandle = class(TCollectionItem)
  private
    FIP: string;
    FPort: Integer;
    FIPVersion: TIdIPVersion;
    FUseNagle: Boolean;
    FContext: Piocp_context;  { A connection's binding; nil for a listening one. }
    function Endpoint(AWhich: Integer; out APort: Integer): string;
    function GetIP: string;
    function GetPort: Integer;
    function GetPeerIP: string;
    function GetPeerPort: Integer;
    function GetHandle: TIdStackSocketHandle;
    function GetHandleAllocated: Boolean;
    procedure SetUseNagle(AValue: Boolean);
    procedure NeedConnection;
  protected
    function GetDisplayName: string; override;
  public
    constructor Create(ACollection: TCollection); override;
    { For the server unit: the binding of a connection (ACollection nil). }
    constructor CreateForContext(AContext: Piocp_context);
    procedure Assign(Source: TPersistent); override;
    procedure SetBinding(const AIP: string; const APort: Integer; const AIPVersion: TIdIPVersion = Id_IPv4);
    { Socket options of a connection (level and name as the OS numbers them: Id_SOL_SOCKET ...);
      EIdSocketError if the OS refuses, EIdNotConnected once it is closed. }
    procedure SetSockOpt(ALevel, AOptName, AOptVal: Integer);
    procedure GetSockOpt(ALevel, AOptName: Integer; out VOptVal: Integer);
    { TCP keepalive: the first probe after ATimeMS idle, then every AInterval ms. }
    procedure SetKeepAliveValues(const AEnabled: Boolean; const ATimeMS, AInterval: Integer);
    procedure SetNagleOpt(const AEnabled: Boolean);  { AEnabled: Nagle on (TCP_NODELAY off). }
    procedure CloseSocket;  { A connection's: disconnect it (queued output is sent first). }
    { Indy's Send on a connection's binding: the bytes (or the text, in AByteEncoding) go out as the
      IOHandler's Write sends them (all of them, so the result is their count). }
    function Send(const ABuffer: TIdBytes; const AOffset: Integer = 0; const ASize: Integer = -1): Integer; overload;
    function Send(const AData: string; AByteEncoding: IIdTextEncoding = nil
      {$IFNDEF UNICODE}; ASrcEncoding: IIdTextEncoding = nil{$ENDIF}): Integer; overload;
    property PeerIP: string read GetPeerIP;
    property PeerPort: Integer read GetPeerPort;
    property Handle: TIdStackSocketHandle read GetHandle;
    property HandleAllocated: Boolean read GetHandleAllocated;
  published
    property IP: string read GetIP write FIP;
    property IPVersion: TIdIPVersion read FIPVersion write FIPVersion default Id_IPv4;
    property Port: Integer read GetPort write FPort;
    property UseNagle: Boolean read FUseNagle write SetUseNagle default True;
  end;

  { What the server's Bindings (IocpTCPServer.TIocpSocketHandles, Indy's TIdSocketHandles) are
    made of: every item the collection creates, also the IDE's collection editor's and a
    streamed form's, starts on DefaultPort, as Indy's TIdSocketHandle does. }
  TIocpSocketHandleList = class(TOwnedCollection)
  private
    FDefaultPort: Integer;
  public
    { The port a new binding starts on (the server's DefaultPort). }
    property DefaultPort: Integer read FDefaultPort write FDefaultPort;
  end;


  { Indy's TIdBuffer behind IOHandler.InputBuffer: the bytes received and not yet read. }
  TIocpBuffer = class
  private
    FIOHandler: TIocpIOHandler;
    function GetSize: Integer;
  public
    property Size: Integer read GetSize;
    function AsString: string;                                   { Everything, left in place. }
    { Removed (-1 = all), as text in AByteEncoding (nil = the IOHandler's DefStringEncoding). }
    function ExtractToString(AByteCount: Integer = -1; AByteEncoding: IIdTextEncoding = nil
      {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding = nil{$ENDIF}): string;
    { Indy's: AByteCount bytes (-1: all; more than there are raises EIdNotEnoughDataInBuffer)
      appended to VBytes, or (AAppend = False) put at its start, growing it if it is shorter;
      AIndex >= 0 copies from that offset of the buffer and leaves the bytes in place. }
    procedure ExtractToBytes(var VBytes: TIdBytes; AByteCount: Integer = -1; AAppend: Boolean = True;
      AIndex: Integer = -1);
    { AByteCount bytes (-1 = all) written to AStream and removed; AIndex >= 0: copied from that
      offset and left in place. More than there are raises EIdNotEnoughDataInBuffer. }
    procedure ExtractToStream(const AStream: TStream; AByteCount: Integer = -1; const AIndex: Integer = -1);
    procedure SaveToStream(const AStream: TStream);  { Every byte, left in place. }
    { Where the byte, the bytes or the text (in AByteEncoding, as Write would send it) first
      occurs at or after AStartPos; -1 if absent. }
    function IndexOf(const AByte: Byte; AStartPos: Integer = 0): Integer; overload;
    function IndexOf(const ABytes: TIdBytes; AStartPos: Integer = 0): Integer; overload;
    function IndexOf(const AString: string; AStartPos: Integer = 0; AByteEncoding: IIdTextEncoding = nil
      {$IFNDEF UNICODE}; ASrcEncoding: IIdTextEncoding = nil{$ENDIF}): Integer; overload;
    function PeekByte(AIndex: Integer): Byte;  { The byte at AIndex, left in place. }
    procedure Remove(AByteCount: Integer);     { Drop the first AByteCount bytes. }
    procedure Clear;
  end;

  { Indy's TLS types (IdSSLOpenSSL), with TLS 1.3, for SSLOptions. }
  TIdSSLVersion = (sslvSSLv2, sslvSSLv23, sslvSSLv3, sslvTLSv1, sslvTLSv1_1, sslvTLSv1_2, sslvTLSv1_3);
  TIdSSLVersions = set of TIdSSLVersion;
  TIdSSLMode = (sslmUnassigned, sslmClient, sslmServer, sslmBoth);
  TIdSSLVerifyMode = (sslvrfPeer, sslvrfFailIfNoPeerCert, sslvrfClientOnce);
  TIdSSLVerifyModeSet = set of TIdSSLVerifyMode;

  { A group of options of a component (IOHandlerOptions, Heartbeat, SSLOptions ...): Assign
    copies every published property over RTTI, nested groups included. }
  TIocpOptionGroup = class(TPersistent)
  public
    procedure Assign(Source: TPersistent); override;
  end;

  { One of SSLOptions.SNICertificates: a server's further certificate, served to a client whose
    SNI names HostName ('host.example.com', or '*.example.com': one label in front of it). }
  TIocpSNICertificate = class(TCollectionItem)
  private
    FHostName, FCertFile, FKeyFile: string;
  public
    procedure Assign(Source: TPersistent); override;
  published
    property HostName: string read FHostName write FHostName;
    property CertFile: string read FCertFile write FCertFile;
    property KeyFile: string read FKeyFile write FKeyFile;
  end;

  { SSLOptions.SNICertificates (ours; Indy's server IOHandler has no SNI): the first whose
    HostName matches the client's SNI (without case) serves it; other clients get CertFile.
    Loaded and checked with CertFile (Active := True, ReloadCertificates). }
  TIocpSNICertificates = class(TCollection)
  private
    function GetItem(AIndex: Integer): TIocpSNICertificate;
  public
    constructor Create;
    function Add: TIocpSNICertificate;
    property Items[AIndex: Integer]: TIocpSNICertificate read GetItem; default;
  end;

  { SSLOptions: TLS on the connections, with the names of Indy's
    TIdServerIOHandlerSSLOpenSSL.SSLOptions (CertFile, KeyFile, RootCertFile, CipherList,
    SSLVersions, Method, Mode, VerifyMode, VerifyDepth) and ours: Enabled (Indy: an SSL IOHandler
    is assigned), PassThrough (True: every connection starts plain and its handler sets
    IOHandler.PassThrough := False, STARTTLS; False: TLS from the first byte, the handshake right
    after OnConnect) and HandshakeTimeout (ms; 0 = no limit). SSLVersions is TLS 1.2 and 1.3 unless
    asked; SSL 2.0 and 3.0 are names only. A bad certificate, key or setting makes Active := True
    raise EIocpConfigError saying which. }
  TIocpSSLOptions = class(TIocpOptionGroup)
  private
    FEnabled: Boolean;
    FCertFile, FKeyFile, FRootCertFile, FCipherList: string;
    FSSLVersions: TIdSSLVersions;
    FMode: TIdSSLMode;
    FVerifyMode: TIdSSLVerifyModeSet;
    FVerifyDepth: Integer;
    FPassThrough: Boolean;
    FHandshakeTimeout: Integer;
    FSNICertificates: TIocpSNICertificates;
    function GetMethod: TIdSSLVersion;
    procedure SetMethod(AValue: TIdSSLVersion);
    procedure SetSNICertificates(AValue: TIocpSNICertificates);
  public
    constructor Create;
    destructor Destroy; override;
  published
    property Enabled: Boolean read FEnabled write FEnabled default False;
    property CertFile: string read FCertFile write FCertFile;
    property KeyFile: string read FKeyFile write FKeyFile;
    property RootCertFile: string read FRootCertFile write FRootCertFile;
    property CipherList: string read FCipherList write FCipherList;
    { Indy's single-version setting, kept for forms that store it: it sets SSLVersions to that
      version (sslvSSLv23: every TLS version), as Indy's does; SSLVersions is what counts. Not
      stored: SSLVersions says it all. }
    property Method: TIdSSLVersion read GetMethod write SetMethod stored False;
    property SSLVersions: TIdSSLVersions read FSSLVersions write FSSLVersions default [sslvTLSv1_2, sslvTLSv1_3];
    property Mode: TIdSSLMode read FMode write FMode default sslmUnassigned;
    property VerifyMode: TIdSSLVerifyModeSet read FVerifyMode write FVerifyMode default [];
    property VerifyDepth: Integer read FVerifyDepth write FVerifyDepth default 0;
    property PassThrough: Boolean read FPassThrough write FPassThrough default False;
    property HandshakeTimeout: Integer read FHandshakeTimeout write FHandshakeTimeout default 10000;
    property SNICertificates: TIocpSNICertificates read FSNICertificates write SetSNICertificates;
  end;

  TIocpIOHandler = class
  private
    FIo: Piocp_io;
    FInputBuffer: TIocpBuffer;
    FDefStringEncoding: IIdTextEncoding;
{$IFNDEF UNICODE}
    FDefAnsiEncoding: IIdTextEncoding;
    FHost: string;
    FPort: Integer;
{$ENDIF}
    FMaxCapturedLines: Integer;
    FConnectTimeout: Integer;
    FBinding: TIocpSocketHandle;
    function GetInt(AOption: Integer): Int64;
    procedure SetInt(AOption: Integer; AValue: Int64);
    function GetReadTimeout: Integer;
    procedure SetReadTimeout(AValue: Integer);
    function GetMaxLineLength: Integer;
    procedure SetMaxLineLength(AValue: Integer);
    function GetMaxLineAction: TIdMaxLineAction;
    procedure SetMaxLineAction(AValue: TIdMaxLineAction);
    function GetReadLnTimedout: Boolean;
    function GetLargeStream: Boolean;
    procedure SetLargeStream(AValue: Boolean);
    function GetClosedGracefully: Boolean;
    function GetPassThrough: Boolean;
    procedure SetPassThrough(AValue: Boolean);
    function GetWriteBufferThreshold: Integer;
    function Encoding(AByteEncoding: IIdTextEncoding): IIdTextEncoding;
    { Where string holds bytes: whether the encoding in effect (AByteEncoding, else
      DefStringEncoding) keeps the N bytes at P as they are (IocpBytesPassThrough). }
    function Plain(const AByteEncoding: IIdTextEncoding; P: PAnsiChar; N: Integer): Boolean;
    function ToText(P: PAnsiChar; N: Integer; const AByteEncoding: IIdTextEncoding
      {$IFNDEF UNICODE}; const ADestEncoding: IIdTextEncoding{$ENDIF}): string;
    { ToText's converting path; a procedure with an out parameter, so that ToText passes its
      own Result and needs no temporary (and no exception frame) on the common path. }
    procedure ToTextConverted(P: PAnsiChar; N: Integer; AByteEncoding: IIdTextEncoding
      {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding{$ENDIF}; out AText: string);
    procedure WriteRaw(P: Pointer; N: Integer);
    procedure WriteText(const AText: string; const AByteEncoding: IIdTextEncoding
      {$IFNDEF UNICODE}; const ASrcEncoding: IIdTextEncoding{$ENDIF});
    procedure WriteTextConverted(const AText: string; AByteEncoding: IIdTextEncoding
      {$IFNDEF UNICODE}; ASrcEncoding: IIdTextEncoding{$ENDIF});
    procedure WriteLnConverted(const AOut: string; const AByteEncoding: IIdTextEncoding
      {$IFNDEF UNICODE}; const ASrcEncoding: IIdTextEncoding{$ENDIF});
    function ReadLnConverted(const ATerminator: string; ATimeout, AMaxLineLength: Integer;
      const AByteEncoding: IIdTextEncoding{$IFNDEF UNICODE}; const ADestEncoding: IIdTextEncoding{$ENDIF}): string;
    function ReadInt(ASize: Integer; ASigned, AConvert: Boolean): Int64;
    procedure PerformCapture(ADest: TObject; out VLineCount: Integer; const ADelim: string;
      AUsesDotTransparency: Boolean; AByteEncoding: IIdTextEncoding
      {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding{$ENDIF});
  public
    { For the server and the client units: the C ABI IOHandler this object speaks for. }
    constructor Create(AIo: Piocp_io);
    destructor Destroy; override;

    { Reading (Indy's signatures; where string holds bytes, ADestEncoding is what the result
      holds, as in Indy for Free Pascal and Delphi before 2009). }
    function ReadLn(const AByteEncoding: IIdTextEncoding = nil
      {$IFNDEF UNICODE}; const ADestEncoding: IIdTextEncoding = nil{$ENDIF}): string; overload;
    function ReadLn(const ATerminator: string; const AByteEncoding: IIdTextEncoding
      {$IFNDEF UNICODE}; const ADestEncoding: IIdTextEncoding = nil{$ENDIF}): string; overload;
    function ReadLn(const ATerminator: string; ATimeout: Integer = IdTimeoutDefault;
      AMaxLineLength: Integer = -1; const AByteEncoding: IIdTextEncoding = nil
      {$IFNDEF UNICODE}; const ADestEncoding: IIdTextEncoding = nil{$ENDIF}): string; overload;
    { ReadLn with MaxLineAction = maSplit for this call; AWasSplit: the line was cut. }
    function ReadLnSplit(var AWasSplit: Boolean; ATerminator: string = LF;
      ATimeout: Integer = IdTimeoutDefault; AMaxLineLength: Integer = -1;
      AByteEncoding: IIdTextEncoding = nil
      {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding = nil{$ENDIF}): string;
    { A line of a dot-terminated message: VMsgEnd at the line ADelim; '..' loses a dot. }
    function ReadLnRFC(var VMsgEnd: Boolean; AByteEncoding: IIdTextEncoding = nil
      {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding = nil{$ENDIF}): string; overload;
    function ReadLnRFC(var VMsgEnd: Boolean; const ALineTerminator: string;
      const ADelim: string = '.'; AByteEncoding: IIdTextEncoding = nil
      {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding = nil{$ENDIF}): string; overload;
    function ReadLnWait(AFailCount: Integer = MaxInt; AByteEncoding: IIdTextEncoding = nil
      {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding = nil{$ENDIF}): string;
    procedure ReadBytes(var VBuffer: TIdBytes; AByteCount: Integer; AAppend: Boolean = True);
    function ReadString(ABytes: Integer; AByteEncoding: IIdTextEncoding = nil
      {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding = nil{$ENDIF}): string;
    function ReadChar(AByteEncoding: IIdTextEncoding = nil
      {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding = nil{$ENDIF}): Char;
    function ReadByte: Byte;
    function ReadInt16(AConvert: Boolean = True): SmallInt;
    function ReadUInt16(AConvert: Boolean = True): Word;
    function ReadInt32(AConvert: Boolean = True): Int32;
    function ReadUInt32(AConvert: Boolean = True): UInt32;
    function ReadInt64(AConvert: Boolean = True): Int64;
    function ReadUInt64(AConvert: Boolean = True): UInt64;
    { Indy's deprecated names of ReadInt16, ReadUInt16, ReadInt32, ReadUInt32. }
    function ReadSmallInt(AConvert: Boolean = True): SmallInt;
    function ReadWord(AConvert: Boolean = True): Word;
    function ReadLongInt(AConvert: Boolean = True): Int32;
    function ReadLongWord(AConvert: Boolean = True): UInt32;
    { Indy's framing: AByteCount = -1 reads a length prefix first (32-bit; 64-bit with
      LargeStream); a negative count, or AReadUntilDisconnect, reads until the peer closes. }
    procedure ReadStream(AStream: TStream; AByteCount: Int64 = -1; AReadUntilDisconnect: Boolean = False);
    { AReadLinesCount lines into ADest (< 0: a 32-bit network-order count is read first). }
    procedure ReadStrings(ADest: TStrings; AReadLinesCount: Integer = -1;
      AByteEncoding: IIdTextEncoding = nil
      {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding = nil{$ENDIF});
    { Lines up to the one equal to ADelim ('.'), into ADest; '..' at a line's start loses a dot. }
    procedure Capture(ADest: TStream; AByteEncoding: IIdTextEncoding = nil
      {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding = nil{$ENDIF}); overload;
    procedure Capture(ADest: TStream; ADelim: string; AUsesDotTransparency: Boolean = True;
      AByteEncoding: IIdTextEncoding = nil
      {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding = nil{$ENDIF}); overload;
    procedure Capture(ADest: TStream; out VLineCount: Integer; const ADelim: string = '.';
      AUsesDotTransparency: Boolean = True; AByteEncoding: IIdTextEncoding = nil
      {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding = nil{$ENDIF}); overload;
    procedure Capture(ADest: TStrings; AByteEncoding: IIdTextEncoding = nil
      {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding = nil{$ENDIF}); overload;
    procedure Capture(ADest: TStrings; const ADelim: string; AUsesDotTransparency: Boolean = True;
      AByteEncoding: IIdTextEncoding = nil
      {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding = nil{$ENDIF}); overload;
    procedure Capture(ADest: TStrings; out VLineCount: Integer; const ADelim: string = '.';
      AUsesDotTransparency: Boolean = True; AByteEncoding: IIdTextEncoding = nil
      {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding = nil{$ENDIF}); overload;
    { Everything until the peer closes, as text. }
    function AllData(AByteEncoding: IIdTextEncoding = nil
      {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding = nil{$ENDIF}): string;
    { Input up to AString (with it if AInclusive), removed from the input if ARemoveFromBuffer. }
    function WaitFor(const AString: string; ARemoveFromBuffer: Boolean = True;
      AInclusive: Boolean = False; AByteEncoding: IIdTextEncoding = nil;
      ATimeout: Integer = IdTimeoutDefault
      {$IFNDEF UNICODE}; AAnsiEncoding: IIdTextEncoding = nil{$ENDIF}): string;
    { Read and drop AByteCount bytes; DiscardAll: everything until the peer closes. }
    procedure Discard(AByteCount: Int64);
    procedure DiscardAll;
    function InputBufferIsEmpty: Boolean;
    { The whole InputBuffer, removed, as text / into AStream (AByteCount < 0: all). }
    function InputBufferAsString(AByteEncoding: IIdTextEncoding = nil
      {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding = nil{$ENDIF}): string;
    procedure InputBufferToStream(AStream: TStream; AByteCount: Integer = -1);
    function CheckForDataOnSource(ATimeout: Integer = 0): Boolean;
    procedure CheckForDisconnect(ARaiseExceptionIfDisconnected: Boolean = True; AIgnoreBuffer: Boolean = False);
    { True if input is there, or comes within AMSec (IdTimeoutDefault: ReadTimeout). }
    function Readable(AMSec: Integer = IdTimeoutDefault): Boolean;
    property InputBuffer: TIocpBuffer read FInputBuffer;

    { Writing (any thread for Write/WriteLn of a string or bytes: from elsewhere queued whole). }
    procedure Write(const AOut: string; const AByteEncoding: IIdTextEncoding = nil
      {$IFNDEF UNICODE}; const ASrcEncoding: IIdTextEncoding = nil{$ENDIF}); overload;
    procedure Write(const ABuffer: TIdBytes; const ALength: Integer = -1; const AOffset: Integer = 0); overload;
    { Indy's WriteDirect: the bytes as Write sends them. Indy's goes around an open write buffer;
      here they join it, so the order on the wire stays the order of the calls. }
    procedure WriteDirect(const ABuffer: TIdBytes; const ALength: Integer = -1; const AOffset: Integer = 0);
    procedure Write(AValue: Char; AByteEncoding: IIdTextEncoding = nil
      {$IFNDEF UNICODE}; ASrcEncoding: IIdTextEncoding = nil{$ENDIF}); overload;
    procedure Write(AValue: Byte); overload;
    procedure Write(AValue: SmallInt; AConvert: Boolean = True); overload;
    procedure Write(AValue: Word; AConvert: Boolean = True); overload;
    procedure Write(AValue: Int32; AConvert: Boolean = True); overload;
    procedure Write(AValue: UInt32; AConvert: Boolean = True); overload;
    procedure Write(AValue: Int64; AConvert: Boolean = True); overload;
    procedure Write(AValue: UInt64; AConvert: Boolean = True); overload;
    { ASize = 0: the whole stream from position 0; < 0: from the position; AWriteByteCount sends
      the count first (32-bit; 64-bit with LargeStream). Indy's bytes. }
    procedure Write(AStream: TStream; ASize: Int64 = 0; AWriteByteCount: Boolean = False); overload;
    { Each line + CRLF, as one write; AWriteLinesCount sends the count first (32-bit). }
    procedure Write(AValue: TStrings; AWriteLinesCount: Boolean = False;
      AByteEncoding: IIdTextEncoding = nil
      {$IFNDEF UNICODE}; ASrcEncoding: IIdTextEncoding = nil{$ENDIF}); overload;
    procedure WriteLn(AEncoding: IIdTextEncoding = nil); overload;
    procedure WriteLn(const AOut: string; const AByteEncoding: IIdTextEncoding = nil
      {$IFNDEF UNICODE}; const ASrcEncoding: IIdTextEncoding = nil{$ENDIF}); overload;
    { WriteLn with dot-stuffing: a line starting with '.' gets another in front. }
    procedure WriteLnRFC(const AOut: string = ''; AByteEncoding: IIdTextEncoding = nil
      {$IFNDEF UNICODE}; ASrcEncoding: IIdTextEncoding = nil{$ENDIF});
    { Each line with WriteLnRFC, then the '.' line if AWriteTerminator. }
    procedure WriteRFCStrings(AStrings: TStrings; AWriteTerminator: Boolean = True;
      AByteEncoding: IIdTextEncoding = nil
      {$IFNDEF UNICODE}; ASrcEncoding: IIdTextEncoding = nil{$ENDIF});
    { Send a file's bytes; returns how many. AEnableTransferFile is accepted and ignored. }
    function WriteFile(const AFile: string; AEnableTransferFile: Boolean = False): Int64;
    procedure WriteBufferOpen; overload;
    procedure WriteBufferOpen(AThreshold: Integer); overload;
    procedure WriteBufferClose;
    procedure WriteBufferFlush; overload;
    { Indy's: send the first AByteCount collected bytes (< 0: all, 0: nothing), keep the rest
      collected. Handler. }
    procedure WriteBufferFlush(AByteCount: Integer); overload;
    procedure WriteBufferCancel;
    procedure WriteBufferClear;
    function WriteBufferingActive: Boolean;

    { Connection. }
    function Connected: Boolean;
    { Indy's hook after an accept: its stack IOHandler only copies the binding's IPVersion, which
      here is set already, so calling it (as some handlers do) changes nothing, as there. }
    procedure AfterAccept; virtual;
    { Indy's: where a client connects (set by TIocpTCPClient.Connect); '' and 0 on a server's
      connection, as Indy's. }
    property Host: string read FHost write FHost;
    property Port: Integer read FPort write FPort;
    procedure Close;
    procedure CloseGracefully;  { Close; queued output is sent first. }

    property ReadTimeout: Integer read GetReadTimeout write SetReadTimeout;
    property MaxLineLength: Integer read GetMaxLineLength write SetMaxLineLength;
    property MaxLineAction: TIdMaxLineAction read GetMaxLineAction write SetMaxLineAction;
    property ReadLnTimedout: Boolean read GetReadLnTimedout;
    property DefStringEncoding: IIdTextEncoding read FDefStringEncoding write FDefStringEncoding;
{$IFNDEF UNICODE}
    { What strings hold where they hold bytes (nil: the bytes pass as they are). }
    property DefAnsiEncoding: IIdTextEncoding read FDefAnsiEncoding write FDefAnsiEncoding;
{$ENDIF}
    { 64-bit stream length prefixes instead of Indy's default 32-bit; both ends must agree. }
    property LargeStream: Boolean read GetLargeStream write SetLargeStream;
    { Capture's limit on lines (> 0 raises EIdMaxCaptureLineExceeded beyond it); -1 = none. }
    property MaxCapturedLines: Integer read FMaxCapturedLines write FMaxCapturedLines;
    { The peer has closed (its FIN was read). }
    property ClosedGracefully: Boolean read GetClosedGracefully;
    property WriteBufferThreshold: Integer read GetWriteBufferThreshold;
    { The client's connect timeout (kept for Indy's code; a server connection is connected). }
    property ConnectTimeout: Integer read FConnectTimeout write FConnectTimeout;
    property Handle: Piocp_io read FIo;
    { Indy's TIdIOHandlerSocket.Binding: the connection's addresses and socket. }
    property Binding: TIocpSocketHandle read FBinding;
    { For the server unit: the context whose binding this IOHandler shows. }
    procedure BindToContext(AContext: Piocp_context);
    { Indy's PassThrough (TIdSSLIOHandlerSocketBase): True while bytes go plain. Assigning False
      starts TLS now (STARTTLS; SSLOptions.PassThrough servers, clients) and waits for the
      handshake: a failed one raises EIdNotConnected with the reason. From the handler. }
    property PassThrough: Boolean read GetPassThrough write SetPassThrough;
  end;

  { The IOHandler of a connection whose server or client has SSLOptions.Enabled: Indy's
    TIdSSLIOHandlerSocketBase / TIdSSLIOHandlerSocketOpenSSL, so that Indy's test
    "AContext.Connection.IOHandler is TIdSSLIOHandlerSocketBase" holds for TLS connections only. }
  TIocpSSLIOHandler = class(TIocpIOHandler)
  end;

  { Indy's TIdX509Name: a certificate's subject or issuer. }
  TIdX509Name = class
  private
    FOneLine: string;
  public
    { OpenSSL's one-line form, as Indy's: '/C=DE/O=Example/CN=host'. }
    property OneLine: string read FOneLine;
  end;

  { Indy's TIdX509Fingerprints: the certificate's digests as upper-case hex pairs with colons. }
  TIdX509Fingerprints = class
  private
    FMD5, FSHA1, FSHA256: string;
  public
    property MD5AsString: string read FMD5;
    property SHA1AsString: string read FSHA1;
    property SHA256AsString: string read FSHA256;
  end;

  { Indy's TIdX509: one certificate of the peer's chain as OnVerifyPeer sees it, with Indy's
    member names; valid during the call only. }
  TIdX509 = class
  private
    FSubject, FIssuer: TIdX509Name;
    FFingerprints: TIdX509Fingerprints;
    FSerialNumber: string;
    FNotBefore, FNotAfter: TDateTime;
    FVersion: Integer;
    function GetFingerprintAsString: string;
  public
    { From the C ABI's description (iocp_x509). }
    constructor Create(const ACertificate: iocp_x509);
    destructor Destroy; override;
    property Subject: TIdX509Name read FSubject;
    property Issuer: TIdX509Name read FIssuer;
    property Fingerprints: TIdX509Fingerprints read FFingerprints;
    { The MD5 fingerprint, as Indy's. }
    property FingerprintAsString: string read GetFingerprintAsString;
    { Hex pairs with colons, '0A:1B:2C'. }
    property SerialNumber: string read FSerialNumber;
    { The validity period, UTC. }
    property notBefore: TDateTime read FNotBefore;
    property notAfter: TDateTime read FNotAfter;
    { 2 for an X.509 v3 certificate (OpenSSL's numbering, as Indy's). }
    property Version: Integer read FVersion;
  end;

  { Indy's TLS events (the SSL IOHandler's; here the server's and the client's). TPasswordEvent:
    the password of an encrypted SSLOptions.KeyFile, asked when the key is loaded (Active := True,
    ReloadCertificates, Connect), on that thread; TPasswordEventEx the same with the sender (and
    AIsWrite always False: a key is only read). TVerifyPeerEvent: with VerifyMode containing
    sslvrfPeer, each certificate of the peer's chain, the CA's first (ADepth 0 = the peer's own),
    with OpenSSL's verdict AOk and its error (0 = none); the result decides, as in Indy
    (Result := AOk keeps OpenSSL's verdict); an exception refuses. It runs inside the handshake on
    an I/O thread: it must not wait. }
  TPasswordEvent = procedure(var Password: string) of object;
  TPasswordEventEx = procedure(ASender: TObject; var VPassword: string; const AIsWrite: Boolean) of object;
  TVerifyPeerEvent = function(Certificate: TIdX509; AOk: Boolean; ADepth, AError: Integer): Boolean of object;

  { Where a server or a client keeps its TLS events, for the C ABI's callbacks (TlsPasswordCb,
    TlsVerifyPeerCb with the holder as their user pointer). }
  TIocpTlsEventHolder = class
  public
    Sender: TObject;
    OnGetPassword: TPasswordEvent;
    OnGetPasswordEx: TPasswordEventEx;
    OnVerifyPeer: TVerifyPeerEvent;
    { Takes the owner's handlers; APassword and AVerifyPeer are the C ABI callbacks to set for
      them (nil where there is no handler). The owner's thread. }
    procedure Take(AGetPassword: TPasswordEvent; AGetPasswordEx: TPasswordEventEx; AVerify: TVerifyPeerEvent;
      out APassword: iocp_password_event; out AVerifyPeer: iocp_verify_peer_event);
  end;

{ The C ABI's TLS callbacks (iocp_password_event, iocp_verify_peer_event): AUser is a
  TIocpTlsEventHolder. A raised exception becomes the callback's failure. }
function TlsPasswordCb(AUser: Pointer; ABuf: PAnsiChar; ASize: size_t; ALength: Psize_t): Integer; cdecl;
function TlsVerifyPeerCb(AUser: Pointer; ACertificate: Piocp_x509; AOk, ADepth, AError: Integer;
  AAccept: PInteger): Integer; cdecl;

const
  { Socket option levels and names for SetSockOpt / GetSockOpt, as the OS numbers them. }
{$IFDEF MSWINDOWS}
  Id_SOL_SOCKET = $FFFF;
  Id_SO_REUSEADDR = $0004;
  Id_SO_KEEPALIVE = $0008;
  Id_SO_SNDBUF = $1001;
  Id_SO_RCVBUF = $1002;
  Id_SO_SNDTIMEO = $1005;
  Id_SO_RCVTIMEO = $1006;
{$ELSE}
  Id_SOL_SOCKET = 1;
  Id_SO_REUSEADDR = 2;
  Id_SO_KEEPALIVE = 9;
  Id_SO_SNDBUF = 7;
  Id_SO_RCVBUF = 8;
  Id_SO_RCVTIMEO = 20;
  Id_SO_SNDTIMEO = 21;
{$ENDIF}
  Id_IPPROTO_TCP = 6;
  Id_SOL_TCP = Id_IPPROTO_TCP;
  Id_TCP_NODELAY = 1;

implementation

uses
  TypInfo;

{ --- Option groups --- }

procedure TIocpOptionGroup.Assign(Source: TPersistent);
var
  List: PPropList;
  Count, I: Integer;
  Info: PPropInfo;
begin
  if (Source = nil) or (Source.ClassType <> ClassType) then
  begin
    inherited Assign(Source);
    Exit;
  end;
  Count := GetPropList(Self, List);
  try
    for I := 0 to Count - 1 do
    begin
      Info := List^[I];
      case Info^.PropType{$IFNDEF FPC}^{$ENDIF}^.Kind of
        tkClass:
          TPersistent(GetObjectProp(Self, Info)).Assign(TPersistent(GetObjectProp(Source, Info)));
        tkInteger, tkEnumeration, tkSet, tkInt64{$IFDEF FPC}, tkBool{$ENDIF}:
          SetOrdProp(Self, Info, GetOrdProp(Source, Info));
      else
        SetStrProp(Self, Info, GetStrProp(Source, Info));  { The string kinds. }
      end;
    end;
  finally
    FreeMem(List);
  end;
end;

constructor TIocpSSLOptions.Create;
begin
  inherited Create;
  FSSLVersions := [sslvTLSv1_2, sslvTLSv1_3];
  FHandshakeTimeout := 10000;
  FSNICertificates := TIocpSNICertificates.Create;
end;

destructor TIocpSSLOptions.Destroy;
begin
  FSNICertificates.Free;
  inherited Destroy;
end;

procedure TIocpSSLOptions.SetSNICertificates(AValue: TIocpSNICertificates);
begin
  FSNICertificates.Assign(AValue);
end;

{ --- TIocpSNICertificate, TIocpSNICertificates --- }

procedure TIocpSNICertificate.Assign(Source: TPersistent);
begin
  if Source is TIocpSNICertificate then
  begin
    FHostName := TIocpSNICertificate(Source).FHostName;
    FCertFile := TIocpSNICertificate(Source).FCertFile;
    FKeyFile := TIocpSNICertificate(Source).FKeyFile;
  end
  else
    inherited Assign(Source);
end;

constructor TIocpSNICertificates.Create;
begin
  inherited Create(TIocpSNICertificate);
end;

function TIocpSNICertificates.Add: TIocpSNICertificate;
begin
  Result := TIocpSNICertificate(inherited Add);
end;

function TIocpSNICertificates.GetItem(AIndex: Integer): TIocpSNICertificate;
begin
  Result := TIocpSNICertificate(inherited Items[AIndex]);
end;

function TIocpSSLOptions.GetMethod: TIdSSLVersion;
var
  V: TIdSSLVersion;
begin
  { Indy's: the one version of a one-version set, else sslvSSLv23 ("negotiate"). }
  Result := sslvSSLv23;
  for V := Low(TIdSSLVersion) to High(TIdSSLVersion) do
    if FSSLVersions = [V] then
      Result := V;
end;

procedure TIocpSSLOptions.SetMethod(AValue: TIdSSLVersion);
begin
  if AValue = sslvSSLv23 then
    FSSLVersions := [sslvTLSv1, sslvTLSv1_1, sslvTLSv1_2, sslvTLSv1_3]
  else
    FSSLVersions := [AValue];
end;

{ --- TIocpBuffer --- }

function TIocpBuffer.GetSize: Integer;
begin
  Result := Integer(FIOHandler.GetInt(IOCP_IO_INPUT_SIZE));
end;

procedure TIocpBuffer.ExtractToStream(const AStream: TStream; AByteCount: Integer; const AIndex: Integer);
var
  B: TIdBytes;
begin
  B := nil;
  ExtractToBytes(B, AByteCount, True, AIndex);
  if Length(B) > 0 then
    AStream.WriteBuffer(B[0], Length(B));
end;

procedure TIocpBuffer.SaveToStream(const AStream: TStream);
var
  P: PAnsiChar;
  N: size_t;
begin
  IocpCheck(iocp_io_input(FIOHandler.FIo, @P, @N));
  if N > 0 then
    AStream.WriteBuffer(P^, N);
end;

function TIocpBuffer.PeekByte(AIndex: Integer): Byte;
var
  P: PAnsiChar;
  N: size_t;
begin
  IocpCheck(iocp_io_input(FIOHandler.FIo, @P, @N));
  if (AIndex < 0) or (size_t(AIndex) >= N) then
    raise EIdException.CreateFmt('Index out of bounds: %d (%d bytes buffered)', [AIndex, Integer(N)]);
  Result := Byte(P[AIndex]);
end;

procedure TIocpBuffer.Remove(AByteCount: Integer);
begin
  if AByteCount > Size then
    AByteCount := Size;
  if AByteCount > 0 then
    IocpCheck(iocp_io_input_consume(FIOHandler.FIo, AByteCount));
end;

function TIocpBuffer.AsString: string;
var
  P: PAnsiChar;
  N: size_t;
begin
  IocpCheck(iocp_io_input(FIOHandler.FIo, @P, @N));
  Result := IocpBytesToText(P, Integer(N), FIOHandler.Encoding(nil));
end;

function TIocpBuffer.ExtractToString(AByteCount: Integer; AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding{$ENDIF}): string;
var
  P: PAnsiChar;
  N: size_t;
begin
  IocpCheck(iocp_io_input(FIOHandler.FIo, @P, @N));
  if (AByteCount >= 0) and (size_t(AByteCount) < N) then
    N := AByteCount;
  Result := FIOHandler.ToText(P, Integer(N), AByteEncoding{$IFNDEF UNICODE}, ADestEncoding{$ENDIF});
  IocpCheck(iocp_io_input_consume(FIOHandler.FIo, N));
end;

procedure TIocpBuffer.ExtractToBytes(var VBytes: TIdBytes; AByteCount: Integer; AAppend: Boolean;
  AIndex: Integer);
var
  P: PAnsiChar;
  N: size_t;
  Offset, Start: Integer;
begin
  IocpCheck(iocp_io_input(FIOHandler.FIo, @P, @N));
  Offset := AIndex;
  if Offset < 0 then
    Offset := 0;
  if Offset > Integer(N) then
    Offset := Integer(N);
  if AByteCount < 0 then
    AByteCount := Integer(N) - Offset
  else if AByteCount > Integer(N) - Offset then
    raise EIdNotEnoughDataInBuffer.CreateFmt('Not enough data in buffer. (%d/%d)', [AByteCount, Integer(N) - Offset]);
  if AByteCount = 0 then
    Exit;
  if AAppend then
  begin
    Start := Length(VBytes);
    SetLength(VBytes, Start + AByteCount);
  end
  else
  begin
    Start := 0;
    if Length(VBytes) < AByteCount then
      SetLength(VBytes, AByteCount);
  end;
  Move(P[Offset], VBytes[Start], AByteCount);
  if AIndex < 0 then
    IocpCheck(iocp_io_input_consume(FIOHandler.FIo, AByteCount));
end;

function TIocpBuffer.IndexOf(const ABytes: TIdBytes; AStartPos: Integer): Integer;
var
  P: PAnsiChar;
  N: size_t;
  I, J: Integer;
begin
  Result := -1;
  IocpCheck(iocp_io_input(FIOHandler.FIo, @P, @N));
  if AStartPos < 0 then
    AStartPos := 0;
  if Length(ABytes) = 0 then
    Exit;
  for I := AStartPos to Integer(N) - Length(ABytes) do
  begin
    J := 0;
    while (J < Length(ABytes)) and (Byte(P[I + J]) = ABytes[J]) do
      Inc(J);
    if J = Length(ABytes) then
      Exit(I);
  end;
end;

function TIocpBuffer.IndexOf(const AByte: Byte; AStartPos: Integer): Integer;
var
  B: TIdBytes;
begin
  SetLength(B, 1);
  B[0] := AByte;
  Result := IndexOf(B, AStartPos);
end;

function TIocpBuffer.IndexOf(const AString: string; AStartPos: Integer; AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; ASrcEncoding: IIdTextEncoding{$ENDIF}): Integer;
begin
  Result := IndexOf(IocpTextToBytes(AString, FIOHandler.Encoding(AByteEncoding)
    {$IFNDEF UNICODE}, ASrcEncoding{$ENDIF}), AStartPos);
end;

procedure TIocpBuffer.Clear;
begin
  IocpCheck(iocp_io_input_consume(FIOHandler.FIo, size_t(Size)));
end;

{ --- TIdX509 --- }

function UnixToDateTimeUtc(ASeconds: Int64): TDateTime;
begin
  Result := 25569.0 + ASeconds / 86400.0;
end;

constructor TIdX509.Create(const ACertificate: iocp_x509);
begin
  inherited Create;
  FSubject := TIdX509Name.Create;
  FSubject.FOneLine := IocpAbiText(ACertificate.subject);
  FIssuer := TIdX509Name.Create;
  FIssuer.FOneLine := IocpAbiText(ACertificate.issuer);
  FFingerprints := TIdX509Fingerprints.Create;
  FFingerprints.FMD5 := IocpAbiText(ACertificate.md5);
  FFingerprints.FSHA1 := IocpAbiText(ACertificate.sha1);
  FFingerprints.FSHA256 := IocpAbiText(ACertificate.sha256);
  FSerialNumber := IocpAbiText(ACertificate.serial_number);
  FNotBefore := UnixToDateTimeUtc(ACertificate.not_before);
  FNotAfter := UnixToDateTimeUtc(ACertificate.not_after);
  FVersion := ACertificate.version;
end;

destructor TIdX509.Destroy;
begin
  FSubject.Free;
  FIssuer.Free;
  FFingerprints.Free;
  inherited Destroy;
end;

function TIdX509.GetFingerprintAsString: string;
begin
  Result := FFingerprints.FMD5;
end;

procedure TIocpTlsEventHolder.Take(AGetPassword: TPasswordEvent; AGetPasswordEx: TPasswordEventEx;
  AVerify: TVerifyPeerEvent; out APassword: iocp_password_event; out AVerifyPeer: iocp_verify_peer_event);
begin
  OnGetPassword := AGetPassword;
  OnGetPasswordEx := AGetPasswordEx;
  OnVerifyPeer := AVerify;
  APassword := nil;
  if Assigned(AGetPassword) or Assigned(AGetPasswordEx) then
    APassword := TlsPasswordCb;
  AVerifyPeer := nil;
  if Assigned(AVerify) then
    AVerifyPeer := TlsVerifyPeerCb;
end;

function TlsPasswordCb(AUser: Pointer; ABuf: PAnsiChar; ASize: size_t; ALength: Psize_t): Integer; cdecl;
var
  Holder: TIocpTlsEventHolder;
  Password: string;
  Utf8: TIocpAbiString;
  N: size_t;
begin
  Result := IOCP_OK;
  try
    Holder := TIocpTlsEventHolder(AUser);
    Password := '';
    if Assigned(Holder.OnGetPasswordEx) then
      Holder.OnGetPasswordEx(Holder.Sender, Password, False)
    else if Assigned(Holder.OnGetPassword) then
      Holder.OnGetPassword(Password);
    Utf8 := IocpAbiString(Password);
    N := Length(Utf8);
    if N > ASize then
      N := ASize;
    if N > 0 then
      Move(PAnsiChar(Utf8)^, ABuf^, N);
    ALength^ := N;
  except
    on E: Exception do
      Result := IocpReportHandlerError(E);
  end;
end;

function TlsVerifyPeerCb(AUser: Pointer; ACertificate: Piocp_x509; AOk, ADepth, AError: Integer;
  AAccept: PInteger): Integer; cdecl;
var
  Holder: TIocpTlsEventHolder;
  Cert: TIdX509;
begin
  Result := IOCP_OK;
  try
    Holder := TIocpTlsEventHolder(AUser);
    if not Assigned(Holder.OnVerifyPeer) then
      Exit;
    Cert := TIdX509.Create(ACertificate^);
    try
      if Holder.OnVerifyPeer(Cert, AOk <> 0, ADepth, AError) then
        AAccept^ := 1
      else
        AAccept^ := 0;
    finally
      Cert.Free;
    end;
  except
    on E: Exception do
    begin
      AAccept^ := 0;
      Result := IocpReportHandlerError(E);
    end;
  end;
end;

{ --- TIocpSocketHandle --- }

constructor TIocpSocketHandle.Create(ACollection: TCollection);
begin
  inherited Create(ACollection);
  FUseNagle := True;
  if ACollection is TIocpSocketHandleList then
    FPort := TIocpSocketHandleList(ACollection).DefaultPort;
end;

constructor TIocpSocketHandle.CreateForContext(AContext: Piocp_context);
begin
  Create(nil);
  FContext := AContext;
end;

procedure TIocpSocketHandle.Assign(Source: TPersistent);
begin
  if Source is TIocpSocketHandle then
  begin
    FIP := TIocpSocketHandle(Source).IP;
    FPort := TIocpSocketHandle(Source).Port;
    FIPVersion := TIocpSocketHandle(Source).FIPVersion;
    FUseNagle := TIocpSocketHandle(Source).FUseNagle;
  end
  else
    inherited Assign(Source);
end;

function TIocpSocketHandle.Endpoint(AWhich: Integer; out APort: Integer): string;
var
  P: PAnsiChar;
  N: size_t;
begin
  APort := 0;
  IocpCheck(iocp_context_endpoint(FContext, AWhich, @P, @N, @APort));
  Result := IocpAbiText(P, N);
end;

function TIocpSocketHandle.GetIP: string;
var
  Port: Integer;
begin
  if FContext = nil then Result := FIP else Result := Endpoint(0, Port);
end;

function TIocpSocketHandle.GetPort: Integer;
begin
  if FContext = nil then Result := FPort else Endpoint(0, Result);
end;

function TIocpSocketHandle.GetPeerIP: string;
var
  Port: Integer;
begin
  if FContext = nil then Result := '' else Result := Endpoint(1, Port);
end;

function TIocpSocketHandle.GetPeerPort: Integer;
begin
  if FContext = nil then Result := 0 else Endpoint(1, Result);
end;

function TIocpSocketHandle.GetHandle: TIdStackSocketHandle;
begin
  if FContext = nil then
    Result := TIdStackSocketHandle(-1)
  else
    Result := TIdStackSocketHandle(iocp_context_handle(FContext));
end;

function TIocpSocketHandle.GetHandleAllocated: Boolean;
begin
  Result := (FContext <> nil) and (iocp_context_handle(FContext) >= 0);
end;

function TIocpSocketHandle.GetDisplayName: string;
begin
  Result := IP + ':' + IntToStr(Port);
end;

procedure TIocpSocketHandle.NeedConnection;
begin
  if FContext = nil then
    raise EIdNotConnected.Create('Not Connected (a listening binding has no connection)');
end;

procedure TIocpSocketHandle.SetBinding(const AIP: string; const APort: Integer; const AIPVersion: TIdIPVersion);
begin
  FIP := AIP;
  FPort := APort;
  FIPVersion := AIPVersion;
end;

procedure TIocpSocketHandle.SetSockOpt(ALevel, AOptName, AOptVal: Integer);
begin
  NeedConnection;
  IocpCheck(iocp_context_set_sockopt(FContext, ALevel, AOptName, AOptVal));
end;

procedure TIocpSocketHandle.GetSockOpt(ALevel, AOptName: Integer; out VOptVal: Integer);
begin
  NeedConnection;
  VOptVal := 0;
  IocpCheck(iocp_context_get_sockopt(FContext, ALevel, AOptName, @VOptVal));
end;

procedure TIocpSocketHandle.SetKeepAliveValues(const AEnabled: Boolean; const ATimeMS, AInterval: Integer);
begin
  NeedConnection;
  IocpCheck(iocp_context_keepalive(FContext, Ord(AEnabled), ATimeMS, AInterval));
end;

procedure TIocpSocketHandle.SetNagleOpt(const AEnabled: Boolean);
begin
  NeedConnection;
  IocpCheck(iocp_context_nagle(FContext, Ord(AEnabled)));
end;

procedure TIocpSocketHandle.SetUseNagle(AValue: Boolean);
begin
  FUseNagle := AValue;
  if FContext <> nil then
    SetNagleOpt(AValue);
end;

procedure TIocpSocketHandle.CloseSocket;
begin
  if FContext <> nil then
    IocpCheck(iocp_context_disconnect(FContext, 1));
end;

function TIocpSocketHandle.Send(const ABuffer: TIdBytes; const AOffset: Integer; const ASize: Integer): Integer;
var
  Offset: Integer;
begin
  NeedConnection;
  Offset := AOffset;
  if Offset < 0 then
    Offset := 0;
  Result := Length(ABuffer) - Offset;
  if (ASize >= 0) and (ASize < Result) then
    Result := ASize;
  if Result <= 0 then
    Exit(0);
  IocpCheck(iocp_io_write(iocp_context_io(FContext), @ABuffer[Offset], Result));
end;

function TIocpSocketHandle.Send(const AData: string; AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; ASrcEncoding: IIdTextEncoding{$ENDIF}): Integer;
begin
  Result := Send(IocpTextToBytes(AData, AByteEncoding{$IFNDEF UNICODE}, ASrcEncoding{$ENDIF}));
end;

{ --- TIocpIOHandler --- }

constructor TIocpIOHandler.Create(AIo: Piocp_io);
begin
  inherited Create;
  FIo := AIo;
  FBinding := TIocpSocketHandle.CreateForContext(nil);
  FInputBuffer := TIocpBuffer.Create;
  FInputBuffer.FIOHandler := Self;
  FDefStringEncoding := IndyTextEncoding_Default;
  FMaxCapturedLines := -1;
end;

destructor TIocpIOHandler.Destroy;
begin
  FBinding.Free;
  FInputBuffer.Free;
  inherited Destroy;
end;

function TIocpIOHandler.Encoding(AByteEncoding: IIdTextEncoding): IIdTextEncoding;
begin
  if AByteEncoding <> nil then
    Result := AByteEncoding
  else if FDefStringEncoding <> nil then
    Result := FDefStringEncoding
  else
    Result := IndyTextEncoding_Default;
end;

function TIocpIOHandler.Plain(const AByteEncoding: IIdTextEncoding; P: PAnsiChar; N: Integer): Boolean;
begin
  if AByteEncoding <> nil then
    Result := IocpBytesPassThrough(AByteEncoding, P, N)
  else
    Result := IocpBytesPassThrough(FDefStringEncoding, P, N);
end;

{ The hot paths (ToText, WriteText, ReadLn, WriteLn) take their encodings as const and hold no
  counted local, so the common case (bytes as they are) costs no reference counting and no
  exception frame; what converts is in the *Converted methods. }
function TIocpIOHandler.ToText(P: PAnsiChar; N: Integer; const AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; const ADestEncoding: IIdTextEncoding{$ENDIF}): string;
begin
{$IFNDEF UNICODE}
  if (ADestEncoding = nil) and (FDefAnsiEncoding = nil) then
    if AByteEncoding <> nil then
    begin
      if IocpTryBytesAsText(AByteEncoding, P, N, Result) then
        Exit;
    end
    else if IocpTryBytesAsText(FDefStringEncoding, P, N, Result) then
      Exit;
{$ENDIF}
  ToTextConverted(P, N, AByteEncoding{$IFNDEF UNICODE}, ADestEncoding{$ENDIF}, Result);
end;

procedure TIocpIOHandler.ToTextConverted(P: PAnsiChar; N: Integer; AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding{$ENDIF}; out AText: string);
begin
{$IFNDEF UNICODE}
  if ADestEncoding = nil then
    ADestEncoding := FDefAnsiEncoding;
  AText := IocpBytesToText(P, N, Encoding(AByteEncoding), ADestEncoding);
{$ELSE}
  AText := IocpBytesToText(P, N, Encoding(AByteEncoding));
{$ENDIF}
end;

procedure TIocpIOHandler.WriteText(const AText: string; const AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; const ASrcEncoding: IIdTextEncoding{$ENDIF});
begin
{$IFNDEF UNICODE}
  if (ASrcEncoding = nil) and (FDefAnsiEncoding = nil) and Plain(AByteEncoding, PAnsiChar(AText), Length(AText)) then
  begin
    if AText <> '' then
      WriteRaw(PAnsiChar(AText), Length(AText));
    Exit;
  end;
{$ENDIF}
  WriteTextConverted(AText, AByteEncoding{$IFNDEF UNICODE}, ASrcEncoding{$ENDIF});
end;

procedure TIocpIOHandler.WriteTextConverted(const AText: string; AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; ASrcEncoding: IIdTextEncoding{$ENDIF});
var
  B: TIdBytes;
begin
{$IFNDEF UNICODE}
  if ASrcEncoding = nil then
    ASrcEncoding := FDefAnsiEncoding;
  B := IocpTextToBytes(AText, Encoding(AByteEncoding), ASrcEncoding);
{$ELSE}
  B := IocpTextToBytes(AText, Encoding(AByteEncoding));
{$ENDIF}
  if Length(B) > 0 then
    WriteRaw(@B[0], Length(B));
end;

function TIocpIOHandler.GetInt(AOption: Integer): Int64;
begin
  IocpCheck(iocp_io_get_int(FIo, AOption, @Result));
end;

procedure TIocpIOHandler.SetInt(AOption: Integer; AValue: Int64);
begin
  IocpCheck(iocp_io_set_int(FIo, AOption, AValue));
end;

function TIocpIOHandler.GetReadTimeout: Integer;
begin
  Result := Integer(GetInt(IOCP_IO_READ_TIMEOUT));
end;

procedure TIocpIOHandler.SetReadTimeout(AValue: Integer);
begin
  SetInt(IOCP_IO_READ_TIMEOUT, AValue);
end;

function TIocpIOHandler.GetMaxLineLength: Integer;
begin
  Result := Integer(GetInt(IOCP_IO_MAX_LINE_LENGTH));
end;

procedure TIocpIOHandler.SetMaxLineLength(AValue: Integer);
begin
  SetInt(IOCP_IO_MAX_LINE_LENGTH, AValue);
end;

function TIocpIOHandler.GetMaxLineAction: TIdMaxLineAction;
begin
  if GetInt(IOCP_IO_MAX_LINE_ACTION) = 1 then Result := maSplit else Result := maException;
end;

procedure TIocpIOHandler.SetMaxLineAction(AValue: TIdMaxLineAction);
begin
  SetInt(IOCP_IO_MAX_LINE_ACTION, Ord(AValue));
end;

function TIocpIOHandler.GetReadLnTimedout: Boolean;
begin
  Result := GetInt(IOCP_IO_READLN_TIMEDOUT) <> 0;
end;

function TIocpIOHandler.GetLargeStream: Boolean;
begin
  Result := GetInt(IOCP_IO_LARGE_STREAM) <> 0;
end;

procedure TIocpIOHandler.SetLargeStream(AValue: Boolean);
begin
  SetInt(IOCP_IO_LARGE_STREAM, Ord(AValue));
end;

function TIocpIOHandler.GetClosedGracefully: Boolean;
begin
  Result := GetInt(IOCP_IO_CLOSED_GRACEFULLY) <> 0;
end;

function TIocpIOHandler.GetPassThrough: Boolean;
begin
  Result := GetInt(IOCP_IO_PASS_THROUGH) <> 0;
end;

procedure TIocpIOHandler.SetPassThrough(AValue: Boolean);
begin
  SetInt(IOCP_IO_PASS_THROUGH, Ord(AValue));
end;

function TIocpIOHandler.GetWriteBufferThreshold: Integer;
begin
  Result := Integer(GetInt(IOCP_IO_WRITE_BUFFER_THRESHOLD));
end;

{ --- Reading --- }

function TIocpIOHandler.ReadLn(const AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; const ADestEncoding: IIdTextEncoding{$ENDIF}): string;
begin
  Result := ReadLn(LF, IdTimeoutDefault, -1, AByteEncoding{$IFNDEF UNICODE}, ADestEncoding{$ENDIF});
end;

function TIocpIOHandler.ReadLn(const ATerminator: string; const AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; const ADestEncoding: IIdTextEncoding{$ENDIF}): string;
begin
  Result := ReadLn(ATerminator, IdTimeoutDefault, -1, AByteEncoding{$IFNDEF UNICODE}, ADestEncoding{$ENDIF});
end;

function TIocpIOHandler.ReadLn(const ATerminator: string; ATimeout: Integer; AMaxLineLength: Integer;
  const AByteEncoding: IIdTextEncoding{$IFNDEF UNICODE}; const ADestEncoding: IIdTextEncoding{$ENDIF}): string;
{$IFNDEF UNICODE}
var
  P: PAnsiChar;
  N: size_t;
{$ENDIF}
begin
{$IFNDEF UNICODE}
  if (ATerminator <> '') and Plain(AByteEncoding, PAnsiChar(ATerminator), Length(ATerminator)) then
  begin
    IocpCheck(iocp_io_readln(FIo, PAnsiChar(ATerminator), Length(ATerminator), ATimeout, AMaxLineLength, @P, @N));
    Result := ToText(P, Integer(N), AByteEncoding, ADestEncoding);
    Exit;
  end;
{$ENDIF}
  Result := ReadLnConverted(ATerminator, ATimeout, AMaxLineLength, AByteEncoding{$IFNDEF UNICODE}, ADestEncoding{$ENDIF});
end;

function TIocpIOHandler.ReadLnConverted(const ATerminator: string; ATimeout, AMaxLineLength: Integer;
  const AByteEncoding: IIdTextEncoding{$IFNDEF UNICODE}; const ADestEncoding: IIdTextEncoding{$ENDIF}): string;
var
  Term: TIdBytes;
  P: PAnsiChar;
  N: size_t;
begin
  if ATerminator = '' then
    Term := IocpTextToBytes(LF, Encoding(AByteEncoding))
  else
    Term := IocpTextToBytes(ATerminator, Encoding(AByteEncoding));
  IocpCheck(iocp_io_readln(FIo, PAnsiChar(@Term[0]), Length(Term), ATimeout, AMaxLineLength, @P, @N));
  Result := ToText(P, Integer(N), AByteEncoding{$IFNDEF UNICODE}, ADestEncoding{$ENDIF});
end;

function TIocpIOHandler.ReadLnSplit(var AWasSplit: Boolean; ATerminator: string; ATimeout: Integer;
  AMaxLineLength: Integer; AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding{$ENDIF}): string;
var
  Saved: TIdMaxLineAction;
begin
  Saved := MaxLineAction;
  MaxLineAction := maSplit;
  try
    Result := ReadLn(ATerminator, ATimeout, AMaxLineLength, AByteEncoding{$IFNDEF UNICODE}, ADestEncoding{$ENDIF});
    AWasSplit := GetInt(IOCP_IO_READLN_SPLIT) <> 0;
  finally
    MaxLineAction := Saved;
  end;
end;

function TIocpIOHandler.ReadLnRFC(var VMsgEnd: Boolean; AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding{$ENDIF}): string;
begin
  Result := ReadLnRFC(VMsgEnd, LF, '.', AByteEncoding{$IFNDEF UNICODE}, ADestEncoding{$ENDIF});
end;

function TIocpIOHandler.ReadLnRFC(var VMsgEnd: Boolean; const ALineTerminator: string;
  const ADelim: string; AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding{$ENDIF}): string;
begin
  Result := ReadLn(ALineTerminator, AByteEncoding{$IFNDEF UNICODE}, ADestEncoding{$ENDIF});
  VMsgEnd := Result = ADelim;
  if VMsgEnd then
    Exit;
  if Copy(Result, 1, 2) = '..' then
    Delete(Result, 1, 1);
end;

function TIocpIOHandler.ReadLnWait(AFailCount: Integer; AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding{$ENDIF}): string;
var
  P: PAnsiChar;
  N: size_t;
begin
  IocpCheck(iocp_io_readln_wait(FIo, AFailCount, @P, @N));
  Result := ToText(P, Integer(N), AByteEncoding{$IFNDEF UNICODE}, ADestEncoding{$ENDIF});
end;

procedure TIocpIOHandler.ReadBytes(var VBuffer: TIdBytes; AByteCount: Integer; AAppend: Boolean);
var
  P: PAnsiChar;
  N: size_t;
  Start: Integer;
begin
  IocpCheck(iocp_io_read_bytes(FIo, AByteCount, @P, @N));
  if not AAppend then
    SetLength(VBuffer, 0);
  Start := Length(VBuffer);
  SetLength(VBuffer, Start + Integer(N));
  if N > 0 then
    Move(P^, VBuffer[Start], N);
end;

function TIocpIOHandler.ReadString(ABytes: Integer; AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding{$ENDIF}): string;
var
  P: PAnsiChar;
  N: size_t;
begin
  if ABytes <= 0 then
    Exit('');
  IocpCheck(iocp_io_read_bytes(FIo, ABytes, @P, @N));
  Result := ToText(P, Integer(N), AByteEncoding{$IFNDEF UNICODE}, ADestEncoding{$ENDIF});
end;

function TIocpIOHandler.ReadChar(AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding{$ENDIF}): Char;
var
  S: string;
begin
  S := ReadString(1, AByteEncoding{$IFNDEF UNICODE}, ADestEncoding{$ENDIF});
  if S = '' then
    Result := #0
  else
    Result := S[1];
end;

function TIocpIOHandler.ReadInt(ASize: Integer; ASigned, AConvert: Boolean): Int64;
begin
  IocpCheck(iocp_io_read_int(FIo, ASize, Ord(ASigned), Ord(AConvert), @Result));
end;

function TIocpIOHandler.ReadByte: Byte;
begin
  Result := Byte(ReadInt(1, False, True));
end;

function TIocpIOHandler.ReadInt16(AConvert: Boolean): SmallInt;
begin
  Result := SmallInt(ReadInt(2, True, AConvert));
end;

function TIocpIOHandler.ReadUInt16(AConvert: Boolean): Word;
begin
  Result := Word(ReadInt(2, False, AConvert));
end;

function TIocpIOHandler.ReadInt32(AConvert: Boolean): Int32;
begin
  Result := Int32(ReadInt(4, True, AConvert));
end;

function TIocpIOHandler.ReadUInt32(AConvert: Boolean): UInt32;
begin
  Result := UInt32(ReadInt(4, False, AConvert));
end;

function TIocpIOHandler.ReadInt64(AConvert: Boolean): Int64;
begin
  Result := ReadInt(8, True, AConvert);
end;

function TIocpIOHandler.ReadUInt64(AConvert: Boolean): UInt64;
begin
  Result := UInt64(ReadInt(8, False, AConvert));
end;

function TIocpIOHandler.ReadSmallInt(AConvert: Boolean): SmallInt;
begin
  Result := ReadInt16(AConvert);
end;

function TIocpIOHandler.ReadWord(AConvert: Boolean): Word;
begin
  Result := ReadUInt16(AConvert);
end;

function TIocpIOHandler.ReadLongInt(AConvert: Boolean): Int32;
begin
  Result := ReadInt32(AConvert);
end;

function TIocpIOHandler.ReadLongWord(AConvert: Boolean): UInt32;
begin
  Result := ReadUInt32(AConvert);
end;

{ The caller's TStream behind the C ABI's stream function (iocp_stream_fn). An exception the
  stream raises is kept and raised again once the C ABI call returns. }
type
  TStreamCall = record
    Stream: TStream;
    Raised: TObject;
  end;
  PStreamCall = ^TStreamCall;

function StreamFn(AUser: Pointer; AOperation: Integer; AData: Pointer; AValue: Int64): Int64; cdecl;
var
  Call: PStreamCall;
begin
  Call := PStreamCall(AUser);
  Result := 0;
  if Call^.Stream = nil then
    Exit;  { No stream (DiscardAll): what is read is dropped. }
  try
    case AOperation of
      IOCP_STREAM_SIZE: Result := Call^.Stream.Size;
      IOCP_STREAM_POSITION: Result := Call^.Stream.Position;
      IOCP_STREAM_SEEK: Call^.Stream.Position := AValue;
      IOCP_STREAM_READ: Result := Call^.Stream.Read(AData^, Integer(AValue));
      IOCP_STREAM_WRITE: Call^.Stream.WriteBuffer(AData^, Integer(AValue));
      IOCP_STREAM_SET_SIZE: Call^.Stream.Size := AValue;
    end;
  except
    on E: Exception do
    begin
      Result := IocpReportHandlerError(E);
      if Call^.Raised = nil then
        Call^.Raised := TObject(AcquireExceptionObject);
    end;
  end;
end;

procedure FinishStreamCall(var ACall: TStreamCall; AResult: Integer);
var
  E: TObject;
begin
  E := ACall.Raised;
  if E <> nil then
  begin
    ACall.Raised := nil;
    raise E;  { What the stream raised, as it raised it. }
  end;
  IocpCheck(AResult);
end;

procedure TIocpIOHandler.ReadStream(AStream: TStream; AByteCount: Int64; AReadUntilDisconnect: Boolean);
var
  Call: TStreamCall;
begin
  Call.Stream := AStream;
  Call.Raised := nil;
  FinishStreamCall(Call, iocp_io_read_stream(FIo, StreamFn, @Call, AByteCount, Ord(AReadUntilDisconnect)));
end;

procedure TIocpIOHandler.ReadStrings(ADest: TStrings; AReadLinesCount: Integer;
  AByteEncoding: IIdTextEncoding{$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding{$ENDIF});
var
  I: Integer;
begin
  if AReadLinesCount < 0 then
    AReadLinesCount := ReadInt32;
  ADest.BeginUpdate;
  try
    for I := 1 to AReadLinesCount do
      ADest.Add(ReadLn(AByteEncoding{$IFNDEF UNICODE}, ADestEncoding{$ENDIF}));
  finally
    ADest.EndUpdate;
  end;
end;

procedure TIocpIOHandler.PerformCapture(ADest: TObject; out VLineCount: Integer; const ADelim: string;
  AUsesDotTransparency: Boolean; AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding{$ENDIF});
var
  Line: string;
  B: TIdBytes;
begin
  VLineCount := 0;
  if ADest is TStrings then
    TStrings(ADest).BeginUpdate;
  try
    repeat
      Line := ReadLn(AByteEncoding{$IFNDEF UNICODE}, ADestEncoding{$ENDIF});
      if Line = ADelim then
        Exit;
      if (FMaxCapturedLines > 0) and (VLineCount > FMaxCapturedLines) then
        raise EIdMaxCaptureLineExceeded.Create('Maximum number of capture lines exceeded');
      if AUsesDotTransparency and (Copy(Line, 1, 2) = '..') then
        Delete(Line, 1, 1);
      Inc(VLineCount);
      if ADest is TStrings then
        TStrings(ADest).Add(Line)
      else
      begin
        B := IocpTextToBytes(Line + EOL, Encoding(AByteEncoding));
        if Length(B) > 0 then
          TStream(ADest).WriteBuffer(B[0], Length(B));
      end;
    until False;
  finally
    if ADest is TStrings then
      TStrings(ADest).EndUpdate;
  end;
end;

procedure TIocpIOHandler.Capture(ADest: TStream; AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding{$ENDIF});
var
  N: Integer;
begin
  PerformCapture(ADest, N, '.', True, AByteEncoding{$IFNDEF UNICODE}, ADestEncoding{$ENDIF});
end;

procedure TIocpIOHandler.Capture(ADest: TStream; ADelim: string; AUsesDotTransparency: Boolean;
  AByteEncoding: IIdTextEncoding{$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding{$ENDIF});
var
  N: Integer;
begin
  PerformCapture(ADest, N, ADelim, AUsesDotTransparency, AByteEncoding{$IFNDEF UNICODE}, ADestEncoding{$ENDIF});
end;

procedure TIocpIOHandler.Capture(ADest: TStream; out VLineCount: Integer; const ADelim: string;
  AUsesDotTransparency: Boolean; AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding{$ENDIF});
begin
  PerformCapture(ADest, VLineCount, ADelim, AUsesDotTransparency, AByteEncoding{$IFNDEF UNICODE}, ADestEncoding{$ENDIF});
end;

procedure TIocpIOHandler.Capture(ADest: TStrings; AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding{$ENDIF});
var
  N: Integer;
begin
  PerformCapture(ADest, N, '.', True, AByteEncoding{$IFNDEF UNICODE}, ADestEncoding{$ENDIF});
end;

procedure TIocpIOHandler.Capture(ADest: TStrings; const ADelim: string; AUsesDotTransparency: Boolean;
  AByteEncoding: IIdTextEncoding{$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding{$ENDIF});
var
  N: Integer;
begin
  PerformCapture(ADest, N, ADelim, AUsesDotTransparency, AByteEncoding{$IFNDEF UNICODE}, ADestEncoding{$ENDIF});
end;

procedure TIocpIOHandler.Capture(ADest: TStrings; out VLineCount: Integer; const ADelim: string;
  AUsesDotTransparency: Boolean; AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding{$ENDIF});
begin
  PerformCapture(ADest, VLineCount, ADelim, AUsesDotTransparency, AByteEncoding{$IFNDEF UNICODE}, ADestEncoding{$ENDIF});
end;

function TIocpIOHandler.AllData(AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding{$ENDIF}): string;
var
  MS: TMemoryStream;
begin
  Result := '';
  MS := TMemoryStream.Create;
  try
    try
      ReadStream(MS, -1, True);
    except
      { As Indy: whatever ends the reading, what came is the answer. }
    end;
    if MS.Size > 0 then
      Result := ToText(MS.Memory, MS.Size, AByteEncoding{$IFNDEF UNICODE}, ADestEncoding{$ENDIF});
  finally
    MS.Free;
  end;
end;

function TIocpIOHandler.WaitFor(const AString: string; ARemoveFromBuffer: Boolean; AInclusive: Boolean;
  AByteEncoding: IIdTextEncoding; ATimeout: Integer{$IFNDEF UNICODE}; AAnsiEncoding: IIdTextEncoding{$ENDIF}): string;
var
  Target: TIdBytes;
  P: PAnsiChar;
  N: size_t;
  At, I, Found, Want: Integer;
begin
  Target := IocpTextToBytes(AString, Encoding(AByteEncoding));
  At := 0;
  repeat
    IocpCheck(iocp_io_input(FIo, @P, @N));
    Found := -1;
    I := At;
    while (Found < 0) and (I + Length(Target) <= Integer(N)) do
    begin
      if (Length(Target) = 0) or CompareMem(P + I, @Target[0], Length(Target)) then
        Found := I;
      Inc(I);
    end;
    if Found >= 0 then
      Break;
    if Integer(N) >= Length(Target) then
      At := Integer(N) - Length(Target) + 1;
    if not CheckForDataOnSource(ATimeout) then
    begin
      CheckForDisconnect(True, True);
      raise EIdReadTimeout.Create('Read timed out.');
    end;
  until False;
  Want := Found;
  if AInclusive then
    Inc(Want, Length(Target));
  Result := ToText(P, Want, AByteEncoding{$IFNDEF UNICODE}, AAnsiEncoding{$ENDIF});
  if ARemoveFromBuffer then
    IocpCheck(iocp_io_input_consume(FIo, Found + Length(Target)));
end;

procedure TIocpIOHandler.Discard(AByteCount: Int64);
var
  Chunk: Integer;
  P: PAnsiChar;
  N: size_t;
begin
  while AByteCount > 0 do
  begin
    if AByteCount > 64 * 1024 then Chunk := 64 * 1024 else Chunk := Integer(AByteCount);
    IocpCheck(iocp_io_read_bytes(FIo, Chunk, @P, @N));
    Dec(AByteCount, N);
  end;
end;

procedure TIocpIOHandler.DiscardAll;
begin
  InputBuffer.Clear;
  ReadStream(nil, -1, True);
end;

function TIocpIOHandler.InputBufferIsEmpty: Boolean;
begin
  Result := FInputBuffer.Size = 0;
end;

function TIocpIOHandler.InputBufferAsString(AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; ADestEncoding: IIdTextEncoding{$ENDIF}): string;
begin
  Result := InputBuffer.ExtractToString(-1, AByteEncoding{$IFNDEF UNICODE}, ADestEncoding{$ENDIF});
end;

procedure TIocpIOHandler.InputBufferToStream(AStream: TStream; AByteCount: Integer);
begin
  FInputBuffer.ExtractToStream(AStream, AByteCount);
end;

function TIocpIOHandler.CheckForDataOnSource(ATimeout: Integer): Boolean;
var
  Rc: Integer;
begin
  Rc := iocp_io_check_for_data(FIo, ATimeout);
  IocpCheck(Rc);
  Result := Rc = 1;
end;

procedure TIocpIOHandler.CheckForDisconnect(ARaiseExceptionIfDisconnected: Boolean; AIgnoreBuffer: Boolean);
begin
  IocpCheck(iocp_io_check_for_disconnect(FIo, Ord(ARaiseExceptionIfDisconnected), Ord(AIgnoreBuffer)));
end;

function TIocpIOHandler.Readable(AMSec: Integer): Boolean;
begin
  Result := (not InputBufferIsEmpty) or CheckForDataOnSource(AMSec);
end;

{ --- Writing --- }

procedure TIocpIOHandler.WriteRaw(P: Pointer; N: Integer);
begin
  IocpCheck(iocp_io_write(FIo, P, N));
end;

procedure TIocpIOHandler.Write(const AOut: string; const AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; const ASrcEncoding: IIdTextEncoding{$ENDIF});
begin
  WriteText(AOut, AByteEncoding{$IFNDEF UNICODE}, ASrcEncoding{$ENDIF});
end;

procedure TIocpIOHandler.Write(const ABuffer: TIdBytes; const ALength: Integer; const AOffset: Integer);
var
  N, Offset: Integer;
begin
  Offset := AOffset;
  if Offset < 0 then Offset := 0;
  N := Length(ABuffer) - Offset;
  if (ALength >= 0) and (ALength < N) then N := ALength;
  if N > 0 then
    WriteRaw(@ABuffer[Offset], N);
end;

procedure TIocpIOHandler.Write(AValue: Char; AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; ASrcEncoding: IIdTextEncoding{$ENDIF});
begin
  WriteText(AValue, AByteEncoding{$IFNDEF UNICODE}, ASrcEncoding{$ENDIF});
end;

procedure TIocpIOHandler.WriteDirect(const ABuffer: TIdBytes; const ALength: Integer; const AOffset: Integer);
begin
  Write(ABuffer, ALength, AOffset);
end;

procedure TIocpIOHandler.Write(AValue: Byte);
begin
  IocpCheck(iocp_io_write_int(FIo, 1, 1, AValue));
end;

procedure TIocpIOHandler.Write(AValue: SmallInt; AConvert: Boolean);
begin
  IocpCheck(iocp_io_write_int(FIo, 2, Ord(AConvert), AValue));
end;

procedure TIocpIOHandler.Write(AValue: Word; AConvert: Boolean);
begin
  IocpCheck(iocp_io_write_int(FIo, 2, Ord(AConvert), AValue));
end;

procedure TIocpIOHandler.Write(AValue: Int32; AConvert: Boolean);
begin
  IocpCheck(iocp_io_write_int(FIo, 4, Ord(AConvert), AValue));
end;

procedure TIocpIOHandler.Write(AValue: UInt32; AConvert: Boolean);
begin
  IocpCheck(iocp_io_write_int(FIo, 4, Ord(AConvert), AValue));
end;

procedure TIocpIOHandler.Write(AValue: Int64; AConvert: Boolean);
begin
  IocpCheck(iocp_io_write_int(FIo, 8, Ord(AConvert), AValue));
end;

procedure TIocpIOHandler.Write(AValue: UInt64; AConvert: Boolean);
begin
  IocpCheck(iocp_io_write_int(FIo, 8, Ord(AConvert), Int64(AValue)));
end;

procedure TIocpIOHandler.Write(AStream: TStream; ASize: Int64; AWriteByteCount: Boolean);
var
  Call: TStreamCall;
begin
  Call.Stream := AStream;
  Call.Raised := nil;
  FinishStreamCall(Call, iocp_io_write_stream(FIo, StreamFn, @Call, ASize, Ord(AWriteByteCount)));
end;

procedure TIocpIOHandler.Write(AValue: TStrings; AWriteLinesCount: Boolean; AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; ASrcEncoding: IIdTextEncoding{$ENDIF});
var
  I: Integer;
  Buffered: Boolean;
begin
  { As Indy: one write (the write buffer, opened here unless the caller has one open). }
  Buffered := not WriteBufferingActive;
  if Buffered then
    WriteBufferOpen;
  try
    if AWriteLinesCount then
      Write(Int32(AValue.Count));
    for I := 0 to AValue.Count - 1 do
      WriteLn(AValue[I], AByteEncoding{$IFNDEF UNICODE}, ASrcEncoding{$ENDIF});
    if Buffered then
      WriteBufferClose;
  except
    if Buffered then
      WriteBufferCancel;
    raise;
  end;
end;

procedure TIocpIOHandler.WriteLn(AEncoding: IIdTextEncoding);
begin
  WriteLn('', AEncoding);
end;

procedure TIocpIOHandler.WriteLn(const AOut: string; const AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; const ASrcEncoding: IIdTextEncoding{$ENDIF});
begin
{$IFNDEF UNICODE}
  { The bytes as they are (the common case): the line and its EOL in one call, without a copy. }
  if (ASrcEncoding = nil) and (FDefAnsiEncoding = nil) and Plain(AByteEncoding, PAnsiChar(AOut), Length(AOut)) then
  begin
    IocpCheck(iocp_io_writeln(FIo, PAnsiChar(AOut), Length(AOut)));
    Exit;
  end;
{$ENDIF}
  WriteLnConverted(AOut, AByteEncoding{$IFNDEF UNICODE}, ASrcEncoding{$ENDIF});
end;

procedure TIocpIOHandler.WriteLnConverted(const AOut: string; const AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; const ASrcEncoding: IIdTextEncoding{$ENDIF});
begin
  WriteTextConverted(AOut + EOL, AByteEncoding{$IFNDEF UNICODE}, ASrcEncoding{$ENDIF});
end;

procedure TIocpIOHandler.WriteLnRFC(const AOut: string; AByteEncoding: IIdTextEncoding
  {$IFNDEF UNICODE}; ASrcEncoding: IIdTextEncoding{$ENDIF});
begin
  if Copy(AOut, 1, 1) = '.' then
    WriteLn('.' + AOut, AByteEncoding{$IFNDEF UNICODE}, ASrcEncoding{$ENDIF})
  else
    WriteLn(AOut, AByteEncoding{$IFNDEF UNICODE}, ASrcEncoding{$ENDIF});
end;

procedure TIocpIOHandler.WriteRFCStrings(AStrings: TStrings; AWriteTerminator: Boolean;
  AByteEncoding: IIdTextEncoding{$IFNDEF UNICODE}; ASrcEncoding: IIdTextEncoding{$ENDIF});
var
  I: Integer;
begin
  for I := 0 to AStrings.Count - 1 do
    WriteLnRFC(AStrings[I], AByteEncoding{$IFNDEF UNICODE}, ASrcEncoding{$ENDIF});
  if AWriteTerminator then
    WriteLn('.');
end;

function TIocpIOHandler.WriteFile(const AFile: string; AEnableTransferFile: Boolean): Int64;
var
  F: TFileStream;
begin
  F := TFileStream.Create(AFile, fmOpenRead or fmShareDenyWrite);
  try
    Write(F);
    Result := F.Size;
  finally
    F.Free;
  end;
end;

procedure TIocpIOHandler.WriteBufferOpen;
begin
  WriteBufferOpen(-1);
end;

procedure TIocpIOHandler.WriteBufferOpen(AThreshold: Integer);
begin
  IocpCheck(iocp_io_write_buffer(FIo, IOCP_WRITE_BUFFER_OPEN, AThreshold));
end;

procedure TIocpIOHandler.WriteBufferClose;
begin
  IocpCheck(iocp_io_write_buffer(FIo, IOCP_WRITE_BUFFER_CLOSE, 0));
end;

procedure TIocpIOHandler.WriteBufferFlush;
begin
  IocpCheck(iocp_io_write_buffer(FIo, IOCP_WRITE_BUFFER_FLUSH, 0));
end;

procedure TIocpIOHandler.WriteBufferFlush(AByteCount: Integer);
begin
  if AByteCount = 0 then
    Exit;  { As Indy: nothing. }
  if AByteCount < 0 then
    AByteCount := 0;  { The ABI's "all". }
  IocpCheck(iocp_io_write_buffer(FIo, IOCP_WRITE_BUFFER_FLUSH, AByteCount));
end;

procedure TIocpIOHandler.WriteBufferCancel;
begin
  IocpCheck(iocp_io_write_buffer(FIo, IOCP_WRITE_BUFFER_CANCEL, 0));
end;

procedure TIocpIOHandler.WriteBufferClear;
begin
  IocpCheck(iocp_io_write_buffer(FIo, IOCP_WRITE_BUFFER_CLEAR, 0));
end;

function TIocpIOHandler.WriteBufferingActive: Boolean;
begin
  Result := GetInt(IOCP_IO_WRITE_BUFFERING) <> 0;
end;

{ --- Connection --- }

procedure TIocpIOHandler.BindToContext(AContext: Piocp_context);
begin
  FBinding.FContext := AContext;
end;

procedure TIocpIOHandler.AfterAccept;
begin
end;

function TIocpIOHandler.Connected: Boolean;
begin
  Result := GetInt(IOCP_IO_CONNECTED) <> 0;
end;

procedure TIocpIOHandler.Close;
begin
  IocpCheck(iocp_io_close(FIo));
end;

procedure TIocpIOHandler.CloseGracefully;
begin
  Close;
end;

end.
