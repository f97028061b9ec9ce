#!/usr/bin/env bash
# Builds Free Pascal's Windows x64 units from Debian's fpc-source-3.2.2 so that the native ppcx64
# cross-compiles the Pascal programs for Windows (-Twin64); they then run under Wine.
#   tools/fpc-win64-rtl.sh OUTDIR     -> OUTDIR/units/x86_64-win64/*.ppu (a few seconds)
# Besides the RTL (system, sysutils, classes, windows, heaptrc, ...) it builds the few package
# units the Pascal programs use: lnfodwrf (line info, -gl), syncobjs, dateutils.
# Then: ppcx64 -Twin64 -n -FuOUTDIR/units/x86_64-win64 -Mdelphi prog.pas
# (-n skips Debian's fpc.cfg, whose unit paths are the Linux ones.)
set -euo pipefail
out=${1:?usage: tools/fpc-win64-rtl.sh OUTDIR}
fpcsrc=/usr/share/fpcsrc/3.2.2
[ -d "$fpcsrc/rtl" ] || { echo "fpc-win64-rtl.sh: $fpcsrc missing: apt-get install fpc-source-3.2.2" >&2; exit 1; }
pp=$(command -v ppcx64 || echo /usr/lib/x86_64-linux-gnu/fpc/3.2.2/ppcx64)
units="$out/units/x86_64-win64"
stamp="$units/.complete"
rm -rf "$out"
mkdir -p "$units" "$out/rtl" "$out/extra"
cp -r "$fpcsrc/rtl/." "$out/rtl/"
log="$out/build.log"
compile() {  # compile DIR ARGS...: one compiler run in DIR, its output in the log
  local dir=$1
  shift
  (cd "$dir" && "$pp" -Twin64 -Px86_64 -n -O2 -Fu"$units" -FE"$units" "$@") >>"$log" 2>&1 ||
    { echo "fpc-win64-rtl.sh: failed, the end of $log:" >&2; tail -8 "$log" >&2; exit 1; }
}
rtl=(-Fi../inc -Fi../x86_64 -Fi../win -Fi../win/wininc -Fi../objpas -Fi../objpas/sysutils
     -Fi../objpas/classes -Fu../objpas -Fu../inc -Fu../win -Fu../x86_64 -Fu.)
compile "$out/rtl/win64" "${rtl[@]}" -Us -Sg system.pp
compile "$out/rtl/win64" "${rtl[@]}" -Sg buildrtl.pp
# Package units, each compiled from a folder of its own (next to rtl/inc the compiler would try to
# rebuild the RTL units it finds there).
cp "$fpcsrc/rtl/inc/lnfodwrf.pp" "$fpcsrc/packages/fcl-base/src/syncobjs.pp" \
   "$fpcsrc/packages/rtl-objpas/src/inc/dateutils.pp" "$fpcsrc/packages/rtl-objpas/src/inc/dateutil.inc" \
   "$out/extra/"
for unit in lnfodwrf syncobjs dateutils; do compile "$out/extra" "$unit.pp"; done
touch "$stamp"
echo "fpc-win64-rtl.sh: units in $units"
