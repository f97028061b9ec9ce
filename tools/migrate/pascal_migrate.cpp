// Pascal units, programs and packages: uses clauses (with comments, {$IFDEF}s and in 'path'
// parts), type names, and what the server's event handlers call.
#include <algorithm>
#include <map>
#include <set>

#include "branches.h"
#include "indy_names.h"
#include "migrate.h"
#include "pascal_lexer.h"
#include "pascal_scopes.h"

namespace iocp_migrate {

namespace {

constexpr std::size_t npos = static_cast<std::size_t>(-1);

class PascalFile {
 public:
  PascalFile(const std::string& bytes, const Options& options, const ProjectFacts& facts, const std::string& base)
      : text_(bytes), src_(text_.bytes()), options_(options), facts_(facts), toks_(lexPascal(src_)),
        scopes_(src_, toks_) {
    const auto it = facts.removedComponents.find(base);
    if (it != facts.removedComponents.end()) removed_ = it->second;
    base_ = base;
  }

  FileResult run();

 private:
  // Indy's kind of a unit this one uses; a server component of the project's own (a
  // TIdCustomTCPServer subclass named like Indy's units: IdModBusServer) is not Indy's.
  IndyUnit unitKind(const std::string& name) const {
    return facts_.ownServerUnits.count(lowerAscii(name)) ? IndyUnit::NotIndy : classifyUnit(name);
  }
  struct Item {
    std::size_t first = 0, last = 0;  // Raw token indexes.
    std::string name;
    // The conditional branches ({$IFDEF}/{$ELSE} inside the clause) the unit is listed in:
    // (directive token, branch number) from the outermost in.
    Branch branch;
  };
  struct Clause {
    std::size_t keyword = 0, semicolon = 0;  // Raw token indexes.
    bool packages = false;                   // A .dpk "requires" clause.
    std::vector<Item> items;
  };

  std::string tok(std::size_t k) const { return src_.substr(toks_[k].pos, toks_[k].len); }
  bool isSym(std::size_t k, const char* s) const { return k < toks_.size() && toks_[k].kind == PasTok::Symbol && tok(k) == s; }
  bool isWord(std::size_t k, const char* w) const { return k < toks_.size() && toks_[k].kind == PasTok::Ident && equalsNoCase(tok(k), w); }
  std::size_t nextSig(std::size_t k) const {
    for (std::size_t j = k + 1; j < toks_.size(); ++j)
      if (toks_[j].kind != PasTok::Comment && toks_[j].kind != PasTok::Directive) return j;
    return npos;
  }
  std::size_t prevSig(std::size_t k) const {
    for (std::size_t j = k; j-- > 0;)
      if (toks_[j].kind != PasTok::Comment && toks_[j].kind != PasTok::Directive) return j;
    return npos;
  }
  bool directiveBetween(std::size_t a, std::size_t b) const {
    for (std::size_t j = a + 1; j < b && j < toks_.size(); ++j)
      if (toks_[j].kind == PasTok::Directive) return true;
    return false;
  }
  std::size_t endOf(std::size_t k) const { return toks_[k].pos + toks_[k].len; }
  int line(std::size_t k) const { return text_.lineOf(toks_[k].pos); }
  void warn(std::size_t k, std::string msg) { result_.warnings.push_back({line(k), std::move(msg)}); }

  void parseClauses();
  void removeDeletedFields();
  void planUses();
  void removeItems(const Clause& c, const std::vector<bool>& removed);
  void renameIdentifiers();
  void scanHandlers();
  void markTypeBodies();
  void scanBody(std::size_t from, std::size_t to, const std::string& handler);
  bool indyReceiver(std::size_t q) const;
  bool holdsServerObject(std::size_t k) const;
  bool indyObject(std::size_t k, const std::string& name) const;
  // Whole lines [from, to) if nothing else is on them, else the range itself.
  Edit removal(std::size_t from, std::size_t to) const;

