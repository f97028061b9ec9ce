// TIocpTCPServer's XML configuration with pugixml (format: IocpTCPServer.h, "XML configuration").
//
// Two walkers of the option table (IocpServerOptions.h): Writer turns each option into an
// element, Reader finds, checks and converts it. A load reads into a copy of the server's options
// and copies them back only when the whole document was good, so a failed load changes nothing.
#include "IocpServerOptions.h"
#include "IocpTCPServer.h"

#include <pugixml.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace Iocp {

namespace {

using options::Key;
using options::Name;

constexpr char kRoot[] = "TIocpTCPServer";
constexpr char kEscapes[] = "\\\\ \\r \\n \\t \\xHH";

// --- Strings: C-style escapes, because an XML parser turns every CR into LF -------------------------

// Length of the well-formed UTF-8 sequence starting at s[i] whose character XML carries as it is
// (not a C1 control, surrogate or non-character); 0 if there is none.
std::size_t utf8Sequence(const std::string& s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  uint32_t cp = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2, cp = b0 & 0x1Fu;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3, cp = b0 & 0x0Fu;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4, cp = b0 & 0x07u;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0u) != 0x80u) return 0;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  const uint32_t lowest = n == 2 ? 0x80u : n == 3 ? 0x800u : 0x10000u;
  if (cp < lowest || cp > 0x10FFFFu || (cp >= 0xD800u && cp <= 0xDFFFu) || cp == 0xFFFEu || cp == 0xFFFFu ||
      (cp >= 0x80u && cp <= 0x9Fu)) {
    return 0;
  }
  return n;
}

// Backslash, CR, LF and tab as \\ \r \n \t; other control bytes and bytes that are not part of
// well-formed UTF-8 as \xHH; everything else as it is.
std::string escape(const std::string& s) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else if (const std::size_t n = c >= 0x80 ? utf8Sequence(s, i) : 0; n != 0) {
      out.append(s, i, n);
      i += n - 1;
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0x0F];
    }
  }
  return out;
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The reverse of escape(); false (and the offending escape in `bad`) for an unknown escape.
bool unescape(const std::string& s, std::string& out, std::string& bad) {
  out.clear();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    const char e = i + 1 < s.size() ? s[i + 1] : '\0';
    if (e == '\\' || e == 'r' || e == 'n' || e == 't') {
      out += e == '\\' ? '\\' : e == 'r' ? '\r' : e == 'n' ? '\n' : '\t';
      ++i;
    } else if (e == 'x' && i + 3 < s.size() && hexDigit(s[i + 2]) >= 0 && hexDigit(s[i + 3]) >= 0) {
      out += static_cast<char>(hexDigit(s[i + 2]) * 16 + hexDigit(s[i + 3]));
      i += 3;
    } else {
      bad = s.substr(i, e == 'x' ? 4 : 2);
      return false;
    }
  }
  return true;
}

// A value as an error message shows it: quoted, cut when long, control bytes escaped (`escaped`:
// the value is already a string's escaped form, shown as written).
std::string shown(const std::string& value, bool escaped = false) {
  std::string e = escaped ? value : escape(value);
  if (e.size() > 64) e = e.substr(0, 60) + "...";
  return "'" + e + "'";
}

