#!/usr/bin/env bash
# gstack_netns.sh COMMAND...: runs gstack_test (COMMAND: the program, maybe behind a wrapper) in
# network namespaces it creates (root, unshare and iproute2's ip), so the interface list is
# known: one with only lo (--expect-none), one with a veth pair whose end v0 holds
# 198.51.100.7/24 and 2001:db8::7/64 (--expect; Indy lists the latter as 2001:DB8:0:0:0:0:0:7).
# The addresses exist only inside the namespace. Exit 77 (ctest: skipped, with the reason)
# where namespaces cannot be made (not root); CI runs as root.
set -euo pipefail
if ! unshare -n true 2>/dev/null || ! command -v ip >/dev/null; then
  echo "gstack_netns.sh: needs root, unshare and ip (iproute2) to build a network namespace" >&2
  exit 77
fi
echo "== a namespace with only lo"
unshare -n "$@" --expect-none
echo "== a namespace with v0 = 198.51.100.7/24, 2001:db8::7/64"
unshare -n bash -c '
  set -e
  ip link add v0 type veth peer name v1
  ip addr add 198.51.100.7/24 dev v0
  ip -6 addr add 2001:db8::7/64 dev v0 nodad
  ip link set v1 up
  ip link set v0 up
  exec "$@" --expect v0 198.51.100.7 2001:DB8:0:0:0:0:0:7' bash "$@"
