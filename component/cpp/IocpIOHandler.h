// TIocpIOHandler and TIocpTCPConnection: Indy's reading and writing members over an engine connection.
//
// Threads: every member of TIocpIOHandler may be called only from the connection's own handler
// (OnConnect/OnExecute/OnDisconnect of that context, or the thread that owns a TIocpTCPClient),
// except where a comment says "any thread".
#pragma once

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "IocpExceptions.h"

namespace iocp_native {
class Connection;
}

namespace Iocp {

class TIocpTCPServer;
class TIocpTCPClient;
class TIocpSocketHandle;
class TIocpTCPConnection;

using TIdBytes = std::vector<uint8_t>;

enum TIdMaxLineAction { maException, maSplit };

constexpr int IdTimeoutDefault = -1;   // Use the IOHandler's ReadTimeout.
constexpr int IdTimeoutInfinite = -2;  // Wait forever.
constexpr int IdMaxLineLengthDefault = 16384;
inline constexpr char EOL[] = "\r\n";  // What WriteLn appends.
inline constexpr char LF[] = "\n";      // ReadLn's default terminator.

// Indy's IndySleep: in an iohIOCP handler the fiber parks for ATime ms and its thread serves other
// connections meanwhile (a disconnect ends it early); anywhere else the thread sleeps. 0 lets the
// connections that are ready run first. Any thread.
void IndySleep(uint32_t ATime);

// Indy's text encodings for C++ (C++Builder: IndyTextEncoding_UTF8() and friends, a
// DefStringEncoding). std::string holds UTF-8 text or plain bytes: with no encoding (nullptr,
// the default) bytes pass as they are; with one, text is converted: UTF-8 as is, ASCII
// replaces each character above 127 with '?', 8-bit is Latin-1 (a character above 255 is '?').
class TIdTextEncoding {
 public:
  enum Kind { UTF8, ASCII, Bit8 };
  explicit constexpr TIdTextEncoding(Kind k) : kind(k) {}
  std::string GetBytes(const std::string& AText) const;  // UTF-8 text -> the encoding's bytes.
  std::string GetString(const std::string& ABytes) const;  // The encoding's bytes -> UTF-8 text.
  const Kind kind;
};
using IIdTextEncoding = const TIdTextEncoding*;
IIdTextEncoding IndyTextEncoding_UTF8();     // Any thread.
IIdTextEncoding IndyTextEncoding_ASCII();    // Any thread.
IIdTextEncoding IndyTextEncoding_8Bit();     // Any thread.
IIdTextEncoding IndyTextEncoding_Default();  // ASCII, as Indy. Any thread.

class TIocpBuffer;

// C++Builder's property syntax for InputBuffer->Size: reads as a value or as a call (Size()).
struct TIocpBufferSize {
  operator int() const;
  int operator()() const { return *this; }
  const TIocpBuffer* owner;
};

// The bytes received and not yet read (Indy: TIdBuffer behind IOHandler.InputBuffer).
class TIocpBuffer {
 public:
  TIocpBuffer() = default;
  TIocpBuffer(const TIocpBuffer&) = delete;
  TIocpBuffer& operator=(const TIocpBuffer&) = delete;
  const TIocpBufferSize Size{this};                       // Buffered byte count.
  std::string ExtractToString(int AByteCount = -1);       // Remove and return bytes (-1 = all).
  void ExtractToBytes(TIdBytes& VBytes, int AByteCount = -1, bool AAppend = true);  // Same, as bytes.
  int IndexOf(const std::string& AString, int AStartPos = 0) const;  // Offset of AString or -1.
  std::string AsString() const;                           // Every buffered byte, left in place.
  std::string_view View() const;  // The same without a copy; valid until the next read or extract.
  void Clear();                                           // Drop every buffered byte.

