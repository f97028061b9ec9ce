{ Stand-in for the VCL's Buttons unit: TBitBtn and TSpeedButton. }
unit Buttons;
{$mode delphi}
interface
uses
  Classes, StdCtrls;
type
  TBitBtn = class(TButton);
  TSpeedButton = class(TButton);
implementation
end.
