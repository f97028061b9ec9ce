{ This file was automatically created by Lazarus. Do not edit!
  This source is only used to compile and install the package.
 }

unit iocpbridge_dsgn;

{$warn 5023 off : no warning about unused units}
interface

uses
  IocpRegister, LazarusPackageIntf;

implementation

procedure Register;
begin
  RegisterUnit('IocpRegister', @IocpRegister.Register);
end;

initialization
  RegisterPackage('iocpbridge_dsgn', @Register);
end.