std::string trimmed(const std::string& s) {
  const char* ws = " \t\r\n";
  const std::size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return std::string();
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// "XML configuration: " or "XML configuration (file.xml): ": the start of every message.
std::string prefix(const std::string& fileName) {
  return fileName.empty() ? "XML configuration: " : "XML configuration (" + fileName + "): ";
}

// --- Save ---------------------------------------------------------------------------------------------

class Writer {
 public:
  explicit Writer(pugi::xml_node root) : nodes_{root}, paths_{kRoot} {}

  template <typename T>
  void number(const Key& k, const T& value, long long lo, long long hi) {
    const char* name = k.name;
    const auto v = static_cast<long long>(value);
    if (v < lo || v > hi) {
      const std::string path = paths_.back() + "/" + name;
      throw EIocpConfigError(prefix("") + path + ": the value " + std::to_string(v) +
                                 " cannot be saved (a load would refuse it); " + options::allowedRange(lo, hi),
                             path);
    }
    leaf(name, std::to_string(v));
  }
  void boolean(const Key& k, const bool& value) { leaf(k.name, value ? "true" : "false"); }
  void text(const Key& k, const std::string& value) { leaf(k.name, escape(value)); }
  template <typename V, typename E, std::size_t N>
  void choice(const Key& k, const V& value, const Name<E> (&list)[N]) {
    for (const Name<E>& n : list) {
      if (n.value == value) return leaf(k.name, n.text);
    }
    const std::string path = paths_.back() + "/" + k.name;
    throw EIocpConfigError(prefix("") + path + ": the value " + std::to_string(static_cast<long long>(value)) +
                               " has no name and cannot be saved; " + options::allowedNames(list),
                           path);
  }
  template <typename E, std::size_t N>
  void flags(const Key& k, const TIocpSet<E>& value, const Name<E> (&list)[N]) {
    if (value.Bits & ~options::flagsMask(list)) {
      const std::string path = paths_.back() + "/" + k.name;
      throw EIocpConfigError(prefix("") + path + ": the value " + std::to_string(value.Bits) +
                                 " has bits without a name and cannot be saved; " + options::allowedNames(list),
                             path);
    }
    leaf(k.name, options::flagsText(value.Bits, list));
  }
  template <typename Body>
  void group(const char* name, Body body) {
    nodes_.push_back(nodes_.back().append_child(name));
    paths_.push_back(paths_.back() + "/" + name);
    body();
    nodes_.pop_back();
    paths_.pop_back();
  }
  void bindings(const char* name, const TIocpSocketHandles& list) {
    pugi::xml_node n = nodes_.back().append_child(name);
    for (int i = 0; i < list.Count(); ++i) {
      pugi::xml_node e = n.append_child("Binding");
      e.append_attribute("IP").set_value(list[i].IP.c_str());
      e.append_attribute("Port").set_value(std::to_string(list[i].Port).c_str());
    }
  }
  void certificates(const char* name, const std::vector<TIocpSNICertificate>& list) {
    pugi::xml_node n = nodes_.back().append_child(name);
    for (const TIocpSNICertificate& c : list) {
      pugi::xml_node e = n.append_child("Certificate");
      e.append_attribute("HostName").set_value(c.HostName.c_str());
      e.append_attribute("CertFile").set_value(c.CertFile.c_str());
      e.append_attribute("KeyFile").set_value(c.KeyFile.c_str());
    }
  }

 private:
  void leaf(const char* name, const std::string& value) {
    pugi::xml_node n = nodes_.back().append_child(name);
    if (!value.empty()) n.append_child(pugi::node_pcdata).set_value(value.c_str());
  }

  std::vector<pugi::xml_node> nodes_;
  std::vector<std::string> paths_;
};

std::string save(const TIocpTCPServer& server) {
  pugi::xml_document doc;
  doc.append_child(pugi::node_comment)
      .set_value(" TIocpTCPServer properties (LoadFromXml/SaveToXml). A missing element keeps its value."
                 " MaxConnectionReply, Payload and Delimiter use C escapes: \\\\ \\r \\n \\t \\xHH. ");
  Writer w(doc.append_child(kRoot));
  options::describe(w, server);
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_indent, pugi::encoding_utf8);
  return out.str();
}

// --- Load ---------------------------------------------------------------------------------------------

class Reader {
 public:
  // `defaultPort`: the port of a Binding without one (the document's DefaultPort, read first).
  Reader(pugi::xml_node root, std::string fileName, const uint16_t& defaultPort)
      : prefix_(prefix(fileName)), defaultPort_(defaultPort) {
    frames_.push_back(Frame{root, kRoot, {}});
    attributesNotAllowed(root, kRoot);
  }

  // After describe(): every element of the root was one the schema knows.
  void finish() { finishFrame(); }

