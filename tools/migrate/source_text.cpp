#include "source_text.h"

#include <algorithm>

namespace iocp_migrate {

SourceText::SourceText(std::string bytes) : bytes_(std::move(bytes)) {
  if (bytes_.compare(0, 3, "\xEF\xBB\xBF") == 0) bom_ = 3;
  lineStarts_.push_back(0);
  for (std::size_t i = 0; i < bytes_.size(); ++i) {
    if (bytes_[i] == '\n') {
      if (eol_.empty()) eol_ = (i > 0 && bytes_[i - 1] == '\r') ? "\r\n" : "\n";
      lineStarts_.push_back(i + 1);
    }
  }
  if (eol_.empty()) eol_ = "\r\n";
}

int SourceText::lineOf(std::size_t pos) const {
  auto it = std::upper_bound(lineStarts_.begin(), lineStarts_.end(), pos);
  return static_cast<int>(it - lineStarts_.begin());
}

std::size_t SourceText::lineStart(std::size_t pos) const {
  return lineStarts_[static_cast<std::size_t>(lineOf(pos) - 1)];
}

std::size_t SourceText::lineEnd(std::size_t pos) const {
  std::size_t e = bytes_.find('\n', std::min(pos, bytes_.size()));
  if (e == std::string::npos) return bytes_.size();
  if (e > 0 && bytes_[e - 1] == '\r' && e - 1 >= pos) return e - 1;
  return e;
}

std::size_t SourceText::nextLine(std::size_t pos) const {
  std::size_t e = bytes_.find('\n', std::min(pos, bytes_.size()));
  return e == std::string::npos ? bytes_.size() : e + 1;
}

std::string SourceText::indentAt(std::size_t pos) const {
  std::size_t s = lineStart(pos), e = s;
  while (e < bytes_.size() && (bytes_[e] == ' ' || bytes_[e] == '\t')) ++e;
  return bytes_.substr(s, e - s);
}

namespace {

void sortEdits(std::vector<Edit>& edits) {
  std::stable_sort(edits.begin(), edits.end(),
                   [](const Edit& a, const Edit& b) { return a.pos < b.pos || (a.pos == b.pos && a.len < b.len); });
  std::vector<Edit> kept;
  for (auto& e : edits) {
    if (!kept.empty() && e.pos < kept.back().pos + kept.back().len) continue;  // Overlap.
    kept.push_back(std::move(e));
  }
  edits.swap(kept);
}

// Lines of text with their endings, so that the diff applies (patch) to CRLF files too.
std::vector<std::string> splitLines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t b = 0;
  while (b < s.size()) {
    std::size_t e = s.find('\n', b);
    e = e == std::string::npos ? s.size() : e + 1;
    out.push_back(s.substr(b, e - b));
    b = e;
  }
  return out;
}

// One diff line: its marker, its bytes, and diff's note for a last line without an ending.
std::string diffLine(char marker, const std::string& line) {
  std::string out(1, marker);
  out += line;
  if (line.empty() || line.back() != '\n') out += "\n\\ No newline at end of file\n";
  return out;
}

}  // namespace

std::string applyEdits(const std::string& original, std::vector<Edit> edits) {
  sortEdits(edits);
  std::string out;
  out.reserve(original.size() + 256);
  std::size_t at = 0;
  for (const auto& e : edits) {
    if (e.pos > original.size()) break;
    out.append(original, at, e.pos - at);
    out += e.text;
    at = std::min(original.size(), e.pos + e.len);
  }
  out.append(original, at, std::string::npos);
  return out;
}

