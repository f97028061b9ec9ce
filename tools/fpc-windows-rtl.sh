#!/usr/bin/env bash
# Free Pascal for the Windows builds' Pascal programs, from Debian's Free Pascal 3.2.2 sources
# (Debian ships no Windows units and no cross compiler):
#   tools/fpc-windows-rtl.sh OUTDIR win64   -> OUTDIR/units/x86_64-win64/*.ppu (a few seconds);
#                                              the native ppcx64 compiles with -Twin64
#   tools/fpc-windows-rtl.sh OUTDIR win32   -> OUTDIR/bin/ppc386 (the i386 cross compiler, built
#                                              by ppcx64 from the `fpc` source package's compiler:
#                                              fpc-source-3.2.2 lacks its message file; about a
#                                              minute) and OUTDIR/units/i386-win32/*.ppu
# Besides the RTL (system, sysutils, classes, windows, heaptrc, ...) it builds the few package
# units the Pascal programs use: heaptrc, lineinfo and lnfodwrf (line info, -gl), syncobjs, dateutils.
# Then: COMPILER -Twin64|-Twin32 -n -FuOUTDIR/units/<cpu>-<os> -Mdelphi prog.pas
# (-n skips Debian's fpc.cfg, whose unit paths are the Linux ones.)
set -euo pipefail
out=${1:?usage: tools/fpc-windows-rtl.sh OUTDIR win64|win32}
target=${2:?usage: tools/fpc-windows-rtl.sh OUTDIR win64|win32}
fpcsrc=/usr/share/fpcsrc/3.2.2
[ -d "$fpcsrc/rtl" ] || { echo "fpc-windows-rtl.sh: $fpcsrc missing: apt-get install fpc-source-3.2.2" >&2; exit 1; }
ppcx64=$(command -v ppcx64 || echo /usr/lib/x86_64-linux-gnu/fpc/3.2.2/ppcx64)
case "$target" in
  win64) cpu=x86_64 ;;
  win32) cpu=i386 ;;
  *) echo "fpc-windows-rtl.sh: no target $target (win64 or win32)" >&2; exit 2 ;;
esac
units="$out/units/$cpu-$target"
rm -rf "$out"
mkdir -p "$units" "$out/rtl" "$out/extra" "$out/bin"
log="$out/build.log"
fail() { echo "fpc-windows-rtl.sh: $*, the end of $log:" >&2; tail -8 "$log" >&2; exit 1; }

pp=$ppcx64
if [ "$target" = win32 ]; then
  # The i386 cross compiler: the compiler's own sources, with ppcx64 and its Linux units.
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  tarball=$("$(dirname "$0")/debian-source.sh" fpc "$work")
  tar -xJf "$tarball" -C "$work" --wildcards '*/fpcsrc/compiler/*'
  compiler=$(find "$work" -maxdepth 3 -type d -path '*/fpcsrc/compiler' | head -1)
  [ -f "$compiler/msgtxt.inc" ] || { echo "fpc-windows-rtl.sh: no compiler sources in $tarball" >&2; exit 1; }
  linux_units=$(dirname "$ppcx64")/units/x86_64-linux
  [ -d "$linux_units/rtl" ] || linux_units=/usr/lib/x86_64-linux-gnu/fpc/3.2.2/units/x86_64-linux
  mkdir -p "$work/units"
  (cd "$compiler" && "$ppcx64" -n -Fu"$linux_units/rtl" -Fu"$linux_units/rtl-objpas" -Fu. -Fusystems -Fui386 -Fux86 \
    -Fii386 -Fi. -di386 -dGDB -dBROWSERLOG -O2 -FU"$work/units" -o"$out/bin/ppc386" pp.pas) >>"$log" 2>&1 ||
    fail "the i386 compiler did not build"
  pp=$out/bin/ppc386
fi

cp -r "$fpcsrc/rtl/." "$out/rtl/"
compile() {  # compile DIR ARGS...: one compiler run in DIR, its output in the log
  local dir=$1
  shift
  (cd "$dir" && "$pp" -T"$target" -P"$cpu" -n -O2 -Fu"$units" -FE"$units" "$@") >>"$log" 2>&1 ||
    fail "failed"
}
rtl=(-Fi../inc -Fi../$cpu -Fi../win -Fi../win/wininc -Fi../objpas -Fi../objpas/sysutils
     -Fi../objpas/classes -Fu../objpas -Fu../inc -Fu../win -Fu../$cpu -Fu.)
compile "$out/rtl/$target" "${rtl[@]}" -Us -Sg system.pp
compile "$out/rtl/$target" "${rtl[@]}" -Sg buildrtl.pp
# Package units, each compiled from a folder of its own (next to rtl/inc the compiler would try to
# rebuild the RTL units it finds there).
# (heaptrc, lineinfo, exeinfo: part of the win64 RTL build, not of the win32 one.)
for unit in heaptrc lineinfo exeinfo lnfodwrf; do cp "$fpcsrc/rtl/inc/$unit.pp" "$out/extra/"; done
cp "$fpcsrc/packages/fcl-base/src/syncobjs.pp" "$fpcsrc/packages/rtl-objpas/src/inc/dateutils.pp" \
   "$fpcsrc/packages/rtl-objpas/src/inc/dateutil.inc" "$out/extra/"
for unit in heaptrc exeinfo lineinfo; do
  [ -f "$units/$unit.ppu" ] || compile "$out/extra" "$unit.pp"
done
for unit in lnfodwrf syncobjs dateutils; do compile "$out/extra" "$unit.pp"; done
touch "$units/.complete"
echo "fpc-windows-rtl.sh: units in $units (compiler: $pp)"
