{ IocpFiberRtl: Pascal exception state per fiber.

  With iohIOCP every connection's handler runs on a fiber. Free Pascal keeps the chain of active
  try frames (ExceptAddrStack) and the stack of raised exception objects (ExceptObjectStack) in
  threadvars of the system unit. A handler parked in ReadLn inside a try block leaves its frames
  on its fiber's stack while other fibers run Pascal code on the same thread, and with
  WorkOpThreads = 0 it may resume on another thread: with one chain per thread the fibers'
  try..finally and try..except blocks would corrupt one another.

  The engine calls a hook right before a fiber runs and right after it parks or finishes
  (iocp_set_fiber_switch_hook), with a block of memory of that fiber's own. The hook here swaps
  the two threadvars: on entering it keeps the thread's values in the block and puts the fiber's
  in place; on leaving it keeps the fiber's values and puts the thread's back. So every fiber has
  its own chain, wherever it runs.

  On Windows x64 Free Pascal raises and unwinds with the system's table-based structured
  exceptions: the try frames are found from the fiber's own stack (Windows switches the stack
  bounds with the fiber), and only the raised objects are kept in a threadvar, so only that one
  is swapped there.

  The system unit does not export the two threadvars by name. They are found once, in the
  system unit's table of threadvars, by watching which entries a try block and an except block
  change (and checking the frame chain links up), so nothing depends on their order there.

  Delphi keeps its raise list per thread as well; the Delphi counterpart is not written yet (it
  cannot be tested here), so EnableFiberExceptionState does nothing there. }
unit IocpFiberRtl;

{$IFDEF FPC}
  {$mode delphi}
{$ENDIF}

interface

{ Install the hook (idempotent). Raises an exception if the runtime's threadvars cannot be found.
  Call before the first server is activated; the server units do. }
procedure EnableFiberExceptionState;

var
  { False makes the hook keep nothing: for the test that shows what goes wrong without it. }
  IocpFiberExceptionStateSwitch: Boolean = True;

implementation

uses
  SysUtils, IocpApi;

{$IFDEF FPC}

