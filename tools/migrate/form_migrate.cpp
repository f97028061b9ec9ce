// Forms: every TIdTCPServer object becomes a TIocpTCPServer (rename mode) that loads: the
// properties our component lacks are taken out (and reported), --iocp writes the engine choice.
#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "form_reader.h"
#include "indy_names.h"
#include "pascal_lexer.h"
#include "migrate.h"

namespace iocp_migrate {

namespace {

bool isIndyServerClass(const std::string& c) {
  return equalsNoCase(c, "TIdTCPServer") || equalsNoCase(c, "TIdCustomTCPServer");
}

// Properties a TIocpTCPServer in a form keeps: Indy's that the inventory lists as ours
// (component/pascal/INDY-MEMBERS.md), except Scheduler (the engine schedules: the property and
// the scheduler object are the user's to drop, see removedPropertyWarning); TComponent's; and
// the component's own option groups.
bool supportedServerProperty(const std::string& name) {
  // IOHandler is public on the IOCP server, for code that makes one (TLS set up in code), not
  // published: a form's link to a server IOHandler goes (a TLS one's options move to SSLOptions).
  if (equalsNoCase(name, "Scheduler") || equalsNoCase(name, "IOHandler")) return false;
  for (const char* cls : {"TIdTCPServer", "TIdCustomTCPServer", "TIdComponent"})
    if (inventoryPresent(cls, name)) return true;
  static const char* const kNames[] = {"IdleTimeout", "UserTimeout", "OnHeartbeat", "Left", "Top", "Tag",
                                       "DesignInfo", "MaxConnectionReply",
                                       // The TLS IOHandler's events, moved onto the server.
                                       "OnGetPassword", "OnGetPasswordEx", "OnVerifyPeer"};
  for (const char* n : kNames)
    if (equalsNoCase(name, n)) return true;
  const std::string l = lowerAscii(name);
  for (const char* prefix : {"iohandleroptions.", "heartbeat.", "keepalive.", "framing.", "ssloptions."})
    if (l.rfind(prefix, 0) == 0) return true;
  return false;
}

std::string removedPropertyWarning(const std::string& object, const FormProperty& p) {
  const std::string l = lowerAscii(p.name);
  std::string value = p.value.substr(0, p.value.find_first_of("\r\n"));
  if (value.size() > 60 || value.size() < p.value.size()) value = value.substr(0, 60) + "...";
  const std::string what = object + "." + p.name + " = " + value + " removed: ";
  if (l == "scheduler")
    return what + "the IOCP server schedules its own connections (IOHandlerOptions.IOHandlerType: "
                  "iohDefault = a thread per connection, iohIOCP = the completion engine); the object " +
           p.value + " is left in the form: delete it if nothing else uses it (or run with --remove-schedulers)";
  if (l == "iohandler")
    return what + "the IOCP server has no server IOHandler (its sockets are the engine's); the object " + p.value +
           " is left in the form";
  if (l == "intercept")
    return what + "the IOCP server has no intercepts; move what " + p.value +
           " does into the event handlers (the object is left in the form)";
  if (l.rfind("maxconnectionreply.", 0) == 0)
    return what + "MaxConnectionReply is a string here (the line sent to a refused client): set it in code";
  return what + "TIocpTCPServer has no such property (see component/pascal/INDY-MEMBERS.md)";
}

class FormMigrator {
 public:
  FormMigrator(const std::string& bytes, const Options& options, ProjectFacts& facts, const std::string& base,
               const std::string& code)
      : text_(bytes), src_(text_.bytes()), options_(options), facts_(facts), base_(base), code_(code) {}

