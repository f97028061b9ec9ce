#include "IocpIOHandler.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "iocp_native/connection.h"
#include "iocp_native/engine.h"

namespace Iocp {

namespace {

// Translate an engine status into the Indy exception a user expects.
[[noreturn]] void raise(iocp_native::IoStatus st, const iocp_native::Connection& c) {
  switch (st) {
    case iocp_native::IoStatus::Timeout: throw EIdReadTimeout();
    case iocp_native::IoStatus::ClosedGracefully: throw EIdConnClosedGracefully();
    case iocp_native::IoStatus::LineTooLong: throw EIdReadLnMaxLineLengthExceeded();
    case iocp_native::IoStatus::SocketError:
      throw EIdSocketError(c.osError(), "Socket Error # " + std::to_string(c.osError()) + "\n" +
                                            iocp_native::osErrorText(c.osError()));
    case iocp_native::IoStatus::NotConnected:
      // As Indy, whose server closes each connection's socket as it stops: the handler's read or
      // write ends with EIdConnClosedGracefully, the exception handlers already expect.
      if (c.reason() == iocp_native::CloseReason::ServerStopping) throw EIdConnClosedGracefully();
      if (c.reason() != iocp_native::CloseReason::None) throw EIdNotConnected(iocp_native::reasonText(c));
      break;
    case iocp_native::IoStatus::Ok: break;
  }
  throw EIdNotConnected();
}

void check(iocp_native::IoStatus st, const iocp_native::Connection& c) {
  if (st != iocp_native::IoStatus::Ok) raise(st, c);
}

// Integers travel in network byte order (big-endian) when AConvert is set, else in host order.
template <typename T>
void encode(T v, bool convert, unsigned char* out) {
  if (!convert) {
    std::memcpy(out, &v, sizeof v);
    return;
  }
  using U = std::make_unsigned_t<T>;
  const U u = static_cast<U>(v);
  for (std::size_t i = 0; i < sizeof(T); ++i) out[i] = static_cast<unsigned char>(u >> (8 * (sizeof(T) - 1 - i)));
}

template <typename T>
T decode(const unsigned char* in, bool convert) {
  T v;
  if (!convert) {
    std::memcpy(&v, in, sizeof v);
    return v;
  }
  using U = std::make_unsigned_t<T>;
  U u = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) u = static_cast<U>((u << 8) | in[i]);
  return static_cast<T>(u);
}

}  // namespace

void IndySleep(uint32_t ATime) {
  iocp_native::Connection::sleep(static_cast<int>(std::min<uint32_t>(ATime, INT32_MAX)));
}

// --- TIocpBuffer ---------------------------------------------------------------------------------

TIocpBufferSize::operator int() const {
  return owner->conn_ ? static_cast<int>(owner->conn_->input().size()) : 0;
}

// --- Text encodings ---

namespace {
// UTF-8 text -> code points (a malformed byte is U+FFFD).
std::vector<uint32_t> codePoints(const std::string& s) {
  std::vector<uint32_t> out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i++]);
    int more = b < 0x80 ? 0 : (b & 0xE0) == 0xC0 ? 1 : (b & 0xF0) == 0xE0 ? 2 : (b & 0xF8) == 0xF0 ? 3 : -1;
    uint32_t c = more == 0 ? b : more == 1 ? (b & 0x1Fu) : more == 2 ? (b & 0x0Fu) : (b & 0x07u);
    if (more < 0) {
      out.push_back(0xFFFD);
      continue;
    }
    for (; more > 0 && i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80; --more)
      c = (c << 6) | (static_cast<unsigned char>(s[i++]) & 0x3Fu);
    out.push_back(more > 0 ? 0xFFFD : c);
  }
  return out;
}

void appendUtf8(std::string& out, uint32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

constexpr TIdTextEncoding kUtf8{TIdTextEncoding::UTF8}, kAscii{TIdTextEncoding::ASCII}, k8Bit{TIdTextEncoding::Bit8};
}  // namespace

