// Indy's names for the C++ component, in the global namespace as C++Builder's Indy headers put
// them, so C++Builder-style server code compiles against TIocpTCPServer with its includes changed
// (the C++ counterpart of component/pascal/IocpIndyCompat.pas):
//
//   #include <IocpIndyCompat.h>   // instead of IdTCPServer.hpp, IdContext.hpp, IdGlobal.hpp, ...
//
//   void __fastcall TServerModule::IdTCPServer1Execute(TIdContext *AContext) {
//     std::string Line = AContext->Connection->IOHandler->ReadLn();
//     AContext->Connection->IOHandler->WriteLn(Line);
//   }
//
// Every name is an alias of the component's own class, type, constant or exception (namespace
// Iocp), never a second class: `catch (EIdConnClosedGracefully&)` catches what the component
// raises, and where Iocp's own names are visible too (see the end of this file) they name the same
// entities, not rival ones.
//
// Outside C++Builder (__BORLANDC__ undefined) the header supplies the two C++Builder keywords such
// code carries: `__fastcall` as nothing (only where the compiler lacks it: g++ and clang on Linux;
// MSVC has it as a keyword and mingw-w64 as a macro, both left alone) and `__published` as
// `public`.
//
// What stays different from C++Builder's Indy; each shows as a compile error, none compiles with
// another meaning:
// - Text is std::string (bytes; Indy's default 8-bit encoding), not UnicodeString. There is no
//   `String` alias on purpose: UnicodeString counts from 1 and has members std::string lacks
//   (Length(), SubString(), Trim()), so `String` = std::string would let `Line[1]` compile and
//   mean the second character. Write std::string (or define your own alias knowing that).
// - Events are std::function, not __closure: wire a handler with a lambda,
//   `IdTCPServer1->OnExecute = [this](TIdContext *AContext) { IdTCPServer1Execute(AContext); };`,
//   and OnException/OnListenException receive `const std::exception&`, not `Exception*`.
// - GStack's properties are member functions: `GStack->LocalAddress()`, `GStack->HostName()`,
//   `GStack->LocalAddresses()` (a std::vector<std::string>, not a TStrings*).
// - Bindings and IOHandlerOptions are members, not pointers (`IdTCPServer1->Bindings.Add().IP`,
//   `IdTCPServer1->IOHandlerOptions.IOHandlerType = iohIOCP`); Contexts->LockList() returns a
//   `std::vector<TIdContext*>&`, not a TList*; ContextClass takes ContextClassOf<T>(), not
//   __classid(T).
// - No VCL: TObject, TComponent, TDataModule, Exception and __finally are C++Builder's own.
#pragma once

#include "Iocp.h"

#if !defined(__BORLANDC__)
#if !defined(__fastcall) && !defined(_MSC_VER)
#define __fastcall
#endif
#if !defined(__published)
#define __published public
#endif
#endif

// --- Classes (Indy name = our class). Threads: as the class they name. ---
using TIdTCPServer = Iocp::TIocpTCPServer;             // The server component.
using TIdCustomTCPServer = Iocp::TIocpTCPServer;       // Indy's base of TIdTCPServer: the same class.
using TIdContext = Iocp::TIocpContext;                 // One client connection of the server.
using TIdServerContext = Iocp::TIocpContext;           // Indy's server-side context: the same class.
using TIdContextClass = Iocp::TIocpContextClass;       // Server.ContextClass (ContextClassOf<T>()).
using TIdContextThreadList = Iocp::TIocpContextList;   // Server.Contexts (LockList/UnlockList).
using TIdTCPConnection = Iocp::TIocpTCPConnection;     // Context.Connection.
using TIdIOHandler = Iocp::TIocpIOHandler;             // Connection.IOHandler: reads and writes.
using TIdIOHandlerSocket = Iocp::TIocpIOHandler;       // Indy's socket IOHandler: the same class.
using TIdIOHandlerStack = Iocp::TIocpIOHandler;        // Indy's default IOHandler: the same class.
using TIdSSLIOHandlerSocketBase = Iocp::TIocpSSLIOHandler;  // A TLS connection's IOHandler (PassThrough).
using TIdServerIOHandler = Iocp::TIocpServerIOHandler;        // Server->IOHandler: a plain one...
using TIdServerIOHandlerStack = Iocp::TIocpServerIOHandler;   // ...changes nothing.
using TIdServerIOHandlerSSLOpenSSL = Iocp::TIocpServerIOHandlerSSL;  // TLS set up in code (IocpSSL.h).
using TIdBuffer = Iocp::TIocpBuffer;                   // IOHandler.InputBuffer.
using TIdSocketHandle = Iocp::TIocpSocketHandle;       // A binding: IP, Port, PeerIP, PeerPort.
using TIdSocketHandles = Iocp::TIocpSocketHandles;     // Server.Bindings.
using TIdTCPClient = Iocp::TIocpTCPClient;             // The blocking client component.
using TIdStack = Iocp::TIocpStack;                     // GStack's class: host name, local addresses.
using TIdStackLocalAddress = Iocp::TIocpLocalAddress;  // One entry of GStack->GetLocalAddressList().

