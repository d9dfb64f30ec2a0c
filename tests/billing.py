"""Shortcuts the tests take through the bill run, and reads only tests need: which
run billed a record, whether a service or an identifier is in force on a day."""

from __future__ import annotations

import datetime

from providers.models import BillPeriod
from provisioning.choices import ServiceStatusChoices
from provisioning.models import Service, ServiceIdentifier
from usage.billing.models import BillRun
from usage.billing.services import bill_run_execute, bill_run_request
from usage.ctop.choices import UsageRecordStatusChoices
from usage.ctop.models import UsageRecord


def close_period(*, period: BillPeriod, acting_user) -> BillRun:
    """Request the close and run it at once, as the worker would: idempotent."""
    run = bill_run_request(period=period, acting_user=acting_user)
    return bill_run_execute(run_id=run.pk)


def billed_by(record: UsageRecord) -> BillRun | None:
    """The run that billed ``record``, if one did: the first whose set holds it."""
    if record.status != UsageRecordStatusChoices.RATED or record.rated_seq is None:
        return None
    return (
        BillRun.objects.filter(
            provider_id=record.provider_id,
            status="done",
            seq_through__gte=record.rated_seq,
            period__end_date__gte=record.call_date,
        )
        .order_by("period__end_date")
        .first()
    )


def service_active_on(service: Service, day: datetime.date) -> bool:
    """Whether ``service`` is in force on ``day`` (a pending one never is)."""
    if service.status == ServiceStatusChoices.PENDING or not service.start_date:
        return False
    return service.start_date <= day and (service.end_date is None or day <= service.end_date)


def identifier_active_on(identifier: ServiceIdentifier, day: datetime.date) -> bool:
    return identifier.active_from <= day and (identifier.active_to is None or day <= identifier.active_to)
