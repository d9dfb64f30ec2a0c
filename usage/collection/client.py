"""A small FTP/FTPS client for AAPT's drop directories (ftplib underneath).

It lists a directory and downloads one file at a time into a file object the
caller provides. Every failure comes out as :class:`FtpError`, whose
``transient`` flag says whether another attempt later may succeed, and whose
message never holds the password.
"""

from __future__ import annotations

import ftplib
import socket
import ssl
from dataclasses import dataclass, field
from typing import IO

MASK = "********"
_BLOCK = 64 * 1024


@dataclass(frozen=True)
class FtpSettings:
    """Where and how to connect; built from a provider and the collection settings."""

    host: str
    port: int
    username: str
    password: str = field(repr=False)
    directory: str = "/"
    use_tls: bool = True
    verify_certificate: bool = True
    passive: bool = True
    connect_timeout: float = 30.0
    read_timeout: float = 120.0
    ca_file: str | None = None


@dataclass(frozen=True)
class RemoteFile:
    """An entry of the remote directory as the server described it (never a path)."""

    name: str
    size: int | None  # None: the server did not say
    is_file: bool = True


class FtpError(Exception):
    """A failure talking to the server, its message already free of the password."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


class LocalWriteError(Exception):
    """Writing the download here failed (disk full, permissions): not the server's fault."""


def scrub(text: str, secret: str) -> str:
    """``text`` with every appearance of ``secret`` (and its repr form) masked."""
    if secret:
        for form in {secret, repr(secret)[1:-1], ascii(secret)[1:-1]}:
            if form:
                text = text.replace(form, MASK)
    return text


