#include "indy_names.h"

#include <map>

#include "source_text.h"

namespace iocp_migrate {

namespace {

struct UnitRow {
  const char* name;
  IndyUnit kind;
  const char* replacement;
};

const UnitRow kUnits[] = {
    {"IdTCPServer", IndyUnit::Server, "IocpTCPServer"},
    {"IdCustomTCPServer", IndyUnit::Server, "IocpTCPServer"},
    {"IdContext", IndyUnit::Server, "IocpTCPServer"},
    {"IdSocketHandle", IndyUnit::Shared, "IocpTCPServer"},
    {"IdTCPConnection", IndyUnit::Shared, "IocpTCPServer"},  // TIocpTCPConnection is declared there.
    {"IdIOHandler", IndyUnit::Shared, "IocpIOHandler"},
    {"IdIOHandlerSocket", IndyUnit::Shared, "IocpIOHandler"},
    {"IdIOHandlerStack", IndyUnit::Shared, "IocpIOHandler"},
    {"IdBuffer", IndyUnit::Shared, "IocpIOHandler"},
    {"IdGlobal", IndyUnit::Shared, "IocpGlobal"},
    {"IdException", IndyUnit::Shared, "IocpGlobal"},
    {"IdExceptionCore", IndyUnit::Shared, "IocpGlobal"},
    {"IdBaseComponent", IndyUnit::Component, ""},
    {"IdComponent", IndyUnit::Component, ""},
    {"IdTCPClient", IndyUnit::Client, ""},
    {"IdScheduler", IndyUnit::Scheduler, ""},
    {"IdSchedulerOfThread", IndyUnit::Scheduler, ""},
    {"IdSchedulerOfThreadDefault", IndyUnit::Scheduler, ""},
    {"IdSchedulerOfThreadPool", IndyUnit::Scheduler, ""},
    {"IdSchedulerOfFiber", IndyUnit::Scheduler, ""},
    {"IdThread", IndyUnit::Scheduler, ""},
    {"IdYarn", IndyUnit::Server, "IocpTCPServer"},  // TIocpYarn (a context's constructor takes one).
    {"IdTask", IndyUnit::Scheduler, ""},
    {"IdSync", IndyUnit::Neutral, ""},
    {"IdThreadSafe", IndyUnit::Neutral, ""},
    {"IdStack", IndyUnit::Neutral, ""},
    {"IdStackConsts", IndyUnit::Neutral, ""},
    {"IdResourceStrings", IndyUnit::Neutral, ""},
    {"IdCTypes", IndyUnit::Neutral, ""},
    {"IdWinsock2", IndyUnit::Neutral, ""},
    {"IdIPAddress", IndyUnit::Neutral, ""},
    {"IdAssignedNumbers", IndyUnit::Neutral, ""},
    // A server IOHandler's units (the designer lists them with a TIdServerIOHandlerStack): the
    // IOCP server has none, its object stays Indy's like a scheduler, nothing of it meets the
    // server's types.
    {"IdServerIOHandler", IndyUnit::Neutral, ""},
    {"IdServerIOHandlerSocket", IndyUnit::Neutral, ""},
    {"IdServerIOHandlerStack", IndyUnit::Neutral, ""},
    // TLS: a server's TLS IOHandler becomes the server's SSLOptions; the units go with it unless
    // the unit has other TLS (a client's IOHandler).
    {"IdSSL", IndyUnit::Tls, "IocpIOHandler"},
    {"IdSSLOpenSSL", IndyUnit::Tls, "IocpIOHandler"},
    {"IdSSLOpenSSLHeaders", IndyUnit::Tls, ""},
};

const UnitRow* findUnit(const std::string& name) {
  for (const auto& row : kUnits)
    if (equalsNoCase(name, row.name)) return &row;
  return nullptr;
}

struct TypeRow {
  const char* indy;
  const char* ours;
  bool shared;
};

const TypeRow kTypes[] = {
    {"TIdTCPServer", "TIocpTCPServer", false},
    {"TIdCustomTCPServer", "TIocpTCPServer", false},
    {"TIdContext", "TIocpContext", false},
    {"TIdServerContext", "TIocpContext", false},
    {"TIdContextClass", "TIocpContextClass", false},
    {"TIdContextThreadList", "TIocpContextList", false},
    // What Contexts.LockList returns: Indy's TIdContextList is the RTL's TList (Classes).
    {"TIdContextList", "TList", false},
    {"TIdListenerThread", "TIocpListenerThread", false},
    {"TIdYarn", "TIocpYarn", false},
    {"TIdTCPConnection", "TIocpTCPConnection", true},
    {"TIdIOHandler", "TIocpIOHandler", true},
    {"TIdIOHandlerSocket", "TIocpIOHandler", true},
    {"TIdIOHandlerStack", "TIocpIOHandler", true},
    {"TIdSocketHandle", "TIocpSocketHandle", true},
    {"TIdSocketHandles", "TIocpSocketHandles", true},
    {"TIdBuffer", "TIocpBuffer", true},
    // The IOHandler of a TLS connection (Indy's STARTTLS idiom casts a context's IOHandler to it).
    {"TIdSSLIOHandlerSocketBase", "TIocpSSLIOHandler", true},
    // OnVerifyPeer's certificate: the bridge's own TIdX509 (IocpIOHandler), Indy's name.
    {"TIdX509", "TIdX509", true},
    {"TIdX509Name", "TIdX509Name", true},
    // A server IOHandler made in code (Server.IOHandler := ...): Indy's OpenSSL one holds the TLS
    // options the server takes at activation (IocpTCPServer's TIocpServerIOHandlerSSL); a plain
    // one changes nothing.
    {"TIdServerIOHandlerSSLOpenSSL", "TIocpServerIOHandlerSSL", false},
    {"TIdServerIOHandlerSSLBase", "TIocpServerIOHandlerSSL", false},
    {"TIdServerIOHandler", "TIocpServerIOHandler", false},
    {"TIdServerIOHandlerSocket", "TIocpServerIOHandler", false},
    {"TIdServerIOHandlerStack", "TIocpServerIOHandler", false},
};

// The inventory (component/pascal/INDY-MEMBERS.md, generated from Indy's own interface
// sections), turned into a table at build time (inventory_table.cmake).
struct InventoryRow {
  const char* section;  // The Indy class, or "IdGlobal" for the routines.
  const char* name;
  const char* status;   // "yes", "omitted: reason", "missing", "partial: ..."
};
const InventoryRow kInventory[] = {
#include "indy_inventory.inc"
};

// What the inventory says of `name` where `routines` (IdGlobal) or not (members): "" when one of
// ours has it (some row is "yes" or "partial"), else the first row's reason ("" if not listed).
std::string inventoryGap(const std::string& name, bool routines) {
  std::string gap;
  for (const auto& row : kInventory) {
    if ((std::string(row.section) == "IdGlobal") != routines || !equalsNoCase(name, row.name)) continue;
    const std::string status = row.status;
    if (status == "yes" || status.rfind("partial", 0) == 0) return "";
    if (gap.empty())
      gap = status.rfind("omitted: ", 0) == 0 ? status.substr(9) : "not in the IOCP units yet";
  }
  return gap;
}

}  // namespace

bool isOtherIndyServerUnit(const std::string& unitName) {
  const std::string l = lowerAscii(unitName);
  return classifyUnit(unitName) == IndyUnit::Other && l.size() > 6 && l.compare(l.size() - 6, 6, "server") == 0;
}

IndyUnit classifyUnit(const std::string& unitName) {
  if (const UnitRow* row = findUnit(unitName)) return row->kind;
  // Indy's units are Id + a capital: IdHTTP, IdSMTP ... (not Identity, Ideas).
  if (unitName.size() > 2 && (unitName[0] == 'I' || unitName[0] == 'i') && (unitName[1] == 'd' || unitName[1] == 'D') &&
      unitName[2] >= 'A' && unitName[2] <= 'Z')
    return IndyUnit::Other;
  return IndyUnit::NotIndy;
}

std::string renameUnitFor(const std::string& unitName) {
  const UnitRow* row = findUnit(unitName);
  return row ? row->replacement : "";
}

std::string renameTypeFor(const std::string& name, bool* shared) {
  for (const auto& row : kTypes)
    if (equalsNoCase(name, row.indy)) {
      if (shared) *shared = row.shared;
      return row.ours;
    }
  return "";
}

std::string missingMemberHint(const std::string& name) { return inventoryGap(name, false); }

bool inventoryPresent(const std::string& indyClass, const std::string& name) {
  for (const auto& row : kInventory)
    if (equalsNoCase(indyClass, row.section) && equalsNoCase(name, row.name) && std::string(row.status) == "yes")
      return true;
  return false;
}

std::string handlerCallWarning(const std::string& name, const std::string& qualifier,
                               const std::string& handler) {
  const std::string n = lowerAscii(name), q = lowerAscii(qualifier);
  const std::string where = name + " in " + handler + ": ";
  const std::string parks =
      "with iohIOCP the handler runs on a fiber of a shared completion thread, so this blocks that "
      "thread and every connection parked on it; wait with IOHandler.ReadLn(ATimeout) or "
      "CheckForDataOnSource(ATimeout), which park only this connection, or keep iohDefault for this server";
  if (n == "synchronize" || n == "synchronizemethod")
    return where + "waits for the main thread; with iohIOCP every connection on the same completion "
                   "thread waits too, and a main thread that is stopping the server (Active := False) "
                   "deadlocks; use TThread.Queue, or keep iohDefault for this server";
  if ((n == "queue" || n == "forcequeue") && q == "tthread")
    return where + "the queued code runs later on the main thread, when AContext may be gone; "
                   "pass copies of the values, never AContext";
  if (n == "sleep" || n == "sleepex" || n == "indysleep") return where + parks;
  if (n == "selectreadlist" || n == "selectread")  // TIdSocketList: select() on sockets.
    return where + "waits on sockets with select(); " + parks;
  if (n == "waitforsingleobject" || n == "waitformultipleobjects" || n == "msgwaitformultipleobjects" ||
      (n == "waitfor" && !q.empty()))
    return where + parks;
  if (n == "processmessages")
    return where + "runs the main thread's message loop from a server thread; remove it (handlers "
                   "never run on the main thread, and with iohIOCP not even on their own thread)";
  if (n == "coinitialize" || n == "coinitializeex" || n == "oleinitialize")
    return where + "COM is set up per thread (ADO, MSXML ...); with iohIOCP connections share completion "
                   "threads and, with IOCP.WorkOpThreads = 0, a handler may resume on another thread, where "
                   "the COM objects it made are not valid; set IOHandlerOptions.IOCP.WorkOpThreads (each "
                   "connection then stays on one thread for its life; its CoUninitialize stays paired), or keep "
                   "iohDefault for this server";
  if (n == "showmessage" || n == "messagedlg" || (n == "messagebox" && q == "application"))
    return where + "shows a dialog from a server thread; log the message or TThread.Queue it to the main thread";
  return "";
}

std::string yarnCastWarning(const std::string& name) {
  const std::string n = lowerAscii(name);
  if (n != "tidyarnofthread" && n != "tidyarnoffiber") return "";
  return name + ": a context of the IOCP server has no Indy thread or fiber (AContext.Yarn is a TIocpYarn "
                "that carries nothing; with iohIOCP the handler runs on a fiber of a shared completion "
                "thread), so a cast of AContext.Yarn to it reads what is not there; use TThread.CurrentThread "
                "for the running thread (iohDefault: the connection's own), keep per-connection state in the "
                "context, and leave thread priorities alone";
}

std::string idGlobalGap(const std::string& name) { return inventoryGap(name, true); }

bool namesTls(const std::string& name) {
  const std::string l = lowerAscii(name);
  return l.find("ssl") != std::string::npos || l.find("tls") != std::string::npos;
}

bool isTlsServerIOHandler(const std::string& className) {
  return lowerAscii(className).rfind("tidserveriohandler", 0) == 0 && namesTls(className);
}

bool isUntakenTlsType(const std::string& name, bool serverIOHandlerInCode) {
  const std::string l = lowerAscii(name);
  bool shared = false;
  for (const char* prefix : {"tidssl", "tidserveriohandlerssl", "tidx509", "tidopenssl"})
    if (l.rfind(prefix, 0) == 0)
      return renameTypeFor(name, &shared).empty() || (isTlsServerIOHandler(name) && !serverIOHandlerInCode);
  return false;
}

bool hasTlsServerIOHandlerInCode(const std::string& className) {
  return equalsNoCase(className, "TIdServerIOHandlerSSLOpenSSL") || equalsNoCase(className, "TIdServerIOHandlerSSLBase");
}

std::string tlsInCodeWarning() {
  return "TLS set up in code (a TLS server IOHandler made here): the server takes the IOHandler's SSLOptions and events when it "
         "activates and, as in Indy, each connection speaks plain text until a handler sets IOHandler.PassThrough := "
         "False; no code of this unit sets PassThrough, so the migrated server speaks plain text as Indy's did "
         "(Indy's TLS servers set it in OnConnect; docs/tls.md)";
}

std::string tlsRefusal(const std::string& what) {
  return "a TLS server: " + what + ". Migrating would turn it into a plain-text server: only Indy's "
         "TIdServerIOHandlerSSLOpenSSL has a counterpart (a form's moves onto the server's SSLOptions; one that "
         "code makes becomes TIocpServerIOHandlerSSL). Set the server's SSLOptions by hand "
         "(docs/tls.md) and remove the TLS IOHandler, or terminate TLS in front of it (a proxy) and run again "
         "with --tls-terminated-elsewhere";
}

std::string tlsMigratedWarning(const std::string& what) {
  return what + ": the migrated server speaks plain text; TLS must be terminated in front of it "
                "(--tls-terminated-elsewhere), and the TLS IOHandler is the user's to remove";
}

}  // namespace iocp_migrate
