#!/usr/bin/env bash
# The worker tests (tests/workers/) run Debian's redis-server on a loopback port of
# their own, as the broker of two django-q2 clusters; they start and stop it
# themselves, so the system service is never used (nor needed).
set -euo pipefail
if command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ]; then
  exit 0
fi
echo "Installing Debian's redis-server for the worker tests…" >&2
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" = 0 ]; then
  apt-get install -y --no-install-recommends redis-server >/dev/null || { apt-get update >/dev/null && apt-get install -y --no-install-recommends redis-server >/dev/null; }
else
  sudo -E apt-get install -y --no-install-recommends redis-server >/dev/null
fi
