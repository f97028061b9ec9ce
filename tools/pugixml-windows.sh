#!/usr/bin/env bash
# pugixml for the Windows builds of iocp-migrate (iocp-migrate.exe): Debian has no pugixml for
# mingw, so this takes the source of Debian's own `pugixml` package (tools/debian-source.sh: the
# version apt would pick, checked against the signed index) and keeps its three source files;
# tools/migrate/CMakeLists.txt compiles them into the tool.
#   tools/pugixml-windows.sh OUTDIR   -> OUTDIR/src/pugixml.{cpp,hpp}, pugiconfig.hpp, OUTDIR/.complete
set -euo pipefail
out=${1:?usage: tools/pugixml-windows.sh OUTDIR}
if [ -f "$out/.complete" ]; then
  echo "pugixml-windows.sh: $(cat "$out/.complete") in $out"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball=$("$(dirname "$0")/debian-source.sh" pugixml "$work")
tar -xf "$tarball" -C "$work"
src=$(find "$work" -maxdepth 1 -type d -name 'pugixml-*' | head -1)
[ -f "$src/src/pugixml.cpp" ] || { echo "pugixml-windows.sh: no src/pugixml.cpp in $tarball" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out/src"
cp "$src/src/pugixml.cpp" "$src/src/pugixml.hpp" "$src/src/pugiconfig.hpp" "$src/LICENSE.md" "$out/src/"
echo "pugixml ${src##*/pugixml-}" >"$out/.complete"
echo "pugixml-windows.sh: pugixml ${src##*/pugixml-} in $out"
