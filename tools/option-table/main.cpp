// iocp-option-table: writes the option constants of the C ABI (component/capi/iocp.h) and of its
// Pascal import unit (component/pascal/IocpApi.pas), and the options table of README.md, from the
// option table (component/cpp/src/IocpServerOptions.h), between the lines that hold
// "option-table:start" and "option-table:end".
//
//   iocp-option-table --write ROOT   rewrite both blocks under the source tree ROOT
//   iocp-option-table --check ROOT   exit 1, naming the file, where a block differs from the table
//
// Line ends of each file are kept (LF or CRLF).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "IocpServerOptions.h"

namespace {

using Iocp::options::Kind;
using Iocp::options::Row;

// A string value as C writes it.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// The values a row allows: "0..65535", booleans as `boolean` says, "string" or `text` for bytes,
// a choice's names (with their values where `withValues`).
std::string allowedValues(const Row& r, const char* boolean, const char* text, bool withValues) {
  switch (r.kind) {
    case Kind::Number: return std::to_string(r.lo) + ".." + std::to_string(r.hi);
    case Kind::Boolean: return boolean;
    case Kind::Text: return text;
    case Kind::Choice: break;
    case Kind::Flags: break;
  }
  std::string allowed;
  if (r.kind == Kind::Flags) allowed = withValues ? "a sum of " : "a set of ";
  const std::size_t lead = allowed.size();
  for (const auto& n : r.names) {
    const std::string value = std::to_string(n.first);
    const std::string shown = !withValues ? n.second : n.second == value ? value : value + " = " + n.second;
    allowed += (allowed.size() == lead ? "" : ", ") + shown;
  }
  return allowed;
}

// "0..65535; new: 0; what it is" for one row.
std::string describeRow(const Row& r) {
  std::string value = r.value;
  if (r.kind == Kind::Text) value = quoted(r.value);
  if (r.kind == Kind::Boolean) value = r.value == "true" ? "1" : "0";
  return r.path + ": " + allowedValues(r, "0/1", "string", true) + "; new: " + value + "; " + r.help;
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::vector<std::string> cLines() {
  std::vector<std::string> out;
  for (const Row& r : Iocp::options::rows()) {
    out.push_back(pad("#define IOCP_SERVER_" + r.macro + " " + std::to_string(r.id), 45) + " /* " + describeRow(r) +
                  " */");
  }
  return out;
}

std::vector<std::string> pascalLines() {
  std::vector<std::string> out;
  for (const Row& r : Iocp::options::rows()) {
    std::string help = describeRow(r);
    for (char& c : help) {
      if (c == '{' || c == '}') c = '\'';  // Pascal comments end at the first '}'.
    }
    out.push_back(pad("  IOCP_SERVER_" + r.macro + " = " + std::to_string(r.id) + ";", 44) + " { " + help + " }");
  }
  return out;
}

// A value as a user writes it in C++ or Pascal ("" for an empty string, the name of a choice).
std::string shownValue(const Row& r) {
  if (r.kind == Kind::Text) return quoted(r.value);
  return r.value;
}

std::vector<std::string> markdownLines() {
  std::vector<std::string> out = {"| Property | New server | Allowed | What it does | C ABI |", "|---|---|---|---|---|"};
  for (const Row& r : Iocp::options::rows()) {
    const std::string allowed = allowedValues(r, "true, false", "bytes", false);
    std::string help = r.help;
    for (std::size_t i = 0; (i = help.find('|', i)) != std::string::npos; i += 2) help.replace(i, 1, "\\|");
    out.push_back("| `" + r.path + "` | `" + shownValue(r) + "` | " + allowed + " | " + help + " | `IOCP_SERVER_" +
                  r.macro + "` |");
  }
  return out;
}

struct File {
  std::string path;
  std::vector<std::string> block;
};

// The file's text with the lines between the markers replaced by `block`; "" with `error` set
// when the markers are missing.
std::string regenerate(const std::string& text, const std::vector<std::string>& block, std::string& error) {
  const std::string eol = text.find("\r\n") != std::string::npos ? "\r\n" : "\n";
  const std::size_t start = text.find("option-table:start");
  const std::size_t end = text.find("option-table:end");
  if (start == std::string::npos || end == std::string::npos || end < start) {
    error = "no option-table:start / option-table:end lines";
    return std::string();
  }
  const std::size_t from = text.find('\n', start) + 1;   // After the start line.
  const std::size_t to = text.rfind('\n', end) + 1;      // The start of the end line.
  std::string body;
  for (const std::string& l : block) body += l + eol;
  return text.substr(0, from) + body + text.substr(to);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc == 3 ? argv[1] : "";
  if (mode != "--write" && mode != "--check") {
    std::cerr << "usage: iocp-option-table --write|--check SOURCE_ROOT\n";
    return 2;
  }
  const std::string root = argv[2];
  const File files[] = {{root + "/component/capi/iocp.h", cLines()},
                        {root + "/component/pascal/IocpApi.pas", pascalLines()},
                        {root + "/README.md", markdownLines()}};
  int status = 0;
  for (const File& f : files) {
    std::ifstream in(f.path, std::ios::binary);
    if (!in) {
      std::cerr << f.path << ": cannot read\n";
      return 2;
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    const std::string text = buf.str();
    std::string error;
    const std::string fresh = regenerate(text, f.block, error);
    if (!error.empty()) {
      std::cerr << f.path << ": " << error << "\n";
      return 2;
    }
    if (fresh == text) continue;
    if (mode == "--check") {
      std::cerr << f.path << ": the option constants differ from the option table; run iocp-option-table --write "
                << root << "\n";
      status = 1;
    } else {
      std::ofstream out(f.path, std::ios::binary | std::ios::trunc);
      out << fresh;
      if (!out) {
        std::cerr << f.path << ": cannot write\n";
        return 2;
      }
      std::cout << "wrote " << f.path << "\n";
    }
  }
  return status;
}
