import pytest

from tests.browser import browser  # noqa: F401 - one Chromium per crawl module
from tests.ssaas import admin_world
from usage.carrier_files import progress
from usage.carrier_files.models import CarrierFile


@pytest.fixture
def world(transactional_db):
    """The crawl's admin (tests/ssaas/admin_world.py) with one of Harbour Voice's
    CTOP files caught while it is processed (60 % read)."""
    world = admin_world.build()
    busy = CarrierFile.objects.filter(provider=world.harbour.provider, kind="ctop").first()
    CarrierFile.objects.filter(pk=busy.pk).update(status="processing", size=40_000)
    progress.report_lines(busy.pk, lines=180, position=24_000, size=40_000)
    world.busy = busy
    yield world
    progress.clear_progress(busy.pk)