 private:
  friend class TIocpIOHandler;
  friend struct TIocpBufferSize;
  iocp_native::Connection* conn_ = nullptr;
};

// What the stream members need of a stream (Indy's TStream): Size, Position, Seek, Read,
// Write and SetSize. The std::istream/std::ostream overloads and the C ABI's iocp_stream are
// adapted to it, so Indy's stream framing exists once. Called only from the handler using it.
class TIocpStreamAccess {
 public:
  virtual ~TIocpStreamAccess() = default;
  virtual int64_t Size() = 0;      // Every byte of the stream.
  virtual int64_t Position() = 0;  // Where the next Read or Write happens.
  virtual void Seek(int64_t APosition) = 0;
  virtual int64_t Read(void* ADst, int64_t ACount) = 0;  // Bytes read; 0 at the end.
  virtual void Write(const void* ASrc, int64_t ACount) = 0;
  virtual void SetSize(int64_t ASize) = 0;  // May do nothing (a stream that cannot be sized).
};

class TIocpIOHandler {
 public:
  TIocpIOHandler() = default;
  TIocpIOHandler(const TIocpIOHandler&) = delete;
  TIocpIOHandler& operator=(const TIocpIOHandler&) = delete;

  // --- Properties (plain fields; read and set from the handler). ---
  int ReadTimeout = 0;                        // ms; 0 or less = wait forever.
  int MaxLineLength = IdMaxLineLengthDefault;  // ReadLn limit; 0 = unlimited.
  TIdMaxLineAction MaxLineAction = maException;
  bool ReadLnTimedout = false;                // Set by ReadLn: true when it returned '' on timeout.
  // Stream length prefixes (Write(stream, .., true), ReadStream) are 64-bit instead of Indy's
  // default 32-bit; both ends must agree.
  bool LargeStream = false;

  // --- Reading. ---
  // Read a line ending in ATerminator (LF by default; a CR before LF is stripped). On timeout
  // returns "" and sets ReadLnTimedout. AMaxLineLength < 0 uses MaxLineLength.
  std::string ReadLn(const std::string& ATerminator = LF, int ATimeout = IdTimeoutDefault,
                     int AMaxLineLength = -1, IIdTextEncoding AByteEncoding = nullptr);
  std::string ReadLn(IIdTextEncoding AByteEncoding) { return ReadLn(LF, IdTimeoutDefault, -1, AByteEncoding); }
  std::string ReadLn(const std::string& ATerminator, IIdTextEncoding AByteEncoding) {
    return ReadLn(ATerminator, IdTimeoutDefault, -1, AByteEncoding);
  }
  // Exactly AByteCount bytes (appended to VBuffer when AAppend); AByteCount < 0 reads what is there.
  void ReadBytes(TIdBytes& VBuffer, int AByteCount, bool AAppend = true);
  std::string ReadString(int ABytes);  // Exactly ABytes bytes as a string.
  uint8_t ReadByte();
  char ReadChar();  // One byte as a character (Indy's default 8-bit / ASCII text encoding).
  // Indy's ReadLnSplit: ReadLn with MaxLineAction = maSplit for this call; AWasSplit says whether
  // the line was cut at AMaxLineLength (< 0: MaxLineLength).
  std::string ReadLnSplit(bool& AWasSplit, const std::string& ATerminator = LF, int ATimeout = IdTimeoutDefault,
                          int AMaxLineLength = -1);
  // Whether the last ReadLn cut its line at the maximum (maSplit). Ours; Indy offers it only
  // through ReadLnSplit's AWasSplit.
  bool ReadLnWasSplit() const { return readLnSplit_; }
  // Indy's ReadStrings: AReadLinesCount lines (< 0: a 32-bit network-order count is read first)
  // appended to ADest.
  void ReadStrings(std::vector<std::string>& ADest, int AReadLinesCount = -1);
  // Indy's Capture: lines up to the one equal to ADelim (not kept), appended to ADest; with
  // AUsesDotTransparency a line starting ".." loses its first dot. Returns the count.
  int Capture(std::vector<std::string>& ADest, const std::string& ADelim = ".", bool AUsesDotTransparency = true);
  // ReadLn, skipping lines that are empty once blanks are trimmed; returns the first that is not
  // (trimmed). Raises EIdReadTimeout when a ReadLn times out and
  // EIdReadLnWaitMaxAttemptsExceeded after AFailCount empty lines.
  std::string ReadLnWait(int AFailCount = 0x7FFFFFFF);
  int16_t ReadInt16(bool AConvert = true);  // AConvert: the wire is in network byte order.
  uint16_t ReadUInt16(bool AConvert = true);
  int32_t ReadInt32(bool AConvert = true);
  uint32_t ReadUInt32(bool AConvert = true);
  int64_t ReadInt64(bool AConvert = true);
  uint64_t ReadUInt64(bool AConvert = true);
  // Indy's ReadStream: AByteCount = -1 (and not AReadUntilDisconnect) reads a length prefix first
  // (32-bit, 64-bit with LargeStream; network order); a count below 0, or AReadUntilDisconnect,
  // reads until the peer closes. Bytes go to AStream at its position; a sized stream is cut to
  // where the bytes end. A close before a fixed count is read raises EIdConnClosedGracefully.
  void ReadStream(TIocpStreamAccess& AStream, int64_t AByteCount = -1, bool AReadUntilDisconnect = false);
  void ReadStream(std::ostream& AStream, int64_t AByteCount = -1, bool AReadUntilDisconnect = false);