std::string TIdTextEncoding::GetBytes(const std::string& AText) const {
  if (kind == UTF8) return AText;
  std::string out;
  out.reserve(AText.size());
  const uint32_t top = kind == ASCII ? 0x7F : 0xFF;
  for (uint32_t c : codePoints(AText)) out += static_cast<char>(c <= top ? c : '?');
  return out;
}

std::string TIdTextEncoding::GetString(const std::string& ABytes) const {
  if (kind == UTF8) return ABytes;
  std::string out;
  out.reserve(ABytes.size());
  for (unsigned char b : ABytes) appendUtf8(out, kind == ASCII && b > 0x7F ? '?' : b);
  return out;
}

IIdTextEncoding IndyTextEncoding_UTF8() { return &kUtf8; }
IIdTextEncoding IndyTextEncoding_ASCII() { return &kAscii; }
IIdTextEncoding IndyTextEncoding_8Bit() { return &k8Bit; }
IIdTextEncoding IndyTextEncoding_Default() { return &kAscii; }

std::string TIocpBuffer::ExtractToString(int AByteCount) {
  if (!conn_) return {};
  iocp_native::Buffer& in = conn_->input();
  const std::size_t n = AByteCount < 0 ? in.size() : std::min<std::size_t>(AByteCount, in.size());
  return in.take(n);
}

void TIocpBuffer::ExtractToBytes(TIdBytes& VBytes, int AByteCount, bool AAppend) {
  const std::string s = ExtractToString(AByteCount);
  if (!AAppend) VBytes.clear();
  VBytes.insert(VBytes.end(), s.begin(), s.end());
}

int TIocpBuffer::IndexOf(const std::string& AString, int AStartPos) const {
  if (!conn_) return -1;
  const std::size_t pos = conn_->input().find(AString, static_cast<std::size_t>(std::max(AStartPos, 0)));
  return pos == iocp_native::Buffer::npos ? -1 : static_cast<int>(pos);
}

std::string_view TIocpBuffer::View() const { return conn_ ? conn_->input().view() : std::string_view(); }

std::string TIocpBuffer::AsString() const {
  return conn_ ? std::string(conn_->input().view()) : std::string();
}

void TIocpBuffer::Clear() {
  if (conn_) conn_->input().clear();
}

// --- TIocpIOHandler ------------------------------------------------------------------------------

void TIocpIOHandler::Attach(iocp_native::Connection* conn) {
  conn_ = conn;
  inputBuffer_.conn_ = conn;
}

iocp_native::Connection& TIocpIOHandler::conn() const {
  if (!conn_) throw EIdNotConnected();
  return *conn_;
}

int TIocpIOHandler::timeoutFor(int ATimeout) const {
  if (ATimeout == IdTimeoutInfinite) return iocp_native::kInfinite;
  if (ATimeout == IdTimeoutDefault) return ReadTimeout > 0 ? ReadTimeout : iocp_native::kInfinite;
  return ATimeout < 0 ? iocp_native::kInfinite : ATimeout;
}

std::string TIocpIOHandler::ReadLn(const std::string& ATerminator, int ATimeout, int AMaxLineLength,
                                   IIdTextEncoding AByteEncoding) {
  iocp_native::Connection& c = conn();
  const int maxLen = AMaxLineLength < 0 ? MaxLineLength : AMaxLineLength;
  std::string line;
  bool split = false;
  ReadLnTimedout = false;
  readLnSplit_ = false;
  const iocp_native::IoStatus st = c.readLine(
      line, ATerminator, static_cast<std::size_t>(std::max(maxLen, 0)),
      MaxLineAction == maSplit ? iocp_native::MaxLineAction::Split : iocp_native::MaxLineAction::Exception,
      timeoutFor(ATimeout), &split);
  if (st == iocp_native::IoStatus::Timeout) {
    ReadLnTimedout = true;
    return std::string();
  }
  check(st, c);
  readLnSplit_ = split;
  const IIdTextEncoding enc = encodingFor(AByteEncoding);
  return enc ? enc->GetString(line) : line;
}