  template <typename T>
  void number(const Key& k, T& value, long long lo, long long hi) {
    const char* name = k.name;
    const pugi::xml_node n = take(name);
    if (!n) return;
    const std::string path = here(name);
    value = static_cast<T>(toNumber(path, leafText(n, path), lo, hi));
  }
  void boolean(const Key& k, bool& value) {
    const char* name = k.name;
    const pugi::xml_node n = take(name);
    if (!n) return;
    const std::string path = here(name);
    const std::string v = trimmed(leafText(n, path));
    if (v != "true" && v != "false") fail(path, "bad value " + shown(v) + "; allowed values: true, false");
    value = v == "true";
  }
  void text(const Key& k, std::string& value) {
    const char* name = k.name;
    const pugi::xml_node n = take(name);
    if (!n) return;
    const std::string path = here(name);
    const std::string raw = leafText(n, path);
    std::string decoded, bad;
    if (!unescape(raw, decoded, bad)) {
      fail(path, "bad value " + shown(raw, true) + " (unknown escape '" + bad + "'); allowed escapes: " + kEscapes);
    }
    value = decoded;
  }
  template <typename V, typename E, std::size_t N>
  void choice(const Key& k, V& value, const Name<E> (&list)[N]) {
    const char* name = k.name;
    const pugi::xml_node n = take(name);
    if (!n) return;
    const std::string path = here(name);
    const std::string v = trimmed(leafText(n, path));
    for (const Name<E>& c : list) {
      if (v == c.text) {
        value = c.value;
        return;
      }
    }
    fail(path, "bad value " + shown(v) + "; " + options::allowedNames(list));
  }
  template <typename E, std::size_t N>
  void flags(const Key& k, TIocpSet<E>& value, const Name<E> (&list)[N]) {
    const pugi::xml_node n = take(k.name);
    if (!n) return;
    const std::string path = here(k.name);
    const std::string v = trimmed(leafText(n, path));
    unsigned bits = 0;
    std::string bad;
    if (!options::parseFlags(v, bits, list, bad)) {
      fail(path, "bad value " + shown(v) + " (unknown name " + shown(bad) + "); " + options::allowedNames(list));
    }
    value.Bits = bits;
  }
  template <typename Body>
  void group(const char* name, Body body) {
    const pugi::xml_node n = take(name);
    if (!n) return;
    const std::string path = here(name);
    attributesNotAllowed(n, path);
    frames_.push_back(Frame{n, path, {}});
    body();
    finishFrame();
    frames_.pop_back();
  }
  void bindings(const char* name, TIocpSocketHandles& list) {
    struct Binding {
      std::string IP;
      int Port = -1;  // None given: DefaultPort.
    };
    const pugi::xml_node n = take(name);
    if (!n) return;
    const std::string path = here(name);
    attributesNotAllowed(n, path);
    std::vector<Binding> result;
    for (const pugi::xml_node& e : n.children()) {
      if (e.type() != pugi::node_element) {
        textNotAllowed(e, path);
        continue;
      }
      if (std::strcmp(e.name(), "Binding") != 0) {
        fail(path + "/" + e.name(), "unknown element; allowed here: Binding");
      }
      const std::string bpath = path + "/Binding[" + std::to_string(result.size() + 1) + "]";
      Binding b;
      bool haveIP = false, havePort = false;
      for (const pugi::xml_attribute& a : e.attributes()) {
        const std::string apath = bpath + "/@" + a.name();
        if (std::strcmp(a.name(), "IP") == 0 && !haveIP) {
          b.IP = a.value();
          haveIP = true;
        } else if (std::strcmp(a.name(), "Port") == 0 && !havePort) {
          b.Port = static_cast<int>(toNumber(apath, a.value(), 0, 65535));
          havePort = true;
        } else if (std::strcmp(a.name(), "IP") == 0 || std::strcmp(a.name(), "Port") == 0) {
          fail(apath, "given more than once; give it once");
        } else {
          fail(apath, "unknown attribute; allowed: IP, Port");
        }
      }
      for (const pugi::xml_node& c : e.children()) {
        if (c.type() == pugi::node_element) {
          fail(bpath + "/" + c.name(), "unknown element; Binding takes the attributes IP and Port only");
        }
        textNotAllowed(c, bpath);
      }
      result.push_back(b);
    }
    list.Clear();
    for (const Binding& b : result) {
      TIocpSocketHandle& h = list.Add();
      h.IP = b.IP;
      h.Port = b.Port < 0 ? defaultPort_ : static_cast<uint16_t>(b.Port);
    }
  }
  // <SNICertificates><Certificate HostName=".." CertFile=".." KeyFile=".."/>...</SNICertificates>;
  // a document without the element leaves them as they are (as Bindings).
  void certificates(const char* name, std::vector<TIocpSNICertificate>& list) {
    const pugi::xml_node n = take(name);
    if (!n) return;
    list.clear();
    const std::string path = here(name);
    attributesNotAllowed(n, path);
    static const char* const kAttributes[] = {"HostName", "CertFile", "KeyFile"};
    for (const pugi::xml_node& e : n.children()) {
      if (e.type() != pugi::node_element) {
        textNotAllowed(e, path);
        continue;
      }
      if (std::strcmp(e.name(), "Certificate") != 0) fail(path + "/" + e.name(), "unknown element; allowed here: Certificate");
      const std::string cpath = path + "/Certificate[" + std::to_string(list.size() + 1) + "]";
      TIocpSNICertificate c;
      std::string* fields[] = {&c.HostName, &c.CertFile, &c.KeyFile};
      bool seen[3] = {false, false, false};
      for (const pugi::xml_attribute& a : e.attributes()) {
        const std::string apath = cpath + "/@" + a.name();
        int which = -1;
        for (int i = 0; i < 3; ++i) {
          if (std::strcmp(a.name(), kAttributes[i]) == 0) which = i;
        }
        if (which < 0) fail(apath, "unknown attribute; allowed: HostName, CertFile, KeyFile");
        if (seen[which]) fail(apath, "given more than once; give it once");
        seen[which] = true;
        *fields[which] = a.value();
      }
      for (int i = 0; i < 3; ++i) {
        if (!seen[i]) fail(cpath, std::string("the attribute ") + kAttributes[i] + " is missing");
      }
      for (const pugi::xml_node& c2 : e.children()) {
        if (c2.type() == pugi::node_element) {
          fail(cpath + "/" + c2.name(), "unknown element; Certificate takes the attributes HostName, CertFile and KeyFile only");
        }
        textNotAllowed(c2, cpath);
      }
      list.push_back(c);
    }
  }

