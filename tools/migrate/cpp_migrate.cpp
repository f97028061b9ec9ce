// C++Builder sources: Indy's server headers become IocpIndyCompat.h (the component's header with
// Indy's names), type names are renamed (rename mode), and the server's handlers are checked for
// calls that do not suit a fiber.
#include <algorithm>
#include <set>

#include "branches.h"
#include "indy_names.h"
#include "migrate.h"

namespace iocp_migrate {

namespace {

enum class CTok { Ident, Literal, Symbol, Include, PragmaLink, If, Else, EndIf };

struct CToken {
  CTok kind;
  std::size_t pos, len;
  std::string header;  // #include: the file named; #pragma link: the unit named.
};

bool identStart(unsigned char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80; }
bool identChar(unsigned char c) { return identStart(c) || (c >= '0' && c <= '9'); }

// Comments and other preprocessor lines are dropped; #include lines are one token.
std::vector<CToken> lexCpp(const std::string& s) {
  std::vector<CToken> out;
  const std::size_t n = s.size();
  std::size_t i = s.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // A UTF-8 byte-order mark.
  bool lineStart = true;
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\n') {
      lineStart = true;
      ++i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' || c == 0) {
      ++i;
      continue;
    }
    const std::size_t b = i;
    if (c == '/' && i + 1 < n && s[i + 1] == '/') {
      while (i < n && s[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      std::size_t e = s.find("*/", i + 2);
      i = e == std::string::npos ? n : e + 2;
      continue;
    }
    if (c == '#' && lineStart) {  // A preprocessor line (with its continuations).
      while (i < n && s[i] != '\n') {
        if (s[i] == '\\' && i + 1 < n && (s[i + 1] == '\n' || s[i + 1] == '\r')) {
          i += (s[i + 1] == '\r' && i + 2 < n && s[i + 2] == '\n') ? 3 : 2;
          continue;
        }
        if (s[i] == '/' && i + 1 < n && (s[i + 1] == '/' || s[i + 1] == '*')) break;
        ++i;
      }
      std::size_t e = i;
      while (e > b && (s[e - 1] == '\r' || s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
      std::size_t k = b + 1;
      while (k < e && (s[k] == ' ' || s[k] == '\t')) ++k;
      auto directive = [&](const char* d) {
        const std::size_t len = std::char_traits<char>::length(d);
        return s.compare(k, len, d) == 0 && (k + len >= e || !identChar(static_cast<unsigned char>(s[k + len])));
      };
      if (directive("if") || directive("ifdef") || directive("ifndef")) out.push_back({CTok::If, b, e - b, {}});
      else if (directive("else") || directive("elif")) out.push_back({CTok::Else, b, e - b, {}});
      else if (directive("endif")) out.push_back({CTok::EndIf, b, e - b, {}});
      else if (directive("pragma")) {
        std::size_t q = s.find("link", k + 6);
        const std::size_t open = s.find('"', k);
        if (q != std::string::npos && q < e && open != std::string::npos && open < e) {
          const std::size_t close = s.find('"', open + 1);
          if (close != std::string::npos && close < e)
            out.push_back({CTok::PragmaLink, b, e - b, s.substr(open + 1, close - open - 1)});
        }
      }
      if (s.compare(k, 7, "include") == 0) {
        k += 7;
        while (k < e && (s[k] == ' ' || s[k] == '\t')) ++k;
        if (k < e && (s[k] == '<' || s[k] == '"')) {
          const char close = s[k] == '<' ? '>' : '"';
          const std::size_t h = s.find(close, k + 1);
          if (h != std::string::npos && h < e) out.push_back({CTok::Include, b, e - b, s.substr(k + 1, h - k - 1)});
        }
      }
      lineStart = false;
      continue;
    }
    lineStart = false;
    if (c == '"' || c == '\'') {
      ++i;
      while (i < n && s[i] != static_cast<char>(c) && s[i] != '\n') i += (s[i] == '\\' && i + 1 < n) ? 2 : 1;
      if (i < n && s[i] == static_cast<char>(c)) ++i;
      out.push_back({CTok::Literal, b, i - b, {}});
    } else if (identStart(c)) {
      while (i < n && identChar(static_cast<unsigned char>(s[i]))) ++i;
      out.push_back({CTok::Ident, b, i - b, {}});
    } else if (c >= '0' && c <= '9') {
      while (i < n && (identChar(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
      out.push_back({CTok::Literal, b, i - b, {}});
    } else {
      ++i;
      if ((c == ':' && i < n && s[i] == ':') || (c == '-' && i < n && s[i] == '>')) ++i;
      out.push_back({CTok::Symbol, b, i - b, {}});
    }
  }
  return out;
}

std::string unitOfHeader(const std::string& header) {
  std::string h = header;
  const std::size_t slash = h.find_last_of("/\\");
  if (slash != std::string::npos) h = h.substr(slash + 1);
  const std::size_t dot = h.rfind('.');
  if (dot == std::string::npos) return "";
  const std::string ext = lowerAscii(h.substr(dot));
  if (ext != ".hpp" && ext != ".h") return "";
  return h.substr(0, dot);
}

}  // namespace

FileResult migrateCpp(const std::string& bytes, const Options& options, ProjectFacts& facts,
                      const std::string& base, bool formUnit) {
  FileResult r;
  SourceText text(bytes);
  const std::string& s = text.bytes();
  const std::vector<CToken> toks = lexCpp(s);
  auto str = [&](std::size_t k) { return s.substr(toks[k].pos, toks[k].len); };
  auto isSym = [&](std::size_t k, const char* x) { return k < toks.size() && toks[k].kind == CTok::Symbol && str(k) == x; };
  const bool compat = options.mode == Mode::Compat;
  // A unit with a form streams the Delphi component (the IocpBridge package's generated header);
  // a plain unit uses the C++ component through IocpIndyCompat.h.
  const std::string header = formUnit ? (compat ? "IocpIndyCompat.hpp" : "IocpTCPServer.hpp") : "IocpIndyCompat.h";
  const std::string linked = compat ? "IocpIndyCompat" : "IocpTCPServer";

  bool mixed = false, client = false, serverUnit = facts.cppServerUnits.count(base) > 0 || facts.serverForms.count(base) > 0;
  for (const auto& t : toks) {
    if (t.kind != CTok::Include) continue;
    const std::string unit = unitOfHeader(t.header);
    const IndyUnit kind = classifyUnit(unit);
    if (kind == IndyUnit::Other) mixed = true;
    if (kind == IndyUnit::Client || kind == IndyUnit::Other) client = true;
    if (kind == IndyUnit::Server || equalsNoCase(unit, "IocpIndyCompat") || equalsNoCase(unit, "IocpTCPServer"))
      serverUnit = true;
  }
  if (serverUnit) facts.cppServerUnits.insert(base);  // The .cpp of this .h (same name) is one too.
  // A unit that neither declares, creates nor handles a server but uses Indy's clients is left
  // as it is: it keeps compiling against Indy.
  if (!serverUnit && client) return r;
  // A server unit that makes a TLS server IOHandler in code (TIdServerIOHandlerSSLOpenSSL ...; a
  // form's link to one is the form's to report). Indy's OpenSSL one has a counterpart in the
  // component (IocpSSL.h's TIocpServerIOHandlerSSL, taken by the server at activation; connections
  // plain until PassThrough = false, as in Indy); any other would leave a plain-text server.
  bool tlsInCode = false;
  if (serverUnit && !facts.tlsForms.count(base))
    for (std::size_t k = 0; k < toks.size(); ++k) {
      const CToken& t = toks[k];
      if (t.kind != CTok::Ident) continue;
      const std::string name = bytes.substr(t.pos, t.len);
      if (!isTlsServerIOHandler(name)) continue;
      if (hasTlsServerIOHandlerInCode(name) && !options.tlsTerminatedElsewhere) {
        tlsInCode = true;
        continue;
      }
      r.tlsServer = "the server unit makes a " + name + " (TLS set up in code)";
      if (options.tlsTerminatedElsewhere) {
        r.warnings.push_back({text.lineOf(t.pos), tlsMigratedWarning(name)});
      } else {
        r.refused = tlsRefusal(r.tlsServer);
        return r;
      }
      break;
    }
  // TLS set up in code: Indy's TLS headers go too unless another TLS type (a client's) is named;
  // where the IOHandler is made (new ...) in a file that never sets PassThrough, the server speaks
  // plain text, as Indy's did: said so.
  // (On a second run the IOHandler made is already ours, TIocpServerIOHandlerSSL: the same warning.)
  bool otherTls = false;
  if (serverUnit && !facts.tlsForms.count(base) && !options.tlsTerminatedElsewhere) {
    bool passThrough = false;
    std::size_t made = toks.size();
    for (std::size_t k = 0; k < toks.size(); ++k) {
      if (toks[k].kind != CTok::Ident) continue;
      const std::string name = bytes.substr(toks[k].pos, toks[k].len);
      if (isUntakenTlsType(name, tlsInCode)) otherTls = true;
      if (equalsNoCase(name, "PassThrough")) passThrough = true;
      if (made == toks.size() && k > 0 && toks[k - 1].kind == CTok::Ident &&
          bytes.substr(toks[k - 1].pos, toks[k - 1].len) == "new" &&
          (hasTlsServerIOHandlerInCode(name) || equalsNoCase(name, "TIocpServerIOHandlerSSL")))
        made = k;
    }
    if (made != toks.size() && !passThrough) r.warnings.push_back({text.lineOf(toks[made].pos), tlsInCodeWarning()});
  }
  if (mixed && serverUnit)
    r.warnings.push_back({0, "this unit also includes Indy headers the IOCP bridge does not replace (clients or "
                             "protocols): " + header + "'s Indy names may clash with Indy's own here"});
  // Includes (and the IDE's #pragma link lines) of Indy's server units: the first in each
  // #if branch becomes ours, the others go.
  Branch open;
  Placements placed;
  for (std::size_t k = 0; k < toks.size(); ++k) {
    const CToken& t = toks[k];
    if (t.kind == CTok::If) open.emplace_back(k, 0);
    if (t.kind == CTok::Else && !open.empty()) ++open.back().second;
    if (t.kind == CTok::EndIf && !open.empty()) open.pop_back();
    if (t.kind != CTok::Include && t.kind != CTok::PragmaLink) continue;
    const std::string unit = t.kind == CTok::Include ? unitOfHeader(t.header) : t.header;
    if (t.kind == CTok::Include && (equalsNoCase(unit, "IocpIndyCompat") || equalsNoCase(unit, "IocpTCPServer")))
      placed.put("include", open);
    if (t.kind == CTok::PragmaLink && (equalsNoCase(unit, "IocpIndyCompat") || equalsNoCase(unit, "IocpTCPServer")))
      placed.put("link", open);
    const IndyUnit kind = classifyUnit(unit);
    const bool replace = kind == IndyUnit::Server ||
                         ((kind == IndyUnit::Shared || kind == IndyUnit::Component) && (compat || !mixed)) ||
                         (kind == IndyUnit::Client && compat) || (kind == IndyUnit::Tls && tlsInCode && !otherTls);
    if (!replace) continue;
    const std::string what = t.kind == CTok::Include ? "include" : "link";
    if (!placed.covered(what, open)) {
      placed.put(what, open);
      r.edits.push_back(Edit{t.pos, t.len, t.kind == CTok::Include ? "#include <" + header + ">"
                                                                    : "#pragma link \"" + linked + "\""});
    } else {
      const std::size_t from = text.lineStart(t.pos);
      r.edits.push_back(Edit{from, text.nextLine(t.pos) - from, ""});
    }
  }

  std::set<std::string> told;
  for (std::size_t k = 0; k < toks.size(); ++k) {
    if (toks[k].kind != CTok::Ident) continue;
    const std::string name = str(k);
    const bool member = k > 0 && (isSym(k - 1, "->") || isSym(k - 1, "."));
    if (!compat && serverUnit && !member && !(k > 0 && isSym(k - 1, "::"))) {
      bool shared = false;
      std::string ours = renameTypeFor(name, &shared);
      if (isTlsServerIOHandler(name) && !tlsInCode) ours.clear();  // A form's keeps its Indy class.
      if (!ours.empty()) {
        if (!shared || !mixed) r.edits.push_back(Edit{toks[k].pos, toks[k].len, ours});
        else if (told.insert(name).second)
          r.warnings.push_back({text.lineOf(toks[k].pos), name + " stays Indy's here (this unit also includes Indy's "
                                                          "client headers); where it holds a server connection's object write " + ours});
        continue;
      }
    }
    if (serverUnit && !member) {  // static_cast<TIdYarnOfThread*>(AContext->Yarn)->Thread.
      const std::string yarn = yarnCastWarning(name);
      if (!yarn.empty() && told.insert("yarn:" + name).second)
        r.warnings.push_back({text.lineOf(toks[k].pos), yarn});
    }
    if (serverUnit && member) {
      const std::string hint = missingMemberHint(name);
      if (!hint.empty())
        r.warnings.push_back({text.lineOf(toks[k].pos), name + " is an Indy member the IOCP component does not have (" +
                                                            hint + "; see component/pascal/INDY-MEMBERS.md)"});
    }
  }

  // Handlers: a function definition with a TIdContext* parameter, or named by a form's event.
  {
    for (std::size_t k = 0; k + 1 < toks.size(); ++k) {
      if (toks[k].kind != CTok::Ident || !isSym(k + 1, "(")) continue;
      std::string name = str(k);
      std::size_t head = k;
      if (k >= 2 && isSym(k - 1, "::") && toks[k - 2].kind == CTok::Ident) {
        name = str(k - 2) + "::" + name;
        head = k - 2;
      }
      // A definition has a return type (or __fastcall ...) before its name; a call or a
      // statement (if, for, while ...) does not.
      if (head == 0) continue;
      const std::size_t prev = head - 1;
      const bool typed = (toks[prev].kind == CTok::Ident && str(prev) != "return" && str(prev) != "else" &&
                          str(prev) != "new" && str(prev) != "delete" && str(prev) != "throw" && str(prev) != "case") ||
                         isSym(prev, "*") || isSym(prev, "&") || isSym(prev, ">");
      if (!typed) continue;
      std::size_t p = k + 1;
      int depth = 0;
      bool contextParam = false;
      for (; p < toks.size(); ++p) {
        if (isSym(p, "(")) ++depth;
        if (isSym(p, ")") && --depth == 0) break;
        // A parameter "TIdContext *AContext" (not a container of contexts).
        if (toks[p].kind == CTok::Ident && depth == 1 && (isSym(p - 1, "(") || isSym(p - 1, ",") ||
                                                          (toks[p - 1].kind == CTok::Ident && str(p - 1) == "const"))) {
          const std::string w = lowerAscii(str(p));
          if ((w == "tidcontext" || w == "tiocpcontext" || w == "tidservercontext") && isSym(p + 1, "*"))
            contextParam = true;
        }
      }
      if (p >= toks.size()) break;
      if (!contextParam && !facts.serverHandlers.count(lowerAscii(str(k)))) continue;
      std::size_t b = p + 1;
      while (b < toks.size() && toks[b].kind == CTok::Ident) ++b;  // const, override ...
      if (!isSym(b, "{")) continue;  // A declaration or a call.
      int braces = 0;
      for (std::size_t q = b; q < toks.size(); ++q) {
        if (isSym(q, "{")) ++braces;
        if (isSym(q, "}") && --braces == 0) {
          k = q;
          break;
        }
        if (toks[q].kind != CTok::Ident) continue;
        std::string qualifier;
        if (q >= 2 && (isSym(q - 1, "::") || isSym(q - 1, "->") || isSym(q - 1, ".")) && toks[q - 2].kind == CTok::Ident)
          qualifier = str(q - 2);
        else if (q >= 1 && (isSym(q - 1, "->") || isSym(q - 1, ".")))
          qualifier = ".";
        const std::string msg = handlerCallWarning(str(q), qualifier, name);
        if (!msg.empty()) r.warnings.push_back({text.lineOf(toks[q].pos), msg});
      }
    }
  }
  std::stable_sort(r.warnings.begin(), r.warnings.end(), [](const Warning& a, const Warning& b) { return a.line < b.line; });
  return r;
}

}  // namespace iocp_migrate
