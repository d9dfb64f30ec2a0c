"""Real FTP and FTPS servers on loopback for the collection tests (pyftpdlib), and
what they hold: the sample files of Harbour Voice (FTPS) and Southern Wholesale
(plain FTP), with decoys and hostile names beside them.

Each server runs its own IO loop in a thread. Its ``behaviour`` can be changed
during a test: drop the data connection of a file after some bytes, list names
that are not on disk, answer without MLSD, hold a download until released.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from pyftpdlib.authorizers import AuthenticationFailed, DummyAuthorizer
from pyftpdlib.filesystems import AbstractedFS
from pyftpdlib.handlers import DTPHandler, FTPHandler, TLS_DTPHandler, TLS_FTPHandler
from pyftpdlib.ioloop import IOLoop
from pyftpdlib.servers import FTPServer

from usage.carrier_files.models import CarrierFile

HARBOUR_CTOP = "CTOP_1234567_000001_20261102013000.txt"
HARBOUR_COCE = "COCE_1234567_000001_20261102030000.txt"
SOUTHERN_CTOP = "CTOP_2345678_000001_20261102020000.txt.gz"
HARBOUR_PASSWORD = "Hv-s3cret!pa55"
SOUTHERN_PASSWORD = "Sw-an0ther#pa55"

# Names a careless client would turn into paths, or that are not whole carrier files.
HOSTILE_ON_DISK = [
    "..%2fCTOP_1234567_000002_20261103013000.txt",
    "..\\CTOP_1234567_000003_20261104013000.txt",
    "CTOP_1234567_000004_20261105013000.txt;rm -rf ~",
]
# Listed by the server but not a name a file can have here: a path outside the directory.
HOSTILE_LISTED = "../CTOP_1234567_000005_20261106013000.txt"
DECOYS = ["README.txt", "CTOP_1234567_0000", "CTOP_1234567_000006_20261107013000.txt.part"]
DECOY_DIRECTORY = "CTOP_1234567_000009_20261110013000.txt"


@dataclass
class Behaviour:
    """How a server misbehaves, changeable while it runs."""

    drop_after: dict[str, int] = field(default_factory=dict)  # file name -> bytes sent
    extra_names: list[str] = field(default_factory=list)  # listed, not on disk
    mlsd: bool = True
    echo_password: bool = False  # a server that repeats the password in its refusal
    hold: dict[str, threading.Event] = field(default_factory=dict)  # RETR waits for the event
    retrieving: threading.Event = field(default_factory=threading.Event)


class _Authorizer(DummyAuthorizer):
    def __init__(self, behaviour: Behaviour) -> None:
        super().__init__()
        self.behaviour = behaviour

    def validate_authentication(self, username, password, handler):
        try:
            super().validate_authentication(username, password, handler)
        except AuthenticationFailed:
            if self.behaviour.echo_password:
                raise AuthenticationFailed(f"Wrong password {password} for {username}.") from None
            raise


class _FS(AbstractedFS):
    def listdir(self, path):
        names = super().listdir(path)
        if Path(path) != Path(self.root):
            names = names + self.cmd_channel.behaviour.extra_names
        return names


def _dropping(base):
    class Dropping(base):
        """Closes the data connection of a chosen file after some bytes."""

        def send(self, data):
            name = os.path.basename(self.file_obj.name) if self.file_obj is not None else None
            limit = self.cmd_channel.behaviour.drop_after.get(name)
            if limit is None:
                return super().send(data)
            room = limit - self.tot_bytes_sent
            if room <= 0:
                self._resp = ("426 Connection closed; transfer aborted.", lambda *a: None)
                self.close()
                return 0
            return super().send(data[:room])

    return Dropping


def _handler(base, dtp, behaviour: Behaviour, **attributes):
    class Handler(base):
        def ftp_RETR(self, file):
            self.behaviour.retrieving.set()
            gate = self.behaviour.hold.get(os.path.basename(file))
            if gate is not None:
                gate.wait(timeout=20)
            return super().ftp_RETR(file)

        def process_command(self, cmd, *args, **kwargs):
            if cmd == "MLSD" and not self.behaviour.mlsd:
                self.respond('500 Command "MLSD" not understood.')
                return
            return super().process_command(cmd, *args, **kwargs)

    Handler.behaviour = behaviour
    Handler.dtp_handler = _dropping(dtp)
    Handler.abstracted_fs = _FS
    Handler.use_sendfile = False
    Handler.timeout = 30
    Handler.auth_failed_timeout = 0  # answer a wrong password at once
    for name, value in attributes.items():
        setattr(Handler, name, value)
    return Handler


class Server:
    """A pyftpdlib server on 127.0.0.1, port chosen by the system, in a thread."""

    def __init__(self, root: Path, users: dict[str, str], *, certificate: Path | None = None):
        self.root = root
        self.behaviour = Behaviour()
        authorizer = _Authorizer(self.behaviour)
        for username, password in users.items():
            authorizer.add_user(username, password, str(root), perm="elr")
        if certificate:
            handler = _handler(
                TLS_FTPHandler,
                TLS_DTPHandler,
                self.behaviour,
                authorizer=authorizer,
                certfile=str(certificate),
                tls_control_required=True,
                tls_data_required=True,
                ssl_context=None,
            )
        else:
            handler = _handler(FTPHandler, DTPHandler, self.behaviour, authorizer=authorizer)
        self.server = FTPServer(("127.0.0.1", 0), handler, ioloop=IOLoop())
        self.port = self.server.address[1]
        self._serving = True
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while self._serving:
            self.server.ioloop.loop(timeout=0.01, blocking=False)

    def stop(self) -> None:
        self._serving = False
        for gate in self.behaviour.hold.values():
            gate.set()
        self._thread.join(timeout=10)
        self.server.close_all()


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def certificate(tmp_path_factory) -> Path:
    """A throwaway self-signed certificate (and its key) for 127.0.0.1 and localhost."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "collection tests")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    path = folder / "server.pem"
    path.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (folder / "ca.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


@pytest.fixture
def ca_file(certificate) -> Path:
    return certificate.parent / "ca.pem"


@pytest.fixture
def carrier_root(settings, tmp_path, monkeypatch) -> Path:
    """Storage and the download folder of this test alone, to look for strays in."""
    root = tmp_path / "carrier-files"
    # The field evaluated its storage once, at import: point it here for the test.
    field = CarrierFile._meta.get_field("stored")
    monkeypatch.setattr(field, "storage", FileSystemStorage(location=str(root)))
    settings.COLLECTION_TEMP_DIR = root / ".incoming"
    return root


def stored_files(root: Path) -> list[str]:
    """Every file under ``root`` (storage and download folder), relative."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def ftps_server(tmp_path, certificate):
    """Harbour Voice's FTPS server: its CTOP and COCE samples, decoys, hostile names."""
    root = tmp_path / "ftps"
    home = root / "harbour"
    home.mkdir(parents=True)
    for name in (HARBOUR_CTOP, HARBOUR_COCE):
        shutil.copy(settings.SAMPLES_DIR / name, home / name)
    for name in DECOYS + HOSTILE_ON_DISK:
        (home / name).write_text("not a carrier file\n")
    (home / DECOY_DIRECTORY).mkdir()
    # What the hostile listed name points at, outside the directory: never to be fetched.
    shutil.copy(settings.SAMPLES_DIR / HARBOUR_CTOP, root / Path(HOSTILE_LISTED).name)
    server = Server(root, {"harbour": HARBOUR_PASSWORD}, certificate=certificate)
    server.behaviour.extra_names.append(HOSTILE_LISTED)
    yield server
    server.stop()


@pytest.fixture
def ftp_server(tmp_path):
    """Southern Wholesale's plain FTP server: its gzip CTOP sample and a README."""
    root = tmp_path / "ftp"
    home = root / "southern"
    home.mkdir(parents=True)
    shutil.copy(settings.SAMPLES_DIR / SOUTHERN_CTOP, home / SOUTHERN_CTOP)
    (home / "README.txt").write_text("AAPT drop directory\n")
    server = Server(root, {"southern": SOUTHERN_PASSWORD})
    yield server
    server.stop()


@pytest.fixture
def ftp_world(settings, harbour, southern, coastal, ftps_server, ftp_server, ca_file, carrier_root):
    """Harbour Voice on FTPS (certificate checked, trusted through FTP_CA_FILE) and
    Southern Wholesale on plain FTP; Coastal Comms has no FTP settings."""
    settings.FTP_CA_FILE = str(ca_file)
    settings.COLLECTION_BACKOFF_SECONDS = 5
    harbour.ftp_host, harbour.ftp_port = "127.0.0.1", ftps_server.port
    harbour.ftp_username, harbour.ftp_directory = "harbour", "/harbour"
    harbour.ftp_use_tls = True
    harbour.set_ftp_password(HARBOUR_PASSWORD)
    harbour.save()
    southern.ftp_host, southern.ftp_port = "127.0.0.1", ftp_server.port
    southern.ftp_username, southern.ftp_directory = "southern", "/southern"
    southern.ftp_use_tls = False
    southern.set_ftp_password(SOUTHERN_PASSWORD)
    southern.save()
    return {
        "harbour": harbour,
        "southern": southern,
        "coastal": coastal,
        "ftps": ftps_server,
        "ftp": ftp_server,
        "root": carrier_root,
    }


@pytest.fixture
def queued(monkeypatch) -> list[tuple[str, tuple]]:
    """Tasks queued (function, arguments); the cluster runs them at once in tests.

    COCE processing comes with another branch: until then it raises, which the
    synchronous test cluster would pass on to the collection that queued it."""
    from ssaas.common import queue

    calls: list[tuple[str, tuple]] = []
    real = queue.async_task

    def record(func, *args, **kwargs):
        calls.append((func, args))
        try:
            return real(func, *args, **kwargs)
        except NotImplementedError:
            return None

    monkeypatch.setattr(queue, "async_task", record)
    return calls
