#!/usr/bin/env bash
# Builds the Lazarus packages with lazbuild as a user's IDE would, in a copy (lazbuild writes its
# units beside the package):
#   lazbuild.sh SOURCE_DIR WORK_DIR
# - iocpbridge.lpk (runtime) and iocpbridge_dsgn.lpk (design-time) compile, every unit to a .ppu;
# - the package sources lazbuild writes (iocpbridge.pas, iocpbridge_dsgn.pas) match the committed
#   ones, so the .lpk and its package unit agree;
# - the design package's registration names IocpRegister.Register.
set -uo pipefail
src=${1:?usage: lazbuild.sh SOURCE_DIR WORK_DIR}
work=${2:?usage: lazbuild.sh SOURCE_DIR WORK_DIR}
fail() { echo "lazbuild.sh: $*" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work/packages" "$work/component"
cp -r "$src/packages/lazarus" "$work/packages/"
cp -r "$src/component/pascal" "$work/component/"
cd "$work"
lazbuild --pcp="$work/config" packages/lazarus/iocpbridge.lpk packages/lazarus/iocpbridge_dsgn.lpk \
  >"$work/lazbuild.log" 2>&1 || { grep -E "Error|Fatal" "$work/lazbuild.log" >&2; fail "lazbuild failed (log: $work/lazbuild.log)"; }
lib=packages/lazarus/lib/x86_64-linux
# Every unit but IocpIndyCompat, which is for programs only (its class aliases would shadow Indy's
# own classes in an IDE: packages/README.md, "Indy's names").
for pas in component/pascal/*.pas component/pascal/design/*.pas; do
  unit=$(basename "$pas" .pas)
  if [ "$unit" = IocpIndyCompat ]; then
    [ ! -f "$lib/$unit.ppu" ] || fail "$pas is in a package: it must stay out of the IDE"
    continue
  fi
  [ -f "$lib/$unit.ppu" ] || fail "no $unit.ppu: $pas is not in a package"
done
for pkg in iocpbridge iocpbridge_dsgn; do
  [ -f "$lib/$pkg.compiled" ] || fail "$pkg was not compiled"
  diff -u "$src/packages/lazarus/$pkg.pas" "packages/lazarus/$pkg.pas" ||
    fail "packages/lazarus/$pkg.pas differs from what lazbuild writes for $pkg.lpk: commit lazbuild's"
done
grep -q "RegisterUnit('IocpRegister', @IocpRegister.Register)" packages/lazarus/iocpbridge_dsgn.pas ||
  fail "the design package does not register IocpRegister"
echo "lazbuild.sh: iocpbridge and iocpbridge_dsgn built, $(ls $lib/*.ppu | wc -l) units ($(lazbuild --version))"
