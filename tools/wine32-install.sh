#!/usr/bin/env bash
# Installs Debian's 32-bit Wine (wine32:i386, beside wine64) for the 32-bit Windows test pass
# (tools/dev.sh test-win32). As root (or through sudo).
#
# Multiarch needs an i386 package at the same version as its installed amd64 counterpart. Debian's
# security archive publishes amd64 and i386 separately, and while one is ahead of the other an
# i386 dependency of wine32 (seen: libheif1) is newer than the amd64 package installed, and apt
# finds no plan ("held broken packages") or one that removes amd64 packages. This script then asks
# apt for the i386 package at the installed amd64 version (the main archive keeps it), one such
# pin per package apt names, until apt has a plan; a plan that removes any package is refused.
set -euo pipefail
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if dpkg-query -W -f='${Status}' wine32:i386 2>/dev/null | grep -q "install ok installed"; then
  echo "wine32-install.sh: wine32:i386 is installed"
  exit 0
fi
if ! dpkg --print-foreign-architectures | grep -qx i386; then
  $sudo dpkg --add-architecture i386
fi
$sudo apt-get update -qq
pins=()
for attempt in $(seq 20); do
  if plan=$(apt-get install -s -y --no-install-recommends wine32:i386 "${pins[@]}" 2>&1) &&
     ! grep -q "^Remv " <<<"$plan"; then
    break
  fi
  # The i386 packages apt could not fit: "X:i386 : Depends: Y:i386 (>= v) but it is not going to
  # be installed", or those it would remove amd64 packages for.
  wanted=$( (grep -oE "Depends: [a-z0-9.+-]+:i386" <<<"$plan" | awk '{print $2}' || true;
             grep -E "^Remv " <<<"$plan" | awk '{print $2}' | sed 's/:amd64$//; s/$/:i386/' || true) |
           sort -u)
  added=0
  for pkg in $wanted; do
    base=${pkg%:i386}
    version=$(dpkg-query -W -f='${Version}' "$base:amd64" 2>/dev/null || true)
    [ -n "$version" ] || continue
    printf '%s\n' "${pins[@]}" | grep -qx "$pkg=$version" && continue
    if apt-cache madison "$pkg" | awk -F'|' '{gsub(/ /, "", $2); print $2}' | grep -qx "$version"; then
      pins+=("$pkg=$version")
      added=1
    fi
  done
  if ((!added)); then
    echo "wine32-install.sh: apt finds no plan for wine32:i386 that keeps the installed packages," >&2
    echo "and no i386 package at an installed amd64 version would help (pins so far: ${pins[*]:-none}):" >&2
    grep -E "Depends:|^Remv|^E:" <<<"$plan" | head -20 >&2
    exit 1
  fi
done
echo "wine32-install.sh: installing wine32:i386${pins:+ with ${pins[*]}}"
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends wine32:i386 "${pins[@]}"
