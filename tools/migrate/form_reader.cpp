#include "form_reader.h"

#include <cctype>

#include "pascal_lexer.h"
#include "source_text.h"

namespace iocp_migrate {

namespace {

enum class FTok { Ident, String, Number, Symbol, Binary, End };

struct FToken {
  FTok kind;
  std::size_t pos, len;
};

class FormParser {
 public:
  explicit FormParser(const std::string& s) : s_(s), text_(s) { advance(); }

  FormReadResult run() {
    FormReadResult r;
    auto root = object(0);
    if (!failed_ && cur_.kind != FTok::End) fail("text after the form's last 'end'");
    if (failed_) {
      r.error = error_;
      return r;
    }
    r.root = std::move(root);
    return r;
  }

 private:
  static constexpr int kMaxDepth = 200;

  std::string str(const FToken& t) const { return s_.substr(t.pos, t.len); }
  bool word(const char* w) const { return cur_.kind == FTok::Ident && equalsNoCase(str(cur_), w); }
  bool sym(char c) const { return cur_.kind == FTok::Symbol && s_[cur_.pos] == c; }
  void fail(const std::string& what) {
    if (failed_) return;
    failed_ = true;
    error_ = "line " + std::to_string(text_.lineOf(std::min(cur_.pos, s_.size()))) + ": " + what;
  }
  std::string describe() const {
    if (cur_.kind == FTok::End) return "the end of the file";
    return "'" + str(cur_).substr(0, 40) + "'";
  }

  void advance() {
    const std::size_t n = s_.size();
    std::size_t i = pos_;
    while (i < n && (s_[i] == ' ' || s_[i] == '\t' || s_[i] == '\r' || s_[i] == '\n' || s_[i] == '\0')) ++i;
    // A UTF-8 byte-order mark before the first token.
    if (i == 0 && s_.compare(0, 3, "\xEF\xBB\xBF") == 0) {
      pos_ = 3;
      advance();
      return;
    }
    if (i >= n) {
      cur_ = {FTok::End, n, 0};
      pos_ = n;
      return;
    }
    const std::size_t b = i;
    const unsigned char c = static_cast<unsigned char>(s_[i]);
    auto identChar = [&](std::size_t k) {
      const unsigned char x = static_cast<unsigned char>(s_[k]);
      return (x >= 'A' && x <= 'Z') || (x >= 'a' && x <= 'z') || (x >= '0' && x <= '9') || x == '_' || x >= 0x80;
    };
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80) {
      // Dotted names are one token: IOHandlerOptions.IOCP.IOCPThreads, Owner.Component.
      while (i < n && (identChar(i) || (s_[i] == '.' && i + 1 < n && identChar(i + 1)))) ++i;
      cur_ = {FTok::Ident, b, i - b};
    } else if (c == '\'' || c == '#') {
      i = pascalStringEnd(s_, i);
      cur_ = {FTok::String, b, i - b};
    } else if ((c >= '0' && c <= '9') || c == '-' || c == '$') {
      ++i;
      while (i < n && (std::isalnum(static_cast<unsigned char>(s_[i])) || s_[i] == '.' || s_[i] == '+' ||
                       (s_[i] == '-' && (s_[i - 1] == 'e' || s_[i - 1] == 'E'))))
        ++i;
      cur_ = {FTok::Number, b, i - b};
    } else if (c == '{') {
      std::size_t e = s_.find('}', i + 1);
      i = e == std::string::npos ? n : e + 1;
      cur_ = {FTok::Binary, b, i - b};
      if (e == std::string::npos) {
        pos_ = i;
        fail("a binary value '{' without its '}'");
        cur_ = {FTok::End, n, 0};
        return;
      }
    } else {
      cur_ = {FTok::Symbol, b, 1};
      i = b + 1;
    }
    pos_ = i;
  }

  std::unique_ptr<FormObject> object(int depth) {
    if (depth > kMaxDepth) {
      fail("objects nested more than " + std::to_string(kMaxDepth) + " deep");
      return nullptr;
    }
    if (!(word("object") || word("inherited") || word("inline"))) {
      fail("expected 'object', 'inherited' or 'inline', found " + describe());
      return nullptr;
    }
    auto obj = std::make_unique<FormObject>();
    obj->keyword = lowerAscii(str(cur_));
    obj->begin = cur_.pos;
    advance();
    if (cur_.kind != FTok::Ident) {
      fail("expected the object's name, found " + describe());
      return nullptr;
    }
    std::string first = str(cur_);
    std::size_t firstPos = cur_.pos;
    advance();
    if (sym(':')) {
      advance();
      if (cur_.kind != FTok::Ident) {
        fail("expected a class name after ':', found " + describe());
        return nullptr;
      }
      obj->name = first;
      obj->className = str(cur_);
      obj->classBegin = cur_.pos;
      advance();
    } else {
      obj->className = first;  // "object TForm1" (old format, no name).
      obj->classBegin = firstPos;
    }
    if (sym('[')) {  // Creation order: object X: T [2]
      advance();
      if (cur_.kind == FTok::Number) advance();
      if (!sym(']')) {
        fail("expected ']' after the creation index, found " + describe());
        return nullptr;
      }
      advance();
    }
    while (!failed_) {
      if (word("end")) {
        obj->end = cur_.pos;
        advance();
        return obj;
      }
      if (word("object") || word("inherited") || word("inline")) {
        auto child = object(depth + 1);
        if (!child) return nullptr;
        obj->children.push_back(std::move(child));
        continue;
      }
      FormProperty p;
      if (!property(p, depth)) return nullptr;
      obj->properties.push_back(std::move(p));
    }
    return nullptr;
  }

