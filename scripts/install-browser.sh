#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests (tests/viz/test_browser.py), plus a small
# CJK font so screenshots show Chinese instead of boxes. Idempotent: installs only what is
# missing. Needs root (or sudo); CI runs as root.
set -euo pipefail

packages=(chromium fonts-wqy-microhei)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ -x /usr/bin/chromium ] && [ ${#missing[@]} -eq 0 ]; then
  echo "install-browser: chromium and fonts already installed" >&2
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-browser: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}" >/dev/null
test -x /usr/bin/chromium
echo "install-browser: done" >&2
