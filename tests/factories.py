"""factory-boy factories for the rows tests build.

Each factory makes a valid row with the fewest others it needs: a service makes
its customer (and so its provider) and a plan of that provider, unless given
them. Unique fields come from sequences; dates default to 1 October 2026 (the
samples' services start then); datetimes are aware; money is ``Decimal``.

These write rows directly (no service, no history row, no ``full_clean``): they
set a test up. A test of a rule goes through the service or action that keeps
it. ``tests/setups.py`` builds the samples README's providers with them.
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.text import slugify
from factory.django import DjangoModelFactory

from providers.choices import (
    BillPeriodStatusChoices,
    ProviderIdentificationMethodChoices,
    ProviderKindChoices,
)
from providers.models import BillPeriod, Customer, Provider, StaffMembership
from provisioning.choices import (
    FeatureProductKindChoices,
    OrderKindChoices,
    OrderStateChoices,
    PlanRateCategoryChoices,
    ServiceFeatureStatusChoices,
    ServiceIdentifierKindChoices,
    ServiceStatusChoices,
)
from provisioning.models import (
    FeatureProduct,
    HostedNumberRange,
    Order,
    PlanProductPrice,
    PlanRate,
    Service,
    ServiceFeature,
    ServiceIdentifier,
    ServicePlan,
)
from usage.carrier_files.choices import CarrierFileKindChoices, CarrierFileSourceChoices, CarrierFileStatusChoices
from usage.carrier_files.models import CarrierFile
from usage.ctop.choices import UsageRecordReasonChoices, UsageRecordStatusChoices
from usage.ctop.models import QuarantinedRecord, UsageRecord
from usage.ctop.rated_seq import next_rated_seq

OCT_1 = datetime.date(2026, 10, 1)
SYDNEY = datetime.timezone(datetime.timedelta(hours=11))  # AEDT, in force from October


def month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


# ---------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------


class UserFactory(DjangoModelFactory):
    """A staff user (password "pw"); ``role=`` a role group's name puts them in it,
    ``providers=[…]`` makes them a member of those providers."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com.au")
    is_staff = True
    password = factory.django.Password("pw")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))

    @factory.post_generation
    def providers(self, create, extracted, **kwargs):
        for provider in extracted or ():
            StaffMembership.objects.create(user=self, provider=provider)


class SuperuserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"root{n}")
    is_superuser = True


# ---------------------------------------------------------------------------
# Providers
# ---------------------------------------------------------------------------


class ProviderFactory(DjangoModelFactory):
    """A retail provider identifying usage by Group ID; ``kind=wholesale`` with
    ``identification_method=distinct_username`` for a wholesale one."""

    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"Provider {n}")
    slug = factory.LazyAttribute(lambda provider: slugify(provider.name))
    kind = ProviderKindChoices.RETAIL
    aapt_account = factory.Sequence(lambda n: f"{8000000 + n}")
    identification_method = ProviderIdentificationMethodChoices.GROUP_ID
    custom_realms = ""

    class Params:
        wholesale = factory.Trait(
            kind=ProviderKindChoices.WHOLESALE,
            identification_method=ProviderIdentificationMethodChoices.DISTINCT_USERNAME,
        )


class StaffMembershipFactory(DjangoModelFactory):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory)
    provider = factory.SubFactory(ProviderFactory)


class BillPeriodFactory(DjangoModelFactory):
    """A calendar month, open; ``month="2026-09"`` picks it, ``closed=True`` closes it."""

    class Meta:
        model = BillPeriod

    class Params:
        month = "2026-10"
        closed = factory.Trait(status=BillPeriodStatusChoices.CLOSED)

    provider = factory.SubFactory(ProviderFactory)
    start_date = factory.LazyAttribute(lambda period: datetime.date.fromisoformat(f"{period.month}-01"))
    end_date = factory.LazyAttribute(lambda period: month_end(period.start_date))
    status = BillPeriodStatusChoices.OPEN


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer

    provider = factory.SubFactory(ProviderFactory)
    reference = factory.Sequence(lambda n: f"CUST{n:04d}")
    name = factory.Sequence(lambda n: f"Customer {n} Pty Ltd")
    contact_name = "Chris Example"
    contact_email = factory.LazyAttribute(lambda customer: f"{customer.reference.lower()}@example.com.au")


