"""The parser, fed arbitrary lines, never raises anything but a file rejection and
never loses a line: every line between header and trailer is a record or a
rejected line."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.usage.conftest import SAMPLE_FILES, SAMPLES
from usage.carrier_files.framing import CompiledLayout, FileRejected, Rejected
from usage.ctop.parser import DETAIL_FIELDS, CtopParser, Detail

SAMPLE_DETAIL = (SAMPLES / SAMPLE_FILES["harbour-voice"]).read_text().splitlines()[1]

# The default layout's spans, as the migration loads them (no database needed).
SPANS = {
    "header": {"record_type": (0, 6), "account": (6, 16), "sequence": (16, 26), "produced_at": (26, 40)},
    "detail": {
        "record_id": (269, 291),
        "trans_time": (92, 106),
        "target": (120, 144),
        "origin": (144, 168),
        "rated_price": (178, 196),
        "raw_units": (291, 301),
        "raw_unittype": (301, 307),
        "special1": (351, 606),
        "special2": (606, 702),
    },
    "trailer": {"record_type": (0, 6), "record_count": (6, 16), "total_cents": (16, 34)},
}
LAYOUT = CompiledLayout.from_spans("v1.8", SPANS, detail_fields=DETAIL_FIELDS)


def mutated_detail():
    """A sample record with arbitrary characters written over arbitrary columns."""
    return st.tuples(st.integers(0, 1000), st.text(alphabet=st.characters(codec="latin-1"), max_size=40)).map(
        lambda cut: (SAMPLE_DETAIL[: cut[0]] + cut[1] + SAMPLE_DETAIL[cut[0] + len(cut[1]) :])[:1000]
    )


lines = st.lists(
    st.one_of(
        mutated_detail(),
        st.text(alphabet=st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=300),
        st.just(SAMPLE_DETAIL),
        st.sampled_from(["PWTDET", "PWTTRL   ", "PWTHDR", "", "   "]),
    ),
    max_size=30,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(middle=lines, newline=st.sampled_from(["\n", "\r\n"]))
def test_every_line_is_accounted_for(middle, newline):
    header = "PWTHDR   1234567    00000120261102013000"
    trailer = f"PWTTRL{len(middle):>10}{0:>18}"
    raw = [(line + newline).encode("latin-1") for line in [header, *middle, trailer]]
    parser = CtopParser(LAYOUT)
    events = []
    try:
        for event in parser.parse(raw):
            assert isinstance(event, Detail | Rejected)
            events.append(event)
        parser.check_trailer()
    except FileRejected as exc:
        assert str(exc)  # a reason a person can read
        return
    non_blank = [line for line in middle if line.strip()]
    assert len(events) == len(non_blank) == parser.lines_read
    assert sorted(e.line_number for e in events) == [i + 2 for i, line in enumerate(middle) if line.strip()]
    for event in events:
        if isinstance(event, Rejected):
            assert event.field and event.reason


@settings(max_examples=200, deadline=None)
@given(garbage=st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash(garbage):
    parser = CtopParser(LAYOUT)
    try:
        list(parser.parse(garbage.splitlines(keepends=True)))
        parser.check_trailer()
    except FileRejected:
        pass
