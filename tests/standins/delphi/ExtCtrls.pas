{ Stand-in for the VCL's ExtCtrls unit: TPanel, TSplitter and TTimer as form files set them. }
unit ExtCtrls;
{$mode delphi}
interface
uses
  Classes, Controls;
type
  TPanel = class(TWinControl)
  private
    FCaption: string;
  published
    property Caption: string read FCaption write FCaption;
  end;
  TSplitter = class(TControl);
  TTimer = class(TComponent)
  private
    FEnabled: Boolean;
    FInterval: Cardinal;
    FOnTimer: TNotifyEvent;
  published
    property Enabled: Boolean read FEnabled write FEnabled default True;
    property Interval: Cardinal read FInterval write FInterval default 1000;
    property OnTimer: TNotifyEvent read FOnTimer write FOnTimer;
  end;
implementation
end.
