#!/usr/bin/env bash
# Takes the screenshot docs/lazarus-object-inspector.png: Debian's Lazarus 2.2 IDE with the demo
# project demos/lazarus/designer open, its data module ServerModule in the form designer,
# IocpTCPServer1 selected, and the Object Inspector showing IOHandlerOptions expanded
# (IOHandlerType = iohIOCP, IOCP.IOCPThreads = 2). Not part of CI or of the ctest suite.
#
#   tools/lazarus-designer-screenshot.sh [--work DIR] [--output FILE]
#
# What it does, on a Debian 12 machine:
# 1. Installs the missing Debian packages (apt-get, --no-install-recommends; as non-root via
#    sudo): lazarus-ide-gtk2-2.2 lcl-utils-2.2 lcl-units-2.2 lazarus-src-2.2 make (the IDE, lazbuild
#    and the IDE's sources, which the rebuild needs), xvfb, openbox (a window manager, so that the
#    IDE's windows have title bars and can be moved), xdotool, imagemagick (import, convert). If
#    build/release/component/libiocp.so is missing it also installs g++ cmake libboost-context-dev
#    and builds it (cmake --preset release).
# 2. Copies packages/lazarus, component/pascal and demos/lazarus/designer to WORK/src (same
#    layout) and installs libiocp.so to WORK/prefix/lib (cmake --install). The only files written
#    inside the source tree are under the ignored build/ (the build above, cmake --install's
#    install_manifest.txt) and the picture.
# 3. Installs the design-time package into a fresh IDE configuration WORK/config, the way
#    Lazarus does on Package -> Install: lazbuild --add-package iocpbridge_dsgn.lpk --build-ide
#    recompiles the IDE with the package linked in (-Fl and -rpath to WORK/prefix/lib, because the
#    component's units import libiocp). The rebuilt IDE is WORK/config/bin/lazarus; the packages'
#    and the IDE's units go to WORK/config/lib and WORK/config/units. Nothing under
#    /usr/lib/lazarus is written: run as root, every lazbuild and IDE step runs as the user nobody
#    (setpriv), for whom the Lazarus directory is read-only, so Lazarus itself redirects all its
#    output into the configuration directory (as it does for any user of a packaged Lazarus); run
#    as another user, the script refuses to go on if that user can write the Lazarus directory.
# 4. Builds the demo project with lazbuild (WORK/home/.fpc.cfg adds the library path).
# 5. Starts Xvfb on a free display (1600x1080) with openbox, starts the rebuilt IDE with
#    --pcp=WORK/config and the project, opens the data module in the designer (F12) and the Object
#    Inspector (F11), selects IocpTCPServer1, widens the name column, expands IOHandlerOptions and
#    IOCP and selects IOHandlerType (xdotool; rows are found by the selection colour).
# 6. Writes the full screen as a PNG to FILE (default docs/lazarus-object-inspector.png) and stops
#    the IDE, openbox and Xvfb (also on failure). Every wait has a timeout.
#
# Writes: WORK (default /tmp/lazarus-designer-screenshot; recreated on every run, the screenshots
# of each step are in WORK/steps, the logs in WORK/logs) and FILE. Once the packages are installed
# it takes about a minute and a half on two cores, most of it the IDE rebuild.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

