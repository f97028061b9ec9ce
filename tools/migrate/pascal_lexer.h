// A Delphi / Free Pascal tokenizer for the migration: identifiers, strings, numbers, symbols,
// comments and compiler directives, each with its byte range. It never fails: an unterminated
// comment or string ends at the end of the file (or of the line, for strings).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace iocp_migrate {

enum class PasTok { Ident, String, Number, Symbol, Comment, Directive };

struct PasToken {
  PasTok kind;
  std::size_t pos;
  std::size_t len;
};

std::vector<PasToken> lexPascal(const std::string& src);

// The end of a string constant starting at i ('quoted''parts' and #nnn / #$hh characters in any
// sequence, as in Pascal source and text forms); a quoted part ends at the end of its line,
// except Delphi 12's multi-line ''' strings.
std::size_t pascalStringEnd(const std::string& src, std::size_t i);

// The significant tokens (no comments, no directives) as indexes into lexPascal's result.
std::vector<std::size_t> significant(const std::vector<PasToken>& tokens);

}  // namespace iocp_migrate
