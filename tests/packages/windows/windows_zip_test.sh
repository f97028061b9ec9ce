#!/usr/bin/env bash
# The Windows release as a user gets it (tools/package-windows.sh): the zip is built, unpacked into
# an empty folder, and only what it holds is used:
#   - the Pascal echo demo (demos/pascal) compiles with Free Pascal for Win64 against the unpacked
#     units (-n: no fpc.cfg, so nothing but Free Pascal's own RTL and the zip) and serves under
#     Wine with the unpacked bin/win64/iocp64.dll beside it, in both engines (echo_demo.sh);
#   - bin/win32/iocp32.dll is a 32-bit Windows DLL exporting the same iocp_* functions as the
#     64-bit one (running it needs 32-bit Wine: tools/dev.sh test-win32);
#   - bin/win64/iocp-migrate.exe migrates a fixture under Wine to the fixture's expected files.
#   windows_zip_test.sh SOURCE_DIR BUILD64 BUILD32 WORK PPCX64 FPC_WIN64_UNITS WINE...
set -euo pipefail
src=$1 build64=$2 build32=$3 work=$4 ppcx64=$5 rtl=$6
shift 6
wine=("$@")
fail() { echo "windows_zip_test.sh: $*" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work/unpacked" "$work/app" "$work/units"
zip=$(bash "$src/tools/package-windows.sh" "$work/dist" "$build64" "$build32" | tee /dev/stderr |
      sed -nE 's/^package-windows.sh: ([^ ]+\.zip) .*/\1/p')
[ -f "$zip" ] || fail "no zip"
(cd "$work/unpacked" && cmake -E tar xf "$zip")
top=$(find "$work/unpacked" -mindepth 1 -maxdepth 1 -type d -name 'iocpbridge-*-windows')
[ -n "$top" ] || fail "the zip has no iocpbridge-<version>-windows folder"
for f in bin/win64/iocp64.dll bin/win32/iocp32.dll bin/win64/iocp-migrate.exe component/pascal/IocpTCPServer.pas \
         component/pascal/design/IocpRegister.pas component/capi/iocp.h component/cpp/Iocp.h \
         packages/delphi/IocpBridge.dpk packages/lazarus/iocpbridge.lpk demos/pascal/echo_server.pas \
         README.md INSTALL-windows.md; do
  [ -f "$top/$f" ] || fail "the zip has no $f"
done

# The Pascal echo server from the unpacked files only.
"$ppcx64" -Twin64 -n -Fu"$rtl" -Mdelphi -Sew -vewn -Fu"$top/component/pascal" -FU"$work/units" \
  -o"$work/app/echo_server.exe" "$top/demos/pascal/echo_server.pas" >"$work/fpc.log" 2>&1 ||
  { cat "$work/fpc.log" >&2; fail "the demo does not compile against the unpacked units"; }
cp "$top/bin/win64/iocp64.dll" "$work/app/"
for engine in iocp default; do
  bash "$src/tests/pascal/echo_demo.sh" "$engine" 20 "${wine[@]}" "$work/app/echo_server.exe" ||
    fail "the unpacked demo does not serve with $engine"
done

# The 32-bit DLL: a PE32 for i386 with the 64-bit one's exports.
exports() { "$1" -p "$2" | sed -nE 's/^[[:space:]]+\[ *[0-9]+\] (iocp_[a-z0-9_]+)$/\1/p' | sort; }
i686-w64-mingw32-objdump -f "$top/bin/win32/iocp32.dll" | grep -q "file format pei-i386" ||
  fail "bin/win32/iocp32.dll is not a 32-bit Windows DLL"
e64=$(exports x86_64-w64-mingw32-objdump "$top/bin/win64/iocp64.dll")
e32=$(exports i686-w64-mingw32-objdump "$top/bin/win32/iocp32.dll")
[ "$(wc -l <<<"$e64")" -gt 80 ] || fail "iocp64.dll exports only $(wc -l <<<"$e64") iocp_ functions"
[ "$e64" = "$e32" ] || fail "iocp32.dll and iocp64.dll export different functions: $(diff <(echo "$e64") <(echo "$e32") | head)"

# iocp-migrate.exe on a fixture: the files it writes are the fixture's expected ones.
case=$src/tests/migrate/fixtures/ado-data-module
mkdir -p "$work/migrate"
cp -a "$case/input/." "$work/migrate/"
(cd "$work/migrate" && "${wine[@]}" "$top/bin/win64/iocp-migrate.exe" $(cat "$case/args")) >"$work/migrate.log" 2>&1 ||
  { cat "$work/migrate.log" >&2; fail "iocp-migrate.exe failed"; }
n=0
while IFS= read -r -d '' f; do
  cmp -s "$case/expected/$f" "$work/migrate/$f" || fail "iocp-migrate.exe wrote $f unlike the fixture's expected file"
  n=$((n + 1))
done < <(cd "$case/expected" && find . -type f -print0)
((n > 0)) || fail "the fixture has no expected files"
echo "windows_zip_test.sh: $(basename "$zip"): the demo serves from the unpacked files (Win64, both engines)," \
     "iocp32.dll exports the same $(wc -l <<<"$e64") functions, iocp-migrate.exe wrote $n files as expected"
