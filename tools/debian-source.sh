#!/usr/bin/env bash
# Downloads the upstream (orig) tarball of a Debian source package, the version apt would pick on
# this machine, for the Windows cross-builds of what Debian has no mingw package of (OpenSSL,
# pugixml).
#   tools/debian-source.sh PACKAGE DIR   -> DIR/<the orig tarball>; prints its path
# The machine's apt sources with deb-src, in a temporary apt state of its own (nothing of the
# system's changes); the file is checked against the SHA256 of the signed Sources index.
set -euo pipefail
package=${1:?usage: tools/debian-source.sh PACKAGE DIR}
dir=${2:?usage: tools/debian-source.sh PACKAGE DIR}
mkdir -p "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/apt/parts" "$work/apt/lists/partial" "$work/apt/cache/archives/partial"
n=0
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  sed -E 's/^Types:.*/Types: deb-src/' "$f" >"$work/apt/parts/src$((n++)).sources"
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  [ -f "$f" ] || continue
  sed -nE 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" >"$work/apt/parts/src$((n++)).list"
done
apt_opts=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$work/apt/parts"
          -o Dir::State::Lists="$work/apt/lists" -o Dir::Cache="$work/apt/cache"
          -o Debug::NoLocking=1 -o APT::Sandbox::User="$(id -un)" -qq)
echo "debian-source.sh: reading the Debian source index for $package" >&2
apt-get "${apt_opts[@]}" update
uri_line=$(apt-get "${apt_opts[@]}" source --print-uris "$package" |
  grep -E "${package}_[^ ]*\.orig\.tar\.(gz|xz|bz2)'" | head -1 || true)
[ -n "$uri_line" ] || { echo "debian-source.sh: no $package orig tarball in the source index" >&2; exit 1; }
uri=$(echo "$uri_line" | awk '{print $1}' | tr -d "'")
file=$(echo "$uri_line" | awk '{print $2}')
hash=$(echo "$uri_line" | grep -oE 'SHA256:[0-9a-f]{64}' || true)
[ -n "$hash" ] || { echo "debian-source.sh: the index gives no SHA256 for $file" >&2; exit 1; }
echo "debian-source.sh: downloading $file" >&2
/usr/lib/apt/apt-helper -o APT::Sandbox::User="$(id -un)" download-file "$uri" "$dir/$file" "$hash" >/dev/null
echo "$dir/$file"