  SourceText text_;
  const std::string& src_;
  const Options& options_;
  const ProjectFacts& facts_;
  std::vector<PasToken> toks_;
  PascalScopes scopes_;  // What a name means where it is written (a field named like a unit ...).
  std::vector<Clause> clauses_;
  std::vector<bool> inClause_;  // Per raw token.
  std::vector<bool> inType_;    // Per raw token: inside a type's body (class ... end).
  bool mixed_ = false;          // Also uses Indy units the IOCP bridge does not replace (clients).
  bool serverUnit_ = false;     // Uses Indy's (or already our) server units.
  bool replacedGlobal_ = false; // IdGlobal or IdComponent was replaced.
  bool otherServer_ = false;    // Also uses other Indy servers (TIdHTTPServer ...).
  bool schedulerTypesUsed_ = true;  // The unit names a scheduler type outside deleted fields.
  bool tlsMoved_ = false;            // A TLS server IOHandler of its form moved onto the server.
  bool tlsInCode_ = false;           // The unit makes Indy's OpenSSL server IOHandler in code.
  bool tlsTypesUsed_ = true;         // The unit names a TLS type outside deleted fields (a client's).
  std::set<std::size_t> deletedFieldTypes_;  // Class-name tokens of the fields removed with their objects.
  std::set<std::string> replacedUnits_;  // Lower case.
  std::set<std::string> removed_;        // Components deleted from this unit's form.
  std::string base_;                     // The path without extension (its form's too).
  FileResult result_;
};

void PascalFile::parseClauses() {
  inClause_.assign(toks_.size(), false);
  for (std::size_t k = 0; k < toks_.size(); ++k) {
    if (toks_[k].kind != PasTok::Ident) continue;
    const bool packages = isWord(k, "requires");
    if (!isWord(k, "uses") && !packages && !isWord(k, "contains")) continue;
    const std::size_t before = prevSig(k);
    if (before != npos && isSym(before, ".")) continue;
    Clause c;
    c.keyword = k;
    c.packages = packages;
    std::size_t j = nextSig(k);
    bool ok = false;
    while (j != npos && toks_[j].kind == PasTok::Ident) {
      Item item;
      item.first = j;
      item.name = tok(j);
      item.last = j;
      for (std::size_t d = nextSig(j); d != npos && isSym(d, "."); d = nextSig(j)) {
        const std::size_t part = nextSig(d);
        if (part == npos || toks_[part].kind != PasTok::Ident) break;
        item.name += "." + tok(part);
        item.last = j = part;
      }
      std::size_t after = nextSig(item.last);
      if (after != npos && isWord(after, "in")) {
        const std::size_t path = nextSig(after);
        if (path == npos || toks_[path].kind != PasTok::String) break;
        item.last = path;
        after = nextSig(path);
      }
      c.items.push_back(item);
      if (after != npos && isSym(after, ",")) {
        j = nextSig(after);
        continue;
      }
      if (after != npos && isSym(after, ";")) {
        c.semicolon = after;
        ok = true;
      }
      break;
    }
    if (!ok || c.items.empty()) continue;  // Not a clause we understand: left alone.
    Branch open;
    std::size_t next = 0;
    for (std::size_t m = c.keyword; m <= c.semicolon && next < c.items.size(); ++m) {
      if (m == c.items[next].first) c.items[next++].branch = open;
      if (toks_[m].kind != PasTok::Directive) continue;
      std::string d = lowerAscii(tok(m).substr(tok(m)[0] == '{' ? 2 : 3));
      d = d.substr(0, d.find_first_of(" \t\r\n}*"));
      if (d == "ifdef" || d == "ifndef" || d == "if" || d == "ifopt") open.emplace_back(m, 0);
      else if ((d == "else" || d == "elseif") && !open.empty()) ++open.back().second;
      else if ((d == "endif" || d == "ifend") && !open.empty()) open.pop_back();
    }
    for (std::size_t m = c.keyword; m <= c.semicolon; ++m) inClause_[m] = true;
    clauses_.push_back(std::move(c));
    k = clauses_.back().semicolon;
  }
}

Edit PascalFile::removal(std::size_t from, std::size_t to) const {
  std::size_t end = to;
  while (end < src_.size() && (src_[end] == ' ' || src_[end] == '\t')) ++end;
  const std::size_t ls = text_.lineStart(from);
  bool blankBefore = true;
  for (std::size_t p = ls; p < from; ++p)
    if (src_[p] != ' ' && src_[p] != '\t') blankBefore = false;
  const bool atEol = end >= src_.size() || src_[end] == '\n' ||
                     (src_[end] == '\r' && end + 1 < src_.size() && src_[end + 1] == '\n');
  if (blankBefore && atEol) return Edit{ls, text_.nextLine(end) - ls, ""};
  // Last on its line: the blanks before it go too (not those an earlier edit takes).
  std::size_t floor = ls;
  for (const auto& e : result_.edits)
    if (e.pos + e.len <= from) floor = std::max(floor, e.pos + e.len);
  std::size_t begin = from;
  if (atEol)
    while (begin > floor && (src_[begin - 1] == ' ' || src_[begin - 1] == '\t')) --begin;
  return Edit{begin, end - begin, ""};
}

void PascalFile::removeItems(const Clause& c, const std::vector<bool>& removed) {
  const std::size_t n = c.items.size();
  std::size_t lastKept = npos;
  for (std::size_t i = 0; i < n; ++i)
    if (!removed[i]) lastKept = i;
  if (lastKept == npos) {  // Every unit goes: the whole clause goes.
    result_.edits.push_back(removal(toks_[c.keyword].pos, endOf(c.semicolon)));
    return;
  }
  // Units followed by a kept one go with the comma after them; neighbours separated by blanks
  // only go as one range, so that the blanks between them go too.
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  for (std::size_t i = 0; i < lastKept; ++i) {
    if (!removed[i]) continue;
    const Item& it = c.items[i];
    const std::size_t comma = nextSig(it.last);
    if (directiveBetween(it.last, comma)) {
      warn(it.first, "the unit " + it.name + " is no longer needed; remove it from this uses clause by hand "
                     "(a compiler directive stands between it and its comma)");
      continue;
    }
    const std::size_t from = toks_[it.first].pos, to = endOf(comma);
    bool blanks = !ranges.empty();
    for (std::size_t p = ranges.empty() ? 0 : ranges.back().second; blanks && p < from; ++p)
      blanks = src_[p] == ' ' || src_[p] == '\t' || src_[p] == '\r' || src_[p] == '\n';
    if (blanks) ranges.back().second = to;
    else ranges.emplace_back(from, to);
  }
  for (const auto& r : ranges) result_.edits.push_back(removal(r.first, r.second));
  if (lastKept + 1 < n) {  // A trailing run: from the comma after the last unit kept.
    const std::size_t comma = nextSig(c.items[lastKept].last);
    const std::size_t last = c.items[n - 1].last;
    if (directiveBetween(comma, last + 1) || directiveBetween(c.items[lastKept].last, comma)) {
      warn(c.items[lastKept + 1].first, "the unit " + c.items[lastKept + 1].name +
                                            " is no longer needed; remove it from this uses clause by hand "
                                            "(compiler directives stand between the units)");
      return;
    }
    result_.edits.push_back(Edit{toks_[comma].pos, endOf(last) - toks_[comma].pos, ""});
  }
}

// Fields of components deleted from the form ("Name: TIdScheduler...;") go; the scheduler units
// go too when nothing else in the unit names a scheduler type.
void PascalFile::removeDeletedFields() {
  const auto moved = facts_.tlsMoved.find(base_);
  tlsMoved_ = moved != facts_.tlsMoved.end();
  std::set<std::size_t>& skipped = deletedFieldTypes_;
  if (!removed_.empty()) {
    for (std::size_t k = 0; k < toks_.size(); ++k) {
      if (toks_[k].kind != PasTok::Ident || inClause_[k] || !removed_.count(lowerAscii(tok(k)))) continue;
      const std::size_t colon = nextSig(k);
      if (colon == npos || !isSym(colon, ":")) continue;
      const std::size_t cls = nextSig(colon);
      if (cls == npos || toks_[cls].kind != PasTok::Ident) continue;
      const std::size_t semi = nextSig(cls);
      if (semi == npos || !isSym(semi, ";")) continue;
      result_.edits.push_back(removal(toks_[k].pos, endOf(semi)));
      skipped.insert(cls);
    }
    schedulerTypesUsed_ = false;
    for (std::size_t k = 0; k < toks_.size(); ++k) {
      if (toks_[k].kind != PasTok::Ident || inClause_[k] || skipped.count(k)) continue;
      const std::string l = lowerAscii(tok(k));
      for (const char* prefix : {"tidscheduler", "tidthread", "tidyarn", "tidtask"})
        if (l.rfind(prefix, 0) == 0) schedulerTypesUsed_ = true;
    }
  }
  // TLS set up in code: Indy's OpenSSL server IOHandler named outside the form's deleted fields.
  tlsInCode_ = false;
  if (!facts_.tlsForms.count(base_) && !options_.tlsTerminatedElsewhere)
    for (std::size_t k = 0; k < toks_.size() && !tlsInCode_; ++k)
      tlsInCode_ = toks_[k].kind == PasTok::Ident && !inClause_[k] && !skipped.count(k) &&
                   hasTlsServerIOHandlerInCode(tok(k));
  // Whether a TLS type the bridge does not take over is named outside the deleted fields (a
  // client's, or a server IOHandler that stays Indy's): then Indy's TLS units stay.
  if (!removed_.empty() || tlsInCode_) {
    tlsTypesUsed_ = false;
    for (std::size_t k = 0; k < toks_.size() && !tlsTypesUsed_; ++k)
      tlsTypesUsed_ = toks_[k].kind == PasTok::Ident && !inClause_[k] && !skipped.count(k) &&
                      isUntakenTlsType(tok(k), tlsInCode_);
  }
  if (!tlsMoved_) return;
  // The code that set the moved handler's options or events (FormCreate: Handler.SSLOptions.CertFile
  // := ..., Handler.OnGetPassword := ...) sets the server's now; any other use of the handler cannot
  // compile without it: said so.
  for (std::size_t k = 0; k < toks_.size(); ++k) {
    if (toks_[k].kind != PasTok::Ident || inClause_[k]) continue;
    const auto it = moved->second.find(lowerAscii(tok(k)));
    if (it == moved->second.end()) continue;
    const std::size_t dot = nextSig(k);
    if (dot == npos || !isSym(dot, ".")) continue;  // The field's own declaration (removed above).
    const std::size_t member = nextSig(dot);
    if (member != npos && (isWord(member, "SSLOptions") || isWord(member, "OnGetPassword") ||
                           isWord(member, "OnGetPasswordEx") || isWord(member, "OnVerifyPeer"))) {
      result_.edits.push_back(Edit{toks_[k].pos, toks_[k].len, it->second});
    } else {
      warn(k, tok(k) + " is gone (its SSLOptions are " + it->second + "'s now): this use of it has no counterpart "
              "on the IOCP server; rewrite it with " + it->second + ".SSLOptions");
    }
  }
}

void PascalFile::planUses() {
  std::set<std::string> present;  // Units that are not Indy's, lower case.
  for (const auto& c : clauses_) {
    for (const auto& it : c.items) {
      const IndyUnit kind = unitKind(it.name);
      if (c.packages) continue;
      // Indy's clients (in rename mode they stay Indy's) and protocols: the unit keeps Indy's shared units.
      if (kind == IndyUnit::Other || (kind == IndyUnit::Client && options_.mode == Mode::Rename)) mixed_ = true;
      if (kind == IndyUnit::Tls && !((tlsMoved_ || tlsInCode_) && !tlsTypesUsed_)) mixed_ = true;  // Indy's TLS stays.
      if (isOtherIndyServerUnit(it.name) && kind != IndyUnit::NotIndy) otherServer_ = true;
      if (kind == IndyUnit::Server) serverUnit_ = true;
      if (kind == IndyUnit::NotIndy) present.insert(lowerAscii(it.name));
    }
  }
  if (present.count("iocptcpserver") || present.count("iocpindycompat")) serverUnit_ = true;
  // Already migrated (a second run): the IdGlobal warnings hold as long as their cause does.
  bool idGlobal = false;
  for (const auto& c : clauses_)
    for (const auto& it : c.items) idGlobal = idGlobal || equalsNoCase(it.name, "IdGlobal");
  if (!idGlobal && (present.count("iocpglobal") || present.count("iocpindycompat"))) replacedGlobal_ = true;
  // Only a unit that declares, creates or handles a server is migrated: it names a server type
  // (TIdTCPServer, TIdCustomTCPServer, TIdContext, TIdServerContext) or its form holds a server.
  // Any other (a client, a helper on IdGlobal, a unit that lists Indy's server units but uses
  // none of their names) is left as it is and keeps compiling against Indy.
  bool packages = false, namesServer = false;
  for (const auto& c : clauses_) packages = packages || c.packages;
  for (std::size_t k = 0; k < toks_.size() && !namesServer; ++k)
    if (toks_[k].kind == PasTok::Ident && !inClause_[k])
      for (const char* t : {"TIdTCPServer", "TIdCustomTCPServer", "TIdContext", "TIdServerContext"})
        namesServer = namesServer || equalsNoCase(tok(k), t);
  const bool migrated = present.count("iocptcpserver") || present.count("iocpindycompat") ||
                        present.count("iocpglobal") || present.count("iocpiohandler");
  if (!packages && !migrated && !namesServer && !facts_.serverForms.count(base_)) {
    serverUnit_ = false;
    return;
  }
  // A server unit that makes a TLS server IOHandler in code (names TIdServerIOHandlerSSLOpenSSL
  // or another TIdServerIOHandler...SSL/TLS class; a form's link to one is the form's to report).
  // Indy's OpenSSL one has a counterpart in the IOCP units (the server takes its options when it
  // activates); any other would leave a plain-text server. (A client's TLS handler is the client's.)
  if (!facts_.tlsForms.count(base_))
    for (std::size_t k = 0; k < toks_.size(); ++k) {
      if (toks_[k].kind != PasTok::Ident || inClause_[k] || deletedFieldTypes_.count(k)) continue;
      if (!isTlsServerIOHandler(tok(k))) continue;
      if (hasTlsServerIOHandlerInCode(tok(k)) && !options_.tlsTerminatedElsewhere) continue;  // Below.
      result_.tlsServer = "the server unit makes a " + tok(k) + " (TLS set up in code)";
      if (options_.tlsTerminatedElsewhere)
        warn(k, tlsMigratedWarning(tok(k)));
      else
        result_.refused = tlsRefusal(result_.tlsServer);
      break;
    }
  // TLS set up in code (Indy's OpenSSL server IOHandler, or ours on a second run) where nothing
  // in the unit sets PassThrough: plain text, as Indy's server was; said so.
  if (tlsInCode_ || (!tlsMoved_ && !facts_.tlsForms.count(base_) && !options_.tlsTerminatedElsewhere)) {
    std::size_t made = npos;
    bool passThrough = false;
    for (std::size_t k = 0; k < toks_.size(); ++k) {
      if (toks_[k].kind != PasTok::Ident || inClause_[k] || deletedFieldTypes_.count(k)) continue;
      if (equalsNoCase(tok(k), "PassThrough")) passThrough = true;
      if (made == npos && (hasTlsServerIOHandlerInCode(tok(k)) || equalsNoCase(tok(k), "TIocpServerIOHandlerSSL")))
        made = k;
    }
    if (made != npos && !passThrough) warn(made, tlsInCodeWarning());
  }
  const bool compat = options_.mode == Mode::Compat;
  if (compat && mixed_ && serverUnit_)
    warn(clauses_.front().keyword,
         "this unit also uses Indy units the IOCP bridge does not replace (clients or protocols); "
         "IocpIndyCompat's Indy names (TIdIOHandler, TIdTCPConnection, EIdException ...) hide Indy's own "
         "here: prefer --mode rename for this unit");
  if (!compat && otherServer_ && serverUnit_)
    warn(clauses_.front().keyword,
         "this unit also has Indy servers the IOCP bridge does not replace (HTTP, command ...): IdContext, "
         "IdCustomTCPServer and TIdContext stay Indy's here; write TIocpContext in the migrated server's handlers");
  // Where each IOCP unit was put: the branch it is in (a unit listed unconditionally, or in an
  // enclosing branch, covers the units after it in the same branch).
  Placements placed;
  for (const auto& u : present) placed.put(u, {});
  bool oursBeforeIndy = !mixed_ || compat;  // Mixed units get IocpGlobal/IocpIOHandler before Indy's.
  for (std::size_t ci = 0; ci < clauses_.size(); ++ci) {
    const Clause& c = clauses_[ci];
    if (c.packages) {
      bool indy = false, ours = false;
      for (const auto& it : c.items) {
        if (lowerAscii(it.name).rfind("indy", 0) == 0) indy = true;
        if (equalsNoCase(it.name, "IocpBridge")) ours = true;
      }
      if (indy && !ours) {  // After the last package, on a line of its own if that one has one.
        const std::size_t last = c.items.back().first;
        const std::size_t prev = prevSig(last);
        const bool ownLine = prev != npos && text_.lineOf(toks_[prev].pos) != line(last);
        result_.edits.push_back(Edit{endOf(c.items.back().last), 0,
                                     ownLine ? "," + text_.eol() + text_.indentAt(toks_[last].pos) + "IocpBridge"
                                             : ", IocpBridge"});
      }
      continue;
    }
    // Unconditional units first, so that a conditional duplicate goes rather than them.
    std::vector<std::size_t> order(c.items.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return c.items[a].branch.size() < c.items[b].branch.size();
    });
    std::vector<bool> removed(c.items.size(), false);
    for (std::size_t i : order) {
      const Item& it = c.items[i];
      const IndyUnit kind = unitKind(it.name);
      const bool keptForOtherServers =
          otherServer_ && (equalsNoCase(it.name, "IdContext") || equalsNoCase(it.name, "IdCustomTCPServer"));
      std::string target;
      bool replace = false;
      if (compat) {
        replace = kind == IndyUnit::Server || kind == IndyUnit::Shared || kind == IndyUnit::Component ||
                  kind == IndyUnit::Client;
        target = "IocpIndyCompat";
      } else if (keptForOtherServers) {
        replace = false;
      } else if (kind == IndyUnit::Server || ((kind == IndyUnit::Shared || kind == IndyUnit::Component) && !mixed_)) {
        replace = true;
        target = renameUnitFor(it.name);
      }
      if (kind == IndyUnit::Scheduler && options_.removeSchedulers && !schedulerTypesUsed_) {
        replace = true;
        target.clear();
      }
      // TLS units (and the server IOHandler's base unit) are kept (a client's TLS) unless the
      // server's TLS IOHandler moved onto the server, or is made in code (IocpTCPServer has its
      // counterpart), and no other TLS is left.
      const bool tlsMapped = tlsMoved_ || tlsInCode_;
      if (kind == IndyUnit::Tls || (equalsNoCase(it.name, "IdServerIOHandler") && tlsMapped)) {
        replace = tlsMapped && !tlsTypesUsed_;
        target = replace ? renameUnitFor(it.name) : std::string();
      }
      if (!replace) continue;
      replacedUnits_.insert(lowerAscii(it.name));
      if (equalsNoCase(it.name, "IdGlobal") || equalsNoCase(it.name, "IdComponent")) replacedGlobal_ = true;
      if (target.empty() || placed.covered(lowerAscii(target), it.branch)) {
        removed[i] = true;
        continue;
      }
      placed.put(lowerAscii(target), it.branch);
      result_.edits.push_back(Edit{toks_[it.first].pos, endOf(it.last) - toks_[it.first].pos, target});
    }
    // A unit that keeps Indy's shared units: IocpGlobal and IocpIOHandler before Indy's, so that
    // Indy's names stay what they were and ours can be written qualified (IocpGlobal.EId...).
    // (A state: said again on a later run, when the unit already uses the bridge's units.)
    if (!oursBeforeIndy && (!replacedUnits_.empty() || migrated) && !result_.needsIndyTypes) {
      result_.needsIndyTypes = true;
      warn(c.keyword, "this unit keeps Indy's units beside the bridge's: its project needs the conditional define "
                      "IOCP_INDY_TYPES, with which the bridge's units take Indy's own TIdBytes, IIdTextEncoding, "
                      "TIdStatus and exceptions (the tool adds it to a .dproj or .lpi that lists this unit)");
    }
    if (!oursBeforeIndy && !replacedUnits_.empty()) {
      for (const auto& it : c.items) {
        if (unitKind(it.name) == IndyUnit::NotIndy || !it.branch.empty()) continue;
        std::string add;
        for (const char* u : {"IocpGlobal", "IocpIOHandler"})
          if (!placed.covered(lowerAscii(u), {})) {
            add += std::string(u) + ", ";
            placed.put(lowerAscii(u), {});
          }
        if (!add.empty()) result_.edits.push_back(Edit{toks_[it.first].pos, 0, add});
        oursBeforeIndy = true;
        break;
      }
    }
    removeItems(c, removed);
  }
}

void PascalFile::renameIdentifiers() {
  const bool rename = options_.mode == Mode::Rename;
  std::set<std::string> told;  // One warning per name and kind.
  auto once = [&](const std::string& key) { return told.insert(lowerAscii(key)).second; };
  for (std::size_t k = 0; k < toks_.size(); ++k) {
    if (toks_[k].kind != PasTok::Ident || inClause_[k]) continue;
    const std::string name = tok(k);
    const std::size_t before = prevSig(k), after = nextSig(k);
    // After a replaced unit's name (IdTCPServer.TIdTCPServer) a name is a type, not a member.
    const std::size_t qualifier = before != npos && isSym(before, ".") ? prevSig(before) : npos;
    const bool unitQualified = qualifier != npos && toks_[qualifier].kind == PasTok::Ident &&
                               replacedUnits_.count(lowerAscii(tok(qualifier))) &&
                               !scopes_.declaredAt(qualifier, tok(qualifier));
    const bool member = before != npos && isSym(before, ".") && !unitQualified;
    if (serverUnit_ && !member) {  // TIdYarnOfThread(AContext.Yarn).Thread: no thread to give.
      const std::string yarn = yarnCastWarning(name);
      if (!yarn.empty() && once("yarn:" + name)) warn(k, yarn);
    }
    if (rename && !member && serverUnit_) {
      bool shared = false;
      // Pascal has Indy's base class too (with its virtuals): a TIdCustomTCPServer subclass keeps
      // its overrides (InitComponent, DoExecute ...) on TIocpCustomTCPServer.
      std::string ours = equalsNoCase(name, "TIdCustomTCPServer") ? "TIocpCustomTCPServer" : renameTypeFor(name, &shared);
      // A TLS server IOHandler is ours only where the unit's code makes it (TLS set up in code);
      // a form's (moved, or terminated elsewhere) keeps its Indy class with its form.
      if (isTlsServerIOHandler(name) && !tlsInCode_) ours.clear();
      if (!ours.empty()) {
        // Where other Indy servers stay, only TIdTCPServer itself is renamed.
        const bool keptForOtherServers = otherServer_ && !equalsNoCase(name, "TIdTCPServer");
        // In a unit that keeps Indy's clients, Indy's TIdIOHandler stays Indy's, except where a
        // declaration is shown to hold the server's (IO := AContext.Connection.IOHandler).
        if ((!shared || !mixed_ || holdsServerObject(k)) && !keptForOtherServers)
          result_.edits.push_back(Edit{toks_[k].pos, toks_[k].len, ours});
        else if (!equalsNoCase(ours, name) && once("shared:" + name))  // A name of both: nothing to say.
          warn(k, name + " stays Indy's here: this unit also uses Indy units the IOCP bridge does not replace, and "
                         "nothing here assigns it from the migrated server's objects; where it holds them (a "
                         "parameter given AContext.Connection ...), write " + ours);
        continue;
      }
      // A unit-qualified name: IdContext.TIdContext -> IocpTCPServer.TIocpContext.
      // (Not where the unit's own declarations hide the unit: a field IdTCPServer: TIdTCPServer.)
      if (after != npos && isSym(after, ".") && replacedUnits_.count(lowerAscii(name)) && !scopes_.declaredAt(k, name)) {
        const std::string unit = renameUnitFor(name);
        if (!unit.empty()) result_.edits.push_back(Edit{toks_[k].pos, toks_[k].len, unit});
        continue;
      }
    }
    if (replacedGlobal_ && !member && once("glob:" + name)) {
      const std::string gap = idGlobalGap(name);
      if (!gap.empty())
        warn(k, name + " is Indy's IdGlobal routine the IOCP units do not provide (" + gap + "; see "
                       "component/pascal/INDY-MEMBERS.md): replace it, or put IdGlobal back in the uses clause "
                       "before the IOCP units");
    }
    // A member after an Indy object's dot, or without one inside "with <Indy object> do".
    bool indyMember = serverUnit_ && member && indyReceiver(qualifier);
    if (serverUnit_ && !member && !inType_[k])
      for (const std::string& o : scopes_.withObjectsAt(k)) indyMember = indyMember || indyObject(k, o);
    if (indyMember) {
      const std::string hint = missingMemberHint(name);
      if (!hint.empty())
        warn(k, name + " is an Indy member the IOCP component does not have (" + hint +
                    "; see component/pascal/INDY-MEMBERS.md)");
    }
  }
}

// Whether the type written at raw token k (TIdIOHandler, TIdTCPConnection ...) holds the
// migrated server's objects: a parameter of a context's constructor (its list has a yarn), or a
// declaration ("IO, Conn: TIdIOHandler") that the code assigns from a server object: an
// expression that starts with a name of a server type (AContext of TIdContext, or a context
// class declared here on it) or with a cast to one.
bool PascalFile::holdsServerObject(std::size_t k) const {
  // A parameter of a context's constructor (Indy's: AConnection: TIdTCPConnection; AYarn:
  // TIdYarn; AList ...): the parameter list with a yarn in it is the server's.
  int depth = 0;
  std::size_t open = npos;
  for (std::size_t j = prevSig(k); j != npos; j = prevSig(j)) {
    if (isSym(j, ")")) ++depth;
    else if (isSym(j, "(") && depth-- == 0) {
      open = j;
      break;
    } else if (depth == 0 && (isWord(j, "begin") || isWord(j, "end") || isWord(j, "var") || isWord(j, "type"))) {
      break;
    }
  }
  if (open != npos) {
    depth = 0;
    for (std::size_t j = nextSig(open); j != npos; j = nextSig(j)) {
      if (isSym(j, "(")) ++depth;
      else if (isSym(j, ")") && depth-- == 0) break;
      else if (isWord(j, "TIdYarn") || isWord(j, "TIocpYarn")) return true;
    }
  }
  std::size_t j = prevSig(k);
  if (j == npos || !isSym(j, ":")) return false;
  std::vector<std::string> names;
  for (j = prevSig(j); j != npos && toks_[j].kind == PasTok::Ident; j = prevSig(j)) {
    names.push_back(lowerAscii(tok(j)));
    j = prevSig(j);
    if (j == npos || !isSym(j, ",")) break;
  }
  const std::string type = lowerAscii(tok(k));
  auto serverType = [&](const std::string& t) {
    for (const std::string& c : scopes_.lineage(t)) {
      bool shared = false;
      if (!renameTypeFor(c, &shared).empty() && !shared) return true;
      if (c == "tiocpcontext" || c == "tiocptcpserver" || c == "tiocpcustomtcpserver") return true;
    }
    return false;
  };
  const auto range = scopes_.scopeAt(k);
  for (std::size_t a = range.first; a <= range.second && a < toks_.size(); ++a) {
    if (toks_[a].kind != PasTok::Ident || !std::count(names.begin(), names.end(), lowerAscii(tok(a)))) continue;
    const std::size_t before = prevSig(a), assign = nextSig(a);
    if ((before != npos && isSym(before, ".")) || assign == npos || !isSym(assign, ":=")) continue;
    if (scopes_.typeAt(a, tok(a)) != type) continue;  // Another declaration of that name.
    const std::size_t r = nextSig(assign);
    if (r == npos || toks_[r].kind != PasTok::Ident) continue;
    const std::string first = lowerAscii(tok(r));
    if (serverType(scopes_.typeAt(r, first)) || serverType(first)) return true;
  }
  return false;
}

// Whether the object before ".Member" at token q is one of Indy's (so that its member is Indy's
// too): an Indy object's own member (AContext.Connection.IOHandler, .Socket, .Binding ...), or a
// name this unit declares with an Indy type. Other objects' members (Query.Open, List.Capacity)
// are not Indy's even where the names match.
bool PascalFile::indyReceiver(std::size_t q) const {
  return q != npos && toks_[q].kind == PasTok::Ident && indyObject(q, lowerAscii(tok(q)));
}

// Whether `name` (lower case; an identifier at or around token k) is one of Indy's objects.
bool PascalFile::indyObject(std::size_t k, const std::string& name) const {
  for (const char* m : {"iohandler", "connection", "socket", "binding", "bindings", "inputbuffer", "contexts",
                        "acontext", "athread", "aconnection"})
    if (name == m) return true;
  // A name declared with one of the server side's types (TIdTCPClient's members are its own).
  const std::string type = name.empty() ? std::string() : scopes_.typeAt(k, name);
  bool shared = false;
  return type.rfind("tiocp", 0) == 0 || !renameTypeFor(type, &shared).empty();
}

void PascalFile::scanBody(std::size_t from, std::size_t to, const std::string& handler) {
  for (std::size_t k = from; k != npos && k <= to; k = nextSig(k)) {
    if (toks_[k].kind != PasTok::Ident) continue;
    const std::size_t before = prevSig(k);
    std::string qualifier;
    if (before != npos && isSym(before, ".")) {
      const std::size_t q = prevSig(before);
      if (q != npos && toks_[q].kind == PasTok::Ident) qualifier = tok(q);
      if (qualifier.empty()) qualifier = ".";
    }
    const std::string msg = handlerCallWarning(tok(k), qualifier, handler);
    if (!msg.empty()) warn(k, msg);
  }
}

// Marks the tokens of type bodies (T = class ... end, record, interface, object): the routine
// headers there are declarations, not definitions.
void PascalFile::markTypeBodies() {
  inType_.assign(toks_.size(), false);
  for (std::size_t k = 0; k < toks_.size(); ++k) {
    if (!(isWord(k, "class") || isWord(k, "record") || isWord(k, "interface") || isWord(k, "object") ||
          isWord(k, "dispinterface")))
      continue;
    std::size_t before = prevSig(k);
    if (before != npos && isWord(before, "packed")) before = prevSig(before);
    if (before == npos || !isSym(before, "=")) continue;
    std::size_t next = nextSig(k);
    if (next == npos || isWord(next, "of") || isSym(next, ";")) continue;  // class of T; forward.
    if (isSym(next, "(")) {  // Ancestors: class(TBase) may end right there.
      int depth = 0;
      for (; next != npos; next = nextSig(next)) {
        if (isSym(next, "(")) ++depth;
        if (isSym(next, ")") && --depth == 0) break;
      }
      if (next == npos) return;
      const std::size_t after = nextSig(next);
      if (after == npos || isSym(after, ";")) continue;
    }
    int depth = 1;
    std::size_t e = k;
    for (e = nextSig(k); e != npos; e = nextSig(e)) {
      if (isWord(e, "end") && --depth == 0) break;
      if ((isWord(e, "class") || isWord(e, "record") || isWord(e, "interface") || isWord(e, "object")) &&
          prevSig(e) != npos && isSym(prevSig(e), "=")) {
        const std::size_t n = nextSig(e);
        if (n != npos && !isWord(n, "of") && !isSym(n, ";")) ++depth;
      }
    }
    const std::size_t last = e == npos ? toks_.size() - 1 : e;
    for (std::size_t m = k; m <= last; ++m) inType_[m] = true;
    k = last;
  }
}

// A server context's type name (lower case): what a handler's parameter, or a context class's
// ancestor, is.
bool contextType(const std::string& lower) {
  return lower == "tidcontext" || lower == "tidservercontext" || lower == "tiocpcontext";
}

void PascalFile::scanHandlers() {
  markTypeBodies();
  std::size_t start = 0;
  for (std::size_t k = 0; k < toks_.size(); ++k)
    if (isWord(k, "implementation")) {
      start = k;
      break;
    }
  auto isRoutine = [&](std::size_t k) {
    if (!(isWord(k, "procedure") || isWord(k, "function") || isWord(k, "constructor") || isWord(k, "destructor")))
      return false;
    const std::size_t before = prevSig(k);
    return !(before != npos && (isSym(before, "=") || isSym(before, ":") || isWord(before, "reference")));  // Types.
  };
  for (std::size_t k = start; k < toks_.size(); ++k) {
    if (inType_[k] || !isRoutine(k)) continue;
    // The name: Ident(.Ident)*.
    std::size_t j = nextSig(k);
    if (j == npos || toks_[j].kind != PasTok::Ident) continue;
    std::string name = tok(j), shortName = tok(j);
    for (std::size_t d = nextSig(j); d != npos && isSym(d, "."); d = nextSig(j)) {
      const std::size_t part = nextSig(d);
      if (part == npos || toks_[part].kind != PasTok::Ident) break;
      j = part;
      name += "." + tok(j);
      shortName = tok(j);
    }
    bool contextParam = false;
    std::size_t p = nextSig(j);
    if (p != npos && isSym(p, "(")) {
      int depth = 0;
      for (; p != npos; p = nextSig(p)) {
        if (isSym(p, "(")) ++depth;
        if (isSym(p, ")") && --depth == 0) break;
        // A parameter "AContext: TIdContext" (not a list of contexts).
        if (toks_[p].kind == PasTok::Ident && depth == 1 && isSym(prevSig(p), ":")) {
          const std::string w = lowerAscii(tok(p));
          const std::size_t after = nextSig(p);
          if (contextType(w) && after != npos &&
              (isSym(after, ")") || isSym(after, ";")))
            contextParam = true;
        }
      }
    }
    if (p == npos) return;
    // A method of a context class of the unit's own (TMyContext.ReadRequest): it runs on the
    // connection too, called from the handlers (not its constructor and destructor: the server's).
    bool contextMethod = false;
    if (name != shortName && !isWord(k, "constructor") && !isWord(k, "destructor"))
      for (const std::string& c : scopes_.lineage(lowerAscii(name.substr(0, name.rfind('.')))))
        contextMethod = contextMethod || contextType(c);
    // Where other Indy servers stay, their handlers take TIdContext too: only the forms say which.
    if ((!(contextParam || contextMethod) || otherServer_) && !facts_.serverHandlers.count(lowerAscii(shortName)))
      continue;
    // The body: the first begin/asm that no nested routine claims; nested routines' bodies are
    // scanned too (the handler calls them).
    int nested = 0;
    for (std::size_t b = nextSig(p); b != npos; b = nextSig(b)) {
      if (isWord(b, "forward") || isWord(b, "external")) break;
      if (isRoutine(b)) ++nested;
      if (isWord(b, "begin") || isWord(b, "asm")) {
        int depth = 0;
        std::size_t e = b;
        for (; e != npos; e = nextSig(e)) {
          if (isWord(e, "begin") || isWord(e, "case") || isWord(e, "try") || isWord(e, "asm")) ++depth;
          if (isWord(e, "end") && --depth <= 0) break;
        }
        if (e == npos) break;
        if (nested > 0) {  // A nested routine's body.
          --nested;
          b = e;
          continue;
        }
        scanBody(nextSig(p), e, name);
        k = e;
        break;
      }
    }
  }
}

FileResult PascalFile::run() {
  parseClauses();
  removeDeletedFields();
  planUses();
  markTypeBodies();
  renameIdentifiers();
  if (serverUnit_ || !facts_.serverHandlers.empty()) scanHandlers();
  std::stable_sort(result_.warnings.begin(), result_.warnings.end(),
                   [](const Warning& a, const Warning& b) { return a.line < b.line; });
  return std::move(result_);
}

}  // namespace

