// iocp-migrate: moves an Indy server project to the IOCP bridge. See tools/migrate/README.md.
//
//   iocp-migrate [--write] [--iocp] [--threads N] [--workop N] [--mode rename|compat] PATH...
//
// Output: the unified diff on stdout (a dry run's diff applies with patch -p1); what was written,
// warnings ("file:line: warning: ...") and the summary on stderr.
// Exit codes: 0 done (warnings included), 1 a file was refused or could not be written, 2 usage.
#include <algorithm>
#include <cctype>
#include <functional>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "indy_names.h"
#include "migrate.h"

namespace fs = std::filesystem;
using namespace iocp_migrate;

namespace {

enum class Kind { None, Pascal, Form, Cpp, Project };

Kind kindOf(const fs::path& p) {
  const std::string ext = lowerAscii(p.extension().string());
  if (ext == ".pas" || ext == ".dpr" || ext == ".dpk" || ext == ".lpr" || ext == ".pp") return Kind::Pascal;
  if (ext == ".dfm" || ext == ".fmx" || ext == ".lfm") return Kind::Form;
  if (ext == ".cpp" || ext == ".h" || ext == ".cc" || ext == ".cxx") return Kind::Cpp;
  if (ext == ".dproj" || ext == ".cbproj" || ext == ".groupproj" || ext == ".lpi") return Kind::Project;
  return Kind::None;
}

// Indy's own source, where a project keeps a copy of Indy in its tree: its units (Id + a capital,
// with Indy's header or its IdCompilerDefines.inc) and its packages (IndySystem, IndyCore,
// IndyProtocols, dclIndy*). Never migrated: the project's servers are, Indy's are Indy's.
bool indyOwnSource(const fs::path& p, const std::string& bytes) {
  const std::string stem = p.stem().string(), ext = lowerAscii(p.extension().string()), l = lowerAscii(stem);
  if (ext == ".dpk" || ext == ".dproj" || ext == ".lpk")
    for (const char* pkg : {"indysystem", "indycore", "indyprotocols", "dclindy"})
      if (l.rfind(pkg, 0) == 0) return true;
  if (classifyUnit(stem) == IndyUnit::NotIndy || kindOf(p) != Kind::Pascal) return false;
  const std::string head = bytes.substr(0, 4096);
  return head.find("IdCompilerDefines.inc") != std::string::npos || head.find("Indy Pit Crew") != std::string::npos ||
         head.find("Indy (Internet Direct)") != std::string::npos;
}

// Folders the IDEs fill with copies and output.
bool skippedFolder(const fs::path& p) {
  const std::string n = lowerAscii(p.filename().string());
  return n == "__history" || n == "__recovery" || n == ".git" || n == "win32" || n == "win64" || n == "lib" ||
         n == "backup";
}

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "iocp-migrate: " << why << "\n"
            << "usage: iocp-migrate [--write] [--iocp] [--threads N] [--workop N] [--mode rename|compat]\n"
               "                    [--remove-schedulers] [--tls-terminated-elsewhere] [--pascal-path P]\n"
               "                    [--cpp-path P] [--lazarus-path P] PATH...\n"
               "  PATH            a project folder (searched recursively) or files: .pas .dpr .dpk .lpr,\n"
               "                  .dfm .fmx .lfm (text), .cpp .h, .dproj .cbproj .groupproj .lpi\n"
               "  --write         apply the changes (default: print them as a unified diff); each changed\n"
               "                  file is kept as FILE.iocp-migrate.bak first\n"
               "  --mode rename   TIdTCPServer -> TIocpTCPServer ... and Indy's server units -> ours (default)\n"
               "  --mode compat   only the uses clauses change, to IocpIndyCompat\n"
               "  --iocp          set IOHandlerOptions.IOHandlerType = iohIOCP on every server in the forms\n"
               "  --threads N     set IOHandlerOptions.IOCP.IOCPThreads = N (0 = one per processor)\n"
               "  --workop N      set IOHandlerOptions.IOCP.WorkOpThreads = N\n"
               "  --remove-schedulers  also delete the scheduler objects no server uses any more, with\n"
               "                  their fields and units (by default they are left, with a warning)\n"
               "  --tls-terminated-elsewhere  migrate servers with a TLS IOHandler too (it is removed: the\n"
               "                  server then speaks plain text behind a proxy that terminates TLS);\n"
               "                  without it such a server is refused and nothing is written\n"
               "  --pascal-path P the Pascal units' folder for .dproj search paths\n"
               "                  (default $(IOCPBRIDGE)\\component\\pascal)\n"
               "  --cpp-path P    the C++ headers' folder for .cbproj include paths\n"
               "                  (default $(IOCPBRIDGE)\\component\\cpp)\n"
               "  --lazarus-path P  the Pascal units' folder for Lazarus .lpi search paths\n"
               "                  (default $Env(IOCPBRIDGE)/component/pascal)\n"
               "Exit codes: 0 done (warnings included), 1 a file was refused or could not be written, 2 usage.\n";
  std::exit(2);
}

