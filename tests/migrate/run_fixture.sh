#!/usr/bin/env bash
# One iocp-migrate fixture: copies CASE/input (or the input of the case named in CASE/input-from)
# to a work folder, runs the tool with CASE/args there
# and compares, byte for byte:
#   stdout, stderr, exit code       with CASE/expected.stdout, expected.stderr, expected.rc
#   the files afterwards            with the input and CASE/expected/ (the files --write changed)
#                                   over it, or with the input (dry run)
# For --write cases also: each changed file's backup equals its original; the dry run's diff,
# applied with patch -p1, gives the same files as --write; a second run changes nothing (or, after
# a refusal, says the same again).
# Then the migrated code (the --write result, or the input with the dry run's diff applied) must
# compile: every source file the migration changed is listed in CASE/compile, one per line, as
#   fpc FILE            compiled with Free Pascal (mode delphi) against the component's Pascal
#                       units and tests/standins (the VCL and FMX, Indy's units a project keeps),
#                       all of a case's units in one call (a program: a call of its own)
#   indy FILE           the same, for a unit that keeps Indy's units beside the bridge's: compiled
#                       with IOCP_INDY_TYPES defined, which the tool must have put into the
#                       case's project file where the case has one
#   gap FILE: REASON    not compiled, for the reason given; printed as a known gap on every run
# (a changed source file missing from CASE/compile fails the case). Only when FPC and the Pascal
# units are given.
# INDY_SOURCE=DIR (Indy's Lib folder) compiles against real Indy instead of its stand-ins.
# UPDATE=1 rewrites the expected files from what the tool does (review them before committing).
#   run_fixture.sh TOOL CASE_DIR WORK_DIR [FPC PASCAL_UNITS [LIBRARY_DIR]]
set -euo pipefail
tool=$1 case=$2 work=$3 fpc=${4:-} units=${5:-} libdir=${6:-}
fail() { echo "FAIL ($(basename "$case")): $*" >&2; exit 1; }
# CASE/input-from names another case whose input this one shares.
input=$case/input
[ -f "$case/input-from" ] && input=$(dirname "$case")/$(cat "$case/input-from")/input
rm -rf "$work"
mkdir -p "$work/tree" "$work/out"
[ -d "$input" ] && cp -a "$input/." "$work/tree/"
read -r -a args <"$case/args"
run() {  # run OUTDIR ARGS...
  local out=$1; shift
  mkdir -p "$out"
  set +e
  (cd "$work/tree" && "$tool" "$@") >"$out/stdout" 2>"$out/stderr"
  echo $? >"$out/rc"
  set -e
}
run "$work/out" "${args[@]}"
if [ "${UPDATE:-0}" = 1 ]; then
  cp "$work/out/stdout" "$case/expected.stdout"
  cp "$work/out/stderr" "$case/expected.stderr"
  cp "$work/out/rc" "$case/expected.rc"
  if [[ " ${args[*]} " == *" --write "* ]]; then
    rm -rf "$case/expected"
    # Only what the tool changed or added: the rest must stay equal to the input.
    (cd "$work/tree" && find . -type f ! -name '*.iocp-migrate.bak' -print0) | while IFS= read -r -d '' f; do
      cmp -s "$work/tree/$f" "$input/$f" && continue
      mkdir -p "$case/expected/$(dirname "$f")"
      cp -p "$work/tree/$f" "$case/expected/$f"
    done
  fi
  echo "updated $(basename "$case")"
  exit 0
fi
for f in stdout stderr rc; do
  diff -u "$case/expected.$f" "$work/out/$f" >&2 || fail "$f differs from expected.$f"
