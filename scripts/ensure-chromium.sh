#!/usr/bin/env bash
# The browser tests drive Debian's Chromium; Playwright cannot download its own here.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
echo "Installing Debian's chromium for the browser tests…" >&2
if [ "$(id -u)" = 0 ]; then
  apt-get install -y --no-install-recommends chromium >/dev/null || { apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null; }
else
  sudo apt-get install -y --no-install-recommends chromium >/dev/null
fi