// --- Types, values and constants that already carry Indy's names in namespace Iocp. ---
using Iocp::TIdServerThreadEvent;           // OnConnect, OnExecute, OnDisconnect, OnContextCreated.
using Iocp::TIdServerThreadExceptionEvent;  // OnException.
using Iocp::TIdListenExceptionEvent;        // OnListenException.
using Iocp::TIdSocketHandleEvent;           // OnBeforeBind.
using Iocp::TIdIOHandlerType;               // IOHandlerOptions.IOHandlerType.
using Iocp::iohDefault;                     // Thread per connection (Indy's model).
using Iocp::iohIOCP;                        // The platform's completion engine (IOCP / epoll).
using Iocp::iohEPOLL;                       // Alias of iohIOCP.
using Iocp::TIdMaxLineAction;               // IOHandler.MaxLineAction.
using Iocp::maException;                    // ReadLn raises on an over-long line.
using Iocp::maSplit;                        // ReadLn returns the first MaxLineLength bytes.
using Iocp::TIdBytes;                       // Bytes for ReadBytes/Write.
using Iocp::IdTimeoutDefault;               // ATimeout: use the IOHandler's ReadTimeout.
using Iocp::IdTimeoutInfinite;              // ATimeout: wait forever.
using Iocp::IdMaxLineLengthDefault;         // MaxLineLength's default, 16384.
using Iocp::EOL;                            // "\r\n", what WriteLn appends.
using Iocp::LF;                             // "\n", ReadLn's default terminator.
using Iocp::TIdIPVersion;                   // Id_IPv4 / Id_IPv6.
using Iocp::Id_IPv4;
using Iocp::Id_IPv6;
using Iocp::GStack;                         // GStack->LocalAddress(), ->HostName(), ->ResolveHost().

// --- Exceptions (Indy's classes; what the component raises). ---
using Iocp::EIdException;                      // Base of every component error.
using Iocp::EIdSilentException;                // Ordinary end of a connection.
using Iocp::EIdConnClosedGracefully;           // The peer closed; everything buffered was read.
using Iocp::EIdSocketError;                    // OS socket error (LastError).
using Iocp::EIdReadTimeout;                    // A fixed-size read timed out.
using Iocp::EIdReadLnMaxLineLengthExceeded;    // ReadLn: line over MaxLineLength (maException).
using Iocp::EIdReadLnWaitMaxAttemptsExceeded;  // ReadLnWait: too many empty lines.
using Iocp::EIdNotConnected;                   // I/O on a closed connection.
using Iocp::EIdConnectTimeout;                 // TIdTCPClient::Connect timed out.
using Iocp::EIdCouldNotBindSocket;             // Active = true could not bind or listen.
using Iocp::EIdTCPNoOnExecute;                 // Active = true without OnExecute.
using Iocp::EIdNoDataToRead;                   // Write(stream): the stream ended early.
using Iocp::EIdIOHandlerRequiresLargeStream;   // A 32-bit stream count over 2 GiB.
using Iocp::EIdIOHandlerStreamDataTooLarge;    // ReadStream: the stream cannot hold the count.
using Iocp::EIdResolveError;                   // GStack->ResolveHost: the name does not resolve.
using Iocp::IndySleep;                         // A handler's sleep (parks an iohIOCP fiber).
using Iocp::IIdTextEncoding;                   // DefStringEncoding, ReadLn/Write/WriteLn's encoding.
using Iocp::IndyTextEncoding_UTF8;             // Text as UTF-8 (std::string's own).
using Iocp::IndyTextEncoding_ASCII;            // 7-bit: other characters become '?'.
using Iocp::IndyTextEncoding_8Bit;             // Latin-1.
using Iocp::IndyTextEncoding_Default;          // ASCII, as Indy.

// --- The component's own names, unqualified. ---
// C++Builder code sees a package's names without qualification (the .hpp headers C++Builder
// generates end in `using namespace`), and so does code that includes this header: TIocpTCPServer,
// TIocpContext, hbWhenIdle, EIocpConfigError, ... (the names tools/migrate's rename mode writes
// resolve through this header). Define IOCP_NO_IMPLICIT_NAMESPACE_USE to keep them in namespace
// Iocp only.
#if !defined(IOCP_NO_IMPLICIT_NAMESPACE_USE)
using namespace Iocp;
#endif