  bool InputBufferIsEmpty() const;  // Nothing buffered.
  // The buffered bytes: InputBuffer->Size (C++Builder's property syntax) or InputBuffer()->Size().
  struct BufferProperty {
    TIocpBuffer* operator->() const { return buffer; }
    TIocpBuffer* operator()() const { return buffer; }
    operator TIocpBuffer*() const { return buffer; }
    TIocpBuffer* buffer;
  };
  const BufferProperty InputBuffer{&inputBuffer_};
  // The connection's addresses and socket (Indy's TIdIOHandlerSocket.Binding); null before a
  // connection.
  TIocpSocketHandle* Binding = nullptr;
  // Text members without an encoding of their own use it; nullptr (the default): bytes as they are.
  IIdTextEncoding DefStringEncoding = nullptr;
  // Read what the socket has, waiting up to ATimeout ms for it. True if bytes arrived. As Indy,
  // it never raises: a peer's close or a socket error shows in Connected() / the next read.
  bool CheckForDataOnSource(int ATimeout = 0);

  // --- Writing. ---
  void Write(const std::string& AOut, IIdTextEncoding AByteEncoding = nullptr);
  void Write(const char* AOut, IIdTextEncoding AByteEncoding = nullptr) { Write(std::string(AOut), AByteEncoding); }
  void Write(const TIdBytes& ABuffer, int ALength = -1, int AOffset = 0);
  // The ACount bytes at ABytes as they are, without a copy or an encoding (what the C ABI writes).
  void WriteRaw(const void* ABytes, std::size_t ACount);
  void Write(uint8_t AValue);
  void Write(int16_t AValue, bool AConvert = true);
  void Write(uint16_t AValue, bool AConvert = true);
  void Write(int32_t AValue, bool AConvert = true);
  void Write(uint32_t AValue, bool AConvert = true);
  void Write(int64_t AValue, bool AConvert = true);
  void Write(uint64_t AValue, bool AConvert = true);
  // Indy's Write(TStream): ASize = 0 sends the whole stream (from position 0), ASize < 0 from the
  // position to the end, ASize > 0 that many bytes from the position. AWriteByteCount sends the
  // count first (32-bit, or 64-bit with LargeStream; network order). Raises EIdNoDataToRead if
  // the stream ends early, EIdIOHandlerRequiresLargeStream for a 32-bit count over 2 GiB.
  void Write(TIocpStreamAccess& AStream, int64_t ASize = 0, bool AWriteByteCount = false);
  void Write(std::istream& AStream, int64_t ASize = 0, bool AWriteByteCount = false);
  void WriteLn(const std::string& AOut = std::string(), IIdTextEncoding AByteEncoding = nullptr);  // AOut + CRLF.
  void WriteLn(const char* AOut, IIdTextEncoding AByteEncoding = nullptr) { WriteLn(std::string(AOut), AByteEncoding); }
  // Indy's WriteLnRFC: a line starting with '.' gets another in front (dot-stuffing).
  void WriteLnRFC(const std::string& AOut = std::string());
  // Indy's Write(TStrings): each line + CRLF, as one write; AWriteLinesCount sends the count
  // first (32-bit, network order).
  void Write(const std::vector<std::string>& AValue, bool AWriteLinesCount = false);

  // Collect writes and send them together. AThreshold > 0 flushes whenever that many are collected.
  void WriteBufferOpen(int AThreshold = -1);
  void WriteBufferClose();   // Send what was collected and stop collecting.
  // Send what was collected (AByteCount < 0), or its first AByteCount bytes (0: nothing), and go on
  // collecting, as Indy's WriteBufferFlush(AByteCount).
  void WriteBufferFlush(int AByteCount = -1);
  void WriteBufferCancel();  // Drop what was collected and stop collecting.
  void WriteBufferClear();   // Drop what was collected and go on collecting (Indy's WriteBufferClear).
  int WriteBufferThreshold() const { return writeBufferThreshold_; }  // WriteBufferOpen's; -1 = none.
  bool WriteBufferingActive() const;