work=/tmp/lazarus-designer-screenshot
output=$root/docs/lazarus-object-inspector.png
while [ $# -gt 0 ]; do
  case "$1" in
    --work) work=${2:?--work needs a directory}; shift 2 ;;
    --work=*) work=${1#--work=}; shift ;;
    --output) output=${2:?--output needs a file}; shift 2 ;;
    --output=*) output=${1#--output=}; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: tools/lazarus-designer-screenshot.sh [--work DIR] [--output FILE]" >&2; exit 2 ;;
  esac
done
case "$work" in /*) ;; *) work=$PWD/$work ;; esac
case "$output" in /*) ;; *) output=$PWD/$output ;; esac

say() { echo "lazarus-designer-screenshot: $*"; }
die() { echo "lazarus-designer-screenshot: $*" >&2; exit 1; }
started=$SECONDS

# --- 1. Debian packages ------------------------------------------------------------------------
lib_built=$root/build/release/component/libiocp.so
packages=(lazarus-ide-gtk2-2.2 lcl-utils-2.2 lcl-units-2.2 lazarus-src-2.2 make xvfb openbox xdotool
  imagemagick)
[ -f "$lib_built" ] || packages+=(g++ cmake libboost-context-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -f "$lib_built" ]; then
  say "building libiocp.so (cmake --preset release)"
  cmake --preset release >/dev/null
  cmake --build --preset release -j "$(nproc)" --target iocp
fi

# --- 2. Work directory -------------------------------------------------------------------------
marker=.lazarus-designer-screenshot
if [ -e "$work" ]; then
  if [ -e "$work/$marker" ]; then
    rm -rf "$work"
  elif [ -n "$(ls -A "$work")" ]; then
    die "$work exists and is not a work directory of this script; pass --work with another directory"
  fi
fi
mkdir -p "$work"
touch "$work/$marker"
src=$work/src cfg=$work/config home=$work/home prefix=$work/prefix logs=$work/logs steps=$work/steps
mkdir -p "$src/packages" "$src/component" "$src/demos/lazarus" "$cfg" "$home" "$logs" "$steps" \
  "$work/tmp"
cp -r "$root/packages/lazarus" "$src/packages/"
cp -r "$root/component/pascal" "$src/component/"
cp -r "$root/demos/lazarus/designer" "$src/demos/lazarus/"
rm -rf "$src/packages/lazarus/lib" "$src/component/pascal/lib" "$src/demos/lazarus/designer/lib"
cmake --install "$root/build/release" --prefix "$prefix" >"$logs/cmake-install.log"
[ -f "$prefix/lib/libiocp.so" ] || die "cmake --install did not write $prefix/lib/libiocp.so"

# The build user: as root, nobody (the packaged Lazarus directory is read-only for it).
if [ "$(id -u)" -eq 0 ]; then
  chown -R 65534:65534 "$work"
  as_builder=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
else
  as_builder=()
fi
# Its own HOME and temporary directory (where the IDE keeps its single-instance socket, so that
# no other running Lazarus is involved), the system PATH, English messages.
builder() {
  "${as_builder[@]}" env HOME="$home" TMPDIR="$work/tmp" TMP="$work/tmp" TEMP="$work/tmp" \
    PATH=/usr/local/bin:/usr/bin:/bin LC_ALL=C.UTF-8 NO_AT_BRIDGE=1 "$@"
}
builder test -w "$cfg" || die "the build user cannot write $work (use --work under /tmp)"

# FPC's per-user configuration: the system one plus the library path (used by the demo build).
printf '#INCLUDE /etc/fpc.cfg\n-Fl%s\n' "$prefix/lib" >"$home/.fpc.cfg"
[ "$(id -u)" -ne 0 ] || chown 65534:65534 "$home/.fpc.cfg"

# --- 3. Install the design-time package: rebuild the IDE ----------------------------------------
lazdir=$(dirname "$(readlink -f "$(command -v lazbuild)")")
[ -f "$lazdir/ide/lazarus.lpi" ] || die "no Lazarus sources in $lazdir (package lazarus-src-2.2)"
if builder test -w "$lazdir"; then
  die "$lazdir is writable by $(builder id -un): lazbuild --build-ide would write there;" \
    "run as root or as a user without write access to it"
fi
say "rebuilding the Lazarus IDE with iocpbridge_dsgn (log: $logs/build-ide.log)"
ide_started=$SECONDS
builder lazbuild --pcp="$cfg" --add-package "$src/packages/lazarus/iocpbridge_dsgn.lpk" \
  --build-ide="-Fl$prefix/lib -k-rpath=$prefix/lib" >"$logs/build-ide.log" 2>&1 ||
  { grep -E "Error|Fatal" "$logs/build-ide.log" | tail -20 >&2
    die "lazbuild --build-ide failed (log: $logs/build-ide.log)"; }
ide_seconds=$((SECONDS - ide_started))
ide=$cfg/bin/lazarus
[ -x "$ide" ] || die "the rebuilt IDE is not at $ide (log: $logs/build-ide.log)"
say "IDE rebuilt in ${ide_seconds}s: $ide"

# --- 4. The demo project builds -----------------------------------------------------------------
say "building demos/lazarus/designer with lazbuild (log: $logs/demo.log)"
builder lazbuild --pcp="$cfg" "$src/demos/lazarus/designer/designer_demo.lpi" >"$logs/demo.log" 2>&1 ||
  { grep -E "Error|Fatal" "$logs/demo.log" | tail -20 >&2
    die "the demo project does not build (log: $logs/demo.log)"; }

# The IDE's first start: the configuration lazbuild wrote says "2.2.6" while Debian's IDE calls
# itself e.g. "2.2.6+dfsg2-2" (without this the IDE offers to "downgrade" the configuration and
# then deletes config/bin); and Debian's generated /etc/fppkg.cfg points at /usr/local, which makes
# the IDE open its setup dialog, so the configuration gets an fppkg.cfg for Debian's FPC units.
envopts=$cfg/environmentoptions.xml
[ -f "$envopts" ] || die "lazbuild wrote no $envopts"
idever=$(tr -d "'\" \r\n" <"$lazdir/ide/version.inc")
fpcver=$(fpc -iV)
fpctarget=$(fpc -iTP)-$(fpc -iTO)
fpcunits=""
for d in /usr/lib/*/fpc/"$fpcver" /usr/lib/fpc/"$fpcver"; do
  [ -d "$d/units/$fpctarget/rtl" ] && { fpcunits=$d; break; }
done
[ -n "$fpcunits" ] || die "no FPC $fpcver units for $fpctarget under /usr/lib"
mkdir -p "$cfg/fppkg/config"
cat >"$cfg/fppkg/fppkg.cfg" <<EOF
[Defaults]
ConfigVersion=5
LocalRepository=$cfg/fppkg/
BuildDir={LocalRepository}build/
ArchivesDir={LocalRepository}archives/
CompilerConfigDir=$cfg/fppkg/config/
RemoteMirrors=
RemoteRepository=
CompilerConfig=default
FPMakeCompilerConfig=default
Downloader=FPC
InstallRepository=user

[Repository]
Name=fpc
Description=Packages which are installed along with the Free Pascal Compiler
Path=$fpcunits/
Prefix=/usr/

[Repository]
Name=user
Description=User-installed packages
Path={LocalRepository}lib/fpc/{CompilerVersion}/
Prefix={LocalRepository}
EOF
cat >"$cfg/fppkg/config/default" <<EOF
[Defaults]
ConfigVersion=5
Compiler=$(command -v fpc)
OS=$(fpc -iTO)
CPU=$(fpc -iTP)
Version=$fpcver
EOF
sed -i -e 's|^\(\s*\)<Version Value="\([0-9]*\)" Lazarus="[^"]*"/>|&\n\1<FppkgConfigFile Value="'"$cfg/fppkg/fppkg.cfg"'"/>|' \
  -e 's|\(<Version Value="[0-9]*" Lazarus="\)[^"]*"|\1'"$idever"'"|' "$envopts"
if ! grep -q "<FppkgConfigFile " "$envopts" || ! grep -qF "Lazarus=\"$idever\"" "$envopts"; then
  die "could not update $envopts"
fi
[ "$(id -u)" -ne 0 ] || chown -R 65534:65534 "$cfg"

# --- 5. Xvfb, openbox, the IDE ------------------------------------------------------------------
xvfb_pid="" wm_pid="" ide_pid=""
cleanup() {  # the IDE, openbox and Xvfb this script started, by pid; waits up to 10 s for each
  local p
  for p in "$ide_pid" "$wm_pid" "$xvfb_pid"; do
    if [ -n "$p" ]; then kill "$p" 2>/dev/null || true; fi
  done
  for p in "$ide_pid" "$wm_pid" "$xvfb_pid"; do
    if [ -n "$p" ]; then timeout 10 tail --pid="$p" -f /dev/null 2>/dev/null || true; fi
  done
  return 0
}
trap cleanup EXIT
trap 'exit 1' INT TERM

display=""
for n in $(seq 99 199); do
  if [ ! -e "/tmp/.X$n-lock" ] && [ ! -e "/tmp/.X11-unix/X$n" ]; then display=:$n; break; fi
done
[ -n "$display" ] || die "no free X display between :99 and :199"
export DISPLAY=$display
width=1600 height=1080
Xvfb "$display" -screen 0 "${width}x${height}x24" -nolisten tcp -noreset >"$logs/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 1 40); do
  timeout 5 xdotool getdisplaygeometry >/dev/null 2>&1 && break
  kill -0 "$xvfb_pid" 2>/dev/null || die "Xvfb did not start (log: $logs/xvfb.log)"
  sleep 0.5
done
timeout 5 xdotool getdisplaygeometry >/dev/null 2>&1 || die "Xvfb on $display does not answer"
builder openbox >"$logs/openbox.log" 2>&1 &
wm_pid=$!
sleep 2

step=0
shot() {  # shot NAME: a screenshot of the whole screen into WORK/steps
  step=$((step + 1))
  timeout 20 import -window root "$steps/$(printf %02d $step)-$1.png" || true
}
fail() {  # fail MESSAGE: keep the screen as it is, then stop
  shot failed
  die "$1 (screen: $steps/$(printf %02d $step)-failed.png, IDE log: $logs/ide.log)"
}
find_window() {  # find_window REGEX SECONDS: the id of the visible window whose title matches
  local i id
  for ((i = 0; i < $2 * 2; i++)); do
    id=$(timeout 5 xdotool search --onlyvisible --name "$1" 2>/dev/null | head -1 || true)
    [ -n "$id" ] && { echo "$id"; return 0; }
    sleep 0.5
  done
  return 1
}
x() { timeout 15 xdotool "$@"; }

project=$src/demos/lazarus/designer
say "starting the IDE on $display (log: $logs/ide.log)"
builder "$ide" --pcp="$cfg" "$project/designer_demo.lpi" "$project/serverdata.pas" >"$logs/ide.log" 2>&1 &
ide_pid=$!
find_window '^Lazarus IDE .* - designer_demo' 180 >/dev/null ||
  fail "the IDE's main window with the project did not appear"
editor=$(find_window '^Source Editor$' 60) || fail "the source editor did not appear"
sleep 5  # the IDE finishes loading (codetools read the FPC and Lazarus sources)
kill -0 "$ide_pid" 2>/dev/null || fail "the IDE stopped"
shot ide-started

# The data module in the designer (F12 in the source editor), then the Object Inspector (F11).
x windowactivate --sync "$editor" || fail "could not activate the source editor"
sleep 0.5
module=""
for _ in 1 2; do
  x key F12
  module=$(find_window '^ServerModule$' 20) && break
done
[ -n "$module" ] || fail "F12 did not open the designer of ServerModule"
x key F11
inspector=$(find_window '^Object Inspector$' 20) || fail "F11 did not open the Object Inspector"
sleep 1

# Layout: Object Inspector on the left, source editor beside it. The designer stays where the
# .lfm puts it (HorizontalOffset/VerticalOffset: over the editor's right part); moving it would
# change the module, and the editor would show it as modified.
x windowsize "$editor" 1060 880
x windowmove "$editor" 530 130
x windowsize "$inspector" 520 930
x windowmove "$inspector" 0 130
x windowraise "$module"
sleep 1
shot layout

# Select IocpTCPServer1: click its icon (Left/Top in the .lfm are the icon's top left corner).
left=$(sed -n '/object IocpTCPServer1:/,/^  end/s/^ *Left = \([0-9]*\)$/\1/p' "$project/serverdata.lfm")
top=$(sed -n '/object IocpTCPServer1:/,/^  end/s/^ *Top = \([0-9]*\)$/\1/p' "$project/serverdata.lfm")
x windowactivate --sync "$module" || true
x mousemove --window "$module" $((left + 12)) $((top + 12)) click 1
sleep 1.5
shot component-selected

# The property grid. Coordinates are relative to the Object Inspector's client area (520x930,
# component tree 160 px high): name/value splitter at x=113, first row (Active) at y=238.
selected=4B6983  # GTK2's default selection colour: the name cell of the selected row
row_y() {  # the y of the selected row's name cell in the Object Inspector, empty if none
  timeout 20 import -window "$inspector" "$work/inspector.png" || return 0
  convert "$work/inspector.png" -crop "1x2000+60+0" +repage txt:- 2>/dev/null |
    awk -F'[,: ]+' -v c="#$selected" 'index($0, c) {print $2}' |
    awk 'NR == 1 {f = $1} {l = $1} END {if (NR) print int((f + l) / 2)}'
}
# Widen the name column: drag the splitter from 113 to 230.
x mousemove --window "$inspector" 108 700 sleep 0.3 mousemove --window "$inspector" 111 700 \
  sleep 0.3 mousemove --window "$inspector" 113 700 sleep 0.3 mousedown 1 sleep 0.3 \
  mousemove --window "$inspector" 170 700 sleep 0.2 mousemove --window "$inspector" 230 700 \
  sleep 0.3 mouseup 1
sleep 0.5
# Select the first row, Tab to the name column, type "ioh": IOHandlerOptions is selected.
x mousemove --window "$inspector" 60 238 click 1
sleep 0.7
[ -n "$(row_y)" ] || fail "no row of the Object Inspector is selected after clicking its first row"
x key Tab
sleep 0.3
x type --delay 150 ioh
sleep 0.7
options_y=$(row_y)
[ -n "$options_y" ] || fail "IOHandlerOptions was not selected in the Object Inspector"
# A double click on the name expands it; Down selects its first sub-property, IOCP: expand it too.
x mousemove --window "$inspector" 60 "$options_y" click --repeat 2 --delay 80 1
sleep 1
x key Down
sleep 0.7
iocp_y=$(row_y)
if [ -z "$iocp_y" ] || [ "$iocp_y" -le "$options_y" ]; then
  fail "the row below IOHandlerOptions was not selected"
fi
x mousemove --window "$inspector" 60 "$iocp_y" click --repeat 2 --delay 80 1
sleep 1
# Select IOHandlerType (the first sub-property starting with "ioh"): its drop-down shows iohIOCP.
x key Tab
sleep 0.3
x type --delay 150 ioh
sleep 0.7
type_y=$(row_y)
# Both expanded: IOHandlerType is 5 rows below IOCP (FiberStackSize, IOCPThreads,
# MaxPendingOutput and WorkOpThreads in between), IOCP one row below IOHandlerOptions.
off=$((${type_y:-0} - iocp_y - 5 * (iocp_y - options_y)))
if [ -z "$type_y" ] || [ "$off" -lt -3 ] || [ "$off" -gt 3 ]; then
  fail "IOHandlerOptions and IOCP are not both expanded, or IOHandlerType is not selected"
fi
x mousemove $((width - 2)) $((height - 2))  # no hover hint in the picture
sleep 1.5
kill -0 "$ide_pid" 2>/dev/null || fail "the IDE stopped"
shot final

# --- 6. The picture -----------------------------------------------------------------------------
mkdir -p "$(dirname "$output")"
convert "$steps/$(printf %02d $step)-final.png" -strip "$output"
say "wrote $output (${width}x${height}); steps: $steps"
say "IDE rebuild ${ide_seconds}s, whole run $((SECONDS - started))s"