void TIocpIOHandler::readExact(void* dst, std::size_t n) {
  iocp_native::Connection& c = conn();
  check(c.readExact(dst, n, timeoutFor(IdTimeoutDefault)), c);
}

void TIocpIOHandler::ReadBytes(TIdBytes& VBuffer, int AByteCount, bool AAppend) {
  iocp_native::Connection& c = conn();
  if (!AAppend) VBuffer.clear();
  if (AByteCount < 0) {
    if (c.input().empty()) check(c.readAvailable(timeoutFor(IdTimeoutDefault)), c);
    AByteCount = static_cast<int>(c.input().size());
  }
  const std::size_t start = VBuffer.size();
  VBuffer.resize(start + static_cast<std::size_t>(AByteCount));
  try {
    readExact(VBuffer.data() + start, static_cast<std::size_t>(AByteCount));
  } catch (...) {
    VBuffer.resize(start);
    throw;
  }
}

std::string TIocpIOHandler::ReadString(int ABytes) {
  std::string s(static_cast<std::size_t>(std::max(ABytes, 0)), '\0');
  readExact(s.data(), s.size());
  return s;
}

uint8_t TIocpIOHandler::ReadByte() {
  uint8_t v;
  readExact(&v, 1);
  return v;
}

char TIocpIOHandler::ReadChar() {
  char v;
  readExact(&v, 1);
  return v;
}

std::string TIocpIOHandler::ReadLnSplit(bool& AWasSplit, const std::string& ATerminator, int ATimeout,
                                        int AMaxLineLength) {
  const TIdMaxLineAction saved = MaxLineAction;
  MaxLineAction = maSplit;
  try {
    std::string line = ReadLn(ATerminator, ATimeout, AMaxLineLength);
    MaxLineAction = saved;
    AWasSplit = readLnSplit_;
    return line;
  } catch (...) {
    MaxLineAction = saved;
    throw;
  }
}

void TIocpIOHandler::ReadStrings(std::vector<std::string>& ADest, int AReadLinesCount) {
  if (AReadLinesCount < 0) AReadLinesCount = ReadInt32();
  for (int i = 0; i < AReadLinesCount; ++i) ADest.push_back(ReadLn());
}

int TIocpIOHandler::Capture(std::vector<std::string>& ADest, const std::string& ADelim, bool AUsesDotTransparency) {
  int count = 0;
  for (;;) {
    std::string line = ReadLn();
    if (line == ADelim) return count;
    if (AUsesDotTransparency && line.compare(0, 2, "..") == 0) line.erase(0, 1);
    ADest.push_back(std::move(line));
    ++count;
  }
}

std::string TIocpIOHandler::ReadLnWait(int AFailCount) {
  for (int attempts = 0; attempts < AFailCount; ++attempts) {
    std::string line = ReadLn();
    // Indy's Trim: every character up to and including the space counts as blank.
    const auto blank = [](char ch) { return static_cast<unsigned char>(ch) <= ' '; };
    const auto first = std::find_if_not(line.begin(), line.end(), blank);
    const auto last = std::find_if_not(line.rbegin(), line.rend(), blank).base();
    if (first < last) return std::string(first, last);
    if (ReadLnTimedout) throw EIdReadTimeout();
  }
  throw EIdReadLnWaitMaxAttemptsExceeded();
}

#define IOCP_READ_INT(Name, Type)       \
  Type TIocpIOHandler::Name(bool AConvert) { \
    unsigned char raw[sizeof(Type)];    \
    readExact(raw, sizeof raw);         \
    return decode<Type>(raw, AConvert); \
  }
IOCP_READ_INT(ReadInt16, int16_t)
IOCP_READ_INT(ReadUInt16, uint16_t)
IOCP_READ_INT(ReadInt32, int32_t)
IOCP_READ_INT(ReadUInt32, uint32_t)
IOCP_READ_INT(ReadInt64, int64_t)
IOCP_READ_INT(ReadUInt64, uint64_t)
#undef IOCP_READ_INT

