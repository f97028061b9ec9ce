// SourceText: the bytes of one file as read, with what the rewriters need to leave everything
// outside their edits byte for byte: the byte-order mark, the line ending, line numbers.
//
// Edits are byte ranges of the original replaced by new bytes; apply() applies a sorted set of
// non-overlapping edits. Nothing here decodes text: identifiers and keywords of Pascal, forms,
// C++ and MSBuild are ASCII, so UTF-8 and Windows-1252 files are edited as bytes alike.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace iocp_migrate {

struct Edit {
  std::size_t pos = 0;  // Byte offset in the original.
  std::size_t len = 0;  // Bytes replaced (0 = insertion).
  std::string text;     // Replacement.
};

// A finding for the user: "path:line: warning: text". line 0 = the whole file.
// What the tool tells about a file: a warning names something that stays the user's to do (said
// again on every run while its cause remains); a note (change = true) explains an edit this
// run makes (said once: the next run finds nothing to edit).
struct Warning {
  int line = 0;
  std::string text;
  bool change = false;
};

class SourceText {
 public:
  explicit SourceText(std::string bytes);

  const std::string& bytes() const { return bytes_; }
  std::size_t bomLength() const { return bom_; }       // 3 for a UTF-8 BOM, else 0.
  const std::string& eol() const { return eol_; }      // The first line ending found ("\r\n" if none).
  int lineOf(std::size_t pos) const;                    // 1-based line of a byte offset.
  std::size_t lineStart(std::size_t pos) const;         // Offset of the first byte of pos's line.
  std::size_t lineEnd(std::size_t pos) const;           // Offset of pos's line ending (or the end).
  std::size_t nextLine(std::size_t pos) const;          // Offset after pos's line ending.
  std::string indentAt(std::size_t pos) const;          // Leading blanks of pos's line.

 private:
  std::string bytes_;
  std::size_t bom_ = 0;
  std::string eol_;
  std::vector<std::size_t> lineStarts_;
};

// The original with the edits applied; edits are sorted by position and must not overlap
// (an overlapping one is dropped: the first edit of a range wins).
std::string applyEdits(const std::string& original, std::vector<Edit> edits);

// A unified diff (3 lines of context) of original -> applyEdits(original, edits), headed by
// "--- a/<path>" and "+++ b/<path>"; "" when the edits change nothing.
std::string unifiedDiff(const std::string& path, const SourceText& original, std::vector<Edit> edits);

// Case-insensitive ASCII comparison, as Pascal compares identifiers.
bool equalsNoCase(const std::string& a, const std::string& b);
std::string lowerAscii(std::string s);

}  // namespace iocp_migrate
