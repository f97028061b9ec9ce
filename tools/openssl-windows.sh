#!/usr/bin/env bash
# OpenSSL 3 for the Windows x64 build: Debian's own OpenSSL source, cross-built with mingw-w64 into
# the two DLLs a Windows user deploys beside a TLS program (as Indy's users deploy theirs).
#   tools/openssl-windows.sh OUTDIR
#     OUTDIR/bin/libcrypto-3-x64.dll, libssl-3-x64.dll   the run-time DLLs (tests under Wine)
#     OUTDIR/include/openssl/*.h                         the headers the Windows build compiles with
#     OUTDIR/lib/lib{ssl,crypto}.delay.a                  delay-load import libraries: iocp64.dll
#                                                         loads OpenSSL at its first TLS use only
#     OUTDIR/.complete                                    written last; a second run stops there
# The source is the orig tarball of the `openssl` source package apt would pick on this machine
# (tools/debian-source.sh: checked against the SHA256 of the signed Sources index). The build keeps what TLS 1.2/1.3 servers
# and clients use (no engines, no legacy provider, no SSL 3 / TLS 1.0 / 1.1 / DTLS, no old
# ciphers) and compiles the DLLs only: about 3 minutes on 2 cores. Runs at once wait for each other
# (a lock beside OUTDIR). Needs: g++-mingw-w64-x86-64-posix, make, perl (tools/dev.sh installs them).
set -euo pipefail
out=${1:?usage: tools/openssl-windows.sh OUTDIR}
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
exec 9>"$out.lock"
flock 9
if [ -f "$out/.complete" ]; then
  echo "openssl-windows.sh: $(cat "$out/.complete") in $out"
  exit 0
fi
for tool in x86_64-w64-mingw32-gcc-posix x86_64-w64-mingw32-dlltool make perl; do
  command -v "$tool" >/dev/null || { echo "openssl-windows.sh: $tool missing (tools/dev.sh installs it)" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
say() { echo "openssl-windows.sh: $*"; }

# 1. The source: Debian's (tools/debian-source.sh).
tarball=$(tools_dir=$(dirname "$0"); "$tools_dir/debian-source.sh" openssl "$work")

# 2. Build the DLLs (the static libraries would compile every file a second time).
tar -xf "$tarball" -C "$work"
src=$(find "$work" -maxdepth 1 -type d -name 'openssl-*' | head -1)
version=${src##*/openssl-}
trimmed=(no-tests no-engine no-legacy no-module no-deprecated no-autoload-config no-uplink
  no-ssl3 no-dtls no-weak-ssl-ciphers no-srp no-psk no-comp no-ct no-ocsp no-cmp
  no-cms no-ts no-srtp no-sctp no-nextprotoneg no-rfc3779 no-ui-console no-async no-capieng
  no-padlockeng no-loadereng no-aria no-bf no-blake2 no-camellia no-cast no-des no-dsa no-ec2m
  no-gost no-idea no-md4 no-mdc2 no-ocb no-rc2 no-rc4 no-rc5 no-rmd160 no-scrypt no-seed no-siphash
  no-siv no-sm2 no-sm3 no-sm4 no-whirlpool)
say "building OpenSSL $version for Windows x64 (about 3 minutes on 2 cores)"
log="$work/build.log"
(cd "$src" &&
  ./Configure mingw64 shared "${trimmed[@]}" --cross-compile-prefix=x86_64-w64-mingw32- -O1 &&
  make -j "$(nproc)" build_generated &&
  make -j "$(nproc)" libcrypto-3-x64.dll libssl-3-x64.dll) >"$log" 2>&1 ||
  { echo "openssl-windows.sh: the build failed; the end of its log:" >&2; tail -20 "$log" >&2; exit 1; }

# 3. Install: DLLs, headers, delay-load import libraries made from the build's .def files.
rm -rf "$out"
mkdir -p "$out/bin" "$out/include" "$out/lib"
cp "$src"/libcrypto-3-x64.dll "$src"/libssl-3-x64.dll "$out/bin/"
cp -r "$src/include/openssl" "$out/include/"
for lib in crypto ssl; do
  x86_64-w64-mingw32-dlltool --input-def "$src/lib$lib.def" --dllname "lib$lib-3-x64.dll" \
    --output-delaylib "$out/lib/lib$lib.delay.a"
done
echo "OpenSSL $version" >"$out/.complete"
say "OpenSSL $version in $out"
