#!/usr/bin/env bash
# The worked example, end to end: migrates a copy of demos/migration/indy with iocp-migrate three
# ways (rename mode as it is = iohDefault; rename with --iocp; compat mode with --iocp), checks that a second run changes nothing, builds each
# with Free Pascal against the IOCP bridge's Pascal units and libiocp (no Indy on the unit path:
# a unit the migration missed fails the build), and runs the TimeChat
# behaviour test against both servers.
#   migrate_test.sh IOCP_MIGRATE PASCAL_UNITS LIBIOCP_DIR WORK_DIR
set -euo pipefail
tool=$(realpath "$1") units=$(realpath "$2") lib=$(realpath "$3") work=$4
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "migrate_test.sh: FAIL: $*" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work"
for engine in default iocp compat-iocp; do
  dir=$work/$engine
  cp -a "$here/indy" "$dir"
  flags=(--write --remove-schedulers)
  case $engine in
    iocp) flags+=(--iocp) ;;
    compat-iocp) flags+=(--mode compat --iocp) ;;
  esac
  echo "== iocp-migrate ${flags[*]} ($engine)"
  "$tool" "${flags[@]}" "$dir" 2>&1 | sed "s|$work/||g" | tee "$work/$engine.migrate.txt" ||
    fail "iocp-migrate exited $?"
  grep -q '^iocp-migrate: 5 files scanned, 4 changed, .* 0 refused$' "$work/$engine.migrate.txt" ||
    fail "unexpected summary"
  "$tool" "${flags[@]}" "$dir" 2>&1 | grep -q ' 0 changed, .*nothing to change' || fail "a second run changed files"
  if [ "$engine" != default ]; then
    grep -q 'IOHandlerOptions.IOHandlerType = iohIOCP' "$dir/ServerModule.dfm" || fail "--iocp wrote no IOHandlerType"
  else
    ! grep -q 'IOHandlerType' "$dir/ServerModule.dfm" || fail "IOHandlerType written without --iocp"
  fi
  # The IDE makes the .res; Free Pascal only needs one to exist (an empty resource file).
  printf '\0\0\0\0\040\0\0\0\377\377\0\0\377\377\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0' >"$dir/TimeChatServer.res"
  mkdir -p "$dir/units"
  echo "== fpc ($engine)"
  (cd "$dir" && fpc -Mdelphi -Facthreads -vew -FUunits "-Fu$units" "-Fl$lib" "-k-rpath=$lib" TimeChatServer.dpr) \
    >"$work/$engine.fpc.txt" 2>&1 || { cat "$work/$engine.fpc.txt" >&2; fail "the migrated project does not build"; }
  echo "== behaviour test ($engine)"
  bash "$here/behaviour_test.sh" "$dir/TimeChatServer" | tail -1
done
echo "migrate_test.sh: the migrated project builds and passes its behaviour test in both engines (and in compat mode)"
