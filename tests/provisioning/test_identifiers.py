import datetime

import pytest
from django.core.exceptions import ValidationError

from providers.models import Customer
from provisioning.choices import ServiceIdentifierKindChoices as Kind
from provisioning.models import Service, ServiceIdentifier
from provisioning.normalise import normalise_number, normalise_username, split_range

OCT_1 = datetime.date(2026, 10, 1)


@pytest.mark.parametrize(
    "raw",
    ["0290001000", "+61290001000", "61290001000", "+61 2 9000 1000", "(02) 9000-1000"],
)
def test_number_forms_normalise_to_national(raw):
    assert normalise_number(raw) == "0290001000"


def test_non_numbers_are_not_numbers():
    assert normalise_number("jsmith.acme") is None
    assert normalise_number("") is None


def test_username_lower_case_without_default_realm():
    assert normalise_username(" JSmith.Acme@SSAAS.aapt.com.au ") == "jsmith.acme"


def test_range_forms():
    assert split_range("0290001000-0290001099") == ("0290001000", "0290001099")
    assert split_range("+61290001000 to +61290001099") == ("0290001000", "0290001099")
    assert split_range("abc-def") is None


def ident(service, kind, value, start=OCT_1, end=None):
    return ServiceIdentifier(service=service, kind=kind, value=value, active_from=start, active_to=end)


def error_text(exc) -> str:
    return " ".join(m for ms in exc.value.message_dict.values() for m in ms)


@pytest.fixture
def bluegum(harbour_setup):
    return harbour_setup.bluegum_service


@pytest.fixture
def dental(southern_setup):
    return southern_setup.dental_service


@pytest.fixture
def motors(southern_setup):
    return southern_setup.motors_service


@pytest.mark.django_db
class TestIdentifierRules:
    def test_value_stored_normalised(self, dental):
        fnn = ident(dental, Kind.FNN, "+61 2 9000 2001")
        fnn.full_clean()
        assert fnn.value == "0290002001"
        user = ident(dental, Kind.USERNAME, "Reception.Dental")
        user.full_clean()
        assert user.value == "reception.dental"

    def test_same_identifier_on_two_services_refused(self, dental, motors):
        with pytest.raises(ValidationError) as exc:
            ident(motors, Kind.USERNAME, "JSMITH.ACME").full_clean()
        text = error_text(exc)
        assert "jsmith.acme is already on service SW-2001 (Harbourside Dental)" in text
        assert "cannot be on two services at once" in text

    def test_same_identifier_allowed_after_the_other_ends(self, dental, motors):
        held = ServiceIdentifier.objects.get(service=dental, value="jsmith.acme")
        held.active_to = datetime.date(2026, 11, 15)
        held.save()
        with pytest.raises(ValidationError):
            ident(motors, Kind.USERNAME, "jsmith.acme", start=datetime.date(2026, 11, 15)).full_clean()
        ident(motors, Kind.USERNAME, "jsmith.acme", start=datetime.date(2026, 11, 16)).full_clean()

    def test_overlapping_range_refused(self, dental):
        with pytest.raises(ValidationError) as exc:
            ident(dental, Kind.NUMBER_RANGE, "0370002050-0370002149").full_clean()
        assert "overlaps already on service SW-2002 (Geelong Motors)" in error_text(exc)

    def test_fnn_inside_a_range_refused(self, dental):
        with pytest.raises(ValidationError) as exc:
            ident(dental, Kind.FNN, "0370002015").full_clean()
        assert "Geelong Motors" in error_text(exc)

    def test_adjacent_range_allowed(self, dental):
        ident(dental, Kind.NUMBER_RANGE, "0370002100-0370002199").full_clean()

    def test_range_ends_of_different_length_refused(self, motors):
        with pytest.raises(ValidationError) as exc:
            ident(motors, Kind.NUMBER_RANGE, "0370003000-037000309").full_clean()
        assert "same number of digits (0370003000 has 10, 037000309 has 9)" in error_text(exc)

    def test_reversed_range_refused(self, motors):
        with pytest.raises(ValidationError) as exc:
            ident(motors, Kind.NUMBER_RANGE, "0370003099-0370003000").full_clean()
        assert "reversed" in error_text(exc)

    def test_second_group_id_for_customer_refused(self, acme_service):
        with pytest.raises(ValidationError) as exc:
            ident(acme_service, Kind.GROUP_ID, "ACMESECOND").full_clean()
        assert "Acme Pty Ltd already has Group ID ACMEPTYLTD" in error_text(exc)

    def test_second_group_id_on_another_service_of_the_customer_refused(self, acme_service):
        second = Service(customer=acme_service.customer, plan=acme_service.plan, reference="HV-1009")
        second.full_clean()
        second.save()
        with pytest.raises(ValidationError) as exc:
            ident(second, Kind.GROUP_ID, "ACMEOTHER").full_clean()
        assert "a customer has one Group ID" in error_text(exc)

    def test_group_id_refused_where_provider_does_not_use_it(self, dental):
        with pytest.raises(ValidationError) as exc:
            ident(dental, Kind.GROUP_ID, "SWGROUP1").full_clean()
        assert "not by Group ID" in error_text(exc)

    def test_group_id_shared_between_customers_refused(self, harbour, acme_service):
        newcomer = Customer.objects.create(provider=harbour, reference="NEW", name="Newcomer")
        service = Service(customer=newcomer, plan=acme_service.plan, reference="HV-1010")
        service.full_clean()
        service.save()
        with pytest.raises(ValidationError) as exc:
            ident(service, Kind.GROUP_ID, "acmeptyltd").full_clean()
        assert "ACMEPTYLTD is already on service HV-1001" in error_text(exc)

    def test_realm_must_be_the_providers(self, coastal):
        service = Service.objects.get(reference="CC-3001")
        with pytest.raises(ValidationError) as exc:
            ident(service, Kind.USERNAME_REALM, "new@other.example.com").full_clean()
        assert "not one of Coastal Comms's custom realms" in error_text(exc)
        ok = ident(service, Kind.USERNAME_REALM, "New@Voice.Coastal.com.au")
        ok.full_clean()
        assert ok.value == "new@voice.coastal.com.au"

    def test_identifier_cannot_end_before_it_starts(self, motors):
        with pytest.raises(ValidationError) as exc:
            ident(motors, Kind.FNN, "0370009999", end=datetime.date(2026, 9, 1)).full_clean()
        assert "cannot end before it starts" in error_text(exc)

    def test_same_number_in_another_provider_is_fine(self, harbour, dental):
        # Harbour Voice holds 0290001000-0290001099; Southern may hold a number in it.
        ident(dental, Kind.FNN, "0290001050").full_clean()


