{ Indy's GStack (IdStack) from IocpIndyCompat: HostName, LocalAddress, LocalAddresses,
  GetLocalAddressList, AddLocalAddressesToList, ResolveHost, IsIP, IncUsage/DecUsage.

    gstack_test                      what holds on any machine (also under Wine)
    gstack_test --expect IFACE V4 V6 the interface IFACE holds exactly V4 and V6 (run by
                                     gstack_netns.sh inside a network namespace it builds)
    gstack_test --expect-none        no interface address at all (a namespace with only lo)

  Indy's behaviour, from its source (IdStack, IdStackUnix, IdStackWindows): GStack exists once
  an Indy component does; LocalAddress(es) list IPv4 only, loopback excluded, in the OS's order;
  GetLocalAddressList has IPv6 too; ResolveHost gives 'localhost' as 127.0.0.1 / ::1, a numeric
  address as it is, and raises EIdResolveError (an EIdSocketError) for a name that does not
  resolve; IsIP wants four decimal numbers 0..255; HostToNetwork/NetworkToHost swap to big-endian
  (an IPv6 address group by group); CalcCheckSum is the Internet checksum over host-order words.
  Prints "N passed, N failed". }
program gstack_test;

{$mode delphi}

uses
  {$IFDEF UNIX} cthreads, {$ENDIF} SysUtils, Classes, IocpIndyCompat, TestCheck;

