// Exception classes named after Indy's, raised by the component's I/O methods.
#pragma once

#include <stdexcept>
#include <string>

namespace Iocp {

// Base of every error the component raises (Indy: EIdException).
class EIdException : public std::runtime_error {
 public:
  explicit EIdException(const std::string& msg) : std::runtime_error(msg) {}
};

// Errors that end a connection in the ordinary way (Indy: EIdSilentException).
class EIdSilentException : public EIdException {
 public:
  using EIdException::EIdException;
};

// The peer closed the connection and every buffered byte has been read.
class EIdConnClosedGracefully : public EIdSilentException {
 public:
  EIdConnClosedGracefully() : EIdSilentException("Connection Closed Gracefully.") {}
};

// The OS reported an error on the socket; LastError is the OS error code (errno / WSA code).
class EIdSocketError : public EIdException {
 public:
  EIdSocketError(int lastError, const std::string& msg) : EIdException(msg), LastError(lastError) {}
  int LastError;
};

// A fixed-size read (ReadBytes, ReadInt32, ...) did not complete within the read timeout.
class EIdReadTimeout : public EIdException {
 public:
  EIdReadTimeout() : EIdException("Read timed out.") {}
};

// ReadLn found no terminator within MaxLineLength bytes and MaxLineAction is maException.
class EIdReadLnMaxLineLengthExceeded : public EIdException {
 public:
  EIdReadLnMaxLineLengthExceeded() : EIdException("Max line length exceeded.") {}
};

// ReadLnWait read AFailCount empty lines without a non-empty one.
class EIdReadLnWaitMaxAttemptsExceeded : public EIdException {
 public:
  EIdReadLnWaitMaxAttemptsExceeded() : EIdException("Max line read attempts exceeded.") {}
};

// I/O on a connection that was closed locally (Disconnect, server stopping) or never connected.
class EIdNotConnected : public EIdException {
 public:
  EIdNotConnected() : EIdException("Not Connected") {}
  // why: the connection's close reason, e.g. "heartbeat timeout" -> "Not Connected (heartbeat timeout)".
  explicit EIdNotConnected(const std::string& why)
      : EIdException(why.empty() ? "Not Connected" : "Not Connected (" + why + ")") {}
};

// TIocpTCPClient::Connect did not complete within ConnectTimeout.
class EIdConnectTimeout : public EIdException {
 public:
  EIdConnectTimeout() : EIdException("Connect timed out.") {}
};

// A server binding could not be bound or could not listen.
class EIdCouldNotBindSocket : public EIdException {
 public:
  using EIdException::EIdException;
};

// The server was activated without an OnExecute handler.
class EIdTCPNoOnExecute : public EIdException {
 public:
  EIdTCPNoOnExecute() : EIdException("OnExecute event is not assigned.") {}
};

// Indy's EIdTCPConnectionError and EIdIOHandler families, raised by the stream members.
class EIdTCPConnectionError : public EIdException {
 public:
  using EIdException::EIdException;
};

// Write(stream) ran out of stream before ASize bytes were sent.
class EIdNoDataToRead : public EIdTCPConnectionError {
 public:
  EIdNoDataToRead() : EIdTCPConnectionError("No data to read.") {}
};

class EIdIOHandler : public EIdException {
 public:
  using EIdException::EIdException;
};

// Write(stream, ..., AWriteByteCount) of more than 2 GiB with LargeStream false (a 32-bit count).
class EIdIOHandlerRequiresLargeStream : public EIdIOHandler {
 public:
  EIdIOHandlerRequiresLargeStream() : EIdIOHandler("Set LargeStream to True to send streams greater than 2GB") {}
};

// ReadStream: the stream cannot hold what the length prefix announces.
class EIdIOHandlerStreamDataTooLarge : public EIdIOHandler {
 public:
  EIdIOHandlerStreamDataTooLarge() : EIdIOHandler("Data is too large for stream") {}
};

// An XML configuration (TIocpTCPServer::LoadFromXml and relatives) could not be read, parsed or
// applied, or could not be written. The message names the element path, the bad value and what is
// allowed, e.g. "XML configuration: TIocpTCPServer/DefaultPort: bad value '70000'; allowed
// range: 0..65535".
class EIocpConfigError : public EIdException {
 public:
  EIocpConfigError(const std::string& msg, const std::string& path = std::string())
      : EIdException(msg), Path(path) {}
  // The element or attribute at fault, e.g. "TIocpTCPServer/Bindings/Binding[2]/@Port"; "" when
  // the error concerns the whole document or file.
  std::string Path;
};

}  // namespace Iocp