// The hunks come straight from the edits: each edit touches a run of whole original lines; runs
// that share a line are one block, and blocks closer than twice the context share a hunk.
std::string unifiedDiff(const std::string& path, const SourceText& original, std::vector<Edit> edits) {
  sortEdits(edits);
  const std::string& src = original.bytes();
  struct Block {
    int first, last;        // Original lines, 1-based, inclusive (last < first: none).
    std::size_t from, to;   // Byte range of those lines (to = after the last line's ending).
    std::vector<std::string> newLines;
  };
  std::vector<Block> blocks;
  std::vector<Edit> pending;
  auto flush = [&](Block b) {
    std::string region = src.substr(b.from, b.to - b.from);
    for (auto& e : pending) e.pos -= b.from;
    std::string changed = applyEdits(region, pending);
    pending.clear();
    if (changed == region) return;
    b.newLines = splitLines(changed);
    blocks.push_back(std::move(b));
  };
  Block cur{0, -1, 0, 0, {}};
  bool open = false;
  for (const auto& e : edits) {
    if (e.pos > src.size()) break;
    std::size_t from = original.lineStart(e.pos);
    std::size_t endPos = e.len ? e.pos + e.len - 1 : e.pos;
    std::size_t to = std::min(src.size(), original.nextLine(std::min(endPos, src.size())));
    // Whole lines inserted at a line's start replace no line; at the end of a file without a
    // last line ending, the edit belongs to the last line.
    const bool wholeLines = !e.text.empty() && e.text.back() == '\n';
    if (e.len == 0 && e.pos == from && wholeLines) to = from;
    if (e.len == 0 && e.pos == src.size() && src.size() > 0 && src.back() != '\n') from = original.lineStart(src.size() - 1);
    if (open && from < cur.to && to > cur.from) {
      cur.to = std::max(cur.to, to);
    } else {
      if (open) flush(cur);
      cur = Block{0, 0, from, to, {}};
      open = true;
    }
    pending.push_back(e);
  }
  if (open) flush(cur);
  if (blocks.empty()) return "";
  for (auto& b : blocks) {
    b.first = b.from >= src.size() ? static_cast<int>(splitLines(src).size()) + 1 : original.lineOf(b.from);
    b.last = b.to > b.from ? original.lineOf(b.to - 1) : b.first - 1;
  }
  // Changed lines that follow each other are one block: all their '-' lines, then all '+'.
  std::vector<Block> merged;
  for (auto& b : blocks) {
    if (!merged.empty() && merged.back().last + 1 == b.first) {
      merged.back().last = b.last;
      merged.back().to = b.to;
      merged.back().newLines.insert(merged.back().newLines.end(), b.newLines.begin(), b.newLines.end());
    } else {
      merged.push_back(std::move(b));
    }
  }
  blocks.swap(merged);
  const std::vector<std::string> oldLines = splitLines(src);
  const int total = static_cast<int>(oldLines.size());
  const int context = 3;
  std::string out = "--- a/" + path + "\n+++ b/" + path + "\n";
  int delta = 0;  // New line numbers minus old ones before the current hunk.
  for (std::size_t i = 0; i < blocks.size();) {
    std::size_t j = i;
    while (j + 1 < blocks.size() && blocks[j + 1].first - blocks[j].last - 1 <= 2 * context) ++j;
    const int start = std::max(1, blocks[i].first - context);
    const int end = std::min(total, blocks[j].last + context);
    std::string body;
    int oldCount = 0, newCount = 0;
    int line = start;
    for (std::size_t k = i; k <= j; ++k) {
      for (; line < blocks[k].first; ++line, ++oldCount, ++newCount) body += diffLine(' ', oldLines[line - 1]);
      for (; line <= blocks[k].last; ++line, ++oldCount) body += diffLine('-', oldLines[line - 1]);
      for (const auto& n : blocks[k].newLines) {
        body += diffLine('+', n);
        ++newCount;
      }
    }
    for (; line <= end; ++line, ++oldCount, ++newCount) body += diffLine(' ', oldLines[line - 1]);
    const int newStart = start + delta;
    out += "@@ -" + std::to_string(start) + "," + std::to_string(oldCount) + " +" +
           std::to_string(newStart) + "," + std::to_string(newCount) + " @@\n" + body;
    delta += newCount - oldCount;
    i = j + 1;
  }
  return out;
}

bool equalsNoCase(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string lowerAscii(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

}  // namespace iocp_migrate
