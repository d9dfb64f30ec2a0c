"""What processing a carrier file means, kind by kind: a registry of processors,
and what every processor shares (rejecting the file whole, the trailer check and
the rejected lines, the notes for staff).

Each kind's module registers its processor when the app is ready
(``UsageConfig.ready``): the receiving side looks the processor up by the
file's kind and never imports a kind's module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from usage.carrier_files.choices import CarrierFileStatusChoices as Status
from usage.carrier_files.framing import FileRejected
from usage.carrier_files.models import CarrierFile, RejectedLine

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Processor:
    """``process(provider, carrier_file)`` runs inside the file's transaction, the
    provider locked; ``after(carrier_file)``, if any, once it has committed."""

    kind: str
    process: Callable
    after: Callable | None = None


_PROCESSORS: dict[str, Processor] = {}


def register(kind: str, *, after: Callable | None = None) -> Callable:
    """Decorator: ``process`` is how files of ``kind`` are processed."""

    def decorate(process: Callable) -> Callable:
        _PROCESSORS[kind] = Processor(kind, process, after)
        return process

    return decorate


def processor_for(kind: str) -> Processor:
    try:
        return _PROCESSORS[kind]
    except KeyError:
        raise NotImplementedError(f"no processing for {kind} files") from None


def file_reject(carrier_file: CarrierFile, reason: str) -> None:
    """Take nothing of the file: rejected whole, with the reason, its counts zero."""
    carrier_file.status = Status.REJECTED
    carrier_file.reason = f"Rejected: {reason}."
    carrier_file.processed_at = timezone.now()
    carrier_file.lines = carrier_file.rated = carrier_file.quarantined = 0
    carrier_file.rejected = carrier_file.duplicates = 0
    carrier_file.charge_total = carrier_file.aapt_cost_total = Decimal(0)
    carrier_file.save()
    logger.warning("rejected %s: %s", carrier_file.name, reason)


def parse_notes(parser, rejected: int) -> list[str]:
    """What staff should know of how a file read: the lines it was taken without
    (those whose price cannot be read among them, which the readable prices
    balanced), and blank lines."""
    notes = []
    if rejected:
        note = f"Taken with {rejected} rejected line(s)"
        if parser.unreadable_prices:
            note += (
                f", {parser.unreadable_prices} of them because their {parser.PRICE_FIELD} cannot be read "
                "(the readable amounts balance the trailer's total without them)"
            )
        notes.append(note)
    if parser.blank_lines:
        notes.append(f"{parser.blank_lines} blank line(s) ignored")
    return notes


def finish_parse(parser, carrier_file: CarrierFile, rejected: list) -> None:
    """The trailer's control totals must agree (else the file is rejected whole);
    then the lines that could not be read are recorded."""
    problems = parser.check_trailer()
    if problems:
        raise FileRejected("; ".join(problems))
    RejectedLine.objects.bulk_create(
        [
            RejectedLine(
                carrier_file=carrier_file,
                line_number=r.line_number,
                field=r.field,
                reason=r.reason,
                content=r.content,
            )
            for r in rejected
        ],
        batch_size=1000,
    )
