#include "pascal_scopes.h"

#include <algorithm>

#include "source_text.h"

namespace iocp_migrate {

namespace {
constexpr std::size_t npos = static_cast<std::size_t>(-1);

bool oneOf(const std::string& w, std::initializer_list<const char*> words) {
  for (const char* x : words)
    if (w == x) return true;
  return false;
}
bool routineWord(const std::string& w) {
  return oneOf(w, {"procedure", "function", "constructor", "destructor", "operator"});
}
bool sectionWord(const std::string& w) {
  return oneOf(w, {"var", "const", "type", "threadvar", "resourcestring", "label"});
}
bool typeKindWord(const std::string& w) {
  return oneOf(w, {"class", "record", "object", "interface", "dispinterface"});
}
bool blockWord(const std::string& w) { return oneOf(w, {"begin", "try", "case", "asm"}); }
}  // namespace

PascalScopes::PascalScopes(const std::string& src, const std::vector<PasToken>& tokens)
    : src_(src), toks_(tokens), sig_(significant(tokens)) {
  bool interfacePart = false;
  std::size_t i = 0;
  while (i < sig_.size()) {
    const std::string w = word(i);
    const bool afterEquals = i > 0 && sym(i - 1, "=");
    if (w == "interface" && !afterEquals) interfacePart = true;
    if (w == "implementation") interfacePart = false;
    if (sectionWord(w)) {
      i = parseDeclarations(i + 1, unitNames_);
      continue;
    }
    if (w == "class" && i + 1 < sig_.size() && routineWord(word(i + 1))) {
      ++i;
      continue;
    }
    if (routineWord(w) && !(i > 0 && (sym(i - 1, "=") || sym(i - 1, ":")))) {
      if (interfacePart) {  // A declaration: the name is the unit's.
        if (i + 1 < sig_.size() && ident(i + 1)) unitNames_[word(i + 1)];
        while (i < sig_.size() && !sym(i, ";")) ++i;
        continue;
      }
      i = parseRoutine(i, -1);
      continue;
    }
    if (w == "begin" || w == "initialization" || w == "finalization") {  // A program's or unit's own code.
      const std::size_t e = w == "begin" ? matchingEnd(i) : npos;
      const std::size_t last = e == npos ? sig_.size() - 1 : e;
      parseWiths(i, last);
      i = last + 1;
      continue;
    }
    ++i;
  }
}

std::string PascalScopes::word(std::size_t i) const {
  if (i >= sig_.size()) return std::string();
  const PasToken& t = toks_[sig_[i]];
  return lowerAscii(src_.substr(t.pos, t.len));
}
bool PascalScopes::sym(std::size_t i, const char* s) const {
  if (i >= sig_.size()) return false;
  const PasToken& t = toks_[sig_[i]];
  return t.kind == PasTok::Symbol && src_.compare(t.pos, t.len, s) == 0;
}
bool PascalScopes::is(std::size_t i, const char* w) const {
  return i < sig_.size() && toks_[sig_[i]].kind == PasTok::Ident && word(i) == w;
}
std::size_t PascalScopes::identList(std::size_t i, std::vector<std::string>& names) const {
  names.push_back(word(i));
  std::size_t t = i + 1;
  while (sym(t, ",") && ident(t + 1)) {
    names.push_back(word(t + 1));
    t += 2;
  }
  return t;
}

bool PascalScopes::ident(std::size_t i) const { return i < sig_.size() && toks_[sig_[i]].kind == PasTok::Ident; }

std::size_t PascalScopes::matchingEnd(std::size_t i) const {
  int depth = 0;
  for (std::size_t j = i; j < sig_.size(); ++j) {
    const std::string w = ident(j) ? word(j) : std::string();
    if (blockWord(w) || (w == "record" && j > 0 && (sym(j - 1, ":") || sym(j - 1, "=")))) ++depth;
    if (w == "end" && --depth == 0) return j;
  }
  return npos;
}

std::size_t PascalScopes::parseType(std::size_t i) {
  // i: the type kind; the name is before "=" (and "packed").
  std::size_t n = i;
  if (n > 0 && is(n - 1, "packed")) --n;
  const std::string name = n >= 2 && sym(n - 1, "=") && ident(n - 2) ? word(n - 2) : std::string();
  std::size_t j = i + 1;
  if (sym(j, ";") || is(j, "of")) return j;  // Forward declaration; class of T.
  ClassInfo info;
  if (sym(j, "(")) {
    if (ident(j + 1)) info.ancestor = word(j + 1);
    while (j < sig_.size() && !sym(j, ")")) ++j;
    ++j;
    if (sym(j, ";")) {  // TFoo = class(TBar); without a body.
      if (!name.empty()) classes_[name] = info;
      return j;
    }
  }
  // The body: statements at depth 1 (fields "A, B: T;", methods, properties) up to its "end".
  int depth = 1;
  bool start = true;
  for (; j < sig_.size(); ++j) {
    const std::string w = ident(j) ? word(j) : std::string();
    if (w == "end" && --depth == 0) break;
    if ((w == "record" || w == "class" || w == "object") && (sym(j - 1, ":") || sym(j - 1, "=")) &&
        !sym(j + 1, ";") && !is(j + 1, "of")) {
      ++depth;  // A nested type or a field of record type.
      continue;
    }
    if (sym(j, ";")) {
      start = true;
      continue;
    }
    if (!start || depth != 1) continue;
    if (oneOf(w, {"private", "protected", "public", "published", "strict", "automated", "class"})) continue;
    start = false;
    if (routineWord(w) || w == "property") {
      if (ident(j + 1)) {
        std::string type;
        if (w == "property") {
          std::size_t t = j + 2;
          if (sym(t, "[")) {  // Index parameters.
            while (t < sig_.size() && !sym(t, "]")) ++t;
            ++t;
          }
          if (sym(t, ":") && ident(t + 1)) type = word(t + 1);
        }
        info.members[word(j + 1)] = type;
      }
      // Skip the parameter list, whose ";" are not the statement's.
      int paren = 0;
      for (; j < sig_.size(); ++j) {
        if (sym(j, "(") || sym(j, "[")) ++paren;
        if (sym(j, ")") || sym(j, "]")) --paren;
        if (paren == 0 && sym(j, ";")) break;
      }
      start = true;
      continue;
    }
    if (!ident(j)) continue;
    std::vector<std::string> names;
    const std::size_t t = identList(j, names);
    if (sym(t, ":")) {
      const std::string type = ident(t + 1) ? word(t + 1) : std::string();
      for (const auto& f : names) info.members[f] = type;
      j = t;  // A record/class type after ":" is counted by the depth rule above.
    }
  }
  if (!name.empty()) classes_[name] = info;
  return j + 1;
}

std::size_t PascalScopes::parseDeclarations(std::size_t i, std::map<std::string, std::string>& into) {
  while (i < sig_.size()) {
    const std::string w = word(i);
    if (!ident(i) || sectionWord(w) || routineWord(w) ||
        oneOf(w, {"begin", "implementation", "initialization", "finalization", "end", "class", "uses",
                  "exports", "asm", "interface"}))
      return i;
    std::vector<std::string> names;
    std::size_t t = identList(i, names);
    std::string type;
    if (sym(t, ":") && ident(t + 1)) type = word(t + 1);
    if (!sym(t, ":") && !sym(t, "=")) return t;  // Not a declaration: the section has ended.
    for (const auto& n : names) into[n] = type;
    // To the declaration's ";" (a type's body is parsed for its members).
    int paren = 0;
    for (t = t + 1; t < sig_.size(); ++t) {
      const std::string x = ident(t) ? word(t) : std::string();
      if (sym(t, "(") || sym(t, "[")) ++paren;
      if (sym(t, ")") || sym(t, "]")) --paren;
      if (paren == 0 && typeKindWord(x) && (sym(t - 1, "=") || sym(t - 1, ":") || is(t - 1, "packed"))) {
        t = parseType(t);
        if (sym(t, ";")) break;
        continue;
      }
      if (paren == 0 && sym(t, ";")) break;
    }
    i = t + 1;
  }
  return i;
}

std::size_t PascalScopes::parseRoutine(std::size_t i, int parent) {
  Routine r;
  r.first = sig_[i];
  r.parent = parent;
  std::size_t j = i + 1;
  std::vector<std::string> parts;
  while (ident(j)) {
    parts.push_back(word(j));
    if (!sym(j + 1, ".")) break;
    j += 2;
  }
  if (parts.size() >= 2) r.ownerClass = parts[parts.size() - 2];
  ++j;
  if (sym(j, "(")) {  // Parameters: groups "[const|var|out] A, B: T" separated by ";".
    int paren = 0;
    bool start = true;
    for (; j < sig_.size(); ++j) {
      if (sym(j, "(")) {
        ++paren;
        continue;
      }
      if (sym(j, ")") && --paren == 0) break;
      if (paren != 1) continue;
      if (sym(j, ";")) {
        start = true;
        continue;
      }
      if (!start || !ident(j) || oneOf(word(j), {"const", "var", "out", "constref"})) continue;
      start = false;
      std::vector<std::string> names;
      const std::size_t t = identList(j, names);
      const std::string type = sym(t, ":") && ident(t + 1) ? word(t + 1) : std::string();
      for (const auto& n : names) r.locals[n] = type;
      j = t;
    }
    ++j;
  }
  while (j < sig_.size() && !sym(j, ";")) ++j;  // The result type.
  const int self = static_cast<int>(routines_.size());
  routines_.push_back(r);
  // Directives, then the declarations and nested routines, then the body.
  for (++j; j < sig_.size();) {
    const std::string w = word(j);
    if (oneOf(w, {"forward", "external"})) {  // No body here.
      while (j < sig_.size() && !sym(j, ";")) ++j;
      routines_[self].last = j < sig_.size() ? sig_[j] : toks_.size() - 1;
      return j + 1;
    }
    if (sectionWord(w)) {
      std::map<std::string, std::string> locals;
      j = parseDeclarations(j + 1, locals);
      routines_[self].locals.insert(locals.begin(), locals.end());
      continue;
    }
    if (routineWord(w)) {
      if (ident(j + 1)) routines_[self].locals[word(j + 1)];
      j = parseRoutine(j, self);
      continue;
    }
    if (w == "begin" || w == "asm") {
      const std::size_t e = matchingEnd(j);
      const std::size_t last = e == npos ? sig_.size() - 1 : e;
      routines_[self].last = sig_[last];
      parseWiths(j, last);
      return last + 1;
    }
    ++j;  // A directive (overload; inline; ...) or its ";".
  }
  routines_[self].last = toks_.size() - 1;
  return j;
}

void PascalScopes::parseWiths(std::size_t from, std::size_t to) {
  for (std::size_t i = from; i <= to && i < sig_.size(); ++i) {
    if (!is(i, "with")) continue;
    With w;
    std::size_t j = i + 1;
    int paren = 0;
    std::size_t exprStart = j;
    for (; j <= to; ++j) {
      if (sym(j, "(") || sym(j, "[")) ++paren;
      if (sym(j, ")") || sym(j, "]")) --paren;
      if (paren == 0 && (sym(j, ",") || is(j, "do"))) {
        w.objects.push_back(j == exprStart + 1 && ident(exprStart) ? word(exprStart) : std::string());
        w.lastIdents.push_back(j > exprStart && ident(j - 1) ? word(j - 1) : std::string());
        exprStart = j + 1;
        if (is(j, "do")) break;
      }
    }
    if (j > to) return;
    const std::size_t body = j + 1;
    std::size_t last = body;
    if (body < sig_.size() && blockWord(word(body))) {
      const std::size_t e = matchingEnd(body);
      last = e == npos ? to : e;
    } else {  // One statement: to the ";" or the end of the block around it.
      int depth = 0;
      for (last = body; last <= to; ++last) {
        const std::string x = ident(last) ? word(last) : std::string();
        if (blockWord(x)) ++depth;
        if (x == "end" && depth-- == 0) break;
        if (depth == 0 && (sym(last, ";") || oneOf(x, {"else", "until", "except", "finally"}))) break;
      }
      if (last > body) --last;
    }
    w.first = sig_[body];
    w.last = sig_[std::min(last, sig_.size() - 1)];
    withs_.push_back(w);
  }
}

bool PascalScopes::member(const std::string& cls, const std::string& name) const {
  std::string c = cls;
  for (int guard = 0; guard < 32 && !c.empty(); ++guard) {
    const auto it = classes_.find(c);
    if (it == classes_.end()) return false;
    if (it->second.members.count(name)) return true;
    c = it->second.ancestor;
  }
  return false;
}

std::string PascalScopes::typeOf(const std::string& name, int routine) const {
  std::string owner;
  for (int r = routine; r >= 0; r = routines_[r].parent) {
    const auto it = routines_[r].locals.find(name);
    if (it != routines_[r].locals.end()) return it->second;
    if (owner.empty()) owner = routines_[r].ownerClass;
  }
  for (std::string c = owner; !c.empty();) {
    const auto it = classes_.find(c);
    if (it == classes_.end()) break;
    const auto m = it->second.members.find(name);
    if (m != it->second.members.end()) return m->second;
    c = it->second.ancestor;
  }
  const auto it = unitNames_.find(name);
  return it != unitNames_.end() ? it->second : std::string();
}

int PascalScopes::routineAt(std::size_t k) const {
  int routine = -1;
  for (std::size_t r = 0; r < routines_.size(); ++r)
    if (routines_[r].first <= k && k <= routines_[r].last &&
        (routine < 0 || routines_[r].first >= routines_[routine].first))
      routine = static_cast<int>(r);
  return routine;
}

std::pair<std::size_t, std::size_t> PascalScopes::scopeAt(std::size_t k) const {
  const int r = routineAt(k);
  if (r >= 0) return {routines_[r].first, routines_[r].last};
  return {0, toks_.empty() ? 0 : toks_.size() - 1};
}

std::vector<std::string> PascalScopes::lineage(const std::string& type) const {
  std::vector<std::string> chain;
  for (std::string c = type; !c.empty() && chain.size() < 32;) {
    chain.push_back(c);
    const auto it = classes_.find(c);
    if (it == classes_.end()) break;
    c = it->second.ancestor;
  }
  return chain;
}

std::string PascalScopes::typeAt(std::size_t k, const std::string& name) const {
  return typeOf(lowerAscii(name), routineAt(k));
}

std::vector<const PascalScopes::With*> PascalScopes::withsAround(std::size_t k) const {
  std::vector<const With*> around;
  for (const auto& w : withs_)
    if (w.first <= k && k <= w.last) around.push_back(&w);
  std::sort(around.begin(), around.end(), [](const With* a, const With* b) { return a->first > b->first; });
  return around;
}

std::vector<std::string> PascalScopes::withObjectsAt(std::size_t k) const {
  const std::vector<const With*> around = withsAround(k);
  std::vector<std::string> out;
  for (const With* w : around) out.insert(out.end(), w->lastIdents.rbegin(), w->lastIdents.rend());
  return out;
}

bool PascalScopes::declaredAt(std::size_t k, const std::string& rawName) const {
  const std::string name = lowerAscii(rawName);
  const int routine = routineAt(k);
  // The objects of enclosing with statements, innermost first (a later object of one with too).
  const std::vector<const With*> around = withsAround(k);
  for (const With* w : around)
    for (auto o = w->objects.rbegin(); o != w->objects.rend(); ++o)
      if (!o->empty() && member(typeOf(*o, routine), name)) return true;
  std::string owner;
  for (int r = routine; r >= 0; r = routines_[r].parent) {
    if (routines_[r].locals.count(name)) return true;
    if (owner.empty()) owner = routines_[r].ownerClass;
  }
  if (!owner.empty() && member(owner, name)) return true;
  return unitNames_.count(name) > 0;
}

}  // namespace iocp_migrate
