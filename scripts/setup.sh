#!/usr/bin/env bash
# CoopAgent set-up: installs what this machine lacks, then restores and builds.
# Quiet and quick when nothing is missing. Safe to run again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

log() { printf '[setup] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=0
apt_update_once() { if [ "$apt_updated" -eq 0 ]; then as_root apt-get update -qq >/dev/null; apt_updated=1; fi; }

# 1. libstdc++ with GLIBCXX_3.4.32 (TorchSharp's native library needs it; Debian 12 ships 3.4.30).
# awk reads to the end: leaving at the first match made ldconfig die of SIGPIPE now and then, and with pipefail the
# set-up stopped there, silently, with status 141.
libstdcxx="$(ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ && !found {print $NF; found = 1}')"
[ -n "$libstdcxx" ] || libstdcxx=/usr/lib/x86_64-linux-gnu/libstdc++.so.6
need_libstdcxx=0
if [ -e "$libstdcxx" ]; then
  if ! grep -aq 'GLIBCXX_3\.4\.32' "$libstdcxx"; then need_libstdcxx=1; fi
else
  need_libstdcxx=1
fi
if [ "$need_libstdcxx" -eq 1 ]; then
  src=/etc/apt/sources.list.d/debian.sources
  [ -f "$src" ] || { log "cannot find $src to derive the Debian mirror; install libstdc++6 >= GCC 13 by hand"; exit 1; }
  uri="$(awk '/^URIs:/ {print $2; exit}' "$src")"
  keyring="$(awk '/^Signed-By:/ {print $2; exit}' "$src")"
  log "libstdc++ lacks GLIBCXX_3.4.32: installing libstdc++6 from Debian 13 (trixie), pinned low"
  as_root tee /etc/apt/sources.list.d/coopagent-trixie.sources >/dev/null <<SRC
Types: deb
URIs: $uri
Suites: trixie
Components: main
Signed-By: $keyring
SRC
  as_root tee /etc/apt/preferences.d/coopagent-trixie >/dev/null <<PIN
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
  apt_updated=0; apt_update_once
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq -t trixie libstdc++6 >/dev/null
fi

# 2. Chromium for the real-browser test (Debian's package; Playwright never downloads a browser here).
if [ "${COOPAGENT_SKIP_BROWSER:-0}" != "1" ] && ! command -v chromium >/dev/null 2>&1; then
  log "installing chromium for the browser test"
  apt_update_once
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
fi

# 3. The SignalR JavaScript client from npm, copied into the web root.
web="$root/src/Server/wwwroot"
if [ -f "$root/src/Server/package.json" ] && [ ! -f "$web/lib/signalr/signalr.min.js" ]; then
  log "installing @microsoft/signalr from npm"
  (cd "$root/src/Server" && npm ci --silent --no-audit --no-fund >/dev/null 2>&1 || npm install --silent --no-audit --no-fund >/dev/null)
  mkdir -p "$web/lib/signalr"
  cp "$root/src/Server/node_modules/@microsoft/signalr/dist/browser/signalr.min.js" "$web/lib/signalr/"
fi

# 4. Restore and build (warnings are errors in our code).
log "building"
dotnet build "$root/CoopAgent.sln" -c Release --nologo -v q -clp:ErrorsOnly