def ssl_context(*, verify: bool, ca_file: str | None = None) -> ssl.SSLContext:
    """The client context: system CAs plus ``ca_file``, host name checked, unless
    ``verify`` is off (a provider whose server certificate cannot be verified)."""
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def _describe(exc: BaseException) -> tuple[str, bool]:
    """A sentence for a person, and whether trying again later may help."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate refused: {exc.verify_message or exc.reason}", False
    if isinstance(exc, ssl.SSLError):
        return f"TLS error: {exc.reason or exc}", True
    if isinstance(exc, ftplib.error_perm):
        text = str(exc).strip()
        if text.startswith("530"):
            return f"login refused by the server: {text}", False
        return f"the server refused: {text}", False
    if isinstance(exc, ftplib.error_temp):
        return f"the server reported a temporary failure: {str(exc).strip()}", True
    if isinstance(exc, ftplib.Error):
        return f"unexpected reply from the server: {str(exc).strip()}", True
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timed out waiting for the server", True
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the server down?)", True
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve the host name: {exc.strerror or exc}", True
    if isinstance(exc, EOFError | ConnectionError):
        return "the server closed the connection", True
    if isinstance(exc, OSError):
        return f"network error: {exc.strerror or exc}", True
    return f"{type(exc).__name__}: {exc}", False


def as_ftp_error(exc: BaseException, secret: str, *, context: str = "") -> FtpError:
    message, transient = _describe(exc)
    if context:
        message = f"{context}: {message}"
    return FtpError(scrub(message, secret), transient=transient)


class SessionReusingFTP_TLS(ftplib.FTP_TLS):  # noqa: N801 - ftplib's spelling
    """``FTP_TLS`` whose data connections resume the control connection's TLS session.

    Servers commonly require it (vsftpd's default ``require_ssl_reuse=YES``,
    FileZilla Server), so that a data connection provably comes from the client
    that logged in; plain ``FTP_TLS`` opens a fresh session and is refused with
    ``522 SSL connection failed: session reuse required``."""

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host, session=self.sock.session)
        return conn, size


class FtpSession:
    """An open, logged-in session in the provider's directory; use as a context manager."""

    def __init__(self, config: FtpSettings) -> None:
        self.config = config
        self.ftp: ftplib.FTP | None = None

    # -- connection ---------------------------------------------------------

    def __enter__(self) -> FtpSession:
        config = self.config
        try:
            if config.use_tls:
                context = ssl_context(verify=config.verify_certificate, ca_file=config.ca_file)
                ftp: ftplib.FTP = SessionReusingFTP_TLS(context=context, timeout=config.connect_timeout)
            else:
                ftp = ftplib.FTP(timeout=config.connect_timeout)
            self.ftp = ftp
            ftp.connect(config.host, config.port)
            # Reads, and the data connections, wait longer than the connect.
            ftp.timeout = config.read_timeout
            ftp.sock.settimeout(config.read_timeout)
            if config.use_tls:
                ftp.auth()
            ftp.login(config.username, config.password)
            if config.use_tls:
                ftp.prot_p()
            ftp.set_pasv(config.passive)
            if config.directory:
                ftp.cwd(config.directory)
        except Exception as exc:
            self.close()
            raise as_ftp_error(exc, config.password) from None
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        ftp, self.ftp = self.ftp, None
        if ftp is None:
            return
        try:
            if ftp.sock is not None:
                ftp.quit()
        except Exception:  # noqa: BLE001 - the session is over either way
            pass
        finally:
            ftp.close()

    def _error(self, exc: BaseException, context: str = "") -> FtpError:
        return as_ftp_error(exc, self.config.password, context=context)

    # -- listing ------------------------------------------------------------

    def listing(self) -> list[RemoteFile]:
        """The directory's entries: MLSD (names, types and sizes in one go) where the
        server has it, else NLST and a SIZE per name the caller asks about."""
        assert self.ftp is not None
        try:
            entries = list(self.ftp.mlsd(facts=["type", "size"]))
        except ftplib.error_perm:
            entries = None  # 500/502: no MLSD here
        except Exception as exc:
            raise self._error(exc, "listing the directory") from None
        if entries is not None:
            return [
                RemoteFile(
                    name=name,
                    size=int(facts["size"]) if facts.get("size", "").isdigit() else None,
                    is_file=facts.get("type", "file").lower() == "file",
                )
                for name, facts in entries
                if facts.get("type", "file").lower() not in ("cdir", "pdir")
            ]
        try:
            names = self.ftp.nlst()
        except ftplib.error_perm as exc:
            if str(exc).startswith("550"):
                return []  # some servers answer an empty directory so
            raise self._error(exc, "listing the directory") from None
        except Exception as exc:
            raise self._error(exc, "listing the directory") from None
        return [RemoteFile(name=name, size=None, is_file=True) for name in names]

    def stat(self, entry: RemoteFile) -> RemoteFile:
        """``entry`` with its size from SIZE when the listing did not give one; a name
        SIZE refuses (550, e.g. a directory) comes back as not a file."""
        if entry.size is not None or not entry.is_file:
            return entry
        assert self.ftp is not None
        try:
            self.ftp.voidcmd("TYPE I")  # sizes in bytes (listings left the session in ASCII)
            size = self.ftp.size(entry.name)
        except ftplib.error_perm as exc:
            if str(exc).startswith("550"):
                return RemoteFile(entry.name, None, is_file=False)
            return entry  # SIZE not supported: download without knowing the size
        except Exception as exc:
            raise self._error(exc, f"asking the size of {entry.name}") from None
        return RemoteFile(entry.name, size, is_file=True)

    # -- download -----------------------------------------------------------

    def download(self, name: str, target: IO[bytes], *, expected_size: int | None) -> int:
        """Write the file ``name`` of the current directory to ``target``; the bytes
        received. Anything short of the whole file raises (transient) FtpError."""
        assert self.ftp is not None
        received = 0

        def write(block: bytes) -> None:
            nonlocal received
            try:
                target.write(block)
            except OSError as exc:
                raise LocalWriteError(f"cannot write the download here: {exc.strerror}") from exc
            received += len(block)

        try:
            self.ftp.retrbinary(f"RETR {name}", write, blocksize=_BLOCK)
        except LocalWriteError:
            raise
        except Exception as exc:
            raise self._error(exc, f"downloading {name}") from None
        if expected_size is not None and received != expected_size:
            raise FtpError(
                f"downloading {name}: incomplete, {received} of {expected_size} bytes",
                transient=True,
            )
        return received

    def alive(self) -> bool:
        """Whether the control connection still answers (after a failed transfer)."""
        try:
            self.ftp.voidcmd("NOOP")
        except Exception:  # noqa: BLE001 - any failure means: reconnect
            return False
        return True
