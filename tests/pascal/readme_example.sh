#!/usr/bin/env bash
# The README's Pascal example compiles as shown: cut out between its markers, built with fpc
# against the project's units and libiocp.
set -euo pipefail
src=$1 libdir=$2 work=$3
rm -rf "$work" && mkdir -p "$work/units"
awk '/<!-- readme-pascal:start/ {on = 1; next} /<!-- readme-pascal:end/ {on = 0} on' "$src/README.md" |
  sed '/^```/d' > "$work/echo.pas"
grep -q "^program" "$work/echo.pas" || { echo "readme_example.sh: no Pascal example in README.md" >&2; exit 1; }
fpc -Mdelphi -vewn -Sew -FU"$work/units" -Fu"$src/component/pascal" -Fl"$libdir" -o"$work/echo" "$work/echo.pas"
echo "readme_example.sh: the README's Pascal example compiles"
