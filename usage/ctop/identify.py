"""Identify, bucket and price usage against one provider's set-up, in memory.

Built once per run (ingest or cleanse) from the provider's identifiers,
services and rate cards; every record then costs a few dictionary look-ups.
"""

from __future__ import annotations

import bisect
import datetime
import math
from collections import defaultdict
from decimal import Decimal

from django.conf import settings

from providers.choices import ProviderIdentificationMethodChoices as Method
from providers.models import AAPT_DEFAULT_REALM, Provider
from provisioning.choices import ServiceIdentifierKindChoices as Kind
from provisioning.choices import ServiceStatusChoices
from provisioning.models import PlanRate, Service, ServiceIdentifier
from provisioning.normalise import normalise_group_id, normalise_number, normalise_username_realm
from provisioning.rating.calls import rate_call
from provisioning.rating.categories import CategoryCache
from usage.ctop.choices import UsageRecordReasonChoices as Reason

FOREVER = datetime.date.max
_NUMBER_START = frozenset("+0123456789")
_CACHE_LIMIT = 200_000
# What a record's charge column holds (numeric(12, 2)), in cents: the implausible
# ceiling never goes beyond it, whatever the setting says.
_MAX_CHARGE_CENTS = 10**12 - 1

# (flagfall, rate per minute, untimed, initial, subsequent)
Rate = tuple[Decimal, Decimal, bool, int | None, int | None]


class Resolution(tuple):
    """(identifier, service id or None, plan id or None, reason or None, rates)."""

    __slots__ = ()


def duration_seconds(units: int | Decimal, unittype: str) -> int | None:
    """Seconds from raw units, rounded up (away from zero for credits); None when
    the unit is not a time."""
    if unittype == "100":
        scaled = units
    elif unittype == "101":
        scaled = Decimal(units) / 10
    elif unittype == "120":
        scaled = units * 60
    elif unittype == "130":
        scaled = units * 3600
    else:
        return None
    if scaled.__class__ is int:
        return scaled
    magnitude = math.ceil(abs(scaled))
    return -magnitude if scaled < 0 else magnitude


def identifier_forms(text: str) -> list[str]:
    """The forms ``text`` takes as a stored identifier, whatever way a person typed
    it: as given, lower-case (usernames, realms), upper-case (Group IDs), national
    number."""
    text = text.strip()
    forms = {
        text,
        text.lower(),
        text.upper(),
        text.lower().removesuffix("@" + AAPT_DEFAULT_REALM),
        normalise_username_realm(text),
    }
    number = normalise_number(text) if text[:1] in _NUMBER_START else None
    if number:
        forms.add(number)
    return sorted(forms)


