"""An upload over UPLOAD_MAX_BYTES is not kept past the limit (issue 9, risk "no upload
size limit"): ``ssaas.common.limits.UploadLimitHandler`` stops passing it to Django's memory
and disk handlers once it passes the limit, and the form names the limit."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.urls import reverse

from usage.carrier_files.models import CarrierFile

LIMIT = 64 * 1024
CTOP_NAME = "CTOP_1234567_000002_20261103013000.txt"

pytestmark = pytest.mark.django_db


@pytest.fixture
def spooled(settings, tmp_path, monkeypatch):
    """Uploads spool to disk from the first kilobyte (so the disk handler is the one
    used); returns the sizes the disk handler was given, one per file."""
    settings.UPLOAD_MAX_BYTES = LIMIT
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    written: list[int] = []
    receive = TemporaryFileUploadHandler.receive_data_chunk

    def counting(self, raw_data, start):
        if start == 0:
            written.append(0)
        written[-1] = start + len(raw_data)
        return receive(self, raw_data, start)

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", counting)
    return written


def test_a_carrier_file_just_over_the_limit_is_refused_and_not_spooled_past_it(admin_client, harbour, spooled):
    upload = SimpleUploadedFile(CTOP_NAME, b"PWTHDR" + b"0" * (LIMIT - 5))  # LIMIT + 1 bytes
    response = admin_client.post(
        reverse("admin:usage_carrierfile_upload"), {"provider": harbour.pk, "kind": "ctop", "file": upload}
    )
    assert response.status_code == 200
    message = f"{CTOP_NAME} is over 64 KB: uploads are limited to 64 KB (the setting UPLOAD_MAX_BYTES)."
    assert response.context["form"].errors["file"] == [message]
    assert message in response.content.decode()
    assert spooled and max(spooled) <= LIMIT
    assert not CarrierFile.objects.exists()


def test_a_large_upload_is_counted_not_kept_and_its_size_is_named(admin_client, harbour, spooled):
    upload = SimpleUploadedFile("services.csv", b"x" * (20 * LIMIT))
    response = admin_client.post(reverse("admin:provisioning_service_import"), {"provider": harbour.pk, "file": upload})
    assert response.context["form"].errors["file"] == [
        "services.csv is 1.2 MB: uploads are limited to 64 KB (the setting UPLOAD_MAX_BYTES)."
    ]
    assert max(spooled) <= LIMIT


def test_an_upload_of_exactly_the_limit_reaches_the_form_whole(admin_client, harbour, spooled):
    header = "Reference,Customer reference,Plan,Status,Start date,End date,Label\n"
    content = header.encode() + b"#" * (LIMIT - len(header))
    upload = SimpleUploadedFile("services.csv", content)
    response = admin_client.post(reverse("admin:provisioning_service_import"), {"provider": harbour.pk, "file": upload})
    assert "file" not in response.context["form"].errors
    assert spooled == [LIMIT]
