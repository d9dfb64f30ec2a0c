"""What completing each kind of order does to services, identifiers and
features; the closed-period rule; the foundation's identifier rules refusing a
completion with their own messages."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from providers.models import BillPeriod, Customer
from provisioning.actions.orders import FeatureLine, IdentifierLine, order_complete
from provisioning.choices import OrderKindChoices as Kind
from provisioning.choices import OrderStateChoices as State
from provisioning.choices import ServiceIdentifierKindChoices as IdKind
from provisioning.models import (
    FeatureProduct,
    Order,
    Service,
    ServiceFeature,
    ServiceIdentifier,
    ServicePlan,
)
from tests.billing import identifier_active_on, service_active_on

from .conftest import NOV_1

D = datetime.date
NOV_14, NOV_15, NOV_30 = D(2026, 11, 14), D(2026, 11, 15), D(2026, 11, 30)


def complete(order: Order, user, day: datetime.date) -> Order:
    return order_complete(order=order, acting_user=user, effective_date=day)


def plan_rating_call(value: str, day: datetime.date) -> tuple[str, str]:
    """What usage rating does: the service holding the identifier on the call's
    date, and that service's plan."""
    held = [i for i in ServiceIdentifier.objects.filter(value=value) if identifier_active_on(i, day)]
    assert len(held) == 1, held
    service = held[0].service
    assert service_active_on(service, day)
    return service.customer.reference, service.plan.name


def refused(order: Order, user, day: datetime.date) -> str:
    """Completing is refused: returns the message and checks nothing changed."""
    services = list(Service.objects.order_by("pk").values_list("pk", "status", "end_date"))
    identifiers = list(ServiceIdentifier.objects.order_by("pk").values_list("pk", "active_to"))
    with pytest.raises(ValidationError) as exc:
        complete(order, user, day)
    order.refresh_from_db()
    assert order.state == State.IN_PROGRESS
    assert not order.events.filter(to_state=State.COMPLETED).exists()
    assert list(Service.objects.order_by("pk").values_list("pk", "status", "end_date")) == services
    assert list(ServiceIdentifier.objects.order_by("pk").values_list("pk", "active_to")) == identifiers
    return " ".join(exc.value.messages)


@pytest.fixture
def user(harbour_provisioning):
    return harbour_provisioning


@pytest.fixture
def in_progress(submit, drive):
    def make(kind, **overrides):
        return drive(submit(kind, **overrides), State.IN_PROGRESS)

    return make


@pytest.mark.django_db
class TestActivateNew:
    def test_service_identifiers_ranges_and_features_active_from_the_start_date(self, in_progress, user, wattle):
        order = complete(in_progress(Kind.NEW), user, NOV_1)
        service = order.resulting_service
        assert (service.reference, service.customer, service.plan.name, service.status) == (
            "HV-2000",
            wattle,
            "Business Voice",
            "active",
        )
        assert service.start_date == NOV_1 and service.end_date is None
        assert sorted(service.identifiers.values_list("kind", "value", "active_from")) == [
            (IdKind.FNN, "0290005000", NOV_1),
            (IdKind.NUMBER_RANGE, "0390060000-0390060009", NOV_1),
        ]
        feature = service.features.get()
        assert (feature.product.name, feature.quantity, feature.status) == (
            "SIP Session",
            2,
            "active",
        )
        assert (feature.active_from, feature.activated_by) == (NOV_1, user)
        assert plan_rating_call("0290005000", NOV_1) == ("WATTLE", "Business Voice")
        assert not service_active_on(service, NOV_1 - datetime.timedelta(days=1))

    def test_backdated_into_an_open_period(self, in_progress, user):
        order = complete(in_progress(Kind.NEW), user, D(2026, 10, 5))
        assert order.resulting_service.start_date == D(2026, 10, 5)

    def test_identifier_on_another_service_is_refused_with_its_message(self, in_progress, user):
        order = in_progress(Kind.NEW, identifiers=[IdentifierLine(IdKind.FNN, "0290001050")])
        message = refused(order, user, NOV_1)
        assert message == (
            "0290001050 overlaps already on service HV-1001 (Acme Pty Ltd) as Hosted number "
            "range 0290001000-0290001099, 01/10/2026 onwards: an identifier cannot be on two "
            "services at once."
        )
        assert not Service.objects.filter(reference="HV-2000").exists()

    def test_second_group_id_for_a_customer_is_refused(self, in_progress, user, acme_service):
        order = in_progress(
            Kind.NEW,
            customer=acme_service.customer,
            identifiers=[IdentifierLine(IdKind.GROUP_ID, "acme2")],
        )
        assert "Acme Pty Ltd already has Group ID ACMEPTYLTD" in refused(order, user, NOV_1)

    def test_reference_of_a_live_service_is_refused_when_submitted(self, submit):
        with pytest.raises(ValidationError) as exc:
            submit(Kind.NEW, service_reference="HV-1001")
        assert exc.value.message_dict["service_reference"] == [
            "Harbour Voice already has a service HV-1001 that has not ended; choose another reference."
        ]


