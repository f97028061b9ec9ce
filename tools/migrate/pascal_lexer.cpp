#include "pascal_lexer.h"

namespace iocp_migrate {

namespace {
bool identStart(unsigned char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80; }
bool identChar(unsigned char c) { return identStart(c) || (c >= '0' && c <= '9'); }
bool digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool hexDigit(unsigned char c) { return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
}  // namespace

std::vector<PasToken> lexPascal(const std::string& s) {
  std::vector<PasToken> out;
  const std::size_t n = s.size();
  std::size_t i = 0;
  auto at = [&](std::size_t k) -> unsigned char { return k < n ? static_cast<unsigned char>(s[k]) : 0; };
  while (i < n) {
    const unsigned char c = at(i);
    const std::size_t b = i;
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == 0) {
      ++i;
      continue;
    }
    if (c == '{') {
      std::size_t e = s.find('}', i + 1);
      i = e == std::string::npos ? n : e + 1;
      out.push_back({at(b + 1) == '$' ? PasTok::Directive : PasTok::Comment, b, i - b});
    } else if (c == '(' && at(i + 1) == '*') {
      std::size_t e = s.find("*)", i + 2);
      i = e == std::string::npos ? n : e + 2;
      out.push_back({at(b + 2) == '$' ? PasTok::Directive : PasTok::Comment, b, i - b});
    } else if (c == '/' && at(i + 1) == '/') {
      while (i < n && s[i] != '\n' && s[i] != '\r') ++i;
      out.push_back({PasTok::Comment, b, i - b});
    } else if (c == '\'' || c == '#') {
      i = pascalStringEnd(s, i);
      out.push_back({PasTok::String, b, i - b});
    } else if (identStart(c) || (c == '&' && identStart(at(i + 1)))) {
      ++i;
      while (identChar(at(i))) ++i;
      out.push_back({PasTok::Ident, b, i - b});
    } else if (digit(c) || (c == '$' && hexDigit(at(i + 1))) || (c == '%' && (at(i + 1) == '0' || at(i + 1) == '1'))) {
      ++i;
      while (hexDigit(at(i)) || at(i) == '_' || (at(i) == '.' && digit(at(i + 1))) ||
             ((at(i) == '+' || at(i) == '-') && (at(i - 1) == 'e' || at(i - 1) == 'E') && digit(at(b))))
        ++i;
      out.push_back({PasTok::Number, b, i - b});
    } else {
      ++i;
      // Two-character symbols.
      if ((c == ':' && at(i) == '=') || (c == '.' && at(i) == '.') || (c == '<' && (at(i) == '=' || at(i) == '>')) ||
          (c == '>' && at(i) == '='))
        ++i;
      out.push_back({PasTok::Symbol, b, i - b});
    }
  }
  return out;
}

std::size_t pascalStringEnd(const std::string& s, std::size_t i) {
  const std::size_t n = s.size();
  auto at = [&](std::size_t k) -> unsigned char { return k < n ? static_cast<unsigned char>(s[k]) : 0; };
  while (i < n) {
    if (at(i) == '\'' && at(i + 1) == '\'' && at(i + 2) == '\'') {
      // Delphi 12's multi-line string: ''' at the end of a line, up to a line starting with '''.
      std::size_t e = i + 3;
      while (e < n && (s[e] == ' ' || s[e] == '\t')) ++e;
      if (e >= n || s[e] == '\r' || s[e] == '\n') {
        for (std::size_t line = s.find('\n', e); line != std::string::npos; line = s.find('\n', line + 1)) {
          std::size_t c = line + 1;
          while (c < n && (s[c] == ' ' || s[c] == '\t')) ++c;
          if (s.compare(c, 3, "'''") == 0) return c + 3;
        }
        return n;
      }
    }
    if (at(i) == '\'') {
      ++i;
      while (i < n && s[i] != '\n' && s[i] != '\r') {
        if (s[i] == '\'') {
          if (at(i + 1) == '\'') {
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        ++i;
      }
    } else if (at(i) == '#') {
      ++i;
      if (at(i) == '$') {
        ++i;
        while (hexDigit(at(i))) ++i;
      } else {
        while (digit(at(i))) ++i;
      }
    } else {
      break;
    }
  }
  return i;
}

std::vector<std::size_t> significant(const std::vector<PasToken>& tokens) {
  std::vector<std::size_t> out;
  out.reserve(tokens.size());
  for (std::size_t k = 0; k < tokens.size(); ++k)
    if (tokens[k].kind != PasTok::Comment && tokens[k].kind != PasTok::Directive) out.push_back(k);
  return out;
}

}  // namespace iocp_migrate
