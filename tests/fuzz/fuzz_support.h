// Shared by the fuzz targets (one LLVMFuzzerTestOneInput per file): reading the fuzzer's bytes as
// settings and data, and the check that stops the run on a broken property. A target is linked
// either with libFuzzer (clang, the fuzz preset: tools/dev.sh fuzz) or with replay_main.cpp,
// which runs the committed corpus and regressions once (ctest Fuzz.*, every build).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace iocp_fuzz {

// The input read front to back; past its end a byte is 0 and bytes() is empty.
class Input {
 public:
  Input(const uint8_t* data, std::size_t size) : data_(reinterpret_cast<const char*>(data)), size_(size) {}
  unsigned byte() { return at_ < size_ ? static_cast<unsigned char>(data_[at_++]) : 0u; }
  std::string bytes(std::size_t n) {
    n = n < size_ - at_ ? n : size_ - at_;
    std::string s(data_ + at_, n);
    at_ += n;
    return s;
  }
  std::string rest() { return bytes(size_ - at_); }

 private:
  const char* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

// `stream` cut into chunks at the given offsets (taken modulo its length, any order, repeats
// ignored): how the same bytes may arrive from a socket.
inline std::vector<std::string> cut(const std::string& stream, std::vector<std::size_t> at) {
  std::vector<std::string> chunks;
  if (stream.empty()) return chunks;
  for (auto& a : at) a %= stream.size();
  at.push_back(stream.size());
  std::vector<bool> cutHere(stream.size() + 1, false);
  for (const auto a : at) cutHere[a] = true;
  std::size_t from = 0;
  for (std::size_t i = 1; i <= stream.size(); ++i) {
    if (!cutHere[i]) continue;
    chunks.push_back(stream.substr(from, i - from));
    from = i;
  }
  return chunks;
}

// `stream` one byte at a time: the hardest case for a reader that remembers what it searched.
inline std::vector<std::string> bytewise(const std::string& stream) {
  std::vector<std::string> chunks;
  chunks.reserve(stream.size());
  for (const char c : stream) chunks.emplace_back(1, c);
  return chunks;
}

// Reads the cut offsets from the input: a count (0-7) and that many bytes.
inline std::vector<std::size_t> cutOffsets(Input& in) {
  std::vector<std::size_t> at(in.byte() % 8);
  for (auto& a : at) a = in.byte();
  return at;
}

[[noreturn]] inline void failed(const char* file, int line, const char* condition, const std::string& what) {
  std::fprintf(stderr, "%s:%d: property broken: %s (%s)\n", file, line, what.c_str(), condition);
  std::abort();  // libFuzzer saves the input as a crash; the replay fails.
}

}  // namespace iocp_fuzz

// Stops the run (abort) when `condition` is false; `what` says which property broke.
#define FUZZ_CHECK(condition, what) \
  do {                              \
    if (!(condition)) ::iocp_fuzz::failed(__FILE__, __LINE__, #condition, (what)); \
  } while (false)
