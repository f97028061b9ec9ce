// MSBuild projects (.dproj .cbproj .groupproj), read with pugixml for their structure and edited
// as bytes at the offsets pugixml reports, so the IDE's own layout stays as it was.
#include <pugixml.hpp>

#include "migrate.h"

namespace iocp_migrate {

namespace {

class ProjectMigrator {
 public:
  ProjectMigrator(const std::string& bytes, const Options& options) : text_(bytes), src_(text_.bytes()), options_(options) {}

  FileResult run(const std::string& extension) {
    const std::size_t bom = text_.bomLength();
    const pugi::xml_parse_result parsed =
        doc_.load_buffer(src_.data() + bom, src_.size() - bom, pugi::parse_default, pugi::encoding_utf8);
    if (!parsed) {
      const std::size_t at = bom + static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, parsed.offset));
      result_.refused = std::string("not well-formed XML (") + parsed.description() + " at line " +
                        std::to_string(text_.lineOf(std::min(at, src_.size()))) + "); nothing changed";
      return std::move(result_);
    }
    const pugi::xml_node project = doc_.document_element();
    if (lowerAscii(extension) == ".lpi") {
      lazarus(project);
      return std::move(result_);
    }
    if (std::string(project.name()) != "Project") {
      result_.refused = "not an MSBuild project (the root element is <" + std::string(project.name()) + ">)";
      return std::move(result_);
    }
    const std::string ext = lowerAscii(extension);
    if (ext == ".groupproj") {
      group(project);
    } else {
      const pugi::xml_node base = baseGroup(project);
      if (!base) {
        result_.warnings.push_back({0, "no base configuration (<PropertyGroup Condition=\"'$(Base)'!=''\">) found: add " +
                                           (ext == ".cbproj" ? options_.cppPath : options_.pascalPath) +
                                           " to the project's search path by hand"});
      } else if (ext == ".cbproj") {
        addToList(base, "IncludePath", options_.cppPath, "$(IncludePath)");
      } else {
        addToList(base, "DCC_UnitSearchPath", options_.pascalPath, "$(DCC_UnitSearchPath)");
        if (options_.defineIndyTypes) addToList(base, "DCC_Define", "IOCP_INDY_TYPES", "$(DCC_Define)");
        // The runtime packages: in the base configuration, or (newer IDEs) in the base of each
        // platform.
        if (base.child("DCC_UsePackage")) {
          addToList(base, "DCC_UsePackage", "IocpBridge", "");
        } else {
          for (const pugi::xml_node& g : project.children("PropertyGroup")) {
            const std::string c = squeeze(g.attribute("Condition").value());
            if ((c == "'$(Base_Win32)'!=''" || c == "'$(Base_Win64)'!=''") && g.child("DCC_UsePackage"))
              addToList(g, "DCC_UsePackage", "IocpBridge", "");
          }
        }
      }
    }
    return std::move(result_);
  }