 private:
  struct Frame {
    pugi::xml_node node;
    std::string path;
    std::vector<const char*> known;  // Element names the schema asked for here.
  };

  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    throw EIocpConfigError(prefix_ + path + ": " + what, path);
  }

  std::string here(const char* name) const { return frames_.back().path + "/" + name; }

  // The element `name` of the current group, or a null node when it is missing.
  pugi::xml_node take(const char* name) {
    Frame& f = frames_.back();
    f.known.push_back(name);
    const pugi::xml_node n = f.node.child(name);
    if (n && n.next_sibling(name)) fail(here(name), "given more than once; give it once");
    return n;
  }

  // The text of a value element (pcdata and CDATA sections together).
  std::string leafText(const pugi::xml_node& n, const std::string& path) const {
    attributesNotAllowed(n, path);
    std::string value;
    for (const pugi::xml_node& c : n.children()) {
      if (c.type() == pugi::node_element) {
        fail(path + "/" + c.name(), std::string("unknown element; ") + n.name() + " holds a value, not elements");
      }
      value += c.value();
    }
    return value;
  }

  long long toNumber(const std::string& path, const std::string& text, long long lo, long long hi) const {
    const std::string v = trimmed(text);
    const bool digits = !v.empty() && v.find_first_not_of("0123456789", v[0] == '-' ? 1 : 0) == std::string::npos &&
                        v != "-";
    if (!digits) fail(path, "bad value " + shown(v) + " (not a whole number); " + options::allowedRange(lo, hi));
    errno = 0;
    const long long n = std::strtoll(v.c_str(), nullptr, 10);
    if (errno == ERANGE || n < lo || n > hi) fail(path, "bad value " + shown(v) + " (out of range); " + options::allowedRange(lo, hi));
    return n;
  }

  void attributesNotAllowed(const pugi::xml_node& n, const std::string& path) const {
    if (const pugi::xml_attribute a = n.first_attribute()) {
      fail(path + "/@" + a.name(), std::string("unknown attribute; ") + n.name() + " takes none");
    }
  }

  // Only whitespace may stand between the elements of a group.
  void textNotAllowed(const pugi::xml_node& n, const std::string& path) const {
    if ((n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata) && !trimmed(n.value()).empty()) {
      fail(path, "text " + shown(n.value()) + " where only elements are allowed");
    }
  }

  // Every element of the current group is one the schema asked for.
  void finishFrame() const {
    const Frame& f = frames_.back();
    for (const pugi::xml_node& c : f.node.children()) {
      if (c.type() != pugi::node_element) {
        textNotAllowed(c, f.path);
        continue;
      }
      bool known = false;
      for (const char* k : f.known) known = known || std::strcmp(k, c.name()) == 0;
      if (known) continue;
      std::string allowed;
      for (const char* k : f.known) allowed += (allowed.empty() ? "" : ", ") + std::string(k);
      fail(f.path + "/" + c.name(), "unknown element; allowed here: " + allowed);
    }
  }

  std::string prefix_;
  const uint16_t& defaultPort_;
  std::vector<Frame> frames_;
};

