"""Collection against Debian's vsftpd, which requires TLS session reuse on data
connections (issue 9: plain ``FTP_TLS`` is refused with 522)."""

import ftplib
import io
import shutil
import ssl

import pytest
from django.conf import settings

from tests.usage.collection.ftp_servers import HARBOUR_COCE, HARBOUR_CTOP
from usage.carrier_files.models import CarrierFile
from usage.collection.choices import ProviderCollectionStatusChoices as Status
from usage.collection.client import FtpSession, FtpSettings, ssl_context
from usage.collection.collector import collection_run_now

pytest_plugins = ["tests.usage.collection.vsftpd_server"]


@pytest.fixture
def served(vsftpd):
    for name in (HARBOUR_CTOP, HARBOUR_COCE):
        shutil.copy(settings.SAMPLES_DIR / name, vsftpd.root / name)
    vsftpd.root.chmod(0o555)
    return vsftpd


def test_plain_ftp_tls_is_refused_by_a_server_requiring_session_reuse(served, ca_file):
    ftp = ftplib.FTP_TLS(context=ssl_context(verify=True, ca_file=str(ca_file)), timeout=10)
    ftp.connect("127.0.0.1", served.port)
    ftp.auth()
    ftp.login()
    ftp.prot_p()
    with pytest.raises(ftplib.error_perm, match="522 SSL connection failed: session reuse required"):
        ftp.nlst()
    ftp.close()


def test_the_collection_client_lists_and_downloads_from_vsftpd(served, ca_file):
    config = FtpSettings(
        host="127.0.0.1",
        port=served.port,
        username="anonymous",
        password="",
        directory=served.directory,
        ca_file=str(ca_file),
        connect_timeout=10,
        read_timeout=10,
    )
    with FtpSession(config) as session:
        assert isinstance(session.ftp.sock, ssl.SSLSocket)
        names = sorted(f.name for f in session.listing() if f.is_file)
        assert names == sorted([HARBOUR_COCE, HARBOUR_CTOP])
        target = io.BytesIO()
        size = session.download(HARBOUR_CTOP, target, expected_size=None)
    assert target.getvalue() == (settings.SAMPLES_DIR / HARBOUR_CTOP).read_bytes()
    assert size == len(target.getvalue())


def test_a_provider_is_collected_from_vsftpd(
    served, ca_file, harbour, carrier_root, settings, django_capture_on_commit_callbacks
):
    settings.FTP_CA_FILE = str(ca_file)
    harbour.ftp_host, harbour.ftp_port = "127.0.0.1", served.port
    harbour.ftp_username, harbour.ftp_directory = "anonymous", served.directory
    harbour.ftp_use_tls = True
    harbour.set_ftp_password("unused")
    harbour.save()
    with django_capture_on_commit_callbacks(execute=True):
        run = collection_run_now(providers=[harbour], sleep=lambda seconds: None)
    collected = run.collections.get(provider=harbour)
    assert collected.status == Status.SUCCEEDED, collected.error
    files = {f.name: f for f in CarrierFile.objects.filter(provider=harbour)}
    assert set(files) == {HARBOUR_CTOP, HARBOUR_COCE}
    assert files[HARBOUR_CTOP].rated == 7