int count(const std::string& option, const char* text) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < 0 || v > 1024) usage(option + " wants a number from 0 to 1024");
  return static_cast<int>(v);
}

bool readFile(const fs::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return static_cast<bool>(in) || in.eof();
}

bool writeFile(const fs::path& p, const std::string& bytes, std::string& error) {
  const fs::path tmp = p.string() + ".iocp-migrate.tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      error = "cannot write " + tmp.string();
      return false;
    }
  }
  std::error_code ec;
  fs::permissions(tmp, fs::status(p, ec).permissions(), ec);
  fs::rename(tmp, p, ec);
  if (ec) {
    error = "cannot replace the file: " + ec.message();
    fs::remove(tmp, ec);
    return false;
  }
  return true;
}

// A path as printed: with '/' separators and without a leading "./".
std::string shownPath(const fs::path& p) {
  std::string s = p.generic_string();
  while (s.rfind("./", 0) == 0) s.erase(0, 2);
  return s;
}

// The path in a diff header: as shown when it is relative and stays below the current folder,
// else relative to the folder given (apply the diff there).
std::string patchPath(const fs::path& p, const fs::path& root) {
  const std::string shown = shownPath(p);
  const bool climbs = shown == ".." || shown.rfind("../", 0) == 0 || shown.find("/../") != std::string::npos;
  if (!p.is_absolute() && !climbs) return shown;
  return shownPath(p.lexically_relative(root.empty() ? fs::path(".") : root));
}

struct Input {
  fs::path path;
  std::string shown;  // As printed: relative to the folder given, joined to it.
  std::string patchPath;  // In the diff's headers: a path patch -p1 accepts.
  Kind kind;
  std::string bytes;
};

}  // namespace

