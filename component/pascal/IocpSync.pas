{ IocpSync: Indy's IdSync and IdThreadSafe classes (TIdSync, TIdNotify, TIdThreadSafeInteger,
  ...), which server handlers use to reach the GUI thread and to share counters and lists; through
  IocpIndyCompat under Indy's names.

  TIocpSync.Synchronize runs DoSynchronize in the main thread and waits for it, as Indy does
  (TThread.Synchronize): the main thread must be in its message loop (a GUI program) or call
  CheckSynchronize (a console program), else the caller waits; in the main thread itself it runs
  at once. With iohIOCP the waiting handler holds its completion thread meanwhile: prefer
  TIocpNotify (queued, no wait) there. TIocpNotify.Notify queues DoNotify to the main thread
  (TThread.Queue) and frees itself after it ran; in the main thread it runs at once unless
  MainThreadUsesNotify. The thread-safe values: any thread.

  Valid Delphi and Free Pascal (mode delphi). }
unit IocpSync;

{$IFDEF FPC}
  {$mode delphi}
{$ENDIF}

interface

uses
  SysUtils, Classes, SyncObjs;

type
  { Indy's TIdSync: override DoSynchronize, call Synchronize. }
  TIocpSync = class(TObject)
  protected
    procedure DoSynchronize; virtual; abstract;
  public
    constructor Create; overload; virtual;
    { Indy's: AThread is the thread whose Synchronize Indy would use; here the main thread is the
      target either way. }
    constructor Create(AThread: TThread); overload; virtual;
    procedure Synchronize;  { DoSynchronize in the main thread; waits for it. Any thread. }
    class procedure SynchronizeMethod(AMethod: TThreadMethod);  { The same for a method. Any thread. }
  end;

  { Indy's TIdNotify: override DoNotify, call Notify; the object frees itself. }
  TIocpNotify = class(TObject)
  protected
    FMainThreadUsesNotify: Boolean;
    procedure DoNotify; virtual; abstract;
    procedure InternalDoNotify;  { DoNotify, then Free. }
  public
    constructor Create; virtual;
    procedure Notify;  { DoNotify in the main thread, later; never waits. Any thread. }
    { The same for a method; AForceQueue queues even from the main thread. Any thread. }
    class procedure NotifyMethod(AMethod: TThreadMethod; AForceQueue: Boolean = False);
    { In the main thread, queue too instead of running at once. }
    property MainThreadUsesNotify: Boolean read FMainThreadUsesNotify write FMainThreadUsesNotify;
  end;

  { Indy's TIdThreadSafe: a lock around a value. Lock/Unlock from any thread, paired. }
  TIocpThreadSafe = class(TObject)
  protected
    FCriticalSection: TCriticalSection;
  public
    constructor Create; virtual;
    destructor Destroy; override;
    procedure Lock;
    procedure Unlock;
  end;

  { Increment/Decrement return the value before the change, as Indy's. Any thread. }
  TIocpThreadSafeInteger = class(TIocpThreadSafe)
  protected
    FValue: Integer;
    function GetValue: Integer;
    procedure SetValue(const AValue: Integer);
  public
    function Decrement: Integer; overload;
    function Decrement(const AValue: Integer): Integer; overload;
    function Increment: Integer; overload;
    function Increment(const AValue: Integer): Integer; overload;
    property Value: Integer read GetValue write SetValue;
  end;

  TIocpThreadSafeInt64 = class(TIocpThreadSafe)
  protected
    FValue: Int64;
    function GetValue: Int64;
    procedure SetValue(const AValue: Int64);
  public
    function Decrement: Int64; overload;
    function Decrement(const AValue: Int64): Int64; overload;
    function Increment: Int64; overload;
    function Increment(const AValue: Int64): Int64; overload;
    property Value: Int64 read GetValue write SetValue;
  end;

  { Toggle returns the new value, as Indy's. Any thread. }
  TIocpThreadSafeBoolean = class(TIocpThreadSafe)
  protected
    FValue: Boolean;
    function GetValue: Boolean;
    procedure SetValue(const AValue: Boolean);
  public
    function Toggle: Boolean;
    property Value: Boolean read GetValue write SetValue;
  end;

  TIocpThreadSafeString = class(TIocpThreadSafe)
  protected
    FValue: string;
    function GetValue: string;
    procedure SetValue(const AValue: string);
  public
    procedure Append(const AValue: string);
    procedure Prepend(const AValue: string);
    property Value: string read GetValue write SetValue;
  end;

  { A TStringList behind a lock: Lock returns it (Unlock after use). Any thread. }
  TIocpThreadSafeStringList = class(TIocpThreadSafe)
  protected
    FValue: TStringList;
    function GetValue(const AName: string): string;
    procedure SetValue(const AName, AValue: string);
  public
    constructor Create; override;
    destructor Destroy; override;
    procedure Add(const AItem: string);
    procedure AddObject(const AItem: string; AObject: TObject);
    procedure Clear;
    function Empty: Boolean;
    function Lock: TStringList; reintroduce;
    function ObjectByItem(const AItem: string): TObject;
    procedure Remove(const AItem: string);
    procedure Unlock; reintroduce;
    property Values[const AName: string]: string read GetValue write SetValue;
  end;

  { Indy's TIdThreadSafeList: a TThreadList with Count and IsCountLessThan. Any thread. }
  TIocpThreadSafeList = class(TThreadList)
  public
    constructor Create; virtual;
    function IsCountLessThan(const AValue: LongWord): Boolean;
    function Count: Integer;
    function IsEmpty: Boolean;
    function Pop: Pointer;   { Removes and returns the last item; nil when empty. }
    function Pull: Pointer;  { Removes and returns the first item; nil when empty. }
    procedure Assign(AList: TList); overload;             { The items of AList, instead of these. }
    procedure Assign(AThreadList: TThreadList); overload;
  end;

implementation

{ --- TIocpSync --- }

constructor TIocpSync.Create;
begin
  inherited Create;
end;

constructor TIocpSync.Create(AThread: TThread);
begin
  Create;
end;


procedure TIocpSync.Synchronize;
begin
  TThread.Synchronize(nil, DoSynchronize);
end;

class procedure TIocpSync.SynchronizeMethod(AMethod: TThreadMethod);
begin
  TThread.Synchronize(nil, AMethod);
end;

{ --- TIocpNotify --- }

type
  TIocpNotifyMethod = class(TIocpNotify)
  protected
    FMethod: TThreadMethod;
    procedure DoNotify; override;
  end;

procedure TIocpNotifyMethod.DoNotify;
begin
  FMethod;
end;

constructor TIocpNotify.Create;
begin
  inherited Create;
end;

procedure TIocpNotify.InternalDoNotify;
begin
  try
    DoNotify;
  finally
    Free;
  end;
end;

procedure TIocpNotify.Notify;
begin
  if (GetCurrentThreadId = MainThreadID) and not FMainThreadUsesNotify then
    InternalDoNotify
  else
    TThread.Queue(nil, InternalDoNotify);
end;

class procedure TIocpNotify.NotifyMethod(AMethod: TThreadMethod; AForceQueue: Boolean);
var
  N: TIocpNotifyMethod;
begin
  N := TIocpNotifyMethod.Create;
  N.FMethod := AMethod;
  N.FMainThreadUsesNotify := AForceQueue;
  N.Notify;
end;

{ --- TIocpThreadSafe --- }

constructor TIocpThreadSafe.Create;
begin
  inherited Create;
  FCriticalSection := TCriticalSection.Create;
end;

destructor TIocpThreadSafe.Destroy;
begin
  FCriticalSection.Free;
  inherited Destroy;
end;

procedure TIocpThreadSafe.Lock;
begin
  FCriticalSection.Enter;
end;

procedure TIocpThreadSafe.Unlock;
begin
  FCriticalSection.Leave;
end;

{ --- Values --- }

function TIocpThreadSafeInteger.GetValue: Integer;
begin
  Lock;
  try
    Result := FValue;
  finally
    Unlock;
  end;
end;

procedure TIocpThreadSafeInteger.SetValue(const AValue: Integer);
begin
  Lock;
  try
    FValue := AValue;
  finally
    Unlock;
  end;
end;

function TIocpThreadSafeInteger.Decrement: Integer;
begin
  Result := Decrement(1);
end;

function TIocpThreadSafeInteger.Decrement(const AValue: Integer): Integer;
begin
  Lock;
  try
    Result := FValue;
    Dec(FValue, AValue);
  finally
    Unlock;
  end;
end;

function TIocpThreadSafeInteger.Increment: Integer;
begin
  Result := Increment(1);
end;

function TIocpThreadSafeInteger.Increment(const AValue: Integer): Integer;
begin
  Lock;
  try
    Result := FValue;
    Inc(FValue, AValue);
  finally
    Unlock;
  end;
end;

function TIocpThreadSafeInt64.GetValue: Int64;
begin
  Lock;
  try
    Result := FValue;
  finally
    Unlock;
  end;
end;

procedure TIocpThreadSafeInt64.SetValue(const AValue: Int64);
begin
  Lock;
  try
    FValue := AValue;
  finally
    Unlock;
  end;
end;

function TIocpThreadSafeInt64.Decrement: Int64;
begin
  Result := Decrement(1);
end;

function TIocpThreadSafeInt64.Decrement(const AValue: Int64): Int64;
begin
  Lock;
  try
    Result := FValue;
    Dec(FValue, AValue);
  finally
    Unlock;
  end;
end;

function TIocpThreadSafeInt64.Increment: Int64;
begin
  Result := Increment(1);
end;

function TIocpThreadSafeInt64.Increment(const AValue: Int64): Int64;
begin
  Lock;
  try
    Result := FValue;
    Inc(FValue, AValue);
  finally
    Unlock;
  end;
end;

function TIocpThreadSafeBoolean.GetValue: Boolean;
begin
  Lock;
  try
    Result := FValue;
  finally
    Unlock;
  end;
end;

procedure TIocpThreadSafeBoolean.SetValue(const AValue: Boolean);
begin
  Lock;
  try
    FValue := AValue;
  finally
    Unlock;
  end;
end;

function TIocpThreadSafeBoolean.Toggle: Boolean;
begin
  Lock;
  try
    FValue := not FValue;
    Result := FValue;
  finally
    Unlock;
  end;
end;

function TIocpThreadSafeString.GetValue: string;
begin
  Lock;
  try
    Result := FValue;
  finally
    Unlock;
  end;
end;

procedure TIocpThreadSafeString.SetValue(const AValue: string);
begin
  Lock;
  try
    FValue := AValue;
  finally
    Unlock;
  end;
end;

procedure TIocpThreadSafeString.Append(const AValue: string);
begin
  Lock;
  try
    FValue := FValue + AValue;
  finally
    Unlock;
  end;
end;

procedure TIocpThreadSafeString.Prepend(const AValue: string);
begin
  Lock;
  try
    FValue := AValue + FValue;
  finally
    Unlock;
  end;
end;

constructor TIocpThreadSafeStringList.Create;
begin
  inherited Create;
  FValue := TStringList.Create;
end;

destructor TIocpThreadSafeStringList.Destroy;
begin
  FValue.Free;
  inherited Destroy;
end;

function TIocpThreadSafeStringList.Lock: TStringList;
begin
  inherited Lock;
  Result := FValue;
end;

procedure TIocpThreadSafeStringList.Unlock;
begin
  inherited Unlock;
end;

procedure TIocpThreadSafeStringList.Add(const AItem: string);
begin
  Lock.Add(AItem);
  Unlock;
end;

procedure TIocpThreadSafeStringList.AddObject(const AItem: string; AObject: TObject);
begin
  Lock.AddObject(AItem, AObject);
  Unlock;
end;

procedure TIocpThreadSafeStringList.Clear;
begin
  Lock.Clear;
  Unlock;
end;

function TIocpThreadSafeStringList.Empty: Boolean;
begin
  Result := Lock.Count = 0;
  Unlock;
end;

function TIocpThreadSafeStringList.GetValue(const AName: string): string;
begin
  try
    Result := Lock.Values[AName];
  finally
    Unlock;
  end;
end;

procedure TIocpThreadSafeStringList.SetValue(const AName, AValue: string);
begin
  try
    Lock.Values[AName] := AValue;
  finally
    Unlock;
  end;
end;

function TIocpThreadSafeStringList.ObjectByItem(const AItem: string): TObject;
var
  I: Integer;
begin
  Result := nil;
  try
    I := Lock.IndexOf(AItem);
    if I > -1 then
      Result := FValue.Objects[I];
  finally
    Unlock;
  end;
end;

procedure TIocpThreadSafeStringList.Remove(const AItem: string);
var
  I: Integer;
begin
  try
    I := Lock.IndexOf(AItem);
    if I > -1 then
      FValue.Delete(I);
  finally
    Unlock;
  end;
end;

{ --- TIocpThreadSafeList --- }

constructor TIocpThreadSafeList.Create;
begin
  inherited Create;
end;

function TIocpThreadSafeList.Count: Integer;
begin
  try
    Result := LockList.Count;
  finally
    UnlockList;
  end;
end;

function TIocpThreadSafeList.IsCountLessThan(const AValue: LongWord): Boolean;
begin
  Result := LongWord(Count) < AValue;
end;

function TIocpThreadSafeList.IsEmpty: Boolean;
begin
  Result := Count = 0;
end;

function TIocpThreadSafeList.Pop: Pointer;
var
  L: TList;
begin
  Result := nil;
  L := LockList;
  try
    if L.Count > 0 then
    begin
      Result := L[L.Count - 1];
      L.Delete(L.Count - 1);
    end;
  finally
    UnlockList;
  end;
end;

function TIocpThreadSafeList.Pull: Pointer;
var
  L: TList;
begin
  Result := nil;
  L := LockList;
  try
    if L.Count > 0 then
    begin
      Result := L[0];
      L.Delete(0);
    end;
  finally
    UnlockList;
  end;
end;

procedure TIocpThreadSafeList.Assign(AList: TList);
begin
  LockList.Assign(AList);
  UnlockList;
end;

procedure TIocpThreadSafeList.Assign(AThreadList: TThreadList);
var
  Source: TList;
begin
  Source := AThreadList.LockList;
  try
    Assign(Source);
  finally
    AThreadList.UnlockList;
  end;
end;

end.
