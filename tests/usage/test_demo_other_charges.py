import io

import pytest
from django.core.management import call_command

from usage.broadworks.models import BroadWorksReport
from usage.carrier_files.models import CarrierFile
from usage.coce.models import OtherCharge


@pytest.mark.django_db
def test_loaddemo_takes_harbours_coce_and_broadworks_report_once():
    for _ in range(2):
        call_command("loaddemo", stdout=io.StringIO())
    (coce,) = CarrierFile.objects.filter(kind="coce")
    assert coce.provider.slug == "harbour-voice" and coce.status == "processed_with_exceptions"
    assert OtherCharge.objects.filter(status="counted").count() == 6
    (report,) = BroadWorksReport.objects.all()
    assert (report.period_start.isoformat(), report.rows) == ("2026-10-01", 3)