int main(int argc, char** argv) {
  Options options;
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const std::string& name) -> const char* {
      if (i + 1 >= argc) usage(name + " needs a value");
      return argv[++i];
    };
    if (a == "--write") options.write = true;
    else if (a == "--iocp") options.iocp = true;
    else if (a == "--remove-schedulers") options.removeSchedulers = true;
    else if (a == "--tls-terminated-elsewhere") options.tlsTerminatedElsewhere = true;
    else if (a == "--threads") options.threads = count(a, value(a));
    else if (a == "--workop") options.workop = count(a, value(a));
    else if (a == "--mode") {
      const std::string m = value(a);
      if (m == "rename") options.mode = Mode::Rename;
      else if (m == "compat") options.mode = Mode::Compat;
      else usage("--mode is rename or compat, not '" + m + "'");
    } else if (a == "--pascal-path") options.pascalPath = value(a);
    else if (a == "--cpp-path") options.cppPath = value(a);
    else if (a == "--lazarus-path") options.lazarusPath = value(a);
    else if (a == "--help" || a == "-h") usage("moves an Indy server project to the IOCP bridge");
    else if (a.size() > 1 && a[0] == '-') usage("unknown option " + a);
    else paths.push_back(a);
  }
  if (paths.empty()) usage("no PATH given");

  std::vector<Input> inputs;
  for (const auto& given : paths) {
    const fs::path root(given);
    std::error_code ec;
    if (fs::is_directory(root, ec)) {
      std::vector<fs::path> found;
      for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_directory() && skippedFolder(it->path())) {
          it.disable_recursion_pending();
          continue;
        }
        if (it->is_regular_file() && kindOf(it->path()) != Kind::None) found.push_back(it->path());
      }
      std::sort(found.begin(), found.end());
      for (const auto& f : found) inputs.push_back({f, shownPath(f), patchPath(f, root), kindOf(f), {}});
    } else if (fs::is_regular_file(root, ec)) {
      if (kindOf(root) == Kind::None) usage(given + " is not a file iocp-migrate reads (see PATH below)");
      inputs.push_back({root, shownPath(root), patchPath(root, root.parent_path()), kindOf(root), {}});
    } else {
      usage(given + ": no such file or folder");
    }
  }
  std::sort(inputs.begin(), inputs.end(), [](const Input& a, const Input& b) { return a.shown < b.shown; });
  inputs.erase(std::unique(inputs.begin(), inputs.end(), [](const Input& a, const Input& b) { return a.shown == b.shown; }),
               inputs.end());

  int refused = 0, changed = 0, warnings = 0;
  std::vector<FileResult> results(inputs.size());
  std::vector<bool> readable(inputs.size(), true);
  std::size_t indyOwn = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!readFile(inputs[i].path, inputs[i].bytes)) readable[i] = false;
    else if (indyOwnSource(inputs[i].path, inputs[i].bytes)) {
      inputs[i].kind = Kind::None;  // Read for nothing else: no pass takes it.
      ++indyOwn;
    }
  }
  // Forms first (they say which methods the servers' events run), then C++ headers (they say
  // which .cpp files hold a server), then the other sources, then the projects (edited only when
  // they name a migrated file), then the groups (only when they name an edited project).
  ProjectFacts facts;
  for (const auto& in : inputs) {
    if (in.kind != Kind::Pascal) continue;
    std::string squeezed;  // Lower case, without blanks: "class(tidcustomtcpserver)".
    for (char c : in.bytes)
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') squeezed += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const char* base : {"=class(tidcustomtcpserver)", "=class(tidtcpserver)", "=class(tiocpcustomtcpserver)", "=class(tiocptcpserver)"})
      for (std::size_t at = squeezed.find(base); at != std::string::npos; at = squeezed.find(base, at + 1)) {
        facts.ownServerUnits.insert(lowerAscii(in.path.stem().string()));
        std::size_t b = at;  // The class's name before "=".
        while (b > 0 && (std::isalnum(static_cast<unsigned char>(squeezed[b - 1])) || squeezed[b - 1] == '_')) --b;
        if (b < at) facts.ownServerClasses.insert(squeezed.substr(b, at - b));
      }
  }
  auto baseOf = [](const fs::path& p) { return lowerAscii(fs::path(p).replace_extension().generic_string()); };
  auto passOf = [](const Input& in) {
    const std::string ext = lowerAscii(in.path.extension().string());
    if (in.kind == Kind::Form) return 0;
    if (in.kind == Kind::Project) return ext == ".groupproj" ? 4 : 3;
    return in.kind == Kind::Cpp && ext == ".h" ? 1 : 2;
  };
  // Files (absolute, lower case; sources without their extension, so that a unit stands for its
  // form and a .cpp for its header) that this run changes.
  std::set<std::string> migrated, indyTypes;  // indyTypes: the migrated files that need IOCP_INDY_TYPES.
  auto key = [](const fs::path& p, bool dropExtension) {
    fs::path a = fs::absolute(p).lexically_normal();
    if (dropExtension) a.replace_extension();
    return lowerAscii(a.generic_string());
  };
  // The scanned files by path (key with extension) and the Pascal units by name (lower case).
  std::map<std::string, const Input*> byPath;
  std::map<std::string, std::vector<const Input*>> unitsByName;
  for (const auto& in : inputs) {
    byPath[key(in.path, false)] = &in;
    if (in.kind == Kind::Pascal) unitsByName[lowerAscii(in.path.stem().string())].push_back(&in);
  }
  // The units a program's (.dpr .lpr .dpk) uses clause names, as keys: by "in 'path'", else by
  // name (the one unit of that name in the scanned folders; none or several: unknown).
  auto programUnits = [&](const fs::path& file, const std::function<void(const std::string&)>& each) {
    std::string main;
    const auto scanned = byPath.find(key(file, false));
    if (scanned != byPath.end()) main = scanned->second->bytes;
    else if (!readFile(file, main)) return;
    for (std::string unit : pascalUsedUnits(main)) {
      std::replace(unit.begin(), unit.end(), '\\', '/');
      if (unit.find('/') != std::string::npos || lowerAscii(fs::path(unit).extension().string()) == ".pas") {
        each(key(file.parent_path() / unit, true));
      } else {
        const auto named = unitsByName.find(lowerAscii(unit));
        if (named != unitsByName.end() && named->second.size() == 1) each(key(named->second[0]->path, true));
      }
    }
  };
  for (int pass = 0; pass < 5; ++pass) {
    if (pass == 3 || pass == 4)
      for (std::size_t i = 0; i < inputs.size(); ++i)
        if (!results[i].edits.empty() && results[i].refused.empty()) {
          migrated.insert(key(inputs[i].path, inputs[i].kind != Kind::Project));
          if (results[i].needsIndyTypes) indyTypes.insert(key(inputs[i].path, true));
        }
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const Input& in = inputs[i];
      if (!readable[i] || passOf(in) != pass) continue;
      Options projectOptions = options;
      if (in.kind == Kind::Project) {  // Only a project with a migrated file (a group: project) is edited.
        bool names = false;
        auto consider = [&](const std::string& k) {
          names = names || migrated.count(k);
          projectOptions.defineIndyTypes = projectOptions.defineIndyTypes || indyTypes.count(k);
        };
        for (std::string ref : projectReferences(in.bytes)) {
          std::replace(ref.begin(), ref.end(), '\\', '/');
          const fs::path file = in.path.parent_path() / ref;
          consider(key(file, pass == 3));
          // A program's uses clause lists units the project file does not (found on the search
          // path, or given "in 'path'"): they are the project's too.
          const std::string ext = lowerAscii(file.extension().string());
          if (pass == 3 && (ext == ".dpr" || ext == ".lpr" || ext == ".dpk")) programUnits(file, consider);
        }
        if (!names) continue;
      }
      const std::string why = refuseEncoding(in.bytes);
      if (!why.empty()) {
        results[i].refused = why;
        continue;
      }
      const std::string base = baseOf(in.path);
      switch (in.kind) {
        case Kind::Form: {
          std::string code;  // The form's unit, which may still use what the form holds.
          for (const char* ext : {".pas", ".pp"})
            if (code.empty()) readFile(fs::path(in.path).replace_extension(ext), code);
          results[i] = migrateForm(in.bytes, options, facts, base, code);
          break;
        }
        case Kind::Pascal: results[i] = migratePascal(in.bytes, options, facts, base); break;
        case Kind::Cpp: {
          std::error_code ec;
          const bool form = fs::exists(fs::path(in.path).replace_extension(".dfm"), ec) ||
                            fs::exists(fs::path(in.path).replace_extension(".fmx"), ec);
          results[i] = migrateCpp(in.bytes, options, facts, base, form);
          break;
        }
        case Kind::Project: results[i] = migrateMsbuild(in.bytes, in.path.extension().string(), projectOptions); break;
        case Kind::None: break;
      }
    }
  }

  // A Delphi 7-era program (options in .dof/.cfg beside the .dpr, no .dproj) with a migrated
  // unit: its search path is the user's to extend, until it names the bridge's units.
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Input& in = inputs[i];
    if (!readable[i] || in.kind != Kind::Pascal || lowerAscii(in.path.extension().string()) != ".dpr") continue;
    std::error_code ec;
    if (fs::exists(fs::path(in.path).replace_extension(".dproj"), ec)) continue;
    // Migrated by this run, or earlier (it uses the bridge's units; with Indy's too: mixed).
    bool names = false, indy = false;
    auto consider = [&](const std::string& k) {
      names = names || migrated.count(k);
      indy = indy || indyTypes.count(k);
      const auto unit = byPath.find(k + ".pas");
      if (unit == byPath.end()) return;
      bool bridge = false, indyUnit = false;
      for (const std::string& u : pascalUsedUnits(unit->second->bytes)) {
        const std::string l = lowerAscii(u);
        bridge = bridge || l == "iocptcpserver" || l == "iocpindycompat";
        indyUnit = indyUnit || classifyUnit(u) != IndyUnit::NotIndy;
      }
      names = names || bridge;
      indy = indy || (bridge && indyUnit);
    };
    consider(key(in.path, true));
    programUnits(in.path, consider);
    if (!names) continue;
    for (const char* ext : {".dof", ".cfg"}) {
      const fs::path options_file = fs::path(in.path).replace_extension(ext);
      std::string text;
      if (!readFile(options_file, text)) continue;
      std::string wanted = lowerAscii(options.pascalPath), has = lowerAscii(text);
      std::replace(wanted.begin(), wanted.end(), '/', '\\');
      std::replace(has.begin(), has.end(), '/', '\\');
      if (has.find(wanted) != std::string::npos) continue;
      results[i].warnings.push_back(
          {0, options_file.filename().string() + ": Delphi 7-era project options, which the tool does not edit: add " +
                  options.pascalPath + " to the search path (" +
                  (std::string(ext) == ".dof" ? "Project > Options > Directories/Conditionals" : "the -U line, for dcc32") +
                  ")" + (indy ? " and the conditional define IOCP_INDY_TYPES" : "")});
    }
  }

  // A TLS server would become a plain-text one: unless the user says TLS is terminated in front
  // of it, nothing at all is written (half a project migrated does not build either).
  bool holdAll = false;
  for (const auto& r : results) holdAll = holdAll || (!r.tlsServer.empty() && !options.tlsTerminatedElsewhere);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Input& in = inputs[i];
    FileResult& r = results[i];
    if (holdAll && r.refused.empty() && readable[i]) continue;
    if (!readable[i]) {
      std::cerr << in.shown << ": error: cannot read the file\n";
      ++refused;
      continue;
    }
    if (!r.refused.empty()) {
      std::cerr << in.shown << ": error: " << r.refused << "\n";
      ++refused;
      continue;
    }
    const SourceText original(in.bytes);
    const std::string updated = applyEdits(in.bytes, r.edits);
    if (updated != in.bytes) {
      ++changed;
      if (!options.write) {
        std::cout << unifiedDiff(in.patchPath, original, r.edits);
      } else {
        const fs::path backup = in.path.string() + ".iocp-migrate.bak";
        std::error_code ec;
        std::string error;
        const bool keptBackup = fs::exists(backup, ec);  // The first run's backup is the original.
        if (!keptBackup && !writeFile(backup, in.bytes, error)) {
          std::cerr << in.shown << ": error: cannot keep a backup (" << error << "); the file was not changed\n";
          ++refused;
        } else if (!writeFile(in.path, updated, error)) {
          std::cerr << in.shown << ": error: " << error << "\n";
          ++refused;
        } else {
          std::cerr << in.shown << ": written (backup: " << in.shown << ".iocp-migrate.bak"
                    << (keptBackup ? ", kept from an earlier run" : "") << ")\n";
        }
      }
    }
    for (const auto& w : r.warnings) {
      std::cerr << in.shown;
      if (w.line > 0) std::cerr << ":" << w.line;
      std::cerr << (w.change ? ": note: " : ": warning: ") << w.text << "\n";
      if (!w.change) ++warnings;
    }
  }
  std::cout.flush();
  std::cerr << "iocp-migrate: " << inputs.size() << (inputs.size() == 1 ? " file" : " files") << " scanned";
  if (indyOwn) std::cerr << " (" << indyOwn << " of them Indy's own source, left alone)";
  std::cerr << ", " << changed << " changed, " << warnings
            << (warnings == 1 ? " warning" : " warnings") << ", " << refused << " refused";
  if (holdAll) std::cerr << "; nothing written: a TLS server was found (see the error above)";
  else if (changed == 0) std::cerr << "; nothing to change";
  else if (!options.write) std::cerr << " (dry run: nothing written; --write applies the changes)";
  std::cerr << "\n";
  return refused ? 1 : 0;
}
