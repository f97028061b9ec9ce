#include "iocp_native/buffer.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstring>

namespace iocp_native {

namespace {
std::atomic<std::size_t> gAllocated{0};
}  // namespace

Buffer::~Buffer() { gAllocated.fetch_sub(storage_.size(), std::memory_order_relaxed); }

std::size_t Buffer::allocatedBytes() { return gAllocated.load(std::memory_order_relaxed); }

void Buffer::replaceStorage(std::vector<char>&& next) {
  gAllocated.fetch_add(next.size(), std::memory_order_relaxed);
  gAllocated.fetch_sub(storage_.size(), std::memory_order_relaxed);
  storage_.swap(next);
  std::vector<char>().swap(next);
}

char* Buffer::prepare(std::size_t n) {
  if (storage_.size() - writeIndex_ >= n) return storage_.data() + writeIndex_;
  const std::size_t readable = size();
  if (readIndex_ > 0 && storage_.size() - readable >= n) {
    // Enough room overall: slide the readable bytes to the front.
    std::memmove(storage_.data(), storage_.data() + readIndex_, readable);
  } else {
    std::vector<char> grown(std::max(readable + n, storage_.size() * 2));
    if (readable) std::memcpy(grown.data(), storage_.data() + readIndex_, readable);
    replaceStorage(std::move(grown));
  }
  readIndex_ = 0;
  writeIndex_ = readable;
  return storage_.data() + writeIndex_;
}

void Buffer::append(const void* bytes, std::size_t n) {
  if (n == 0) return;
  std::memcpy(prepare(n), bytes, n);
  commit(n);
}

void Buffer::consume(std::size_t n) {
  assert(n <= size());
  readIndex_ += n;
  if (readIndex_ == writeIndex_) clear();
}

std::string Buffer::take(std::size_t n) {
  std::string out(data(), n);
  consume(n);
  return out;
}

std::size_t Buffer::copyOut(void* dst, std::size_t n) {
  n = std::min(n, size());
  if (n) std::memcpy(dst, data(), n);
  consume(n);
  return n;
}

void Buffer::clear() {
  readIndex_ = writeIndex_ = 0;
  if (!storage_.empty()) replaceStorage({});
}

std::size_t Buffer::find(std::string_view needle, std::size_t from) const {
  if (needle.empty() || from >= size()) return npos;
  const std::size_t pos = view().find(needle, from);
  return pos == std::string_view::npos ? npos : pos;
}

}  // namespace iocp_native