type
  { An entry of a unit's threadvar table (FPC 3.2: the threadvar's offset slot and its size). }
  PThreadvarEntry = ^TThreadvarEntry;
  TThreadvarEntry = packed record
    VarAddr: PDWord;
    Size: LongInt;
  end;
  TRelocate = function(Offset: DWord): Pointer;

  { What the hook keeps in a fiber's block (IOCP_FIBER_STATE_SIZE bytes), per swapped threadvar. }
  PFiberState = ^TFiberState;
  TFiberState = record
    Fiber: array[0..1] of Pointer;   { The fiber's values, while it is parked. }
    Thread: array[0..1] of Pointer;  { The resuming thread's values, while the fiber runs. }
  end;

  PFrame = ^TFrame;
  TFrame = record  { The head of the system unit's TExceptAddr. }
    Buf: Pointer;
    Next: PFrame;
  end;

var
  SystemThreadvars: TThreadvarEntry external name 'THREADVARLIST_$SYSTEM';
  RelocateThreadvar: TRelocate external name 'FPC_THREADVAR_RELOCATE';

const
  MaxEntries = 512;

{ Whether the runtime keeps its chain of try frames in a threadvar (not with Win64 SEH). }
{$IF NOT (DEFINED(MSWINDOWS) AND DEFINED(CPUX86_64))}
  {$DEFINE TRY_CHAIN_IN_THREADVAR}
{$IFEND}

var
  { The threadvars the hook swaps (their offsets): the raised objects, and the try chain where the
    runtime keeps one. }
  Swapped: array[0..1] of DWord;
  SwappedCount: Integer = 0;
  { Whether the second swapped threadvar lies SecondDelta bytes after the first in every thread
    (the runtime's threadvars of a thread in one block, at their offsets). }
  OneBlock: Boolean = False;
  SecondDelta: PtrInt = 0;
  Installed: Boolean = False;

type
  TSnapshot = array[0..MaxEntries - 1] of Pointer;

function EntryCount: Integer;
var
  E: PThreadvarEntry;
begin
  Result := 0;
  E := @SystemThreadvars;
  while (E^.VarAddr <> nil) and (Result < MaxEntries) do
  begin
    Inc(Result);
    Inc(E);
  end;
end;

function Entry(I: Integer): PThreadvarEntry;
begin
  Result := PThreadvarEntry(PAnsiChar(@SystemThreadvars) + I * SizeOf(TThreadvarEntry));
end;

{ The current thread's value of every pointer-sized threadvar of the system unit. }
procedure Snapshot(var S: TSnapshot; Count: Integer);
var
  I: Integer;
begin
  for I := 0 to Count - 1 do
    if Entry(I)^.Size = SizeOf(Pointer) then
      S[I] := PPointer(RelocateThreadvar(Entry(I)^.VarAddr^))^
    else
      S[I] := nil;
end;

{ Whether V may point into the current stack (near Here): only such values are followed. }
function NearStack(V, Here: Pointer): Boolean;
begin
  Result := (V <> nil) and (Abs(PtrInt(PAnsiChar(V) - PAnsiChar(Here))) < 65536);
end;

procedure Locate;
var
  Count, I, AddrIndex, ObjectIndex: Integer;
  Outside, InTry, InNested, InExcept: TSnapshot;
  Raised: Pointer;
begin
  Count := EntryCount;
  AddrIndex := -1;
  Snapshot(Outside, Count);
  try
    Snapshot(InTry, Count);
    try
      Snapshot(InNested, Count);
      { The try chain: a new frame on this stack on entering each try, linked to the one before.
        Checked here, while both frames are alive. }
      for I := 0 to Count - 1 do
        if (AddrIndex < 0) and (Entry(I)^.Size = SizeOf(Pointer)) and (InTry[I] <> Outside[I]) and
          (InNested[I] <> InTry[I]) and NearStack(InTry[I], @Count) and NearStack(InNested[I], @Count) and
          (PFrame(InNested[I])^.Next = InTry[I]) and (PFrame(InTry[I])^.Next = Outside[I]) then
          AddrIndex := I;
    finally
    end;
  finally
  end;
  Raised := nil;
  try
    raise Exception.Create('locating the exception threadvars');
  except
    Snapshot(InExcept, Count);
    Raised := RaiseList;
  end;
  { The raised objects: inside an except block, what RaiseList answers. }
  ObjectIndex := -1;
  for I := 0 to Count - 1 do
    if (ObjectIndex < 0) and (Entry(I)^.Size = SizeOf(Pointer)) and (Raised <> nil) and
      (InExcept[I] = Raised) and (Outside[I] <> Raised) then
      ObjectIndex := I;
  if (ObjectIndex < 0) {$IFDEF TRY_CHAIN_IN_THREADVAR} or (AddrIndex < 0) {$ENDIF} then
    raise Exception.Create('IocpFiberRtl: the exception threadvars of this Free Pascal runtime were ' +
      'not found; iohIOCP cannot run Pascal handlers safely');
  Swapped[0] := Entry(ObjectIndex)^.VarAddr^;
  SwappedCount := 1;
{$IFDEF TRY_CHAIN_IN_THREADVAR}
  Swapped[1] := Entry(AddrIndex)^.VarAddr^;
  SwappedCount := 2;
  SecondDelta := PtrInt(Swapped[1]) - PtrInt(Swapped[0]);
  OneBlock := PAnsiChar(RelocateThreadvar(Swapped[1])) - PAnsiChar(RelocateThreadvar(Swapped[0])) = SecondDelta;
{$ENDIF}
end;

{ The hook the engine calls on every fiber switch (twice per resume). The threadvars of a thread
  lie in one block of that thread, at the offsets of the table: so one relocation finds both
  (Locate checks that the runtime lays them out so, else each is relocated). }
procedure SwitchHook(State: Pointer; Entering: Integer); cdecl;
var
  S: PFiberState;
  V0, V1: PPointer;
begin
  if not IocpFiberExceptionStateSwitch then
    Exit;
  S := State;
  V0 := RelocateThreadvar(Swapped[0]);
  if SwappedCount = 1 then
    V1 := nil
  else if OneBlock then
    V1 := PPointer(PAnsiChar(V0) + SecondDelta)
  else
    V1 := RelocateThreadvar(Swapped[1]);
  if Entering <> 0 then
  begin
    S^.Thread[0] := V0^;
    V0^ := S^.Fiber[0];
    if V1 <> nil then
    begin
      S^.Thread[1] := V1^;
      V1^ := S^.Fiber[1];
    end;
  end
  else
  begin
    S^.Fiber[0] := V0^;
    V0^ := S^.Thread[0];
    if V1 <> nil then
    begin
      S^.Fiber[1] := V1^;
      V1^ := S^.Thread[1];
    end;
  end;
end;

procedure EnableFiberExceptionState;
begin
  if Installed then
    Exit;
  {$IF SizeOf(TFiberState) > IOCP_FIBER_STATE_SIZE}
    {$ERROR the fiber state does not fit the block the engine keeps per fiber}
  {$IFEND}
  Locate;
  iocp_set_fiber_switch_hook(SwitchHook);
  Installed := True;
end;

{$ELSE}

procedure EnableFiberExceptionState;
begin
end;

{$ENDIF}

end.