void requireInactive(const TIocpTCPServer& server, const std::string& fileName) {
  if (server.GetActive()) {
    throw EIocpConfigError(prefix(fileName) + "cannot load while the server is active; set Active = false first");
  }
}

void load(TIocpTCPServer& server, const std::string& xml, const std::string& fileName) {
  const std::string start = prefix(fileName);
  requireInactive(server, fileName);
  pugi::xml_document doc;
  // parse_ws_pcdata_single: a value of spaces only (a Payload of " ") is kept.
  const pugi::xml_parse_result parsed =
      doc.load_buffer(xml.data(), xml.size(), pugi::parse_default | pugi::parse_ws_pcdata_single);
  if (!parsed) {
    std::string where = "at byte offset " + std::to_string(parsed.offset);
    if (parsed.encoding == pugi::encoding_utf8 && parsed.offset >= 0 &&
        static_cast<std::size_t>(parsed.offset) <= xml.size()) {
      const auto offset = static_cast<std::size_t>(parsed.offset);
      const auto line = 1 + std::count(xml.begin(), xml.begin() + parsed.offset, '\n');
      const std::size_t lastLF = offset == 0 ? std::string::npos : xml.rfind('\n', offset - 1);
      const std::size_t column = offset - (lastLF == std::string::npos ? 0 : lastLF + 1) + 1;
      where += " (line " + std::to_string(line) + ", column " + std::to_string(column) + ")";
    }
    throw EIocpConfigError(start + "malformed XML: " + parsed.description() + " " + where);
  }
  pugi::xml_node root;
  for (const pugi::xml_node& n : doc.children()) {
    if (n.type() != pugi::node_element) continue;
    if (root) {
      throw EIocpConfigError(start + "a second root element <" + std::string(n.name()) + ">; a document has one");
    }
    root = n;
  }
  if (!root || std::strcmp(root.name(), kRoot) != 0) {
    throw EIocpConfigError(start + "the root element is <" + std::string(root.name()) + ">; expected <" + kRoot + ">",
                           root.name());
  }
  TIocpTCPServer loaded;
  options::copy(server, loaded);
  Reader r(root, fileName, loaded.DefaultPort);
  options::describe(r, loaded);
  r.finish();
  options::copy(loaded, server);
}

}  // namespace

void TIocpTCPServer::LoadFromXmlString(const std::string& AXml) { load(*this, AXml, std::string()); }

std::string TIocpTCPServer::SaveToXmlString() const { return save(*this); }

void TIocpTCPServer::LoadFromXml(const std::string& AFileName) {
  requireInactive(*this, AFileName);
  std::ifstream in(AFileName, std::ios::binary);
  if (!in) throw EIocpConfigError(prefix(AFileName) + "cannot open the file: " + std::strerror(errno));
  const std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw EIocpConfigError(prefix(AFileName) + "cannot read the file: " + std::strerror(errno));
  load(*this, xml, AFileName);
}

void TIocpTCPServer::SaveToXml(const std::string& AFileName) const {
  const std::string xml = save(*this);
  std::ofstream out(AFileName, std::ios::binary | std::ios::trunc);
  if (out) out.write(xml.data(), static_cast<std::streamsize>(xml.size()));
  if (out) out.close();
  if (!out) throw EIocpConfigError(prefix(AFileName) + "cannot write the file: " + std::strerror(errno));
}

}  // namespace Iocp