class ProviderIndex:
    """A provider's identifiers, service periods and rates, for fast resolution."""

    def __init__(self, provider: Provider, *, method: str | None = None) -> None:
        self.provider = provider
        self.method = method or provider.identification_method
        self.exact: dict[tuple[str, str], list[tuple[datetime.date, datetime.date, int]]] = defaultdict(list)
        self.ranges: dict[int, list[tuple[str, str, datetime.date, datetime.date, int]]] = defaultdict(list)
        rows = ServiceIdentifier.objects.filter(service__provider=provider).values_list(
            "kind", "value", "number_first", "number_last", "active_from", "active_to", "service_id"
        )
        for kind, value, first, last, start, end, service_id in rows:
            period = (start, end or FOREVER, service_id)
            if kind == Kind.NUMBER_RANGE:
                self.ranges[len(first)].append((first, last, *period))
            else:
                self.exact[(kind, value)].append(period)
        for entries in self.ranges.values():
            entries.sort()
        self._range_firsts = {n: [e[0] for e in entries] for n, entries in self.ranges.items()}
        self.services: dict[int, tuple[str, datetime.date | None, datetime.date, int]] = {
            sid: (status, start, end or FOREVER, plan_id)
            for sid, status, start, end, plan_id in Service.objects.filter(provider=provider).values_list(
                "id", "status", "start_date", "end_date", "plan_id"
            )
        }
        self.rates: dict[int, dict[str, Rate]] = defaultdict(dict)
        for rate in PlanRate.objects.filter(plan__provider=provider):
            self.rates[rate.plan_id][rate.category] = (
                rate.flagfall,
                rate.rate_per_minute,
                rate.untimed,
                rate.initial_increment,
                rate.subsequent_increment,
            )
        self.categories = CategoryCache()
        # Plausibility: read once per run, so raising a setting and re-processing
        # takes the new limits.
        self.max_seconds = int(settings.USAGE_IMPLAUSIBLE_SECONDS)
        self.max_cents = min(Decimal(str(settings.USAGE_IMPLAUSIBLE_CHARGE)).scaleb(2), _MAX_CHARGE_CENTS)
        self._resolved: dict[tuple[str, datetime.date], Resolution] = {}
        self._prices: dict[tuple[int, str, int], tuple[int, int, str]] = {}

    # -- identify -----------------------------------------------------------

    def identifier_and_service(self, special1: str, special2: str, day: datetime.date) -> tuple[str, int | None]:
        """The identifier the provider's method reads, and the service holding it
        on ``day`` (None when no service does)."""
        if self.method == Method.GROUP_ID:
            group = normalise_group_id(special2)
            return group, self._exact(Kind.GROUP_ID, group, day) if group else None
        if self.method == Method.CUSTOM_REALM:
            text = normalise_username_realm(special1)
            return text, self._exact(Kind.USERNAME_REALM, text, day) if "@" in text else None
        text = special1.strip().lower()
        user, at, realm = text.partition("@")
        if not at or realm != AAPT_DEFAULT_REALM or not user:
            return text, None
        number = normalise_number(user) if user[0] in _NUMBER_START else None
        if number is None:
            return user, self._exact(Kind.USERNAME, user, day)
        found = self._exact(Kind.FNN, number, day) or self._exact(Kind.USERNAME, user, day)
        return number, found or self._in_range(number, day)

    def _exact(self, kind: str, value: str, day: datetime.date) -> int | None:
        for start, end, service_id in self.exact.get((kind, value), ()):
            if start <= day <= end:
                return service_id
        return None

    def _in_range(self, number: str, day: datetime.date) -> int | None:
        entries = self.ranges.get(len(number))
        if not entries:
            return None
        # Every range starting at or below the number, nearest first.
        for i in range(bisect.bisect_right(self._range_firsts[len(number)], number) - 1, -1, -1):
            first, last, start, end, service_id = entries[i]
            if number <= last and start <= day <= end:
                return service_id
        return None

    # -- identify + bucket, cached by identifier and date ---------------------

    def resolve(self, special1: str, special2: str, day: datetime.date) -> Resolution:
        key = (special2 if self.method == Method.GROUP_ID else special1, day)
        found = self._resolved.get(key)
        if found is None:
            if len(self._resolved) > _CACHE_LIMIT:
                self._resolved.clear()
            found = self._resolved[key] = self._resolve(special1, special2, day)
        return found

    def _resolve(self, special1: str, special2: str, day: datetime.date) -> Resolution:
        identifier, service_id = self.identifier_and_service(special1, special2, day)
        if service_id is None:
            return Resolution((identifier, None, None, Reason.NON_EXISTENT_SERVICE, None))
        status, start, end, plan_id = self.services[service_id]
        if status == ServiceStatusChoices.PENDING or start is None or not start <= day <= end:
            return Resolution((identifier, service_id, plan_id, Reason.NO_ACTIVE_PERIOD, None))
        return Resolution((identifier, service_id, plan_id, None, self.rates.get(plan_id, {})))

    # -- all three gates ----------------------------------------------------------

    def evaluate(
        self,
        special1: str,
        special2: str,
        day: datetime.date,
        units: int | Decimal,
        unittype: str,
        target: str,
        aapt_cents: Decimal,
    ) -> tuple:
        """Identify, bucket and rate one record.

        A record with negative units *or* a negative AAPT price (``aapt_cents``)
        is a credit: the negative of what its duration would be charged. A
        duration or price beyond the plausibility settings is quarantined
        ("implausible"), never billed.

        Returns (identifier, service id, plan id, quarantine reason or None,
        category, seconds, billed seconds, charge in cents, charge text)."""
        identifier, service_id, plan_id, reason, rates = self.resolve(special1, special2, day)
        seconds = duration_seconds(units, unittype)
        category = "" if seconds is None else self.categories(target)
        if seconds is not None and not (
            -self.max_seconds <= seconds <= self.max_seconds and -self.max_cents <= aapt_cents <= self.max_cents
        ):
            reason = Reason.IMPLAUSIBLE.value
        elif reason is None:
            if seconds is None:
                reason = Reason.UNSUPPORTED_UNIT.value
            else:
                rate = rates.get(category)
                if rate is None:
                    reason = Reason.NO_PRICE.value
                else:
                    billed, cents, charge = self.price(plan_id, category, rate, seconds, aapt_cents < 0)
                    if abs(cents) > self.max_cents:
                        reason = Reason.IMPLAUSIBLE.value
                    else:
                        return (
                            identifier,
                            service_id,
                            plan_id,
                            None,
                            category,
                            seconds,
                            billed,
                            cents,
                            charge,
                        )
        return identifier, service_id, plan_id, reason, category, seconds, None, 0, None

    # -- rate -----------------------------------------------------------------

    def price(self, plan_id: int, category: str, rate: Rate, seconds: int, credit_by_price: bool = False):
        """(billed seconds, charge in cents, charge as text), cached; the arithmetic is
        ``provisioning.rating.calls.rate_call``'s. A credit (negative ``seconds``, or
        ``credit_by_price``) is the negative of the same call."""
        key = (plan_id, category, seconds, credit_by_price)
        found = self._prices.get(key)
        if found is None:
            flagfall, per_minute, untimed, initial, subsequent = rate
            billed, charge = rate_call(
                seconds=seconds,
                flagfall=flagfall,
                rate_per_minute=per_minute,
                untimed=untimed,
                initial=initial,
                subsequent=subsequent,
                credit=credit_by_price,
            )
            if len(self._prices) > _CACHE_LIMIT:
                self._prices.clear()
            found = self._prices[key] = (billed, int(charge * 100), str(charge))
        return found