@pytest.mark.django_db
def test_service_plan_must_belong_to_customers_provider(harbour, southern):
    customer = Customer.objects.get(provider=harbour, reference="ACME")
    foreign_plan = southern.plans.get()
    service = Service(customer=customer, plan=foreign_plan, reference="HV-9")
    with pytest.raises(ValidationError) as exc:
        service.full_clean()
    assert "Wholesale Voice is a plan of Southern Wholesale, not of Harbour Voice" in error_text(exc)


@pytest.mark.django_db
class TestServiceAndFeatureRules:
    def test_active_service_needs_a_start_date(self, acme_service):
        acme_service.start_date = None
        with pytest.raises(ValidationError) as exc:
            acme_service.full_clean()
        assert exc.value.message_dict["start_date"] == ["An active service needs a start date."]

    def test_ceased_service_needs_an_end_date(self, acme_service):
        acme_service.status = "ceased"
        with pytest.raises(ValidationError) as exc:
            acme_service.full_clean()
        assert exc.value.message_dict["end_date"] == ["A ceased service needs an end date."]

    def test_service_cannot_end_before_it_starts(self, acme_service):
        acme_service.end_date = datetime.date(2026, 9, 1)
        with pytest.raises(ValidationError) as exc:
            acme_service.full_clean()
        assert "A service cannot end before it starts." in exc.value.message_dict["end_date"]

    def test_feature_from_another_providers_catalogue(self, acme_service, southern_catalogue):
        from provisioning.models import ServiceFeature

        foreign = southern_catalogue["501001"]
        feature = ServiceFeature(service=acme_service, product=foreign, quantity=1)
        with pytest.raises(ValidationError) as exc:
            feature.full_clean()
        assert exc.value.message_dict["product"] == [
            "Standard User Service Pack (501001) is in Southern Wholesale's catalogue, not Harbour Voice's."
        ]

    def test_active_feature_needs_its_date_and_ceased_its_last_day(self, acme_service):
        from provisioning.models import ServiceFeature

        feature = ServiceFeature.objects.filter(service=acme_service).first()
        feature.active_from = None
        with pytest.raises(ValidationError) as exc:
            feature.full_clean()
        assert "An active feature needs the date it became active." in exc.value.message_dict["active_from"]
        feature.active_from = datetime.date(2026, 10, 1)
        feature.status = "ceased"
        with pytest.raises(ValidationError) as exc:
            feature.full_clean()
        assert exc.value.message_dict["active_to"] == ["A ceased feature needs the last day it was active."]
        feature.active_to = datetime.date(2026, 9, 30)
        with pytest.raises(ValidationError) as exc:
            feature.full_clean()
        assert "A feature cannot cease before it starts." in str(exc.value)

    def test_quantity_at_least_one(self, acme_service):
        from provisioning.models import ServiceFeature

        feature = ServiceFeature.objects.filter(service=acme_service).first()
        feature.quantity = 0
        with pytest.raises(ValidationError) as exc:
            feature.full_clean()
        assert "quantity" in exc.value.message_dict
