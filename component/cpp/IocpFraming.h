// Framing for the event model: how TIocpTCPServer::OnMessage's messages are cut out of a
// connection's byte stream.
//
//   fkLine             message bytes, then Delimiter ("\n"; a "\r" right before it is dropped too)
//   fkLengthPrefixed   LengthBytes-byte unsigned length (BigEndian = network order), then that
//                      many message bytes (a zero length is an empty message)
//
// A message longer than MaxFrameSize ends the connection (EIocpFrameTooLarge): for
// fkLengthPrefixed as soon as its header arrives, for fkLine once MaxFrameSize bytes have come
// without a delimiter.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "IocpExceptions.h"

namespace Iocp {

enum TIocpFramingKind { fkNone = 0, fkLine = 1, fkLengthPrefixed = 2 };

// Server.Framing. Owning thread, server inactive.
struct TIocpFraming {
  TIocpFramingKind Kind = fkNone;  // fkNone: no OnMessage (OnDataAvailable sees raw bytes).
  std::string Delimiter = "\n";    // fkLine: ends each message; not part of it.
  int LengthBytes = 4;             // fkLengthPrefixed: 1, 2, 4 or 8.
  bool BigEndian = true;           // fkLengthPrefixed: the length's byte order.
  int MaxFrameSize = 1024 * 1024;  // Longest message in bytes (header and delimiter not counted).
};

// A message longer than Framing.MaxFrameSize arrived; the connection ends ("protocol limit").
class EIocpFrameTooLarge : public EIdException {
 public:
  using EIdException::EIdException;
};

// Cuts whole messages out of the unread bytes of a stream. Stateless between calls: one decoder
// may serve every connection. Threads: any; Next is const.
class TIocpFrameDecoder {
 public:
  enum TResult { frMessage, frNeedMore, frTooLarge };
  // Checks the framing (raises EIdException naming what is wrong: no kind, empty delimiter,
  // LengthBytes not 1/2/4/8, MaxFrameSize < 1).
  explicit TIocpFrameDecoder(const TIocpFraming& AFraming);
  // frMessage: AMessage views the first whole message inside AInput and AConsumed is how many
  // bytes of AInput it took (with its header or delimiter). frNeedMore: no whole message yet.
  // frTooLarge: the next message is longer than MaxFrameSize (AConsumed = its length, or 0 if
  // unknown).
  TResult Next(std::string_view AInput, std::string_view& AMessage, std::size_t& AConsumed) const;
  const TIocpFraming& Framing() const { return framing_; }

 private:
  TIocpFraming framing_;
};

}  // namespace Iocp