  FileResult run() {
    FormReadResult form = readForm(src_);
    if (!form.root) {
      result_.refused = "not a text form this tool can read (" + form.error + "); nothing changed";
      return std::move(result_);
    }
    if (options_.removeSchedulers) findUnusedSchedulers(*form.root);
    root_ = form.root.get();
    visit(*form.root);
    // A TLS server IOHandler in a form with a server (linked to it, or left there by an earlier
    // run with --tls-terminated-elsewhere): the server would speak plain text.
    if (facts_.serverForms.count(base_))
      for (const FormObject* o : tlsObjects_) {
        if (movedTls_.count(o)) continue;  // Its options are the server's now.
        const std::string what = "the form's " + o->name + " (" + o->className + ")";
        if (!linkedTls_.count(o)) tls_ += (tls_.empty() ? "" : "; ") + what;
        if (options_.tlsTerminatedElsewhere) result_.warnings.push_back({text_.lineOf(o->begin), tlsMigratedWarning(what)});
      }
    result_.tlsServer = tls_;
    if (!tls_.empty()) facts_.tlsForms.insert(base_);
    if (!tls_.empty() && !options_.tlsTerminatedElsewhere) {
      result_.edits.clear();
      result_.warnings.clear();
      result_.refused = tlsRefusal(tls_);
    }
    std::stable_sort(result_.warnings.begin(), result_.warnings.end(),
                     [](const Warning& a, const Warning& b) { return a.line < b.line; });
    return std::move(result_);
  }

 private:
  // Removes the property: its whole lines when nothing else is on them (as the IDE writes
  // forms), else just its text.
  void removeLines(const FormProperty& p) {
    const std::size_t from = text_.lineStart(p.begin);
    const std::size_t last = text_.lineEnd(p.end > p.begin ? p.end - 1 : p.end);
    auto blank = [&](std::size_t a, std::size_t b) {
      for (std::size_t i = a; i < b; ++i)
        if (src_[i] != ' ' && src_[i] != '\t') return false;
      return true;
    };
    if (blank(from, p.begin) && blank(p.end, last)) {
      const std::size_t to = text_.nextLine(last);
      result_.edits.push_back(Edit{from, to - from, ""});
    } else {
      std::size_t to = p.end;
      while (to < last && (src_[to] == ' ' || src_[to] == '\t')) ++to;
      result_.edits.push_back(Edit{p.begin, to - p.begin, ""});
    }
  }

  void setOption(FormObject& obj, const std::string& name, const std::string& value,
                 std::vector<std::string>& inserts) {
    for (const auto& p : obj.properties)
      if (equalsNoCase(p.name, name)) {
        if (p.value != value) result_.edits.push_back(Edit{p.valueBegin, p.end - p.valueBegin, value});
        return;
      }
    inserts.push_back(name + " = " + value);
  }

  static bool isScheduler(const std::string& className) {
    return lowerAscii(className).rfind("tidscheduler", 0) == 0;
  }

  // Scheduler objects that only servers' Scheduler properties (which go) point at.
  void findUnusedSchedulers(const FormObject& root) {
    std::vector<const FormObject*> all;
    std::function<void(const FormObject&)> walk = [&](const FormObject& o) {
      all.push_back(&o);
      for (const auto& c : o.children) walk(*c);
    };
    walk(root);
    std::set<std::string> used;
    for (const FormObject* o : all) {
      const bool server = isIndyServerClass(o->className) || equalsNoCase(o->className, "TIocpTCPServer");
      for (const auto& p : o->properties)
        if (!(server && equalsNoCase(p.name, "Scheduler"))) used.insert(lowerAscii(p.value));
    }
    // The unit's code names a field once (its declaration); more means code still uses it.
    std::map<std::string, int> named;
    const std::vector<PasToken> tokens = lexPascal(code_);
    for (const auto& t : tokens)
      if (t.kind == PasTok::Ident) ++named[lowerAscii(code_.substr(t.pos, t.len))];
    for (const FormObject* o : all) {
      if (!isScheduler(o->className) || o->keyword != "object" || o->name.empty() || used.count(lowerAscii(o->name)))
        continue;
      if (named[lowerAscii(o->name)] > 1) {
        result_.warnings.push_back({text_.lineOf(o->begin), o->name + " is kept (--remove-schedulers): the unit's "
                                                                      "code still uses it; delete it with that code"});
        continue;
      }
      unusedSchedulers_.push_back(o);
    }
  }

