#!/usr/bin/env bash
# The migrated chat server differs from the Indy original only in its uses clause: the two files
# are equal once the lines of each uses clause are taken out.
set -euo pipefail
cd "$(dirname "$0")"
strip() { awk '/^uses/ {skip = 1; next} skip && /;/ {skip = 0; next} !skip' "$1"; }
if ! diff <(strip indy/ChatServer.pas) <(strip ChatServer.pas); then
  echo "same_but_uses.sh: ChatServer.pas differs from the Indy original beyond the uses clause" >&2
  exit 1
fi
diff indy/ChatServer.pas ChatServer.pas | grep '^[<>]' || true
echo "same_but_uses.sh: only the uses clause differs"