# ---------------------------------------------------------------------------
# Plans and catalogue
# ---------------------------------------------------------------------------


class ServicePlanFactory(DjangoModelFactory):
    class Meta:
        model = ServicePlan

    provider = factory.SubFactory(ProviderFactory)
    name = factory.Sequence(lambda n: f"Plan {n}")


class PlanRateFactory(DjangoModelFactory):
    """An untimed fixed-line rate (flagfall 0.10); ``timed=True`` gives 0.12 a minute
    in 60/30 increments instead (pass any field to change it)."""

    class Meta:
        model = PlanRate

    class Params:
        timed = factory.Trait(
            untimed=False,
            flagfall=Decimal("0.00"),
            rate_per_minute=Decimal("0.12"),
            initial_increment=60,
            subsequent_increment=30,
        )

    plan = factory.SubFactory(ServicePlanFactory)
    category = PlanRateCategoryChoices.FIXED
    flagfall = Decimal("0.10")
    rate_per_minute = Decimal("0.00")
    untimed = True
    initial_increment = None
    subsequent_increment = None


RateFactory = PlanRateFactory


class FeatureProductFactory(DjangoModelFactory):
    class Meta:
        model = FeatureProduct

    provider = factory.SubFactory(ProviderFactory)
    element_id = factory.Sequence(lambda n: f"{590000 + n}")
    name = factory.Sequence(lambda n: f"Product {n}")
    kind = FeatureProductKindChoices.SERVICE_PACK
    unit_cost = Decimal("4.50")
    retail_price = Decimal("0.00")


class PlanProductPriceFactory(DjangoModelFactory):
    class Meta:
        model = PlanProductPrice

    plan = factory.SubFactory(ServicePlanFactory)
    product = factory.SubFactory(FeatureProductFactory, provider=factory.SelfAttribute("..plan.provider"))
    monthly_price = Decimal("10.00")


# ---------------------------------------------------------------------------
# Services, identifiers, features
# ---------------------------------------------------------------------------


class ServiceFactory(DjangoModelFactory):
    """An active service from 1 October 2026. Give ``customer=`` (its provider is the
    service's) or ``customer__provider=``; the plan is a new one of that provider
    unless given."""

    class Meta:
        model = Service

    customer = factory.SubFactory(CustomerFactory)
    provider = factory.SelfAttribute("customer.provider")
    plan = factory.SubFactory(ServicePlanFactory, provider=factory.SelfAttribute("..provider"))
    reference = factory.Sequence(lambda n: f"SVC-{n:04d}")
    status = ServiceStatusChoices.ACTIVE
    start_date = OCT_1
    end_date = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if kwargs["provider"].pk != kwargs["customer"].provider_id:
            raise ValueError("A service's provider is its customer's: pass customer= or customer__provider=.")
        return super()._create(model_class, *args, **kwargs)


class ServiceIdentifierFactory(DjangoModelFactory):
    """An FNN on a service, active from the service's start; the value is normalised
    as the model's ``clean()`` would (``kind=``/``value=`` for another)."""

    class Meta:
        model = ServiceIdentifier

    service = factory.SubFactory(ServiceFactory)
    kind = ServiceIdentifierKindChoices.FNN
    value = factory.Sequence(lambda n: f"0298{n:06d}")
    active_from = factory.LazyAttribute(lambda identifier: identifier.service.start_date or OCT_1)
    active_to = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        identifier = model_class(*args, **kwargs)
        errors = identifier.normalise()
        if errors:
            raise ValueError(f"Not a valid {identifier.kind}: {errors}")
        identifier.save()
        return identifier


class HostedNumberRangeFactory(ServiceIdentifierFactory):
    """A hosted number range of 100 numbers."""

    class Meta:
        model = HostedNumberRange

    kind = ServiceIdentifierKindChoices.NUMBER_RANGE
    value = factory.Sequence(lambda n: f"0397{n:04d}00-0397{n:04d}99")


