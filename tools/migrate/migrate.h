// iocp-migrate: moves an Indy server project (Delphi, C++Builder, Free Pascal/Lazarus) to the
// IOCP bridge's component. Each kind of file has one rewriter: a pure function from the file's
// bytes to edits and warnings; main.cpp walks the paths, prints diffs and writes.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "source_text.h"

namespace iocp_migrate {

enum class Mode {
  Rename,  // TIdTCPServer -> TIocpTCPServer ..., Indy's server units replaced by ours.
  Compat   // Only the uses clause changes: Indy's server units -> IocpIndyCompat.
};

struct Options {
  bool write = false;
  bool iocp = false;       // Write IOHandlerOptions.IOHandlerType = iohIOCP into every migrated server.
  int threads = -1;        // IOHandlerOptions.IOCP.IOCPThreads to write (-1 = leave).
  int workop = -1;         // IOHandlerOptions.IOCP.WorkOpThreads to write (-1 = leave).
  Mode mode = Mode::Rename;
  bool removeSchedulers = false;  // Also delete scheduler objects no server uses, their fields and units.
  // A server with a TLS IOHandler is migrated (the IOHandler goes) instead of refused: the user
  // says TLS is terminated in front of it.
  bool tlsTerminatedElsewhere = false;
  // Added to .dproj unit search paths / .cbproj include paths (MSBuild syntax).
  std::string pascalPath = "$(IOCPBRIDGE)\\component\\pascal";
  std::string cppPath = "$(IOCPBRIDGE)\\component\\cpp";
  // Added to Lazarus .lpi unit search paths (Lazarus macro syntax).
  std::string lazarusPath = "$Env(IOCPBRIDGE)/component/pascal";
  // Set per project by the tool: the project holds a unit that needs IOCP_INDY_TYPES.
  bool defineIndyTypes = false;
};

struct FileResult {
  std::vector<Edit> edits;
  std::vector<Warning> warnings;
  std::string refused;  // Why the file was not migrated ("" = it was).
  // A TLS server found here ("" = none): without --tls-terminated-elsewhere the run writes nothing.
  std::string tlsServer;
  // The migrated unit keeps Indy's own units beside the bridge's (it keeps Indy's clients): its
  // project needs IOCP_INDY_TYPES, so that the bridge's units take Indy's types.
  bool needsIndyTypes = false;
};

// What the forms tell the code: the methods a server's events point at (lower case).
struct ProjectFacts {
  std::set<std::string> serverHandlers;
  // Objects deleted from a form (their fields go too), by the form's path without extension.
  std::map<std::string, std::set<std::string>> removedComponents;
  std::set<std::string> cppServerUnits;     // C++ files (path without extension) using Indy's server.
  std::set<std::string> serverForms;        // Forms (path without extension) holding an Indy server.
  std::set<std::string> tlsForms;           // Forms whose server has a TLS IOHandler (reported there).
  // TLS server IOHandlers of a form whose SSLOptions moved onto the server they served (their
  // object is deleted): form path without extension -> handler name (lower case) -> server name.
  std::map<std::string, std::map<std::string, std::string>> tlsMoved;
  // The project's own server components named like Indy's units (lower-case unit names): units
  // of the scanned tree that declare a TIdCustomTCPServer/TIdTCPServer subclass (IdModBusServer).
  std::set<std::string> ownServerUnits;
  std::set<std::string> ownServerClasses;   // Those subclasses (lower case): TIdModBusServer.
};

// Forms (.dfm .fmx .lfm, text): server objects renamed, unsupported properties removed,
// --iocp options written. Collects the server's event handlers into facts. base: the form's path
// without extension; code: its unit's source ("" if none), which may still use a scheduler.
FileResult migrateForm(const std::string& bytes, const Options& options, ProjectFacts& facts,
                       const std::string& base = "", const std::string& code = "");

// Pascal units, programs and packages (.pas .dpr .dpk .lpr). base: the path without extension
// (a unit and its form share it).
// The units a Pascal file's uses clauses name: the path of a unit given "in 'path'", else its name.
std::vector<std::string> pascalUsedUnits(const std::string& bytes);

FileResult migratePascal(const std::string& bytes, const Options& options, const ProjectFacts& facts,
                         const std::string& base = "");

// C++Builder sources (.cpp .h). base: the path without its extension (a .h and its .cpp share
// it; headers go first); formUnit: a form (.dfm/.fmx) of the same name exists.
FileResult migrateCpp(const std::string& bytes, const Options& options, ProjectFacts& facts,
                      const std::string& base = "", bool formUnit = false);

// MSBuild projects (.dproj .cbproj .groupproj). groupprojPackage: the IocpBridge package project
// to add to a group, relative to the group file ("" = do not add).
FileResult migrateMsbuild(const std::string& bytes, const std::string& extension, const Options& options);

// The files an MSBuild project names (its main source, its DCCReference / CppCompile / ... items;
// a group's projects), as written (relative to the project's folder, '\\' or '/' separators).
std::vector<std::string> projectReferences(const std::string& bytes);

// Refusals that apply to every text file (UTF-16, binary forms): "" = fine.
std::string refuseEncoding(const std::string& bytes);

}  // namespace iocp_migrate