  // --- TLS (SSLOptions). ---
  // Indy's PassThrough (TIdSSLIOHandlerSocketBase): true while bytes go as they are. Assigning
  // false starts TLS on this connection now (STARTTLS; a server with SSLOptions.PassThrough, or a
  // client) and waits for the handshake: a failed one raises EIdNotConnected with the reason.
  // Assigning true once TLS runs raises (going back to plain text is not supported). From the
  // connection's handler (a client: its thread).
  class TPassThroughProperty {
   public:
    explicit TPassThroughProperty(TIocpIOHandler* owner) : owner_(owner) {}
    TPassThroughProperty& operator=(bool AValue) {
      owner_->SetPassThrough(AValue);
      return *this;
    }
    operator bool() const { return owner_->GetPassThrough(); }

   private:
    TIocpIOHandler* owner_;
  };
  TPassThroughProperty PassThrough{this};
  void SetPassThrough(bool AValue);
  bool GetPassThrough() const;  // True when detached or plain.
  // The TLS version in use ("TLSv1.3"), or "" (plain, or the handshake not done). Handler.
  std::string SSLProtocol() const;

  // --- Connection. ---
  bool ClosedGracefully() const;  // The peer has closed (its FIN was read).
  // Can still deliver data (Indy's meaning: open, or input left to read). From the handler, with
  // nothing buffered, it first reads what the socket has (no wait), as Indy's does, so a peer's
  // close shows here; from other threads it only reports the state.
  bool Connected() const;
  // Raises EIdConnClosedGracefully if the connection is closed (the peer's close seen by a read,
  // or closed here) and nothing is left to read (AIgnoreBuffer: even if there is); a peer's close
  // also closes this side. With ARaiseExceptionIfDisconnected = false it only closes.
  void CheckForDisconnect(bool ARaiseExceptionIfDisconnected = true, bool AIgnoreBuffer = false);
  void Close();  // Close the connection (queued output is sent first); the handler loop ends. Any thread.

 private:
  friend class TIocpTCPServer;      // Attach.
  friend class TIocpTCPClient;      // Attach.
  friend class TIocpTCPConnection;  // close(flush).
  // Bind to an engine connection (null = detached: I/O raises EIdNotConnected).
  void Attach(iocp_native::Connection* conn);
  void close(bool flushOutput);  // Any thread.
  iocp_native::Connection& conn() const;  // Raises EIdNotConnected when detached.
  int timeoutFor(int ATimeout) const;
  // The encoding a text member uses: its argument, else DefStringEncoding (nullptr: bytes as they are).
  IIdTextEncoding encodingFor(IIdTextEncoding AByteEncoding) const {
    return AByteEncoding ? AByteEncoding : DefStringEncoding;
  }
  void readExact(void* dst, std::size_t n);

  iocp_native::Connection* conn_ = nullptr;
  TIocpBuffer inputBuffer_;
  bool readLnSplit_ = false;
  int writeBufferThreshold_ = -1;  // The last ReadLn cut its line (maSplit); ReadLnSplit() and the C ABI read it.
};

// The IOHandler of a TLS connection under the Pascal units' name (Indy's TIdSSLIOHandlerSocketBase,
// which STARTTLS code casts a context's IOHandler to): in C++ every IOHandler has PassThrough.
using TIocpSSLIOHandler = TIocpIOHandler;

// Indy: TIdTCPConnection, the owner of the IOHandler.
class TIocpTCPConnection {
 public:
  explicit TIocpTCPConnection(TIocpIOHandler* handler) : IOHandler(handler), Socket(handler) {}
  TIocpIOHandler* const IOHandler;  // Reads and writes.
  TIocpIOHandler* const Socket;     // Indy's alias of IOHandler.
  bool Connected() const { return IOHandler->Connected(); }  // See TIocpIOHandler::Connected.
  // Close the connection. Any thread. ANotifyPeer (the default): what is still queued for the
  // peer is sent first, then FIN; false drops it and closes at once.
  void Disconnect(bool ANotifyPeer = true) { IOHandler->close(ANotifyPeer); }
};

}  // namespace Iocp