@pytest.mark.django_db
class TestActivateChange:
    def test_upgrade_ends_the_old_arrangement_the_day_before(self, in_progress, user, acme_service, harbour):
        standard = FeatureProduct.objects.get(provider=harbour, element_id="501001")
        sip = FeatureProduct.objects.get(provider=harbour, element_id="502001")
        order = in_progress(
            Kind.UPGRADE,
            features=[FeatureLine(standard, 15), FeatureLine(sip, 1)],
            identifiers=[IdentifierLine(IdKind.FNN, "0290009999")],
        )
        new = complete(order, user, NOV_15).resulting_service
        old = Service.objects.get(pk=acme_service.pk)
        assert (old.status, old.end_date, old.plan.name) == ("ceased", NOV_14, "Business Voice")
        assert (new.reference, new.replaces, new.start_date, new.plan.name) == (
            "HV-1001",
            old,
            NOV_15,
            "Business Voice Plus",
        )
        assert set(old.identifiers.values_list("value", "active_to")) == {
            ("ACMEPTYLTD", NOV_14),
            ("0290001000-0290001099", NOV_14),
        }
        assert set(new.identifiers.values_list("value", "active_from", "active_to")) == {
            ("ACMEPTYLTD", NOV_15, None),
            ("0290001000-0290001099", NOV_15, None),
            ("0290009999", NOV_15, None),
        }
        assert set(old.features.values_list("product__element_id", "quantity", "status")) == {
            ("501001", 12, "ceased"),
            ("501002", 2, "ceased"),
        }
        assert set(new.features.values_list("product__element_id", "quantity", "status", "active_from")) == {
            ("501001", 15, "active", NOV_15),
            ("501002", 2, "active", NOV_15),
            ("502001", 1, "active", NOV_15),
        }
        # Rating picks the service by the identifier active on the call's date.
        assert plan_rating_call("ACMEPTYLTD", NOV_14) == ("ACME", "Business Voice")
        assert plan_rating_call("ACMEPTYLTD", NOV_15) == ("ACME", "Business Voice Plus")
        # Feature days across the bill period are unchanged by the split.
        nov = sum(
            f.active_days(NOV_1, NOV_30)
            for f in ServiceFeature.objects.filter(product=standard, service__reference="HV-1001")
        )
        assert nov == 14 + 16

    def test_change_of_owner_moves_the_service_to_the_new_customer(self, in_progress, user, acme_service, wattle):
        new = complete(in_progress(Kind.CHOWN), user, NOV_15).resulting_service
        assert (new.customer, new.plan.name, new.replaces_id) == (
            wattle,
            "Business Voice",
            acme_service.pk,
        )
        assert plan_rating_call("ACMEPTYLTD", NOV_14) == ("ACME", "Business Voice")
        assert plan_rating_call("ACMEPTYLTD", NOV_15) == ("WATTLE", "Business Voice")

    def test_change_of_owner_to_a_customer_with_a_group_id_is_refused(self, in_progress, user, harbour):
        bluegum = Customer.objects.get(provider=harbour, reference="BLUEGUM")
        order = in_progress(Kind.CHOWN, target_customer=bluegum)
        assert "Bluegum Cafe already has Group ID BLUEGUMCAFE" in refused(order, user, NOV_15)

    def test_change_on_or_before_the_service_start_is_refused(self, in_progress, user):
        order = in_progress(Kind.UPGRADE)
        assert refused(order, user, D(2026, 10, 1)) == (
            "Service HV-1001 starts on 01/10/2026: a change can take effect from 02/10/2026 at the earliest."
        )

    def test_a_service_already_replaced_cannot_change_again(self, submit, drive, user):
        first = drive(submit(Kind.UPGRADE), State.IN_PROGRESS)
        second = drive(submit(Kind.CHOWN), State.IN_PROGRESS)
        complete(first, user, NOV_15)
        assert refused(second, user, D(2026, 11, 20)) == (
            "Service HV-1001 is ceased and ends on 14/11/2026: only an active service that has "
            "not ended can change owner, plan or provider."
        )

    def test_the_day_before_may_be_the_last_day_of_a_closed_period(self, submit, drive, user, wattle, business_voice):
        new = submit(Kind.NEW, customer=wattle, identifiers=[], features=[])
        started_in_august = complete(drive(new, State.IN_PROGRESS), user, D(2026, 8, 20))
        service = started_in_august.resulting_service
        upgrade = drive(submit(Kind.UPGRADE, service=service, customer=wattle), State.IN_PROGRESS)
        replacement = complete(upgrade, user, D(2026, 10, 1)).resulting_service
        service.refresh_from_db()
        assert service.end_date == D(2026, 9, 30)  # inside closed September: unchanged days
        assert replacement.start_date == D(2026, 10, 1)