void TIocpIOHandler::ReadStream(TIocpStreamAccess& AStream, int64_t AByteCount, bool AReadUntilDisconnect) {
  iocp_native::Connection& c = conn();
  int64_t count = AByteCount;
  if (count == -1 && !AReadUntilDisconnect) count = LargeStream ? ReadInt64() : ReadInt32();
  if (count > -1) {  // Room for what comes first, as Indy does.
    const int64_t at = AStream.Position();
    if (count > INT64_MAX - at) throw EIdIOHandlerStreamDataTooLarge();
    AStream.SetSize(at + count);
    AStream.Seek(at);
  } else {
    AReadUntilDisconnect = true;  // Indy: a negative count (sent or given) reads to the close.
  }
  const auto trim = [&AStream] {  // A sized stream ends where the bytes end.
    const int64_t at = AStream.Position();
    if (AStream.Size() > at) AStream.SetSize(at);
  };
  try {
    while (AReadUntilDisconnect || count > 0) {
      iocp_native::Buffer& in = c.input();
      if (in.empty()) {
        const iocp_native::IoStatus st = c.readAvailable(timeoutFor(IdTimeoutDefault));
        if (st == iocp_native::IoStatus::ClosedGracefully && AReadUntilDisconnect) break;
        check(st, c);
        continue;
      }
      const std::size_t n = AReadUntilDisconnect ? in.size() : static_cast<std::size_t>(std::min<int64_t>(count, in.size()));
      AStream.Write(in.view().data(), static_cast<int64_t>(n));
      in.consume(n);
      count -= static_cast<int64_t>(n);
    }
  } catch (...) {
    trim();
    throw;
  }
  trim();
}

namespace {

// A C++ input stream as the stream members see it.
class IStreamAccess final : public TIocpStreamAccess {
 public:
  explicit IStreamAccess(std::istream& s) : s_(s) {}
  int64_t Size() override {
    const std::streampos here = s_.tellg();
    s_.seekg(0, std::ios::end);
    const std::streampos end = s_.tellg();
    s_.seekg(here);
    return static_cast<int64_t>(end);
  }
  int64_t Position() override { return static_cast<int64_t>(s_.tellg()); }
  void Seek(int64_t APosition) override { s_.seekg(APosition); }
  int64_t Read(void* ADst, int64_t ACount) override {
    s_.read(static_cast<char*>(ADst), static_cast<std::streamsize>(ACount));
    return static_cast<int64_t>(s_.gcount());
  }
  void Write(const void*, int64_t) override { throw EIdException("an input stream cannot be written"); }
  void SetSize(int64_t) override {}

 private:
  std::istream& s_;
};

// A C++ output stream: written at its end, never sized (tellp of a pipe-like stream is -1).
class OStreamAccess final : public TIocpStreamAccess {
 public:
  explicit OStreamAccess(std::ostream& s) : s_(s) {}
  int64_t Size() override { return written_; }
  int64_t Position() override { return written_; }
  void Seek(int64_t) override {}
  int64_t Read(void*, int64_t) override { return 0; }
  void Write(const void* ASrc, int64_t ACount) override {
    s_.write(static_cast<const char*>(ASrc), static_cast<std::streamsize>(ACount));
    written_ += ACount;
  }
  void SetSize(int64_t) override {}

 private:
  std::ostream& s_;
  int64_t written_ = 0;
};

}  // namespace

void TIocpIOHandler::ReadStream(std::ostream& AStream, int64_t AByteCount, bool AReadUntilDisconnect) {
  OStreamAccess access(AStream);
  ReadStream(access, AByteCount, AReadUntilDisconnect);
}

bool TIocpIOHandler::InputBufferIsEmpty() const { return !conn_ || conn_->input().empty(); }


