#include "IocpFraming.h"

#include <algorithm>

namespace Iocp {

TIocpFrameDecoder::TIocpFrameDecoder(const TIocpFraming& AFraming) : framing_(AFraming) {
  switch (framing_.Kind) {
    case fkLine:
      if (framing_.Delimiter.empty()) throw EIdException("Framing.Delimiter is empty (fkLine needs one)");
      break;
    case fkLengthPrefixed:
      if (framing_.LengthBytes != 1 && framing_.LengthBytes != 2 && framing_.LengthBytes != 4 &&
          framing_.LengthBytes != 8)
        throw EIdException("Framing.LengthBytes is " + std::to_string(framing_.LengthBytes) +
                           "; allowed: 1, 2, 4 or 8");
      break;
    default:
      throw EIdException("Framing.Kind is fkNone: OnMessage needs fkLine or fkLengthPrefixed");
  }
  if (framing_.MaxFrameSize < 1)
    throw EIdException("Framing.MaxFrameSize is " + std::to_string(framing_.MaxFrameSize) + "; it must be at least 1");
}

TIocpFrameDecoder::TResult TIocpFrameDecoder::Next(std::string_view AInput, std::string_view& AMessage,
                                                  std::size_t& AConsumed) const {
  const std::size_t max = static_cast<std::size_t>(framing_.MaxFrameSize);
  AConsumed = 0;
  if (framing_.Kind == fkLine) {
    const std::string& d = framing_.Delimiter;
    // An acceptable message ends with the delimiter starting at most at `last` (max, or one more
    // after a CR before an LF delimiter): only that window is searched.
    const bool crAllowed = d[0] == '\n';
    const std::size_t last = max + (crAllowed ? 1 : 0);
    const std::size_t window = std::min(AInput.size(), last + d.size());
    const std::size_t at = AInput.substr(0, window).find(d);
    if (at == std::string_view::npos) {
      if (AInput.size() <= max) return frNeedMore;
      // Too long, unless the delimiter has begun to arrive at an acceptable place.
      const std::size_t from = AInput.size() >= d.size() ? AInput.size() - d.size() + 1 : 0;
      for (std::size_t p = from; p <= std::min(AInput.size(), last); ++p) {
        const bool acceptable = p <= max || (crAllowed && AInput[max] == '\r');
        if (acceptable && d.compare(0, AInput.size() - p, AInput.substr(p)) == 0) return frNeedMore;
      }
      return frTooLarge;
    }
    std::size_t len = at;
    if (d[0] == '\n' && len > 0 && AInput[len - 1] == '\r') --len;
    if (len > max) return frTooLarge;
    AMessage = AInput.substr(0, len);
    AConsumed = at + d.size();
    return frMessage;
  }
  const std::size_t head = static_cast<std::size_t>(framing_.LengthBytes);
  if (AInput.size() < head) return frNeedMore;
  unsigned long long len = 0;
  for (std::size_t i = 0; i < head; ++i) {
    const auto byte = static_cast<unsigned char>(AInput[framing_.BigEndian ? i : head - 1 - i]);
    len = (len << 8) | byte;
  }
  if (len > max) {
    AConsumed = static_cast<std::size_t>(len > static_cast<unsigned long long>(SIZE_MAX) ? SIZE_MAX : len);
    return frTooLarge;
  }
  if (AInput.size() - head < len) return frNeedMore;
  AMessage = AInput.substr(head, static_cast<std::size_t>(len));
  AConsumed = head + static_cast<std::size_t>(len);
  return frMessage;
}

}  // namespace Iocp
