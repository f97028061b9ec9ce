// The C ABI's IOHandlers (a context's or a client's) and the stack's functions (iocp.h
// "IOHandler", "Stack").
#include "capi.h"

#include <algorithm>

using namespace iocp_capi;

extern "C" {

// --- IOHandler -------------------------------------------------------------------------------------

int iocp_io_readln(iocp_io* io, const char* terminator, size_t terminatorLength, int timeoutMs,
                   int maxLineLength, const char** line, size_t* length) {
  if (!io) return fail(IOCP_ERR_ARGUMENT, "no IOHandler");
  return guarded([&] {
    const std::string term = terminator && terminatorLength ? std::string(terminator, terminatorLength) : std::string(LF);
    io->out = io->io->ReadLn(term, timeoutMs, maxLineLength);
    giveOut(io->out, line, length);
    return IOCP_OK;
  });
}

int iocp_io_readln_wait(iocp_io* io, int failCount, const char** line, size_t* length) {
  if (!io) return fail(IOCP_ERR_ARGUMENT, "no IOHandler");
  return guarded([&] {
    io->out = io->io->ReadLnWait(failCount > 0 ? failCount : 0x7FFFFFFF);
    giveOut(io->out, line, length);
    return IOCP_OK;
  });
}

int iocp_io_read_bytes(iocp_io* io, int count, const char** data, size_t* length) {
  if (!io) return fail(IOCP_ERR_ARGUMENT, "no IOHandler");
  return guarded([&] {
    TIdBytes bytes;
    io->io->ReadBytes(bytes, count, false);
    io->out.assign(bytes.begin(), bytes.end());
    giveOut(io->out, data, length);
    return IOCP_OK;
  });
}

int iocp_io_read_int(iocp_io* io, int size, int isSigned, int convert, int64_t* value) {
  if (!io || !value) return fail(IOCP_ERR_ARGUMENT, "no IOHandler or no value");
  return guarded([&] {
    TIocpIOHandler& h = *io->io;
    const bool c = convert != 0;
    if (size != 1 && size != 2 && size != 4 && size != 8) {
      return fail(IOCP_ERR_ARGUMENT, "integer size is 1, 2, 4 or 8, not " + std::to_string(size));
    }
    // One branch per type: a conditional over a signed and an unsigned type would convert both.
    if (size == 1) {
      const uint8_t b = h.ReadByte();
      *value = isSigned ? static_cast<int64_t>(static_cast<int8_t>(b)) : static_cast<int64_t>(b);
    } else if (size == 2) {
      if (isSigned) *value = h.ReadInt16(c);
      else *value = h.ReadUInt16(c);
    } else if (size == 4) {
      if (isSigned) *value = h.ReadInt32(c);
      else *value = h.ReadUInt32(c);
    } else {
      if (isSigned) *value = h.ReadInt64(c);
      else *value = static_cast<int64_t>(h.ReadUInt64(c));
    }
    return IOCP_OK;
  });
}

int iocp_io_write(iocp_io* io, const void* data, size_t length) {
  if (!io || (!data && length)) return fail(IOCP_ERR_ARGUMENT, "no IOHandler or no data");
  return guarded([&] {
    io->io->WriteRaw(data, length);
    return IOCP_OK;
  });
}

int iocp_io_writeln(iocp_io* io, const char* s, size_t length) {
  if (!io || (!s && length)) return fail(IOCP_ERR_ARGUMENT, "no IOHandler or no text");
  return guarded([&] {
    std::string line;  // The text and its EOL in one write, as WriteLn without an encoding.
    line.reserve(length + std::string_view(EOL).size());
    line.append(s ? s : "", length).append(EOL);
    io->io->WriteRaw(line.data(), line.size());
    return IOCP_OK;
  });
}

int iocp_io_write_int(iocp_io* io, int size, int convert, int64_t value) {
  if (!io) return fail(IOCP_ERR_ARGUMENT, "no IOHandler");
  return guarded([&] {
    TIocpIOHandler& h = *io->io;
    const bool c = convert != 0;
    switch (size) {
      case 1: h.Write(static_cast<uint8_t>(value)); break;
      case 2: h.Write(static_cast<uint16_t>(value), c); break;
      case 4: h.Write(static_cast<uint32_t>(value), c); break;
      case 8: h.Write(static_cast<uint64_t>(value), c); break;
      default: return fail(IOCP_ERR_ARGUMENT, "integer size is 1, 2, 4 or 8, not " + std::to_string(size));
    }
    return IOCP_OK;
  });
}

int iocp_io_check_for_data(iocp_io* io, int timeoutMs) {
  if (!io) return fail(IOCP_ERR_ARGUMENT, "no IOHandler");
  return guarded([&] { return io->io->CheckForDataOnSource(timeoutMs) ? 1 : 0; });
}

int iocp_io_check_for_disconnect(iocp_io* io, int raiseIfDisconnected, int ignoreBuffer) {
  if (!io) return fail(IOCP_ERR_ARGUMENT, "no IOHandler");
  return guarded([&] {
    io->io->CheckForDisconnect(raiseIfDisconnected != 0, ignoreBuffer != 0);
    return IOCP_OK;
  });
}

int iocp_io_write_buffer(iocp_io* io, int operation, int argument) {
  if (!io) return fail(IOCP_ERR_ARGUMENT, "no IOHandler");
  return guarded([&] {
    switch (operation) {
      case IOCP_WRITE_BUFFER_OPEN: io->io->WriteBufferOpen(argument); break;
      case IOCP_WRITE_BUFFER_FLUSH: io->io->WriteBufferFlush(argument > 0 ? argument : -1); break;
      case IOCP_WRITE_BUFFER_CLOSE: io->io->WriteBufferClose(); break;
      case IOCP_WRITE_BUFFER_CANCEL: io->io->WriteBufferCancel(); break;
      case IOCP_WRITE_BUFFER_CLEAR: io->io->WriteBufferClear(); break;
      default: return fail(IOCP_ERR_ARGUMENT, "unknown write buffer operation " + std::to_string(operation));
    }
    return IOCP_OK;
  });
}

int iocp_io_input(iocp_io* io, const char** data, size_t* length) {
  if (!io) return fail(IOCP_ERR_ARGUMENT, "no IOHandler");
  return guarded([&] {
    const std::string_view view = io->io->InputBuffer()->View();
    if (data) *data = view.data();
    if (length) *length = view.size();
    return IOCP_OK;
  });
}

int iocp_io_input_consume(iocp_io* io, size_t count) {
  if (!io) return fail(IOCP_ERR_ARGUMENT, "no IOHandler");
  return guarded([&] {
    io->io->InputBuffer()->ExtractToString(static_cast<int>(count));
    return IOCP_OK;
  });
}

namespace {
// The caller's stream behind iocp_stream_fn; a failure it reports becomes the exception it raised.
class CallbackStream final : public TIocpStreamAccess {
 public:
  CallbackStream(iocp_stream_fn fn, void* user) : fn_(fn), user_(user) {}
  int64_t Size() override { return call(IOCP_STREAM_SIZE, nullptr, 0); }
  int64_t Position() override { return call(IOCP_STREAM_POSITION, nullptr, 0); }
  void Seek(int64_t APosition) override { call(IOCP_STREAM_SEEK, nullptr, APosition); }
  int64_t Read(void* ADst, int64_t ACount) override { return call(IOCP_STREAM_READ, ADst, ACount); }
  void Write(const void* ASrc, int64_t ACount) override {
    call(IOCP_STREAM_WRITE, const_cast<void*>(ASrc), ACount);
  }
  void SetSize(int64_t ASize) override { call(IOCP_STREAM_SET_SIZE, nullptr, ASize); }

 private:
  int64_t call(int op, void* data, int64_t value) {
    const int64_t r = fn_(user_, op, data, value);
    if (r < 0) raiseIfHandlerFailed(static_cast<int>(r));
    return r;
  }
  iocp_stream_fn fn_;
  void* user_;
};
}  // namespace

int iocp_io_write_stream(iocp_io* io, iocp_stream_fn stream, void* user, int64_t size, int writeByteCount) {
  if (!io || !stream) return fail(IOCP_ERR_ARGUMENT, "no IOHandler or no stream");
  return guarded([&] {
    CallbackStream s(stream, user);
    io->io->Write(s, size, writeByteCount != 0);
    return IOCP_OK;
  });
}

int iocp_io_read_stream(iocp_io* io, iocp_stream_fn stream, void* user, int64_t byteCount, int readUntilDisconnect) {
  if (!io || !stream) return fail(IOCP_ERR_ARGUMENT, "no IOHandler or no stream");
  return guarded([&] {
    CallbackStream s(stream, user);
    io->io->ReadStream(s, byteCount, readUntilDisconnect != 0);
    return IOCP_OK;
  });
}

namespace {

// iocp_host_name's and iocp_resolve_host's answer (a host name is at most 255 bytes, an address 45).
thread_local char tHostText[256];

int hostText(const std::string& text, const char** out, size_t* length) {
  const std::size_t n = std::min(text.size(), sizeof tHostText - 1);
  std::memcpy(tHostText, text.data(), n);
  tHostText[n] = '\0';
  *out = tHostText;
  *length = n;
  return IOCP_OK;
}

}  // namespace

int iocp_local_addresses(iocp_local_address_fn fn, void* user) {
  if (!fn) return fail(IOCP_ERR_ARGUMENT, "no callback");
  return guarded([&] {
    for (const TIocpLocalAddress& a : GStack->GetLocalAddressList()) {
      fn(user, a.IPVersion == Id_IPv6 ? 6 : 4, a.IPAddress.data(), a.IPAddress.size(), a.SubNetMask.data(),
         a.SubNetMask.size(), a.InterfaceName.data(), a.InterfaceName.size(), a.FriendlyName.data(),
         a.FriendlyName.size(), a.InterfaceIndex);
    }
    return IOCP_OK;
  });
}

int iocp_host_name(const char** text, size_t* length) {
  if (!text || !length) return fail(IOCP_ERR_ARGUMENT, "no text or length");
  return guarded([&] { return hostText(GStack->HostName(), text, length); });
}

int iocp_resolve_host(const char* host, size_t hostLength, int ipVersion, const char** text, size_t* length) {
  if (!text || !length || (!host && hostLength)) return fail(IOCP_ERR_ARGUMENT, "no host, text or length");
  if (ipVersion != 4 && ipVersion != 6) return fail(IOCP_ERR_ARGUMENT, "ip_version is 4 or 6");
  return guarded([&] {
    return hostText(GStack->ResolveHost(std::string(host ? host : "", hostLength), ipVersion == 6 ? Id_IPv6 : Id_IPv4),
                    text, length);
  });
}

void iocp_sleep(int ms) { IndySleep(static_cast<uint32_t>(ms < 0 ? 0 : ms)); }

int iocp_io_set_int(iocp_io* io, int option, int64_t value) {
  if (!io) return fail(IOCP_ERR_ARGUMENT, "no IOHandler");
  int v = 0;
  if (const int st = intValue(value, INT32_MIN, INT32_MAX, "value", &v)) return st;
  switch (option) {
    case IOCP_IO_READ_TIMEOUT: io->io->ReadTimeout = v; break;
    case IOCP_IO_MAX_LINE_LENGTH: io->io->MaxLineLength = v; break;
    case IOCP_IO_MAX_LINE_ACTION: io->io->MaxLineAction = v == 1 ? maSplit : maException; break;
    case IOCP_IO_LARGE_STREAM: io->io->LargeStream = v != 0; break;
    case IOCP_IO_PASS_THROUGH:
      return guarded([&] {
        io->io->PassThrough = v != 0;  // 0: the handshake (raises when it fails).
        return IOCP_OK;
      });
    default: return fail(IOCP_ERR_ARGUMENT, "IOHandler option " + std::to_string(option) + " cannot be set");
  }
  return IOCP_OK;
}

int iocp_io_get_int(iocp_io* io, int option, int64_t* value) {
  if (!io || !value) return fail(IOCP_ERR_ARGUMENT, "no IOHandler or no value");
  const TIocpIOHandler& h = *io->io;
  switch (option) {
    case IOCP_IO_READ_TIMEOUT: *value = h.ReadTimeout; break;
    case IOCP_IO_MAX_LINE_LENGTH: *value = h.MaxLineLength; break;
    case IOCP_IO_MAX_LINE_ACTION: *value = h.MaxLineAction == maSplit ? 1 : 0; break;
    case IOCP_IO_READLN_TIMEDOUT: *value = h.ReadLnTimedout; break;
    case IOCP_IO_READLN_SPLIT: *value = h.ReadLnWasSplit(); break;
    case IOCP_IO_CONNECTED: *value = h.Connected(); break;
    case IOCP_IO_WRITE_BUFFERING: *value = h.WriteBufferingActive(); break;
    case IOCP_IO_LARGE_STREAM: *value = h.LargeStream; break;
    case IOCP_IO_INPUT_SIZE: *value = h.InputBuffer->Size; break;
    case IOCP_IO_WRITE_BUFFER_THRESHOLD: *value = h.WriteBufferThreshold(); break;
    case IOCP_IO_CLOSED_GRACEFULLY: *value = h.ClosedGracefully(); break;
    case IOCP_IO_PASS_THROUGH: *value = h.GetPassThrough(); break;
    default: return fail(IOCP_ERR_ARGUMENT, "unknown IOHandler option " + std::to_string(option));
  }
  return IOCP_OK;
}

int iocp_io_close(iocp_io* io) {
  if (!io) return fail(IOCP_ERR_ARGUMENT, "no IOHandler");
  return guarded([&] {
    io->io->Close();
    return IOCP_OK;
  });
}

}  // extern "C"
