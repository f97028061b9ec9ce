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

  Delphi keeps the raised exceptions of a thread in its raise list, a threadvar of the System
  unit; the try frames are the system's (SEH on Win32, tables on Win64), which the Fibers API
  switches with the fiber. So under Delphi the hook swaps the raise list, through System's
  RaiseList and SetRaiseList(NewPtr): Pointer (which returns the one it replaces). Both are
  documented for every version from XE to 13 ("used internally", deprecated in favour of
  AcquireExceptionObject, which does not reach the list): docwiki.embarcadero.com/Libraries/
  XE/en/System.RaiseList, .../Libraries/Athens/en/System.SetRaiseList (12), and the same pages
  for Rio, Sydney, Alexandria and Florence.

  No Delphi compiler checks this code here, so it checks itself: the first activation with
  iohIOCP runs two fibers on the activating thread; each must begin with a fresh exception state
  of its own (no try frame, no raised object: not the thread's, not the other fiber's), then
  raise, park inside its except block, in a try..finally and inside its finally block, and on
  each resume see its own exception object, and none in the finally block. If not, activation
  raises EIocpFiberStateError naming what was seen, instead of letting handlers corrupt one
  another (the thread's own state is put back first).
  The same self-test runs under Free Pascal; tests/pascal/fiber_selftest.pas shows it failing
  with the swap switched off. }
unit IocpFiberRtl;

{$IFDEF FPC}
  {$mode delphi}
{$ENDIF}

interface

uses
  SysUtils;

