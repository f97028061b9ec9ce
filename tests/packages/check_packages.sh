#!/usr/bin/env bash
# Checks the IDE packages under packages/ the way the IDEs would read them:
#   check_packages.sh SOURCE_DIR WORK_DIR
# - Delphi .dpk: every unit of its contains clause exists and compiles with Free Pascal (mode
#   delphi); runtime packages say RUNONLY, design packages DESIGNONLY and require designide.
# - Delphi .dproj / .groupproj: well-formed MSBuild XML (xmllint), the MSBuild namespace, every
#   file they reference exists, and a .dproj lists the same units as its .dpk.
# - Lazarus .lpk: well-formed, every file it names exists and compiles with Free Pascal.
# Prints one line per check and "N passed, N failed"; exits 0 only when all passed.
set -uo pipefail
src=${1:?usage: check_packages.sh SOURCE_DIR WORK_DIR}
work=${2:?usage: check_packages.sh SOURCE_DIR WORK_DIR}
passed=0 failed=0
ok() { echo "[ ok       ] $*"; passed=$((passed + 1)); }
bad() { echo "[ FAILED   ] $*"; failed=$((failed + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
msbuild_ns="http://schemas.microsoft.com/developer/msbuild/2003"
rm -rf "$work" && mkdir -p "$work"

# Free Pascal compiles UNIT (a path), mode delphi, warnings as errors, into the work folder.
compiles() {
  fpc -Mdelphi -vewn -Sew -FU"$work" -Fu"$src/component/pascal" -Fu"$src/component/pascal/design" \
    "$1" >"$work/fpc.log" 2>&1 || { tail -5 "$work/fpc.log"; return 1; }
}
# The values of attribute ATTR of every element NAME (any namespace) in FILE, one per line.
attrs() {
  xmllint --xpath "//*[local-name()='$2']/@$3" "$1" 2>/dev/null | sed -E 's/^ *[A-Za-z]+="([^"]*)"$/\1/; s/" [A-Za-z]+="/\n/g' | grep -v '^$'
}
# A Windows path relative to DIR, as a path on this machine.
native() { echo "$1/${2//\\//}"; }

dpk_units() {  # the "in '...'" paths of a .dpk's contains clause
  tr -d '\r' <"$1" | sed -n '/^contains/,/;/p' | grep -o "in '[^']*'" | sed "s/in '\(.*\)'/\1/"
}

dir="$src/packages/delphi"
for dpk in "$dir"/*.dpk; do
  name=$(basename "$dpk" .dpk)
  units=$(dpk_units "$dpk")
  check "$name.dpk names units" test -n "$units"
  for u in $units; do
    f=$(native "$dir" "$u")
    check "$name.dpk: $u exists" test -f "$f"
    [ -f "$f" ] && check "$name.dpk: $u compiles with fpc -Mdelphi" compiles "$f"
  done
  if grep -q '{\$DESIGNONLY}' "$dpk"; then
    check "$name.dpk (design-time) requires designide" grep -qE '^\s*designide[,;]' "$dpk"
  else
    check "$name.dpk (runtime) says RUNONLY" grep -q '{\$RUNONLY}' "$dpk"
  fi
  proj="$dir/$name.dproj"
  check "$name.dproj exists beside $name.dpk" test -f "$proj"
  [ -f "$proj" ] || continue
  check "$name.dproj is well-formed XML" xmllint --noout "$proj"
  check "$name.dproj is an MSBuild project" \
    test "$(xmllint --xpath "namespace-uri(/*)" "$proj" 2>/dev/null)" = "$msbuild_ns"
  check "$name.dproj's MainSource is $name.dpk" \
    test "$(xmllint --xpath "string(//*[local-name()='PropertyGroup']/*[local-name()='MainSource'])" "$proj")" = "$name.dpk"
  refs=$(attrs "$proj" DCCReference Include | grep -v '\.dcp$')
  for r in $refs; do
    check "$name.dproj: $r exists" test -f "$(native "$dir" "$r")"
  done
  check "$name.dproj lists the units of $name.dpk" \
    test "$(echo "$refs" | sort)" = "$(echo "$units" | sort)"
  for req in $(tr -d '\r' <"$dpk" | sed -n '/^requires/,/;/p' | sed '1d; s/[,;]//g'); do
    check "$name.dproj references the required package $req" grep -q "Include=\"$req.dcp\"" "$proj"
  done
done

for group in "$dir"/*.groupproj; do
  g=$(basename "$group")
  check "$g is well-formed XML" xmllint --noout "$group"
  check "$g is an MSBuild project" \
    test "$(xmllint --xpath "namespace-uri(/*)" "$group" 2>/dev/null)" = "$msbuild_ns"
  for p in $(attrs "$group" Projects Include); do
    check "$g: $p exists" test -f "$(native "$dir" "$p")"
  done
  for proj in "$dir"/*.dproj; do
    check "$g builds $(basename "$proj")" grep -q "Include=\"$(basename "$proj")\"" "$group"
  done
done

dir="$src/packages/lazarus"
for lpk in "$dir"/*.lpk; do
  name=$(basename "$lpk")
  check "$name is well-formed XML" xmllint --noout "$lpk"
  for f in $(attrs "$lpk" Filename Value); do
    check "$name: $f exists" test -f "$dir/$f"
    case "$f" in *.pas) [ -f "$dir/$f" ] && check "$name: $f compiles with fpc -Mdelphi" compiles "$dir/$f" ;; esac
  done
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