  void visit(FormObject& obj) {
    if (isTlsServerIOHandler(obj.className)) tlsObjects_.push_back(&obj);
    const bool indy = isIndyServerClass(obj.className);
    const bool ours = equalsNoCase(obj.className, "TIocpTCPServer");
    // A server component of the project's own on TIdCustomTCPServer (TIdModBusServer): a server
    // too, whose published properties are its own to keep.
    const bool own = facts_.ownServerClasses.count(lowerAscii(obj.className)) > 0;
    if (indy || ours || own) server(obj, indy, own);
    for (auto& child : obj.children) visit(*child);
    for (const FormObject* o : unusedSchedulers_)
      if (o == &obj) {
        const std::size_t from = text_.lineStart(obj.begin);
        result_.edits.push_back(Edit{from, text_.nextLine(obj.end) - from, ""});
        facts_.removedComponents[base_].insert(lowerAscii(obj.name));
        result_.warnings.push_back({text_.lineOf(obj.begin),
                                    obj.name + ": " + obj.className + " deleted (--remove-schedulers): no server uses it any more",
                                    true});
      }
  }

  // The object of this form named `name` (case-insensitive), or null.
  const FormObject* find(const FormObject& from, const std::string& name) const {
    if (equalsNoCase(from.name, name)) return &from;
    for (const auto& c : from.children)
      if (const FormObject* f = find(*c, name)) return f;
    return nullptr;
  }

  // A TLS server IOHandler of this form that served `server`: its SSLOptions and its events
  // (OnGetPassword, OnGetPasswordEx, OnVerifyPeer) become the server's (the lines to insert),
  // what has no counterpart is reported, the object goes
  // (its field with it, and the unit's code that sets its SSLOptions names the server instead).
  void moveTls(const FormObject& handler, const std::string& server, std::vector<std::string>& inserts) {
    inserts.push_back("SSLOptions.Enabled = True");
    static const char* const kSupported[] = {"RootCertFile", "CertFile", "KeyFile", "CipherList", "Method",
                                             "SSLVersions", "Mode", "VerifyMode", "VerifyDepth"};
    for (const auto& q : handler.properties) {
      const std::string l = lowerAscii(q.name);
      if (l == "left" || l == "top" || l == "designinfo" || l == "tag") continue;  // The designer's.
      const std::string value = src_.substr(q.valueBegin, q.end - q.valueBegin);  // As written (may span lines).
      if (l.rfind("ssloptions.", 0) == 0) {
        const std::string member = q.name.substr(11);
        bool supported = false;
        for (const char* m : kSupported) supported = supported || equalsNoCase(member, m);
        if (supported) {
          inserts.push_back("SSLOptions." + member + " = " + value);
          continue;
        }
      }
      if (l == "ongetpassword" || l == "ongetpasswordex" || l == "onverifypeer") {  // Same signatures.
        inserts.push_back(q.name + " = " + value);
        continue;
      }
      std::string why = handler.name + "." + q.name + " = " + value.substr(0, 60) + " dropped: ";
      why += "the IOCP server's SSLOptions have no such member (docs/tls.md)";
      result_.warnings.push_back({text_.lineOf(q.begin), why, true});
    }
    // Indy's TIdTCPServer starts TLS only where a handler sets PassThrough := False: code that does
    // keeps that control (SSLOptions.PassThrough = True); without it the server does TLS from the
    // first byte (Indy's would have spoken plain text).
    const bool handlersStartTls = lowerAscii(code_).find("passthrough") != std::string::npos;
    if (handlersStartTls) inserts.push_back("SSLOptions.PassThrough = True");
    // A handler that serves two servers (or is named twice) goes once.
    if (movedTls_.count(&handler)) return;
    const std::size_t from = text_.lineStart(handler.begin);
    result_.edits.push_back(Edit{from, text_.nextLine(handler.end) - from, ""});
    facts_.removedComponents[base_].insert(lowerAscii(handler.name));
    facts_.tlsMoved[base_][lowerAscii(handler.name)] = server;
    result_.warnings.push_back({text_.lineOf(handler.begin),
                                handler.name + ": " + handler.className + " deleted: its SSLOptions are " + server +
                                    "'s now (SSLOptions.Enabled = True)",
                                true});
  }