std::vector<std::string> pascalUsedUnits(const std::string& bytes) {
  const std::vector<PasToken> toks = lexPascal(bytes);
  const std::vector<std::size_t> sig = significant(toks);
  auto text = [&](std::size_t i) { return bytes.substr(toks[sig[i]].pos, toks[sig[i]].len); };
  auto kind = [&](std::size_t i) { return toks[sig[i]].kind; };
  std::vector<std::string> out;
  for (std::size_t i = 0; i < sig.size(); ++i) {
    if (kind(i) != PasTok::Ident || !equalsNoCase(text(i), "uses") || (i > 0 && text(i - 1) == ".")) continue;
    std::size_t j = i + 1;
    while (j < sig.size() && kind(j) == PasTok::Ident) {
      std::string name = text(j);
      while (j + 2 < sig.size() && text(j + 1) == "." && kind(j + 2) == PasTok::Ident) {
        name += "." + text(j + 2);
        j += 2;
      }
      ++j;
      if (j + 1 < sig.size() && equalsNoCase(text(j), "in") && kind(j + 1) == PasTok::String) {
        std::string path = text(j + 1);
        if (path.size() >= 2 && path.front() == '\'' && path.back() == '\'') path = path.substr(1, path.size() - 2);
        name = path;
        j += 2;
      }
      out.push_back(name);
      if (j < sig.size() && text(j) == ",") {
        ++j;
        continue;
      }
      break;
    }
    i = j;
  }
  return out;
}

FileResult migratePascal(const std::string& bytes, const Options& options, const ProjectFacts& facts,
                         const std::string& base) {
  PascalFile file(bytes, options, facts, base);
  return file.run();
}

}  // namespace iocp_migrate