type
  { The per-fiber exception state does not work with this runtime: the self-test's finding. }
  EIocpFiberStateError = class(Exception);

{ Install the hook and run the self-test, once (later calls return at once). Raises
  EIocpFiberStateError if the runtime's state cannot be found or the self-test fails (then the
  next call tries again). Call before the first server is activated with iohIOCP; the server
  unit does. Not from a handler's fiber. }
procedure EnableFiberExceptionState;

var
  { False makes the hook keep nothing: for the test that shows what goes wrong without it. }
  IocpFiberExceptionStateSwitch: Boolean = True;

implementation

uses
  IocpApi, IocpGlobal;

var
  Installed: Boolean = False;  { The hook is set and the self-test passed. }

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
    raise EIocpFiberStateError.Create('IocpFiberRtl: the exception threadvars of this Free Pascal runtime were ' +
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

type
  TThreadState = array[0..1] of Pointer;  { The swapped threadvars' values. }

procedure SaveThreadState(out AState: TThreadState);
var
  I: Integer;
begin
  for I := 0 to SwappedCount - 1 do
    AState[I] := PPointer(RelocateThreadvar(Swapped[I]))^;
end;

procedure RestoreThreadState(const AState: TThreadState);
var
  I: Integer;
begin
  for I := 0 to SwappedCount - 1 do
    PPointer(RelocateThreadvar(Swapped[I]))^ := AState[I];
end;

procedure Prepare;
begin
  {$IF SizeOf(TFiberState) > IOCP_FIBER_STATE_SIZE}
    {$ERROR the fiber state does not fit the block the engine keeps per fiber}
  {$IFEND}
  Locate;
end;

{$ELSE}

{ Delphi: the raise list, swapped through System.SetRaiseList (see the unit's comment). }
type
  PFiberState = ^TFiberState;
  TFiberState = record
    Fiber: Pointer;   { The fiber's raise list, while it is parked. }
    Thread: Pointer;  { The resuming thread's, while the fiber runs. }
  end;

{$WARN SYMBOL_DEPRECATED OFF}
procedure SwitchHook(State: Pointer; Entering: Integer); cdecl;
var
  S: PFiberState;
begin
  if not IocpFiberExceptionStateSwitch then
    Exit;
  S := State;
  if Entering <> 0 then
    S^.Thread := SetRaiseList(S^.Fiber)
  else
    S^.Fiber := SetRaiseList(S^.Thread);
end;

type
  TThreadState = Pointer;  { The raise list. }

procedure SaveThreadState(out AState: TThreadState);
begin
  AState := RaiseList;
end;

procedure RestoreThreadState(const AState: TThreadState);
begin
  SetRaiseList(AState);
end;
{$WARN SYMBOL_DEPRECATED ON}

procedure Prepare;
begin
end;

{$ENDIF}

{ --- The self-test (both compilers) --- }

type
  ESelfTestRaised = class(Exception);
  PSelfTest = ^TSelfTest;
  TSelfTest = record
    Raised: array[0..1] of TObject;  { Each fiber's exception, while its except block runs. }
    Problem: string;                 { The first thing that went wrong; '' = none. }
  end;

procedure Found(T: PSelfTest; const AProblem: string);
begin
  if T^.Problem = '' then
    T^.Problem := AProblem;
end;

{ Whether the running fiber sees an exception state of its own, fresh: no try frame, no raised
  object. A fiber that sees the thread's instead (or another fiber's) stops there, before it
  pushes anything onto what is not its own. }
function FreshState: Boolean;
var
  State: TThreadState;
begin
  SaveThreadState(State);
{$IFDEF FPC}
  Result := (State[0] = nil) and ((SwappedCount < 2) or (State[1] = nil));
{$ELSE}
  Result := State = nil;
{$ENDIF}
end;

procedure FoundNotFresh(T: PSelfTest; AIndex: Integer);
begin
  Found(T, 'fiber ' + IntToStr(AIndex + 1) + ' began inside the exception state of the thread ' +
    'or of another fiber, not in one of its own');
end;

{ The fiber's part once its state is its own: raise, park inside the except block, in a
  try..finally and inside its finally block, and look at what it sees after each resume. }
procedure Interleave(T: PSelfTest; AIndex: Integer);
var
  Name: string;
begin
  Name := 'fiber ' + IntToStr(AIndex + 1);
  try
    try
      T^.Raised[AIndex] := ESelfTestRaised.Create(Name);
      raise ESelfTestRaised(T^.Raised[AIndex]);
    except
      iocp_yield_interleaved_fiber;  { The other fiber raises and parks in its except block. }
      if ExceptObject <> T^.Raised[AIndex] then
        Found(T, Name + ' saw another exception object than its own in its except block');
    end;
    try
      iocp_yield_interleaved_fiber;  { Parked in a try..finally. }
    finally
      iocp_yield_interleaved_fiber;  { Parked inside the finally block. }
      if ExceptObject <> nil then
        Found(T, Name + ' saw an exception object in a finally block that no exception entered');
    end;
  except
    on E: Exception do
      Found(T, Name + ' raised ' + E.ClassName + ': ' + E.Message);
  end;
end;

{ One fiber of the self-test: no try block and no managed variable of its own (they would push
  onto the exception state before it is checked). }
procedure SelfTestFiber(AUser: Pointer; AIndex: Integer); cdecl;
begin
  if FreshState then
    Interleave(PSelfTest(AUser), AIndex)
  else
    FoundNotFresh(PSelfTest(AUser), AIndex);
end;

procedure SelfTest;
var
  T: TSelfTest;
  Status: Integer;
  Saved: TThreadState;
begin
  T.Raised[0] := nil;
  T.Raised[1] := nil;
  T.Problem := '';
  { Where the swap fails, the fibers leave this thread's exception state tangled: it is put back as
    it was, so that the refusal below can be raised and caught as usual. }
  SaveThreadState(Saved);
  Status := iocp_run_interleaved_fibers(2, SelfTestFiber, @T);
  RestoreThreadState(Saved);
  if Status <> IOCP_OK then
    T.Problem := 'the fibers did not run: ' + IocpAbiText(iocp_last_error);
  if T.Problem <> '' then
    raise EIocpFiberStateError.Create('iohIOCP: the self-test of the per-fiber exception state failed (' +
      T.Problem + '); Pascal handlers would corrupt one another''s exceptions on fibers with this ' +
      'runtime. Use iohDefault.');
end;

procedure EnableFiberExceptionState;
begin
  if Installed then
    Exit;
  Prepare;
  iocp_set_fiber_switch_hook(SwitchHook);
  SelfTest;
  Installed := True;
end;

end.