  // A TLS server (SSLOptions.Enabled, now or as this run makes it) that does TLS from the first
  // byte while its unit's code never sets PassThrough: Indy's server would have spoken plain text.
  // Said on every run while it is so.
  void tlsStartWarning(const FormObject& obj, const std::string& label, const std::vector<std::string>& inserts) {
    const auto has = [&](const char* name, const char* value) {
      for (const auto& line : inserts)
        if (equalsNoCase(line, std::string(name) + " = " + value)) return true;
      for (const auto& p : obj.properties)
        if (equalsNoCase(p.name, name) && equalsNoCase(p.value, value)) return true;
      return false;
    };
    if (!has("SSLOptions.Enabled", "True") || has("SSLOptions.PassThrough", "True")) return;
    if (lowerAscii(code_).find("passthrough") != std::string::npos) return;
    result_.warnings.push_back(
        {text_.lineOf(obj.begin),
         label + ": TLS from the first byte (SSLOptions.PassThrough = False): no handler of this unit sets "
                 "PassThrough := False, so Indy's server never started TLS on these connections; set "
                 "SSLOptions.PassThrough = True if it should speak plain text until a handler asks"});
  }

  void server(FormObject& obj, bool indy, bool own) {
    const std::string label = obj.name.empty() ? obj.className : obj.name;
    facts_.serverForms.insert(base_);
    std::vector<std::string> inserts;
    std::string movedTls;  // The TLS IOHandler whose options moved onto this server.
    for (const auto& p : obj.properties) {
      if (!equalsNoCase(p.name, "IOHandler") || p.value.empty()) continue;
      // TLS: an IOHandler whose class (or, when it lives in another module, whose name) says SSL/TLS.
      const FormObject* handler = root_ ? find(*root_, p.value) : nullptr;
      const std::string cls = handler ? handler->className : "";
      if (!namesTls(cls.empty() ? p.value : cls)) continue;
      if (handler && isTlsServerIOHandler(cls) && !options_.tlsTerminatedElsewhere) {
        moveTls(*handler, label, inserts);
        movedTls = handler->name;
        linkedTls_.insert(handler);
        movedTls_.insert(handler);
        continue;
      }
      const std::string what = label + ".IOHandler = " + p.value + (cls.empty() ? "" : " (" + cls + ")");
      tls_ += (tls_.empty() ? "" : "; ") + what;
      if (handler) linkedTls_.insert(handler);
      // The handler of this form is reported as an object (every run, while it is there).
      else if (options_.tlsTerminatedElsewhere)
        result_.warnings.push_back({text_.lineOf(p.begin), tlsMigratedWarning(what)});
    }
    if (indy && options_.mode == Mode::Rename)
      result_.edits.push_back(Edit{obj.classBegin, obj.className.size(), "TIocpTCPServer"});
    for (const auto& p : obj.properties) {
      if (lowerAscii(p.name).rfind("on", 0) == 0 && !p.value.empty())
        facts_.serverHandlers.insert(lowerAscii(p.value));
      const bool simpleReply = equalsNoCase(p.name, "MaxConnectionReply") && p.items.empty();
      if (own) continue;
      if (!supportedServerProperty(p.name) || (equalsNoCase(p.name, "MaxConnectionReply") && !simpleReply)) {
        removeLines(p);
        std::string why = removedPropertyWarning(label, p);
        if (equalsNoCase(p.name, "IOHandler") && !movedTls.empty() && equalsNoCase(p.value, movedTls))
          why = label + ".IOHandler = " + p.value + " removed: its SSLOptions are " + label + "'s now";
        if (equalsNoCase(p.name, "Scheduler"))
          for (const FormObject* o : unusedSchedulers_)
            if (equalsNoCase(o->name, p.value))
              why = label + ".Scheduler = " + p.value + " removed: the IOCP server schedules its own connections "
                    "(IOHandlerOptions.IOHandlerType); the object " + p.value + " goes too (--remove-schedulers)";
        result_.warnings.push_back({text_.lineOf(p.begin), why, true});
        continue;
      }
      if (equalsNoCase(p.name, "Bindings")) {
        for (const auto& item : p.items)
          for (const auto& q : item) {
            if (equalsNoCase(q.name, "IP") || equalsNoCase(q.name, "Port")) continue;
            removeLines(q);
            result_.warnings.push_back(
                {text_.lineOf(q.begin),
                 label + ".Bindings item " + q.name + " = " + q.value +
                     " removed: a binding here has IP and Port only (IPv6: give an IPv6 IP)",
                 true});
          }
      }
    }
    tlsStartWarning(obj, label, inserts);
    if (options_.iocp) setOption(obj, "IOHandlerOptions.IOHandlerType", "iohIOCP", inserts);
    if (options_.threads >= 0) setOption(obj, "IOHandlerOptions.IOCP.IOCPThreads", std::to_string(options_.threads), inserts);
    if (options_.workop >= 0) setOption(obj, "IOHandlerOptions.IOCP.WorkOpThreads", std::to_string(options_.workop), inserts);
    if (inserts.empty()) return;
    // After the last property, before the children and the "end", indented like a property.
    std::size_t at;
    if (!obj.properties.empty()) at = text_.nextLine(obj.properties.back().end);
    else if (!obj.children.empty()) at = text_.lineStart(obj.children.front()->begin);
    else at = text_.lineStart(obj.end);
    const std::string indent = text_.indentAt(obj.begin) + "  ";
    std::string block;
    for (const auto& line : inserts) block += indent + line + text_.eol();
    result_.edits.push_back(Edit{at, 0, block});
  }