 private:
  std::size_t offsetOf(const pugi::xml_node& n) const {
    return text_.bomLength() + static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, n.offset_debug()));
  }
  // Offset of the '<' that opens an element (pugixml reports its name).
  std::size_t tagStart(const pugi::xml_node& n) const {
    const std::size_t at = offsetOf(n);
    const std::size_t lt = src_.rfind('<', at);
    return lt == std::string::npos ? at : lt;
  }

  // Whether the list `value` (items separated by any of `separators`) holds `item` (any case).
  static bool listHas(const std::string& value, const std::string& item, const char* separators) {
    std::size_t b = 0;
    while (b <= value.size()) {
      std::size_t e = value.find_first_of(separators, b);
      if (e == std::string::npos) e = value.size();
      if (equalsNoCase(value.substr(b, e - b), item)) return true;
      b = e + 1;
    }
    return false;
  }

  static std::string squeeze(const std::string& s) {
    std::string out;
    for (char c : s)
      if (c != ' ' && c != '\t') out += c;
    return out;
  }

  pugi::xml_node baseGroup(const pugi::xml_node& project) const {
    for (const pugi::xml_node& g : project.children("PropertyGroup"))
      if (squeeze(g.attribute("Condition").value()) == "'$(Base)'!=''") return g;
    return {};
  }

  // Puts item first in the ';'-separated list property name of group (created with tail after
  // it when missing), unless the list has it already.
  void addToList(const pugi::xml_node& group, const char* name, const std::string& item, const std::string& tail) {
    const pugi::xml_node prop = group.child(name);
    if (prop) {
      const std::string value = prop.text().get();
      if (listHas(value, item, ";")) return;
      const std::size_t open = src_.find('>', offsetOf(prop));
      if (open == std::string::npos) {
        result_.warnings.push_back({text_.lineOf(offsetOf(prop)), std::string("add ") + item + " to <" + name + "> by hand"});
        return;
      }
      if (src_[open - 1] == '/') {  // <Name/>: written out with the item.
        const std::size_t lt = tagStart(prop);
        const std::string list = tail.empty() ? item : item + ";" + tail;
        result_.edits.push_back(Edit{lt, open + 1 - lt, "<" + std::string(name) + ">" + list + "</" + name + ">"});
        return;
      }
      result_.edits.push_back(Edit{open + 1, 0, value.empty() ? item : item + ";"});
      return;
    }
    const std::size_t close = src_.find("</PropertyGroup>", offsetOf(group));
    if (close == std::string::npos) {
      result_.warnings.push_back({text_.lineOf(offsetOf(group)), std::string("add <") + name + ">" + item + "</" +
                                                                    name + "> to the base configuration by hand"});
      return;
    }
    const pugi::xml_node first = group.first_child();
    std::string indent = first ? text_.indentAt(tagStart(first)) : text_.indentAt(close) + "    ";
    const std::string value = tail.empty() ? item : item + ";" + tail;
    result_.edits.push_back(Edit{text_.lineStart(close), 0,
                                 indent + "<" + name + ">" + value + "</" + name + ">" + text_.eol()});
  }

  // A project group: the IocpBridge runtime package project first in the group, built first.
  void group(const pugi::xml_node& project) {
    const std::string package = packageProject();
    pugi::xml_node firstProject;
    for (const pugi::xml_node& ig : project.children("ItemGroup")) {
      for (const pugi::xml_node& p : ig.children("Projects")) {
        const std::string include = p.attribute("Include").value();
        const std::string ours = "IocpBridge.dproj";
        if (include.size() >= ours.size() && equalsNoCase(include.substr(include.size() - ours.size()), ours)) return;
        if (!firstProject) firstProject = p;
      }
    }
    if (!firstProject) {
      result_.warnings.push_back({0, "no <Projects> in this group: add " + package + " to it by hand"});
      return;
    }
    const std::size_t at = tagStart(firstProject);
    const std::string indent = text_.indentAt(at);
    const std::string& eol = text_.eol();
    result_.edits.push_back(Edit{text_.lineStart(at), 0,
                                 indent + "<Projects Include=\"" + package + "\">" + eol + indent + "    <Dependencies/>" +
                                     eol + indent + "</Projects>" + eol});
    // The targets the IDE writes per project, and the group's Build/Clean/Make calling them.
    pugi::xml_node build;
    for (const pugi::xml_node& t : project.children("Target"))
      if (std::string(t.attribute("Name").value()) == "Build") build = t;
    if (!build) {
      result_.warnings.push_back({0, "no Build target in this group: build " + package + " first by hand"});
      return;
    }
    const std::size_t bt = tagStart(build);
    const std::string ti = text_.indentAt(bt);
    std::string targets;
    for (const char* suffix : {"", ":Clean", ":Make"}) {
      const std::string s = suffix;
      targets += ti + "<Target Name=\"IocpBridge" + s + "\">" + eol + ti + "    <MSBuild Projects=\"" + package + "\"" +
                 (s.empty() ? "" : " Targets=\"" + s.substr(1) + "\"") + "/>" + eol + ti + "</Target>" + eol;
    }
    result_.edits.push_back(Edit{text_.lineStart(bt), 0, targets});
    for (const pugi::xml_node& t : project.children("Target")) {
      const std::string name = t.attribute("Name").value();
      if (name != "Build" && name != "Clean" && name != "Make") continue;
      const pugi::xml_node call = t.child("CallTarget");
      if (!call) continue;
      const std::size_t attr = src_.find("Targets=\"", offsetOf(call));
      if (attr == std::string::npos) continue;
      result_.edits.push_back(Edit{attr + 9, 0, std::string("IocpBridge") + (name == "Build" ? "" : ":" + name) + ";"});
    }
  }

  // A Lazarus project: the Pascal units' folder joins CompilerOptions/SearchPaths/OtherUnitFiles,
  // and where a unit needs it -dIOCP_INDY_TYPES joins CompilerOptions/Other/CustomOptions.
  void lazarus(const pugi::xml_node& config) {
    const pugi::xml_node compiler = config.child("CompilerOptions");
    const std::string& path = options_.lazarusPath;
    if (std::string(config.name()) != "CONFIG" || !compiler) {
      result_.warnings.push_back({0, "no <CompilerOptions> in this project: add " + path +
                                         " to Project Options > Compiler Options > Paths > Other unit files by hand"});
      return;
    }
    if (options_.defineIndyTypes) {
      // A missing Other goes before </CompilerOptions> (Lazarus writes it late).
      const std::size_t close = src_.find("</CompilerOptions>", offsetOf(compiler));
      lazarusOption(compiler, "Other", "CustomOptions", "-dIOCP_INDY_TYPES", " \t\r\n",
                    close == std::string::npos ? close : text_.lineStart(close));
    }
    // A missing SearchPaths goes after the Version and Target elements (where Lazarus writes it).
    pugi::xml_node after;
    for (const char* n : {"Version", "Target"})
      if (compiler.child(n)) after = compiler.child(n);
    std::size_t at = std::string::npos;
    if (after) {  // The line after the element's end (its closing tag, or itself when it is empty).
      const std::size_t start = tagStart(after);
      std::size_t end = src_.find("</" + std::string(after.name()) + ">", start);
      const std::size_t selfClose = src_.find("/>", start);
      if (selfClose != std::string::npos && src_.find('>', start) == selfClose + 1) end = selfClose;
      at = text_.nextLine(end == std::string::npos ? start : end);
    } else if (compiler.first_child()) {
      at = text_.lineStart(tagStart(compiler.first_child()));
    }
    lazarusOption(compiler, "SearchPaths", "OtherUnitFiles", path, ";", at);
  }

  // Puts `item` first in the Value of compiler/<group>/<option> (a list separated by the first of
  // `separators`), unless the list has it: into the attribute, or a new option first in the group,
  // or a new group (with the option) at offset `newGroupAt` (npos: a warning to do it by hand).
  void lazarusOption(const pugi::xml_node& compiler, const char* group, const char* option, const std::string& item,
                     const char* separators, std::size_t newGroupAt) {
    const std::string& eol = text_.eol();
    const pugi::xml_node g = compiler.child(group);
    const pugi::xml_node o = g.child(option);
    const std::string byHand = std::string("add ") + item + " to <" + option + "> by hand";
    if (o) {
      const std::string value = o.attribute("Value").value();
      if (listHas(value, item, separators)) return;
      const std::size_t attr = src_.find("Value=\"", offsetOf(o));
      if (attr == std::string::npos || src_.find('>', offsetOf(o)) < attr) {
        result_.warnings.push_back({text_.lineOf(offsetOf(o)), byHand});
        return;
      }
      result_.edits.push_back(Edit{attr + 7, 0, value.empty() ? item : item + separators[0]});
      return;
    }
    const std::string line = "<" + std::string(option) + " Value=\"" + item + "\"/>";
    if (g.first_child()) {  // Before the group's first option, indented like it.
      const std::size_t at = tagStart(g.first_child());
      result_.edits.push_back(Edit{text_.lineStart(at), 0, text_.indentAt(at) + line + eol});
      return;
    }
    const pugi::xml_node first = compiler.first_child();
    if (g || !first || newGroupAt == std::string::npos) {  // An empty group, or nowhere to put one.
      result_.warnings.push_back({text_.lineOf(offsetOf(g ? g : compiler)), byHand});
      return;
    }
    const std::string indent = text_.indentAt(tagStart(first));
    const std::string one = indent.size() >= 2 ? indent.substr(0, indent.size() / 2) : "  ";
    result_.edits.push_back(Edit{newGroupAt, 0, indent + "<" + group + ">" + eol + indent + one + line + eol + indent +
                                                   "</" + group + ">" + eol});
  }

  std::string packageProject() const {
    std::string p = options_.pascalPath;
    const std::string tail = "\\component\\pascal";
    if (p.size() > tail.size() && p.compare(p.size() - tail.size(), tail.size(), tail) == 0)
      p = p.substr(0, p.size() - tail.size());
    return p + "\\packages\\delphi\\IocpBridge.dproj";
  }

  SourceText text_;
  const std::string& src_;
  const Options& options_;
  pugi::xml_document doc_;
  FileResult result_;
};

}  // namespace