done
if [[ " ${args[*]} " == *" --write "* ]]; then
  # The files expected afterwards: the input with CASE/expected/ (the changed files) over it.
  mkdir -p "$work/expected"
  cp -a "$input/." "$work/expected/"
  [ -d "$case/expected" ] && cp -a "$case/expected/." "$work/expected/"  # None: nothing written.
  diff -r -x '*.iocp-migrate.bak' "$work/expected" "$work/tree" >&2 || fail "the written files differ from expected/"
  # Backups: one per changed file, equal to the original.
  while IFS= read -r -d '' bak; do
    rel=${bak#"$work/tree/"}
    cmp -s "$bak" "$input/${rel%.iocp-migrate.bak}" || fail "backup $rel is not the original"
  done < <(find "$work/tree" -name '*.iocp-migrate.bak' -print0)
  changed=$(grep -c ': written (backup' "$work/out/stderr" || true)
  backups=$(find "$work/tree" -name '*.iocp-migrate.bak' | wc -l)
  [ "$changed" = "$backups" ] || fail "$changed files written but $backups backups"
  # The dry run's diff (on a fresh copy of the input) applies with patch and gives the same bytes.
  dry=()
  for a in "${args[@]}"; do [ "$a" = --write ] || dry+=("$a"); done
  mkdir -p "$work/dry" "$work/patched"
  cp -a "$input/." "$work/dry/"
  cp -a "$input/." "$work/patched/"
  (cd "$work/dry" && "$tool" "${dry[@]}" 2>/dev/null) >"$work/dry.diff" || true
  (cd "$work/patched" && patch -s -p1 --binary --no-backup-if-mismatch <"$work/dry.diff") >&2 ||
    fail "the dry run's diff does not apply with patch -p1"
  diff -r "$work/expected" "$work/patched" >&2 || fail "the dry run's diff gives other bytes than --write"
  # Idempotent: a second --write changes nothing and says so.
  run "$work/again" "${args[@]}"
  [ ! -s "$work/again/stdout" ] || fail "the second run printed a diff"
  if [ "$(cat "$case/expected.rc")" = 0 ]; then
    grep -q ' 0 changed, .*nothing to change' "$work/again/stderr" || fail "the second run did not say it changed nothing: $(tail -1 "$work/again/stderr")"
    # Warnings are state: what the first run warned about, the second says again (at the line
    # where it is now; notes explain the first run's edits and are not repeated).
    warnings() { grep ': warning: ' "$1" | sed -E 's/^([^:]*):[0-9]+: /\1: /'; }
    diff -u <(warnings "$work/out/stderr") <(warnings "$work/again/stderr") >&2 ||
      fail "the second run's warnings differ from the first's (a warning must stay while its cause does)"
  else  # A refusal is a state: the second run changes nothing and says it again.
    grep -q ' 0 changed, ' "$work/again/stderr" || fail "the second run changed files: $(tail -1 "$work/again/stderr")"
    diff -u <(grep ': error: ' "$work/out/stderr") <(grep ': error: ' "$work/again/stderr") >&2 ||
      fail "the second run's refusals differ from the first's"
  fi
  diff -r -x '*.iocp-migrate.bak' "$work/expected" "$work/tree" >&2 || fail "the second run changed files"
else
  if [ -d "$input" ]; then
    diff -r "$input" "$work/tree" >&2 || fail "a dry run changed files"
  fi
fi
# The migrated code compiles.
compiled=0 gaps=0
if [ -n "$fpc" ]; then
  migrated=$work/migrated
  mkdir -p "$migrated"
  if [[ " ${args[*]} " == *" --write "* ]]; then  # What --write left, without its backups.
    cp -a "$work/tree/." "$migrated/"
    find "$migrated" -name '*.iocp-migrate.bak' -delete
  else  # The input with the dry run's diff applied.
    [ -d "$input" ] && cp -a "$input/." "$migrated/"
    if [ -s "$work/out/stdout" ]; then
      (cd "$migrated" && patch -s -p1 --binary --no-backup-if-mismatch <"$work/out/stdout") >&2 ||
        fail "the dry run's diff does not apply to the input"
    fi
  fi
  changed=()
  if [ -d "$input" ]; then
    while IFS= read -r -d '' f; do
      f=${f#./}
      case ${f,,} in *.pas|*.pp|*.inc|*.dpr|*.lpr|*.dpk|*.cpp|*.cc|*.c|*.h|*.hpp) ;; *) continue ;; esac
      cmp -s "$migrated/$f" "$input/$f" || changed+=("$f")
    done < <(cd "$migrated" && find . -type f -print0 | sort -z)
  fi
  declare -A listed=()
  plain_units=() plain_programs=() indy_units=() indy_programs=()
  if [ -f "$case/compile" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      line=${line%$'\r'}
      [[ -z "$line" || "$line" == \#* ]] && continue
      kind=${line%% *} rest=${line#* }
      case $kind in
        fpc|indy)
          file=$rest
          [ -f "$migrated/$file" ] || fail "compile: $file is not in the migrated tree"
          case $kind:${file,,} in
            fpc:*.dpr|fpc:*.lpr) plain_programs+=("$file") ;;
            fpc:*) plain_units+=("$file") ;;
            indy:*.dpr|indy:*.lpr) indy_programs+=("$file") ;;
            *) indy_units+=("$file") ;;
          esac ;;
        gap)
          file=${rest%%: *}
          [ "$file" != "$rest" ] || fail "compile: a gap needs its reason: $line"
          [ -f "$migrated/$file" ] || fail "compile: $file is not in the migrated tree"
          echo "KNOWN GAP ($(basename "$case")): $file is not compiled: ${rest#*: }"
          gaps=$((gaps + 1)) ;;
        *) fail "compile: unknown line: $line" ;;
      esac
      listed[$file]=1
    done <"$case/compile"
  fi
  for f in "${changed[@]}"; do
    [ -n "${listed[$f]:-}" ] || fail "$f was changed by the migration but is neither compiled nor a known gap in $(basename "$case")/compile"
  done
  # A unit that keeps Indy's units needs IOCP_INDY_TYPES: the tool puts it into the project.
  if [ $((${#indy_units[@]} + ${#indy_programs[@]})) -gt 0 ] &&
     [ -n "$(cd "$migrated" && find . -type f \( -iname '*.dproj' -o -iname '*.lpi' -o -iname '*.cbproj' \) | head -1)" ] &&
     ! grep -rqs --include='*.dproj' --include='*.lpi' --include='*.cbproj' IOCP_INDY_TYPES "$migrated"; then
    fail "a unit keeps Indy's units but no project file of the migrated tree defines IOCP_INDY_TYPES"
  fi
  # The VCL/FMX stand-ins, and Indy's units a real project keeps (tests/standins/README.md).
  standins=$(cd "$(dirname "$0")/../standins" && pwd)
  indy_path=(-Fu"$standins/indy")
  if [ -n "${INDY_SOURCE:-}" ]; then
    indy_path=()
    for d in System Core Protocols; do indy_path+=(-Fu"$INDY_SOURCE/$d" -Fi"$INDY_SOURCE/$d"); done
  fi
  compile() {  # compile GROUP MAIN [FPC OPTIONS]: Free Pascal on one main file (-Cn: compile only), the migrated files' folders on the unit path.
    local group=$1 main=$2 dirs=() f
    shift 2
    local build=$work/fpc/$group
    mkdir -p "$build/units"
    for f in "${plain_units[@]}" "${plain_programs[@]}" "${indy_units[@]}" "${indy_programs[@]}"; do
      dirs+=("-Fu$migrated/$(dirname "$f")")
    done
    "$fpc" -Mdelphi -vew "$@" -FU"$build/units" -Fu"$units" -Fu"$standins/delphi" "${indy_path[@]}" "${dirs[@]}" \
      -o"$build/$(basename "${main%.*}")" "$main" >"$build/log" 2>&1 ||
      { cat "$build/log" >&2; fail "the migrated code does not compile with Free Pascal: $main"; }
  }
  unit_program() {  # unit_program FILE UNIT...: a program that uses every unit.
    local out=$1 name first=1 f
    shift
    mkdir -p "$(dirname "$out")"
    {
      echo "program fixture_units;"
      printf 'uses '
      for f in "$@"; do
        name=$(basename "$f"); name=${name%.*}
        [ $first = 1 ] || printf ', '
        printf '%s' "$name"
        first=0
      done
      echo ";"
      echo "begin"
      echo "end."
    } >"$out"
  }
  if [ ${#plain_units[@]} -gt 0 ]; then
    unit_program "$work/fpc/plain/fixture_units.dpr" "${plain_units[@]}"
    compile plain "$work/fpc/plain/fixture_units.dpr" -Cn
    compiled=$((compiled + ${#plain_units[@]}))
  fi
  for f in "${plain_programs[@]}"; do
    compile plain "$migrated/$f" -Cn
    compiled=$((compiled + 1))
  done
  if [ ${#indy_units[@]} -gt 0 ]; then
    unit_program "$work/fpc/indy/fixture_units.dpr" "${indy_units[@]}"
    compile indy "$work/fpc/indy/fixture_units.dpr" -Cn -dIOCP_INDY_TYPES
    compiled=$((compiled + ${#indy_units[@]}))
  fi
  for f in "${indy_programs[@]}"; do
    compile indy "$migrated/$f" -Cn -dIOCP_INDY_TYPES
    compiled=$((compiled + 1))
  done
fi
# The migrated code behaves: CASE/behaviour.pas, a program built against the migrated tree (its
# plain units) and the project's library, run in the migrated tree; it prints "N passed, N failed".
behaved=""
if [ -n "$fpc" ] && [ -n "$libdir" ] && [ -f "$case/behaviour.pas" ]; then
  compile plain "$case/behaviour.pas" -Fu"$(cd "$(dirname "$0")/../pascal" && pwd)" -Fl"$libdir" -k-rpath="$libdir"
  set +e
  (cd "$migrated" && timeout 300 "$work/fpc/plain/behaviour") >"$work/behaviour.log" 2>&1
  rc=$?
  set -e
  cat "$work/behaviour.log"
  [ $rc = 0 ] || fail "the migrated code does not behave (behaviour.pas, exit $rc)"
  behaved=", behaviour: $(tail -1 "$work/behaviour.log")"
fi
if [ -n "$fpc" ]; then
  echo "PASS $(basename "$case") (compiled: $compiled files, known gaps: $gaps$behaved)"
else
  echo "PASS $(basename "$case")"
fi
