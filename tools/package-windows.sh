#!/usr/bin/env bash
# The Windows release a Delphi or C++Builder user unzips (no CMake, no mingw needed):
#   tools/package-windows.sh [OUTDIR [BUILD64 [BUILD32]]]
#     -> OUTDIR/iocpbridge-<version>-windows.zip (OUTDIR: dist; the builds: build/windows and
#        build/windows32, which tools/dev.sh build-windows makes)
# Contents, in the source tree's layout so that the package files' relative paths hold:
#   bin/win64/iocp64.dll, bin/win32/iocp32.dll    the C ABI library per bitness (no other DLL
#                                                 needed; TLS loads OpenSSL 3's DLLs, INSTALL)
#   bin/win64/iocp-migrate.exe                    the migration tool
#   component/pascal/ (units, design/)            the Pascal units (Delphi, Free Pascal)
#   component/capi/iocp.h, component/cpp/*.h      the C and C++ headers
#   packages/                                     the Delphi/C++Builder and Lazarus packages
#   demos/                                        the demos' sources
#   README.md, INSTALL-windows.md, CHANGELOG.md, licenses/
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/dist}
build64=${2:-$root/build/windows}
build32=${3:-$root/build/windows32}
fail() { echo "package-windows.sh: $*" >&2; exit 1; }
version=$(sed -nE 's/^project\(IocpBridge VERSION ([0-9.]+).*/\1/p' "$root/CMakeLists.txt")
[ -n "$version" ] || fail "no version in CMakeLists.txt"
dll64=$build64/component/iocp64.dll
dll32=$build32/component/iocp32.dll
migrate=$build64/tools/migrate/iocp-migrate.exe
for f in "$dll64" "$dll32" "$migrate"; do
  [ -f "$f" ] || fail "$f missing: build it first (tools/dev.sh build-windows)"
done
name=iocpbridge-$version-windows
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
top=$stage/$name
mkdir -p "$top/bin/win64" "$top/bin/win32" "$top/component/capi" "$top/component/cpp" "$top/licenses"
cp "$dll64" "$migrate" "$top/bin/win64/"
cp "$dll32" "$top/bin/win32/"
cp -r "$root/component/pascal" "$top/component/"
cp "$root/component/capi/iocp.h" "$top/component/capi/"
cp "$root/component/cpp/"*.h "$top/component/cpp/"
# The package files as they are in the tree (no build output).
(cd "$root" && git ls-files packages demos 2>/dev/null || find packages demos -type f) |
  while IFS= read -r f; do mkdir -p "$top/$(dirname "$f")"; cp "$root/$f" "$top/$f"; done
cp "$root/README.md" "$root/CHANGELOG.md" "$root/docs/INSTALL-windows.md" "$top/"
[ -f "$root/LICENSE" ] && cp "$root/LICENSE" "$top/licenses/iocpbridge.txt"
pugixml=$(grep -m1 -E '^IOCP_PUGIXML_WINDOWS_DIR:' "$build64/CMakeCache.txt" | cut -d= -f2- || true)
[ -f "$pugixml/src/LICENSE.md" ] && cp "$pugixml/src/LICENSE.md" "$top/licenses/pugixml.txt"  # In iocp-migrate.exe.
mkdir -p "$out"
rm -f "$out/$name.zip"
(cd "$stage" && cmake -E tar cf "$out/$name.zip" --format=zip "$name")
echo "package-windows.sh: $out/$name.zip ($(du -k "$out/$name.zip" | cut -f1) KiB, $(find "$top" -type f | wc -l) files)"
