// What Indy's names become: units, classes, and what cannot carry over. One table per question,
// shared by the Pascal, form and C++ rewriters.
#pragma once

#include <string>

namespace iocp_migrate {

enum class IndyUnit {
  NotIndy,
  Server,     // IdTCPServer, IdCustomTCPServer, IdContext: always replaced.
  Shared,     // Also used by Indy's clients (IdGlobal, IdIOHandler ...): replaced unless a client is there.
  Component,  // IdBaseComponent, IdComponent: dropped unless a client is there.
  Client,     // IdTCPClient: covered by the compatibility unit only.
  Scheduler,  // Scheduler units: kept (the scheduler object stays in the form for the user).
  Neutral,    // Indy's helpers with neither clients nor servers (IdSync, IdThreadSafe, IdStack ...): kept.
  Tls,        // IdSSL, IdSSLOpenSSL ...: replaced (IocpIOHandler: Indy's TLS enums) when the server's
              // TLS IOHandler moved onto the server and nothing else of the unit is TLS; else kept.
  Other       // Every other Indy unit (TIdHTTP, TIdSMTP, ...): kept; makes the unit "mixed".
};

IndyUnit classifyUnit(const std::string& unitName);
// Another Indy server built on TIdCustomTCPServer (IdHTTPServer, IdCmdTCPServer, IdFTPServer ...):
// where one is used, TIdContext and IdContext/IdCustomTCPServer stay Indy's.
bool isOtherIndyServerUnit(const std::string& unitName);
// The IOCP unit that replaces an Indy unit in rename mode ("" = dropped).
std::string renameUnitFor(const std::string& unitName);
// The class or type that replaces an Indy one in rename mode ("" = kept). shared: the name is
// also used by Indy's clients (renamed only where no client unit is used).
std::string renameTypeFor(const std::string& name, bool* shared);
// An Indy server/IOHandler/connection member none of ours has: the inventory's reason
// (component/pascal/INDY-MEMBERS.md), or "" when one of ours has it or it is not inventoried.
std::string missingMemberHint(const std::string& name);
// Whether the inventory lists Indy's class `indyClass` member `name` as one of ours has it.
bool inventoryPresent(const std::string& indyClass, const std::string& name);
// A call inside a server event handler that does not suit a fiber: the warning text, or "".
std::string handlerCallWarning(const std::string& name, const std::string& qualifier,
                               const std::string& handler);
// Indy's yarn classes that carry a thread or fiber (TIdYarnOfThread(AContext.Yarn).Thread): the
// warning for a unit that names one, or "" for any other name.
std::string yarnCastWarning(const std::string& name);
// TLS: whether a class or object name says SSL or TLS; whether a class is one of Indy's TLS server
// IOHandlers (TIdServerIOHandlerSSLOpenSSL ...); the refusal of a TLS server found at `what`, and
// the warning when --tls-terminated-elsewhere migrates it.
bool namesTls(const std::string& name);
bool isTlsServerIOHandler(const std::string& className);
// Whether `name` is one of Indy's TLS types the IOCP units do not take over, so that Indy's TLS
// units stay: a client's (TIdSSLIOHandlerSocketOpenSSL ...), or a TLS server IOHandler unless the
// unit's own code makes it (serverIOHandlerInCode: then TIocpServerIOHandlerSSL replaces it).
bool isUntakenTlsType(const std::string& name, bool serverIOHandlerInCode);
// Whether the IOCP units have a class for this TLS server IOHandler when code makes one
// (IocpTCPServer's TIocpServerIOHandlerSSL), so that TLS set up in code is migrated, not refused;
// the warning for a unit that makes one but never sets PassThrough (plain text, as in Indy).
bool hasTlsServerIOHandlerInCode(const std::string& className);
std::string tlsInCodeWarning();
std::string tlsRefusal(const std::string& what);
std::string tlsMigratedWarning(const std::string& what);

// An IdGlobal routine the IOCP units do not provide: the inventory's reason, or "".
std::string idGlobalGap(const std::string& name);

}  // namespace iocp_migrate