bool TIocpIOHandler::CheckForDataOnSource(int ATimeout) {
  if (!conn_) return false;
  iocp_native::Connection& c = *conn_;
  const iocp_native::IoStatus st = c.readAvailable(ATimeout < 0 ? timeoutFor(ATimeout) : ATimeout);
  // As Indy (ReadFromSource without raising): a peer's close only makes Connected() false once
  // the input is read; a socket error closes the connection; neither raises here.
  if (st == iocp_native::IoStatus::SocketError) c.disconnect(iocp_native::CloseReason::PeerReset);
  return st == iocp_native::IoStatus::Ok;
}

void TIocpIOHandler::WriteRaw(const void* ABytes, std::size_t ACount) {
  iocp_native::Connection& c = conn();
  check(c.write(ABytes, ACount), c);
}

void TIocpIOHandler::Write(const std::string& AOut, IIdTextEncoding AByteEncoding) {
  const IIdTextEncoding enc = encodingFor(AByteEncoding);
  if (!enc) {
    WriteRaw(AOut.data(), AOut.size());
    return;
  }
  const std::string bytes = enc->GetBytes(AOut);
  WriteRaw(bytes.data(), bytes.size());
}

void TIocpIOHandler::Write(const TIdBytes& ABuffer, int ALength, int AOffset) {
  const std::size_t offset = std::min<std::size_t>(std::max(AOffset, 0), ABuffer.size());
  const std::size_t avail = ABuffer.size() - offset;
  const std::size_t n = ALength < 0 ? avail : std::min<std::size_t>(ALength, avail);
  WriteRaw(ABuffer.data() + offset, n);
}

void TIocpIOHandler::Write(uint8_t AValue) { WriteRaw(&AValue, 1); }

#define IOCP_WRITE_INT(Type)                            \
  void TIocpIOHandler::Write(Type AValue, bool AConvert) { \
    unsigned char raw[sizeof(Type)];                    \
    encode(AValue, AConvert, raw);                      \
    WriteRaw(raw, sizeof raw);                          \
  }
IOCP_WRITE_INT(int16_t)
IOCP_WRITE_INT(uint16_t)
IOCP_WRITE_INT(int32_t)
IOCP_WRITE_INT(uint32_t)
IOCP_WRITE_INT(int64_t)
IOCP_WRITE_INT(uint64_t)
#undef IOCP_WRITE_INT

void TIocpIOHandler::Write(TIocpStreamAccess& AStream, int64_t ASize, bool AWriteByteCount) {
  if (ASize < 0) {
    ASize = AStream.Size() - AStream.Position();
  } else if (ASize == 0) {  // Indy: the whole stream, from its start.
    ASize = AStream.Size();
    AStream.Seek(0);
  }
  if (AWriteByteCount) {
    if (LargeStream) {
      Write(ASize);
    } else {
      if (ASize > INT32_MAX) throw EIdIOHandlerRequiresLargeStream();
      Write(static_cast<int32_t>(ASize));
    }
  }
  std::vector<char> chunk(static_cast<std::size_t>(std::min<int64_t>(ASize, 64 * 1024)));
  while (ASize > 0) {
    const int64_t got = AStream.Read(chunk.data(), std::min<int64_t>(ASize, static_cast<int64_t>(chunk.size())));
    if (got <= 0) throw EIdNoDataToRead();
    WriteRaw(chunk.data(), static_cast<std::size_t>(got));
    ASize -= got;
  }
}

void TIocpIOHandler::Write(std::istream& AStream, int64_t ASize, bool AWriteByteCount) {
  IStreamAccess access(AStream);
  Write(access, ASize, AWriteByteCount);
}

void TIocpIOHandler::WriteLn(const std::string& AOut, IIdTextEncoding AByteEncoding) {
  const IIdTextEncoding enc = encodingFor(AByteEncoding);
  std::string line = enc ? enc->GetBytes(AOut) : std::string();
  if (!enc) {
    line.reserve(AOut.size() + std::string_view(EOL).size());
    line.append(AOut);
  }
  line.append(EOL);
  WriteRaw(line.data(), line.size());
}