  SourceText text_;
  const std::string& src_;
  const Options& options_;
  ProjectFacts& facts_;
  const std::string base_;
  const std::string& code_;
  FileResult result_;
  std::vector<const FormObject*> unusedSchedulers_;
  const FormObject* root_ = nullptr;
  std::string tls_;                   // The TLS servers of this form, for the refusal.
  std::vector<const FormObject*> tlsObjects_;  // The form's TLS server IOHandlers.
  std::set<const FormObject*> linkedTls_;      // Those a server's IOHandler names.
  std::set<const FormObject*> movedTls_;       // Those whose SSLOptions moved onto their server.
};

}  // namespace

std::string refuseEncoding(const std::string& bytes) {
  if (bytes.compare(0, 2, "\xFF\xFE") == 0 || bytes.compare(0, 2, "\xFE\xFF") == 0)
    return "UTF-16 file: save it as UTF-8 first (Delphi: right-click in the editor, File Format > UTF-8)";
  return "";
}

FileResult migrateForm(const std::string& bytes, const Options& options, ProjectFacts& facts,
                       const std::string& base, const std::string& code) {
  if (isBinaryForm(bytes)) {
    FileResult r;
    r.refused = "binary form: convert it to text first (Delphi: open the form, right-click it, check "
                "'Text DFM', save; or from a command line: convert.exe -t <file>.dfm), then run again";
    return r;
  }
  FormMigrator m(bytes, options, facts, base, code);
  return m.run();
}

}  // namespace iocp_migrate
