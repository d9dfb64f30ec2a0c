import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from providers.choices import (
    BillPeriodStatusChoices,
    ProviderIdentificationMethodChoices,
    ProviderKindChoices,
)
from providers.models import BillPeriod, Customer, Provider

Method = ProviderIdentificationMethodChoices


def messages(exc: ValidationError) -> dict[str, list[str]]:
    return exc.value.message_dict


def make_provider(**kw) -> Provider:
    values = {
        "name": "Test Provider",
        "slug": "test-provider",
        "aapt_account": "7654321",
        "kind": ProviderKindChoices.RETAIL,
        "identification_method": Method.DISTINCT_USERNAME,
    }
    values.update(kw)
    return Provider(**values)


@pytest.mark.django_db
class TestProviderRules:
    def test_wholesale_group_id_refused_with_advice(self):
        provider = make_provider(kind=ProviderKindChoices.WHOLESALE, identification_method=Method.GROUP_ID)
        with pytest.raises(ValidationError) as exc:
            provider.full_clean()
        (message,) = messages(exc)["identification_method"]
        assert "retail providers only" in message
        assert "distinct username" in message

    def test_wholesale_group_id_refused_by_database(self):
        provider = make_provider(kind=ProviderKindChoices.WHOLESALE, identification_method=Method.GROUP_ID)
        with pytest.raises(IntegrityError), transaction.atomic():
            provider.save()

    def test_custom_realm_needs_realms(self):
        provider = make_provider(identification_method=Method.CUSTOM_REALM)
        with pytest.raises(ValidationError) as exc:
            provider.full_clean()
        assert "at least one realm" in messages(exc)["custom_realms"][0]

    def test_realms_normalised_lower_case_one_per_line(self):
        provider = make_provider(
            identification_method=Method.CUSTOM_REALM,
            custom_realms="Voice.Example.com.au, @sip.example.net\nvoice.example.com.au",
        )
        provider.full_clean()
        assert provider.realms == ["voice.example.com.au", "sip.example.net"]

    def test_bad_realm_named(self):
        provider = make_provider(identification_method=Method.CUSTOM_REALM, custom_realms="not a realm!")
        with pytest.raises(ValidationError) as exc:
            provider.full_clean()
        assert "realm!" in messages(exc)["custom_realms"][0]

    def test_unknown_time_zone(self):
        provider = make_provider(time_zone="Australia/Gotham")
        with pytest.raises(ValidationError) as exc:
            provider.full_clean()
        assert "Australia/Gotham" in messages(exc)["time_zone"][0]

    def test_default_time_zone_is_sydney(self):
        assert make_provider().time_zone == "Australia/Sydney"

    def test_aapt_account_is_digits_and_unique(self, harbour):
        with pytest.raises(ValidationError) as exc:
            make_provider(aapt_account="12AB").full_clean()
        assert "4 to 12 digits" in messages(exc)["aapt_account"][0]
        with pytest.raises(ValidationError) as exc:
            make_provider(aapt_account=harbour.aapt_account).full_clean()
        assert "aapt_account" in messages(exc)

    def test_retail_buys_through_wholesale_only(self, harbour, southern):
        retail = make_provider(wholesale_provider=harbour)
        with pytest.raises(ValidationError) as exc:
            retail.full_clean()
        assert "not a wholesale provider" in messages(exc)["wholesale_provider"][0]
        make_provider(wholesale_provider=southern).full_clean()
        wholesale = make_provider(kind=ProviderKindChoices.WHOLESALE, wholesale_provider=southern)
        with pytest.raises(ValidationError) as exc:
            wholesale.full_clean()
        assert "Only a retail provider" in messages(exc)["wholesale_provider"][0]

    def test_local_date_in_provider_zone(self):
        perth = make_provider(time_zone="Australia/Perth")
        sydney = make_provider()
        import zoneinfo

        moment = datetime.datetime(2026, 11, 1, 2, 30, tzinfo=zoneinfo.ZoneInfo("Australia/Sydney"))
        assert sydney.local_date(moment) == datetime.date(2026, 11, 1)
        assert perth.local_date(moment) == datetime.date(2026, 10, 31)


@pytest.mark.django_db
class TestBillPeriods:
    def test_overlap_refused(self, harbour):
        period = BillPeriod(
            provider=harbour,
            start_date=datetime.date(2026, 10, 15),
            end_date=datetime.date(2026, 11, 14),
        )
        with pytest.raises(ValidationError) as exc:
            period.full_clean()
        assert (
            "Overlaps the bill periods October 2026, November 2026 of Harbour Voice" in messages(exc)["start_date"][0]
        )

    def test_end_before_start_refused(self, harbour):
        period = BillPeriod(
            provider=harbour,
            start_date=datetime.date(2027, 2, 1),
            end_date=datetime.date(2027, 1, 1),
            status=BillPeriodStatusChoices.OPEN,
        )
        with pytest.raises(ValidationError) as exc:
            period.full_clean()
        assert "cannot end before it starts" in str(exc.value)


@pytest.mark.django_db
def test_customer_reference_unique_within_provider(harbour, southern):
    with pytest.raises(ValidationError) as exc:
        Customer(provider=harbour, reference="ACME", name="Another Acme").full_clean()
    assert "already has a customer with this reference" in str(exc.value)
    Customer(provider=southern, reference="ACME", name="Acme at Southern").full_clean()


@pytest.mark.django_db
def test_invoice_prefix_cannot_make_invoice_numbers_read_as_service_references(harbour):
    harbour.invoice_prefix = "HV-"  # Harbour Voice's services are HV-1001, HV-1002 …
    with pytest.raises(ValidationError) as exc:
        harbour.full_clean()
    assert "would read as service references" in messages(exc)["invoice_prefix"][0]
    harbour.invoice_prefix = "hv-"  # in any case
    with pytest.raises(ValidationError):
        harbour.full_clean()
    for fine in ("INV-", "HV-INV-", "HV"):  # HV1001 is no service reference there
        harbour.invoice_prefix = fine
        harbour.full_clean()


@pytest.mark.django_db
def test_a_service_reference_cannot_read_as_an_invoice_number(acme_service):
    acme_service.reference = "INV-1001"  # Harbour Voice numbers its invoices INV-…
    with pytest.raises(ValidationError) as exc:
        acme_service.full_clean()
    assert "has the form of Harbour Voice's invoice numbers" in messages(exc)["reference"][0]
    acme_service.reference = "INV-1001-A"
    acme_service.full_clean()
