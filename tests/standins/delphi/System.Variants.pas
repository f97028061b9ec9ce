{ Stand-in for Delphi's System.Variants (Free Pascal 3.2 has no unit scope names): the names the tests use,
  taken from Free Pascal's Variants. }
unit System.Variants;
{$mode delphi}
interface
uses
  Variants;
implementation
end.
