#include "IdTCPServer.hpp"
#  include <IdGlobal.hpp> // kept or not
#define X(a) \
   a
const char* s = "TIdContext \" still a string";
char c = '\'';
/* TIdContext in a comment */
void __fastcall TM::Exec(TIdContext *AContext) const
{
  if (true) { Sleep(1); }
  TThread::Synchronize(nullptr, [](){});
  AContext->Connection->IOHandler->Capture(nullptr);
}
