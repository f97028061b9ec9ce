// Byte buffer used for a connection's input and pending output.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace iocp_native {

// A growable byte queue: bytes are appended at the back and consumed at the front.
//
//   +-------------------+------------------+------------------+
//   | consumed (reused) |  readable bytes  |  writable bytes  |
//   +-------------------+------------------+------------------+
//   0        <=     readIndex_   <=   writeIndex_   <=   storage_.size()
//
// Consumed space is reclaimed by moving the readable bytes to the front when more room is needed.
// An empty buffer holds no storage: consuming the last byte frees it, so a connection that has
// read (or sent) everything pins no memory while it waits; the next append allocates what arrives.
// NOT thread safe: a buffer belongs to one connection and is touched only from that connection's strand.
class Buffer {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  Buffer() = default;
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  std::size_t size() const { return writeIndex_ - readIndex_; }  // Readable byte count.
  bool empty() const { return writeIndex_ == readIndex_; }        // True when nothing is readable.
  const char* data() const { return storage_.data() + readIndex_; }  // First readable byte.
  std::string_view view() const { return {data(), size()}; }         // All readable bytes.

  void append(const void* bytes, std::size_t n);  // Copy n bytes to the back.
  void append(std::string_view s) { append(s.data(), s.size()); }

  // Make room for at least n bytes at the back and return where to write them; then call commit().
  char* prepare(std::size_t n);
  void commit(std::size_t n) { writeIndex_ += n; }  // Mark n prepared bytes as readable.

  void consume(std::size_t n);                 // Drop n bytes from the front (n <= size()).
  std::string take(std::size_t n);             // Remove and return the first n bytes.
  std::size_t copyOut(void* dst, std::size_t n);  // Remove up to n bytes into dst; returns the count.
  void clear();                                // Drop everything (and free the storage).
  std::size_t capacity() const { return storage_.size(); }  // Bytes of storage held.

  // Storage held by every Buffer in the process right now (input and output of every connection).
  // Any thread.
  static std::size_t allocatedBytes();

  // Offset of the first occurrence of needle at or after `from`, or npos.
  std::size_t find(std::string_view needle, std::size_t from = 0) const;

 private:
  void replaceStorage(std::vector<char>&& next);  // Swap storage in, keeping allocatedBytes() true.

  std::vector<char> storage_;
  std::size_t readIndex_ = 0;
  std::size_t writeIndex_ = 0;
};

}  // namespace iocp_native
