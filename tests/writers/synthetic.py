"""A realistic synthetic CTOP file (benchmarks and tests) for Southern Wholesale (distinct usernames, FNNs and
hosted numbers, mixed call categories, about 1% of records matching no service)."""

from __future__ import annotations

import random
from pathlib import Path

from tests.writers.ctop import CtopWriter, FastDetailWriter

# (target, category) of the calls, roughly as a business places them.
TARGETS = [
    ("04{:08d}", 50),  # mobile
    ("02{:08d}", 25),  # fixed
    ("07{:08d}", 8),
    ("1300{:06d}", 5),
    ("13{:04d}", 3),
    ("1800{:06d}", 4),
    ("0011442{:08d}", 3),  # international
    ("000", 1),
    ("1900{:06d}", 1),
]


def users(unmatched_share: float):
    """special1 values: the demo's identifiers, and some nobody holds."""
    known = ["0290002000@ssaas.aapt.com.au", "JSmith.Acme@ssaas.aapt.com.au", "+61290002000@ssaas.aapt.com.au"]
    known += [f"03700020{n:02d}@ssaas.aapt.com.au" for n in range(100)]
    unknown = [f"03800{n:05d}@ssaas.aapt.com.au" for n in range(50)] + ["reception@other.realm.com.au"]
    return known, unknown


def write_ctop(path: Path, *, spans, account: str, records: int, seed: int = 1, unmatched: float = 0.01) -> Path:
    rng = random.Random(seed)
    known, unknown = users(unmatched)
    patterns = [p for p, w in TARGETS for _ in range(w)]
    header = CtopWriter(spans, account=account)
    detail = FastDetailWriter(spans["detail"])
    total = 0
    with open(path, "wb") as out:
        out.write(header.header().encode() + b"\n")
        for i in range(records):
            pattern = rng.choice(patterns)
            target = pattern.format(rng.randrange(10**8)) if "{" in pattern else pattern
            special1 = rng.choice(unknown) if rng.random() < unmatched else rng.choice(known)
            seconds = rng.randrange(1, 1800)
            price = rng.randrange(0, 400)
            total += price
            day = 1 + i * 28 // records
            clock = f"{rng.randrange(24):02d}{rng.randrange(60):02d}{rng.randrange(60):02d}"
            out.write(
                detail.line(
                    {
                        "record_id": f"B{seed:03d}{i:018d}",
                        "trans_time": f"202610{day:02d}{clock}",
                        "target": target,
                        "origin": "0290002000",
                        "rated_price": price,
                        "raw_units": seconds,
                        "raw_unittype": "100",
                        "rated_units": seconds,
                        "rated_unittype": "100",
                        "special1": special1,
                        "special2": "SWGROUP1",
                    }
                )
                + b"\n"
            )
        out.write(header.trailer(count=records, total_cents=total).encode() + b"\n")
    return path