std::vector<std::string> projectReferences(const std::string& bytes) {
  std::vector<std::string> refs;
  pugi::xml_document doc;
  const std::size_t bom = SourceText(bytes).bomLength();
  if (!doc.load_buffer(bytes.data() + bom, bytes.size() - bom, pugi::parse_default, pugi::encoding_utf8)) return refs;
  const pugi::xml_node project = doc.document_element();
  if (std::string(project.name()) == "CONFIG") {  // Lazarus: ProjectOptions/Units/Unit[N]/Filename.
    for (const pugi::xml_node& u : project.child("ProjectOptions").child("Units").children()) {
      const std::string file = u.child("Filename").attribute("Value").value();
      if (!file.empty()) refs.push_back(file);
    }
    return refs;
  }
  std::string mainSource;
  for (const pugi::xml_node& g : project.children("PropertyGroup"))
    if (g.child("MainSource")) mainSource = g.child("MainSource").text().get();
  if (!mainSource.empty()) refs.push_back(mainSource);
  // The items of the project: DCCReference, CppCompile, Projects (a group), ... with a file.
  for (const pugi::xml_node& items : project.children("ItemGroup"))
    for (const pugi::xml_node& item : items.children()) {
      const std::string include = item.attribute("Include").value();
      if (!include.empty() && include.find("$(") == std::string::npos) refs.push_back(include);
    }
  return refs;
}

FileResult migrateMsbuild(const std::string& bytes, const std::string& extension, const Options& options) {
  ProjectMigrator m(bytes, options);
  return m.run(extension);
}

}  // namespace iocp_migrate
