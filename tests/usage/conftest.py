import io
import itertools
import json

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.writers.ctop import CtopWriter
from usage.carrier_files.choices import CarrierFileSourceChoices
from usage.carrier_files.layouts import Layout
from usage.carrier_files.models import CarrierFile
from usage.carrier_files.receive import carrier_file_process, carrier_file_receive

SAMPLES = settings.SAMPLES_DIR
SAMPLE_FILES = {
    "harbour-voice": "CTOP_1234567_000001_20261102013000.txt",
    "southern-wholesale": "CTOP_2345678_000001_20261102020000.txt.gz",
    "coastal-comms": "CTOP_3456789_000001_20261103013000.txt",
}
_ids = itertools.count(1)


@pytest.fixture
def ctop_spans(db):
    layout = Layout.objects.get(kind="ctop", is_default=True)
    return {record: layout.spans(record) for record in ("header", "detail", "trailer")}


@pytest.fixture
def writer(ctop_spans):
    """A CTOP writer in the default layout for a provider; ``call()`` adds a typical call."""

    def make(provider, *, sequence=1, produced="20261102013000"):
        w = CtopWriter(ctop_spans, account=provider.aapt_account, sequence=sequence, produced=produced)

        def call(
            *,
            when="20261101090000",
            target="0412345678",
            seconds=60,
            unittype="100",
            price=10,
            **extra,
        ):
            fields = {
                "record_id": extra.pop("record_id", f"T{next(_ids):020d}"),
                "trans_time": when,
                "target": target,
                "origin": extra.pop("origin", "0290001000"),
                "rated_price": price,
                "raw_units": seconds,
                "raw_unittype": unittype,
                "rated_units": seconds,
                "rated_unittype": unittype,
            }
            fields.update(extra)
            return w.add(**fields)

        w.call = call
        return w

    return make


def ingest_text(provider, name: str, text: str | bytes) -> CarrierFile:
    data = text.encode("ascii") if isinstance(text, str) else text
    received = carrier_file_receive(
        provider=provider,
        name=name,
        content=io.BytesIO(data),
        source=CarrierFileSourceChoices.COMMAND,
    )
    return carrier_file_process(carrier_file_id=received.pk)


def ingest_sample(provider, name: str | None = None) -> CarrierFile:
    name = name or SAMPLE_FILES[provider.slug]
    with open(SAMPLES / name, "rb") as content:
        received = carrier_file_receive(provider=provider, name=name, content=content)
    return carrier_file_process(carrier_file_id=received.pk)


def ingest_command(command: str, path, provider: str, *, fails: bool = False) -> dict:
    """``command`` (``ingest_ctop``, ``ingest_coce``) run on ``path`` for the provider
    with slug ``provider``: the summary it printed. ``fails``: it must exit with status 1."""
    out = io.StringIO()
    if fails:
        with pytest.raises(SystemExit) as exit_info:
            call_command(command, str(path), provider=provider, stdout=out)
        assert exit_info.value.code == 1
    else:
        call_command(command, str(path), provider=provider, stdout=out)
    return json.loads(out.getvalue())