  bool property(FormProperty& p, int depth) {
    if (cur_.kind != FTok::Ident) {
      fail("expected a property name, 'object' or 'end', found " + describe());
      return false;
    }
    p.name = str(cur_);
    p.begin = cur_.pos;
    advance();
    if (!sym('=')) {
      fail("expected '=' after " + p.name + ", found " + describe());
      return false;
    }
    advance();
    p.valueBegin = cur_.pos;
    if (!value(p, depth)) return false;
    p.end = lastEnd_;
    p.value = s_.substr(p.valueBegin, p.end - p.valueBegin);
    return true;
  }

  // Consumes one value; lastEnd_ = offset after it.
  bool value(FormProperty& p, int depth) {
    if (depth > kMaxDepth) {
      fail("values nested more than " + std::to_string(kMaxDepth) + " deep");
      return false;
    }
    auto take = [&] {
      lastEnd_ = cur_.pos + cur_.len;
      advance();
    };
    switch (cur_.kind) {
      case FTok::String:
        take();
        while (sym('+')) {  // 'a' + 'b', across lines.
          advance();
          if (cur_.kind != FTok::String) {
            fail("expected a string after '+', found " + describe());
            return false;
          }
          take();
        }
        return true;
      case FTok::Ident:
        if (word("end") || word("object") || word("inherited") || word("inline") || word("item")) break;
        take();
        return true;
      case FTok::Number:
      case FTok::Binary:
        take();
        return true;
      case FTok::End:
        fail("the file ends inside the value of " + p.name);
        return false;
      case FTok::Symbol:
        break;
    }
    if (sym('[')) {  // A set: [a, b].
      advance();
      while (!sym(']')) {
        if (cur_.kind != FTok::Ident && cur_.kind != FTok::Number) {
          fail("expected a set element or ']', found " + describe());
          return false;
        }
        advance();
        if (sym(',')) advance();
      }
      take();
      return true;
    }
    if (sym('(')) {  // A list: ('a' 'b') or (1 2).
      advance();
      while (!sym(')')) {
        if (cur_.kind == FTok::End || failed_) {
          fail("the file ends inside the list of " + p.name);
          return false;
        }
        FormProperty scratch;
        scratch.name = p.name;
        if (!value(scratch, depth + 1)) return false;
      }
      take();
      return true;
    }
    if (sym('<')) {  // A collection: < item ... end item ... end >.
      advance();
      while (!sym('>')) {
        if (!word("item")) {
          fail("expected 'item' or '>' in the collection " + p.name + ", found " + describe());
          return false;
        }
        advance();
        if (sym('[')) {
          advance();
          if (cur_.kind == FTok::Number) advance();
          if (!sym(']')) {
            fail("expected ']' after the item index, found " + describe());
            return false;
          }
          advance();
        }
        std::vector<FormProperty> item;
        while (!word("end")) {
          FormProperty q;
          if (!property(q, depth + 1)) return false;
          item.push_back(std::move(q));
        }
        advance();
        p.items.push_back(std::move(item));
      }
      take();
      return true;
    }
    fail("unexpected " + describe() + " as the value of " + p.name);
    return false;
  }

  const std::string& s_;
  SourceText text_;
  std::size_t pos_ = 0;
  FToken cur_{FTok::End, 0, 0};
  std::size_t lastEnd_ = 0;
  bool failed_ = false;
  std::string error_;
};

}  // namespace

bool isBinaryForm(const std::string& bytes) {
  if (bytes.compare(0, 4, "TPF0") == 0) return true;
  // A form saved as a resource: 0xFF, a type, a name ... then TPF0 within the first bytes.
  if (!bytes.empty() && static_cast<unsigned char>(bytes[0]) == 0xFF)
    return bytes.substr(0, 64).find("TPF0") != std::string::npos;
  return false;
}

FormReadResult readForm(const std::string& bytes) {
  FormParser parser(bytes);
  return parser.run();
}

}  // namespace iocp_migrate
