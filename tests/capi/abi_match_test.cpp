// The C header (component/capi/iocp.h) and the Pascal import unit (component/pascal/IocpApi.pas)
// declare the same ABI: the same functions with the same parameter and return types, the same
// callback types and the same constants. Both files are parsed; any difference fails.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "files.h"

namespace {

using testing_support::readFile;

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\n");
  const auto b = s.find_last_not_of(" \t\n");
  return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A signature: the return type ("" for none) and the parameter types, as Pascal spells them.
struct Signature {
  std::string result;
  std::vector<std::string> params;
  bool operator==(const Signature& o) const { return result == o.result && params == o.params; }
};
std::string show(const Signature& s) {
  std::string out = "(";
  for (std::size_t i = 0; i < s.params.size(); ++i) out += (i ? "; " : "") + s.params[i];
  return out + ")" + (s.result.empty() ? "" : ": " + s.result);
}

struct Abi {
  std::map<std::string, Signature> functions;  // Keyed by lower-case name.
  std::map<std::string, Signature> callbacks;
  std::map<std::string, long> constants;
};

// C type -> the Pascal type the import unit must use for it.
std::string pascalTypeOf(std::string c) {
  c = std::regex_replace(c, std::regex(R"(\s*\*\s*)"), "*");
  c = std::regex_replace(c, std::regex(R"(\*const\*)"), "* const*");
  static const std::map<std::string, std::string> map = {
      {"int", "integer"}, {"int64_t", "int64"}, {"uint64_t", "uint64"}, {"size_t", "size_t"},
      {"void*", "pointer"}, {"const void*", "pointer"}, {"const char*", "pansichar"}, {"char*", "pansichar"},
      {"const char**", "ppansichar"}, {"size_t*", "psize_t"}, {"int*", "pinteger"},
      {"int64_t*", "pint64"}, {"uint64_t*", "puint64"}, {"iocp_server*", "piocp_server"},
      {"iocp_context*", "piocp_context"}, {"iocp_io*", "piocp_io"}, {"iocp_client*", "piocp_client"},
      {"iocp_context* const**", "ppiocp_context_array"}, {"uint32_t", "uint32"},
      {"const void* const*", "ppointer"}, {"const iocp_x509*", "piocp_x509"}, {"void", ""}};
  const auto it = map.find(trim(c));
  if (it != map.end()) return it->second;
  return lower(trim(c));  // Callback typedef names are the same in both.
}

// "const char* message" -> "const char*".
std::string cParamType(const std::string& p) {
  static const std::regex name(R"(^(.*?)\b[A-Za-z_][A-Za-z0-9_]*\s*$)");
  std::smatch m;
  const std::string t = trim(p);
  return std::regex_match(t, m, name) ? trim(m[1].str()) : t;
}

Signature cSignature(const std::string& result, const std::string& params) {
  Signature s;
  s.result = pascalTypeOf(result);
  if (trim(params) != "void") {
    std::stringstream ss(params);
    for (std::string p; std::getline(ss, p, ',');) s.params.push_back(pascalTypeOf(cParamType(p)));
  }
  return s;
}

Abi parseHeader(const std::string& text) {
  Abi abi;
  static const std::regex define(R"(#define\s+(IOCP_[A-Z0-9_]+)\s+\(?(-?\d+)\)?)");
  for (std::sregex_iterator it(text.begin(), text.end(), define), end; it != end; ++it) {
    abi.constants[lower((*it)[1].str())] = std::stol((*it)[2].str());
  }
  std::string code;  // Without comments and preprocessor lines, on one line.
  std::stringstream lines(std::regex_replace(text, std::regex(R"(/\*[\s\S]*?\*/)"), " "));
  for (std::string l; std::getline(lines, l);) {
    if (trim(l).rfind("#", 0) != 0) code += l + " ";
  }
  static const std::regex function(R"(IOCP_API\s+([^;()]*?)\b(iocp_\w+)\s*\(([^;]*?)\)\s*;)");
  for (std::sregex_iterator it(code.begin(), code.end(), function), end; it != end; ++it) {
    abi.functions[(*it)[2].str()] = cSignature((*it)[1].str(), (*it)[3].str());
  }
  static const std::regex callback(R"(typedef\s+([^;()]*?)\(\s*\*\s*(iocp_\w+)\s*\)\s*\(([^;]*?)\)\s*;)");
  for (std::sregex_iterator it(code.begin(), code.end(), callback), end; it != end; ++it) {
    abi.callbacks[(*it)[2].str()] = cSignature((*it)[1].str(), (*it)[3].str());
  }
  return abi;
}

// "server: Piocp_server; option: Integer" -> {"piocp_server", "integer"}.
std::vector<std::string> pascalParams(const std::string& params) {
  std::vector<std::string> out;
  std::stringstream ss(params);
  for (std::string group; std::getline(ss, group, ';');) {
    const auto colon = group.find(':');
    if (colon == std::string::npos) continue;
    const std::string type = lower(trim(group.substr(colon + 1)));
    const std::string names = group.substr(0, colon);
    const std::size_t count = static_cast<std::size_t>(std::count(names.begin(), names.end(), ',')) + 1;
    for (std::size_t i = 0; i < count; ++i) out.push_back(type);
  }
  return out;
}

Abi parseUnit(const std::string& text, std::vector<std::string>* problems) {
  Abi abi;
  const std::string code = std::regex_replace(text, std::regex(R"(\{[^}]*\})"), " ");
  static const std::regex constant(R"((IOCP_[A-Z0-9_]+)\s*=\s*(-?\d+)\s*;)", std::regex::icase);
  for (std::sregex_iterator it(code.begin(), code.end(), constant), end; it != end; ++it) {
    abi.constants[lower((*it)[1].str())] = std::stol((*it)[2].str());
  }
  // function name(params): Result; cdecl; external IocpLib;   procedure name(params); ...
  static const std::regex routine(
      R"((function|procedure)\s+(iocp_\w+)\s*(?:\(([^)]*)\))?\s*(?::\s*(\w+))?\s*;([^;]*;[^;]*;)?)",
      std::regex::icase);
  for (std::sregex_iterator it(code.begin(), code.end(), routine), end; it != end; ++it) {
    Signature s{lower((*it)[4].str()), pascalParams((*it)[3].str())};
    const std::string name = lower((*it)[2].str());
    abi.functions[name] = s;
    const std::string tail = lower((*it)[5].str());
    if (tail.find("cdecl") == std::string::npos || tail.find("external iocplib") == std::string::npos) {
      problems->push_back(name + ": not declared 'cdecl; external IocpLib;'");
    }
    // Under Delphi every import is delayed (the IDE loads the packages without the DLL); the
    // directive sits in {$IFDEF IOCP_DELAYED}, whose braces were stripped above.
    if (tail.find("delayed") == std::string::npos) {
      problems->push_back(name + ": not declared '{$IFDEF IOCP_DELAYED}delayed{$ENDIF}'");
    }
  }
  // iocp_x = function(params): Result; cdecl;
  static const std::regex callback(
      R"((iocp_\w+)\s*=\s*(function|procedure)\s*\(([^)]*)\)\s*(?::\s*(\w+))?\s*;\s*cdecl\s*;)", std::regex::icase);
  for (std::sregex_iterator it(code.begin(), code.end(), callback), end; it != end; ++it) {
    abi.callbacks[lower((*it)[1].str())] = Signature{lower((*it)[4].str()), pascalParams((*it)[3].str())};
  }
  return abi;
}

template <typename V, typename Show>
void compare(const char* what, const std::map<std::string, V>& c, const std::map<std::string, V>& pas,
             Show show) {
  for (const auto& [name, value] : c) {
    const auto it = pas.find(name);
    if (it == pas.end()) {
      ADD_FAILURE() << what << " " << name << " is in iocp.h but not in IocpApi.pas";
    } else if (!(it->second == value)) {
      ADD_FAILURE() << what << " " << name << " differs: iocp.h " << show(value) << ", IocpApi.pas "
                    << show(it->second);
    }
  }
  for (const auto& entry : pas) {
    if (!c.count(entry.first)) ADD_FAILURE() << what << " " << entry.first << " is in IocpApi.pas but not in iocp.h";
  }
}

TEST(AbiMatch, TheCHeaderAndThePascalImportUnitDeclareTheSameAbi) {
  const std::string header = readFile(IOCP_C_HEADER);
  const std::string unit = readFile(IOCP_PASCAL_UNIT);
  ASSERT_FALSE(header.empty()) << IOCP_C_HEADER;
  ASSERT_FALSE(unit.empty()) << IOCP_PASCAL_UNIT;
  std::vector<std::string> problems;
  const Abi c = parseHeader(header);
  const Abi pas = parseUnit(unit, &problems);
  for (const std::string& p : problems) ADD_FAILURE() << p;
  // Enough was found for the comparison to mean something.
  EXPECT_GE(c.functions.size(), 50u);
  EXPECT_GE(c.callbacks.size(), 6u);
  EXPECT_GE(c.constants.size(), 60u);
  compare("function", c.functions, pas.functions, show);
  compare("callback type", c.callbacks, pas.callbacks, show);
  compare("constant", c.constants, pas.constants, [](long v) { return std::to_string(v); });
  std::printf("[ figures  ] %zu functions, %zu callback types, %zu constants compared\n", c.functions.size(),
              c.callbacks.size(), c.constants.size());
}

}  // namespace
