#!/usr/bin/env bash
# The collection tests run Debian's vsftpd on loopback (TLS session reuse required, as
# AAPT-like servers do); the tests start it themselves, so the service stays disabled.
set -euo pipefail
if command -v vsftpd >/dev/null 2>&1 || [ -x /usr/sbin/vsftpd ]; then
  exit 0
fi
echo "Installing Debian's vsftpd for the collection tests…" >&2
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" = 0 ]; then
  apt-get install -y --no-install-recommends vsftpd >/dev/null || { apt-get update >/dev/null && apt-get install -y --no-install-recommends vsftpd >/dev/null; }
else
  sudo -E apt-get install -y --no-install-recommends vsftpd >/dev/null
fi