class ServiceFeatureFactory(DjangoModelFactory):
    """An active feature (×1) of a product in the service's provider's catalogue,
    from the service's start; ``requested=True`` for one not yet active."""

    class Meta:
        model = ServiceFeature

    class Params:
        requested = factory.Trait(status=ServiceFeatureStatusChoices.REQUESTED, active_from=None)

    service = factory.SubFactory(ServiceFactory)
    product = factory.SubFactory(FeatureProductFactory, provider=factory.SelfAttribute("..service.provider"))
    quantity = 1
    status = ServiceFeatureStatusChoices.ACTIVE
    requested_on = factory.LazyAttribute(lambda feature: feature.service.start_date or OCT_1)
    active_from = factory.SelfAttribute("requested_on")
    active_to = None


# ---------------------------------------------------------------------------
# Orders
# ---------------------------------------------------------------------------


class OrderFactory(DjangoModelFactory):
    """A submitted new-service order (no history row: use the order services to
    test the queue's rules)."""

    class Meta:
        model = Order

    kind = OrderKindChoices.NEW
    state = OrderStateChoices.SUBMITTED
    customer = factory.SubFactory(CustomerFactory)
    provider = factory.SelfAttribute("customer.provider")
    service = None
    requested_plan = factory.SubFactory(ServicePlanFactory, provider=factory.SelfAttribute("..provider"))
    requested_date = datetime.date(2026, 12, 1)
    service_reference = factory.Sequence(lambda n: f"NEW-{n:04d}")


# ---------------------------------------------------------------------------
# Carrier files and usage
# ---------------------------------------------------------------------------


class CarrierFileFactory(DjangoModelFactory):
    """A processed CTOP file (its stored content a one-line placeholder, named as
    AAPT names them)."""

    class Meta:
        model = CarrierFile

    provider = factory.SubFactory(ProviderFactory)
    kind = CarrierFileKindChoices.CTOP
    sequence = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(
        lambda f: f"{f.kind.upper()}_{f.provider.aapt_account}_{f.sequence:06d}_20261102013000.txt"
    )
    produced_at = datetime.datetime(2026, 11, 2, 1, 30, tzinfo=SYDNEY)
    stored = factory.django.FileField(filename="carrier-file.txt", data=b"placeholder\n")
    size = 12
    sha256 = factory.Sequence(lambda n: hashlib.sha256(f"carrier-file-{n}".encode()).hexdigest())
    source = CarrierFileSourceChoices.UPLOAD
    status = CarrierFileStatusChoices.PROCESSED
    processed_at = factory.LazyFunction(lambda: datetime.datetime(2026, 11, 2, 2, 0, tzinfo=datetime.UTC))


class UsageRecordFactory(DjangoModelFactory):
    """A rated 60-second mobile call on 2 November 2026 (Sydney) of a service."""

    class Meta:
        model = UsageRecord

    service = factory.SubFactory(ServiceFactory)
    provider = factory.SelfAttribute("service.provider")
    plan = factory.SelfAttribute("service.plan")
    carrier_file = factory.SubFactory(CarrierFileFactory, provider=factory.SelfAttribute("..provider"))
    line_number = factory.Sequence(lambda n: n + 2)
    record_id = factory.Sequence(lambda n: f"R{n:020d}")
    status = UsageRecordStatusChoices.RATED
    started_at = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=SYDNEY)
    call_date = factory.LazyAttribute(lambda record: record.started_at.astimezone(SYDNEY).date())
    origin = "0290001000"
    target = "0412345678"
    category = PlanRateCategoryChoices.MOBILE
    raw_units = "60"
    raw_unittype = "100"
    duration_seconds = 60
    billed_seconds = 60
    charge = Decimal("0.12")
    aapt_cost = Decimal("0.100000")
    rated_at = factory.LazyFunction(lambda: datetime.datetime(2026, 11, 2, 2, 0, tzinfo=datetime.UTC))
    rated_seq = factory.LazyFunction(next_rated_seq)


class QuarantinedRecordFactory(UsageRecordFactory):
    """A call quarantined as naming no service (Group ID ``UNKNOWNGROUP``)."""

    class Meta:
        model = QuarantinedRecord

    service = None
    provider = factory.SubFactory(ProviderFactory)
    plan = None
    status = UsageRecordStatusChoices.QUARANTINED
    reason = UsageRecordReasonChoices.NON_EXISTENT_SERVICE
    identifier = "UNKNOWNGROUP"
    group_id = "UNKNOWNGROUP"
    billed_seconds = None
    charge = None
    rated_at = None
    rated_seq = None