void TIocpIOHandler::WriteLnRFC(const std::string& AOut) {
  WriteLn(!AOut.empty() && AOut[0] == '.' ? "." + AOut : AOut);
}

void TIocpIOHandler::Write(const std::vector<std::string>& AValue, bool AWriteLinesCount) {
  std::string out;
  if (AWriteLinesCount) {
    unsigned char raw[4];
    encode(static_cast<int32_t>(AValue.size()), true, raw);
    out.append(reinterpret_cast<const char*>(raw), sizeof raw);
  }
  for (const std::string& line : AValue) out.append(line).append(EOL);
  WriteRaw(out.data(), out.size());
}

void TIocpIOHandler::WriteBufferOpen(int AThreshold) {
  writeBufferThreshold_ = AThreshold > 0 ? AThreshold : -1;
  conn().writeBufferOpen(AThreshold > 0 ? static_cast<std::size_t>(AThreshold) : 0);
}

void TIocpIOHandler::WriteBufferClose() {
  iocp_native::Connection& c = conn();
  check(c.writeBufferClose(), c);
}

void TIocpIOHandler::WriteBufferFlush(int AByteCount) {
  if (AByteCount == 0) return;
  iocp_native::Connection& c = conn();
  check(c.writeBufferFlush(AByteCount < 0 ? static_cast<std::size_t>(-1) : static_cast<std::size_t>(AByteCount)), c);
}

void TIocpIOHandler::WriteBufferCancel() { conn().writeBufferCancel(); }

void TIocpIOHandler::WriteBufferClear() {
  iocp_native::Connection& c = conn();
  if (!c.writeBufferOpened()) return;
  c.writeBufferCancel();
  c.writeBufferOpen(writeBufferThreshold_ > 0 ? static_cast<std::size_t>(writeBufferThreshold_) : 0);
}

bool TIocpIOHandler::WriteBufferingActive() const { return conn_ && conn_->writeBufferOpened(); }

bool TIocpIOHandler::ClosedGracefully() const { return conn_ && conn_->peerHasClosed(); }

bool TIocpIOHandler::Connected() const { return conn_ && conn_->checkConnected(); }

void TIocpIOHandler::CheckForDisconnect(bool ARaiseExceptionIfDisconnected, bool AIgnoreBuffer) {
  if (!conn_) {  // Never connected, or detached (the client disconnected).
    if (ARaiseExceptionIfDisconnected) throw EIdConnClosedGracefully();
    return;
  }
  iocp_native::Connection& c = *conn_;
  if (!c.peerHasClosed() && !c.closing()) return;
  // As Indy: the peer's close closes this side too (the reason stays "peer closed").
  if (c.peerHasClosed()) c.disconnect(iocp_native::CloseReason::PeerClosed);
  if (ARaiseExceptionIfDisconnected && (AIgnoreBuffer || c.input().empty())) throw EIdConnClosedGracefully();
}

void TIocpIOHandler::Close() { close(true); }

void TIocpIOHandler::close(bool flushOutput) {
  if (conn_) conn_->disconnect(iocp_native::CloseReason::LocalDisconnect, flushOutput);
}

// --- TLS ---

void TIocpIOHandler::SetPassThrough(bool AValue) {
  iocp_native::Connection& c = conn();
  if (AValue == c.passThrough()) return;
  if (AValue) throw EIdException("PassThrough = true: a connection cannot go back to plain text once TLS runs");
  iocp_native::IoStatus st;
  try {
    st = c.startTls();
  } catch (const iocp_native::TlsError& e) {
    throw EIdException(e.what());
  }
  if (st != iocp_native::IoStatus::Ok) throw EIdNotConnected(iocp_native::reasonText(c));
}

bool TIocpIOHandler::GetPassThrough() const { return conn_ ? conn_->passThrough() : true; }

std::string TIocpIOHandler::SSLProtocol() const { return conn_ ? conn_->tlsProtocol() : std::string(); }

}  // namespace Iocp
