"""Debian's vsftpd on loopback, for collection against a server that requires the
data connections to reuse the control connection's TLS session (its default
``require_ssl_reuse=YES``; pyftpdlib does not check it).

The server runs in the foreground with its own configuration file: anonymous
login over TLS only, onto a temporary ``anon_root``, so that no system user is
needed. ``make test`` installs the package (scripts/ensure-vsftpd.sh); where it
cannot be installed the tests using it are skipped and say so.
"""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

VSFTPD = shutil.which("vsftpd") or next((p for p in ("/usr/sbin/vsftpd", "/sbin/vsftpd") if Path(p).exists()), None)


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _free_range(size: int = 20) -> tuple[int, int]:
    for _ in range(200):
        low = random.randrange(40000, 60000 - size)
        if all(_free(port) for port in range(low, low + size)):
            return low, low + size - 1
    raise RuntimeError("no free range of loopback ports for passive mode")


@dataclass
class Vsftpd:
    port: int
    root: Path
    directory: str  # the root as the FTP session sees it
    process: subprocess.Popen
    log: Path


@pytest.fixture
def vsftpd(tmp_path, certificate):
    """vsftpd on a free loopback port, serving ``root`` to anonymous TLS logins."""
    if VSFTPD is None:
        pytest.skip("vsftpd is not installed and could not be: run scripts/ensure-vsftpd.sh (Debian package vsftpd)")
    root = tmp_path / "anon"
    root.mkdir()
    empty = tmp_path / "empty"
    empty.mkdir()
    port = _free_port()
    low, high = _free_range()
    log = tmp_path / "vsftpd.log"
    # Sessions run as whoever started vsftpd (root in CI), so no system user is needed;
    # vsftpd then does not chroot, and the session sees the anonymous root's real path.
    privileges, directory = ["run_as_launching_user=YES"], str(root)
    config = tmp_path / "vsftpd.conf"
    config.write_text(
        "\n".join(
            [
                "listen=YES",
                "listen_ipv6=NO",
                "listen_address=127.0.0.1",
                f"listen_port={port}",
                "background=NO",
                "seccomp_sandbox=NO",
                *privileges,
                f"secure_chroot_dir={empty}",
                "anonymous_enable=YES",
                "local_enable=NO",
                "write_enable=NO",
                f"anon_root={root}",
                "no_anon_password=YES",
                "ssl_enable=YES",
                "allow_anon_ssl=YES",
                "force_anon_logins_ssl=YES",
                "force_anon_data_ssl=YES",
                "require_ssl_reuse=YES",
                f"rsa_cert_file={certificate}",
                f"rsa_private_key_file={certificate}",
                "pasv_enable=YES",
                "pasv_address=127.0.0.1",
                f"pasv_min_port={low}",
                f"pasv_max_port={high}",
                f"vsftpd_log_file={log}",
                "",
            ]
        )
    )
    process = subprocess.Popen([VSFTPD, str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            if process.poll() is not None:
                pytest.fail(f"vsftpd did not start: {process.stdout.read().decode(errors='replace')}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("vsftpd did not listen within 10 s")
                time.sleep(0.05)
        yield Vsftpd(port=port, root=root, directory=directory, process=process, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