function ToBytesOf(const A: array of Byte): TIdBytes;
begin
  Result := RawToBytes(A[0], Length(A));  { Indy's helper; never called with no bytes. }
end;

function Raises(const AHost: string; AVersion: TIdIPVersion): string;
begin
  try
    Result := 'no exception: ' + GStack.ResolveHost(AHost, AVersion);
  except
    on E: Exception do
      Result := E.ClassName + ' is EIdSocketError=' + BoolToStr(E is EIdSocketError, True);
  end;
end;

procedure AnyMachine;
var
  List: TIdStackLocalAddressList;
  Strings: TStringList;
  I, V4: Integer;
  A: string;
  V6: TIdIPv6Address;
  Swapped: Boolean;
begin
  Check(Assigned(GStack), 'GStack is there without IncUsage (as in a program with an Indy component)');
  TIdStack.IncUsage;
  TIdStack.DecUsage;
  Check(Assigned(GStack), 'IncUsage + DecUsage leave the unit''s own use');
  Check(GStack.HostName <> '', 'HostName is not empty');

  Check(GStack.ResolveHost('localhost') = '127.0.0.1', 'ResolveHost(''localhost'') = 127.0.0.1');
  Check(GStack.ResolveHost('LocalHost', Id_IPv6) = '::1', 'ResolveHost(''LocalHost'', Id_IPv6) = ::1');
  Check(GStack.ResolveHost('10.1.2.3') = '10.1.2.3', 'a numeric IPv4 address comes back as it is');
  Check(GStack.ResolveHost('::FFFF:1.2.3.4', Id_IPv6) = '::ffff:1.2.3.4', 'an IPv6 address comes back canonical');
  { A name the resolver rejects without asking DNS (an empty label). ('' is no such case:
    Windows resolves it to this machine.) }
  Check(Raises('bad..name', Id_IPv4) = 'EIdResolveError is EIdSocketError=True',
    'ResolveHost(''bad..name'') raises EIdResolveError: ' + Raises('bad..name', Id_IPv4));

  Check(GStack.IsIP('1.2.3.4'), 'IsIP(1.2.3.4)');
  Check(GStack.IsIP('255.255.255.255'), 'IsIP(255.255.255.255)');
  Check(GStack.IsIP('001.02.3.4'), 'IsIP(001.02.3.4): leading zeros pass, as Indy''s');
  Check(not GStack.IsIP('256.1.1.1'), 'not IsIP(256.1.1.1)');
  Check(not GStack.IsIP('1.2.3'), 'not IsIP(1.2.3)');
  Check(not GStack.IsIP('1.2.3.4.5'), 'not IsIP(1.2.3.4.5)');
  Check(GStack.IsIP('1.2.3.4.'), 'IsIP(1.2.3.4.): a trailing dot passes, as Indy''s Fetch-based test');
  Check(not GStack.IsIP('1..3.4'), 'not IsIP(1..3.4)');
  Check(not GStack.IsIP('a.b.c.d'), 'not IsIP(a.b.c.d)');
  Check(not GStack.IsIP(''), 'not IsIP('''')');

  Check(GStack.HostToNetwork(Word($1234)) = $3412, 'HostToNetwork(Word)');
  Check(GStack.HostToNetwork(LongWord($12345678)) = $78563412, 'HostToNetwork(LongWord)');
  Check(GStack.HostToNetwork(TIdUInt64($0102030405060708)) = TIdUInt64($0807060504030201), 'HostToNetwork(UInt64)');
  Check(GStack.NetworkToHost(GStack.HostToNetwork(LongWord($DEADBEEF))) = $DEADBEEF, 'NetworkToHost undoes HostToNetwork');
  Check(GStack.NetworkToHost(Word($3412)) = $1234, 'NetworkToHost(Word)');
  for I := 0 to 7 do
    V6[I] := $0102 * (I + 1);
  V6 := GStack.HostToNetwork(V6);
  Swapped := True;
  for I := 0 to 7 do
    Swapped := Swapped and (V6[I] = GStack.HostToNetwork(Word($0102 * (I + 1))));
  Check(Swapped, 'HostToNetwork(TIdIPv6Address) swaps each group');
  V6 := GStack.NetworkToHost(V6);
  Swapped := True;
  for I := 0 to 7 do
    Swapped := Swapped and (V6[I] = $0102 * (I + 1));
  Check(Swapped, 'NetworkToHost(TIdIPv6Address) undoes it');
  Check(GStack.SupportsIPv4 and GStack.SupportsIPv6, 'SupportsIPv4 and SupportsIPv6');
  Check(GStack.IsValidIPv4MulticastGroup('224.0.0.1') and GStack.IsValidIPv4MulticastGroup('239.255.255.250'),
    'IsValidIPv4MulticastGroup(224.0.0.1, 239.255.255.250)');
  Check(not GStack.IsValidIPv4MulticastGroup('240.0.0.1') and not GStack.IsValidIPv4MulticastGroup('10.0.0.1') and
    not GStack.IsValidIPv4MulticastGroup('224.1'), 'not IsValidIPv4MulticastGroup(240.0.0.1, 10.0.0.1, 224.1)');
  { Indy's sum: 16-bit words in host order (little-endian here), an odd last byte as it is. }
  Check(GStack.CalcCheckSum(ToBytesOf([$45, $00, $00, $1C])) = $E3BA, 'CalcCheckSum(45 00 00 1C) = $E3BA');
  Check(GStack.CalcCheckSum(ToBytesOf([1, 2, 3])) = $FDFB, 'CalcCheckSum(01 02 03) = $FDFB');
  Check(GStack.CalcCheckSum(nil) = $FFFF, 'CalcCheckSum of nothing = $FFFF');

  { Whatever this machine has: the lists agree with each other, and none is loopback. }
  List := TIdStackLocalAddressList.Create;
  Strings := TStringList.Create;
  try
    GStack.GetLocalAddressList(List);
    V4 := 0;
    for I := 0 to List.Count - 1 do
    begin
      A := List[I].IPAddress;
      Check((Copy(A, 1, 4) <> '127.') and (A <> '::1'), 'no loopback address in the list: ' + A);
      Check(List.IndexOfIP(A) <= I, 'IndexOfIP finds ' + A);
      Check(List.IndexOfIP(A, List[I].IPVersion) <= I, 'IndexOfIP(IPVersion) finds ' + A);
      if List[I].IPVersion = Id_IPv4 then
      begin
        Check(List[I] is TIdStackLocalAddressIPv4, A + ' is a TIdStackLocalAddressIPv4');
        Check(GStack.IsIP(A), A + ' is an IPv4 address');
        Check((V4 < GStack.LocalAddresses.Count) and (GStack.LocalAddresses[V4] = A),
          'LocalAddresses lists the IPv4 entries in order: ' + A);
        Inc(V4);
      end
      else
      begin
        Check((List[I] is TIdStackLocalAddressIPv6) and (Pos(':', A) > 0), A + ' is an IPv6 entry');
        Check((Pos('::', A) = 0) and (A = UpperCase(A)), A + ' is in Indy''s form: eight groups, upper case');
      end;
    end;
    Check(GStack.LocalAddresses.Count = V4, 'LocalAddresses has the IPv4 entries and nothing else');
    if V4 > 0 then
      Check(GStack.LocalAddress = GStack.LocalAddresses[0], 'LocalAddress is the first of LocalAddresses')
    else
      Check(GStack.LocalAddress = '', 'LocalAddress is '''' without an IPv4 interface');
    Strings.Add('first');
    GStack.AddLocalAddressesToList(Strings);
    Check(Strings.Count = V4 + 1, 'AddLocalAddressesToList adds, keeping what was there');
    Check(List.IndexOfIP('203.0.113.254') = -1, 'IndexOfIP of an address not in the list is -1');
  finally
    Strings.Free;
    List.Free;
  end;
end;

procedure Expect(const AInterface, AV4, AV6: string);
var
  List: TIdStackLocalAddressList;
  I: Integer;
begin
  Check(GStack.LocalAddress = AV4, 'LocalAddress = ' + AV4 + ' (got ' + GStack.LocalAddress + ')');
  Check(GStack.LocalAddresses.CommaText = AV4, 'LocalAddresses = ' + AV4 + ' (got ' + GStack.LocalAddresses.CommaText + ')');
  List := TIdStackLocalAddressList.Create;
  try
    GStack.GetLocalAddressList(List);
    I := List.IndexOfIP(AV4, Id_IPv4);
    Check(I >= 0, AV4 + ' is in GetLocalAddressList');
    if I >= 0 then
    begin
      Check(List[I].InterfaceName = AInterface, AV4 + ' is on ' + AInterface + ' (got ' + List[I].InterfaceName + ')');
      Check(List[I].InterfaceIndex > 0, AV4 + ' has an interface index');
      Check(TIdStackLocalAddressIPv4(List[I]).SubNetMask = '255.255.255.0', 'the /24''s mask is 255.255.255.0 (got ' +
        TIdStackLocalAddressIPv4(List[I]).SubNetMask + ')');
    end;
    I := List.IndexOfIP(AV6, Id_IPv6);
    Check(I >= 0, AV6 + ' is in GetLocalAddressList (Indy''s form of the address)');
    if I >= 0 then
      Check(List[I].InterfaceName = AInterface, AV6 + ' is on ' + AInterface);
    Check(List.IndexOfIP(AV6, Id_IPv4) = -1, 'IndexOfIP with the other IP version does not find ' + AV6);
  finally
    List.Free;
  end;
end;

procedure ExpectNone;
var
  List: TIdStackLocalAddressList;
begin
  Check(GStack.LocalAddress = '', 'LocalAddress is '''' with only lo');
  Check(GStack.LocalAddresses.Count = 0, 'LocalAddresses is empty with only lo');
  List := TIdStackLocalAddressList.Create;
  try
    GStack.GetLocalAddressList(List);
    Check(List.Count = 0, 'GetLocalAddressList is empty with only lo');
  finally
    List.Free;
  end;
end;

begin
  AnyMachine;
  if (ParamCount = 4) and (ParamStr(1) = '--expect') then
    Expect(ParamStr(2), ParamStr(3), ParamStr(4))
  else if (ParamCount = 1) and (ParamStr(1) = '--expect-none') then
    ExpectNone
  else if ParamCount <> 0 then
  begin
    WriteLn(StdErr, 'usage: gstack_test [--expect IFACE V4 V6 | --expect-none]');
    Halt(2);
  end;
  Report;
end.
