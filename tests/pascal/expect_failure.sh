#!/usr/bin/env bash
# Passes when the given command fails (a non-zero exit or a crash), fails when it succeeds: for
# runs that show what goes wrong without a mechanism.
"$@"
rc=$?
if [ "$rc" -eq 0 ]; then
  echo "expect_failure.sh: '$*' succeeded, but it must fail" >&2
  exit 1
fi
echo "expect_failure.sh: failed as it must (exit code $rc)"
exit 0