@pytest.mark.django_db
class TestFinaliseMigration:
    @pytest.fixture
    def migration(self, submit, drive, superuser):
        """An operator's migration of ``service`` to ``customer`` on ``plan``, in progress."""

        def make(service: Service, customer: Customer, plan: ServicePlan) -> Order:
            order = submit(
                Kind.MIGRATE,
                user=superuser,
                service=service,
                target_provider=customer.provider,
                target_customer=customer,
                requested_plan=plan,
            )
            return drive(order, State.IN_PROGRESS, user=superuser)

        return make

    def test_to_another_provider_with_a_customer_there(
        self, migration, superuser, southern, harbour, wattle, business_voice
    ):
        motors = Service.objects.get(provider=southern, reference="SW-2002")
        order = complete(migration(motors, wattle, business_voice), superuser, NOV_15)
        new = order.resulting_service
        assert (new.provider, new.customer, new.reference, new.replaces) == (
            harbour,
            wattle,
            "SW-2002",
            motors,
        )
        assert plan_rating_call("0370002000-0370002099", NOV_14) == ("GMOTORS", "Wholesale Voice")
        assert plan_rating_call("0370002000-0370002099", NOV_15) == ("WATTLE", "Business Voice")

    def test_features_follow_the_aapt_element_into_the_new_catalogue(
        self, submit, drive, migration, superuser, southern, southern_catalogue
    ):
        activated = complete(drive(submit(Kind.NEW), State.IN_PROGRESS), superuser, NOV_1)
        order = migration(
            activated.resulting_service,
            Customer.objects.get(provider=southern, reference="HDENTAL"),
            ServicePlan.objects.get(provider=southern),
        )
        FeatureProduct.objects.filter(provider=southern, element_id="502001").update(element_id="999999")
        assert refused(order, superuser, NOV_15) == (
            "Southern Wholesale's catalogue has no element 502001 (SIP Session) for the feature "
            "the service carries; add it to the catalogue first."
        )
        FeatureProduct.objects.filter(provider=southern, element_id="999999").update(element_id="502001")
        new = complete(order, superuser, NOV_15).resulting_service
        feature = new.features.get()
        assert (feature.product.provider, feature.product.element_id, feature.quantity) == (
            southern,
            "502001",
            2,
        )

    def test_group_id_into_a_provider_that_does_not_use_them_is_refused(self, migration, superuser, southern, harbour):
        order = migration(
            Service.objects.get(provider=harbour, reference="HV-1002"),
            Customer.objects.get(provider=southern, reference="HDENTAL"),
            ServicePlan.objects.get(provider=southern),
        )
        message = refused(order, superuser, NOV_15)
        assert (
            "Southern Wholesale identifies usage by FNN / hosted number / distinct username, not by Group ID" in message
        )

    def test_closed_period_of_the_new_provider_counts_too(
        self, migration, superuser, southern, harbour, wattle, business_voice
    ):
        BillPeriod.objects.filter(provider=harbour, start_date=D(2026, 10, 1)).update(status="closed")
        motors = Service.objects.get(provider=southern, reference="SW-2002")
        order = migration(motors, wattle, business_voice)
        assert "inside Harbour Voice's closed bill period October 2026" in refused(order, superuser, D(2026, 10, 20))


@pytest.mark.django_db
class TestFinaliseCancellation:
    def test_service_identifiers_and_features_end_on_the_end_date(self, in_progress, user, acme_service):
        order = complete(in_progress(Kind.CANCEL), user, NOV_30)
        assert order.resulting_service is None and order.effective_date == NOV_30
        acme_service.refresh_from_db()
        assert (acme_service.status, acme_service.end_date) == ("ceased", NOV_30)
        assert set(acme_service.identifiers.values_list("active_to", flat=True)) == {NOV_30}
        assert set(acme_service.features.values_list("status", "active_to")) == {("ceased", NOV_30)}
        assert service_active_on(acme_service, NOV_30)
        assert not service_active_on(acme_service, D(2026, 12, 1))

    def test_identifiers_starting_after_the_end_date_are_named(self, in_progress, user, acme_service):
        ServiceIdentifier.objects.create(
            service=acme_service, kind=IdKind.FNN, value="0290007777", active_from=D(2026, 12, 5)
        )
        assert refused(in_progress(Kind.CANCEL), user, NOV_30) == (
            "These start after 30/11/2026, the end date: FNN 0290007777. Remove them from the "
            "service first, or choose a later end date."
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "day", "what"),
    [
        (Kind.NEW, D(2026, 9, 15), "service start date 15/09/2026"),
        (Kind.CANCEL, D(2026, 9, 30), "service end date 30/09/2026"),
        (Kind.UPGRADE, D(2026, 9, 1), "date the new plan starts 01/09/2026"),
        (Kind.CHOWN, D(2026, 9, 10), "date the new owner takes over 10/09/2026"),
        (Kind.MIGRATE, D(2026, 9, 20), "date the migration takes effect 20/09/2026"),
    ],
)
def test_no_date_inside_a_closed_bill_period(in_progress, user, kind, day, what):
    assert refused(in_progress(kind), user, day) == (
        f"The {what} is inside Harbour Voice's closed bill period September 2026 "
        "(01/09/2026–30/09/2026): nothing may change in a closed period. "
        "Choose a date after 30/09/2026."
    )
