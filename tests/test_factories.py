"""The factories and the samples' set-ups make rows the models accept: a test set up
with them starts from valid data, not from rows no screen could have saved."""

import pytest

from tests import factories, setups

pytestmark = pytest.mark.django_db

EVERY_FACTORY = [
    factories.UserFactory,
    factories.ProviderFactory,
    factories.StaffMembershipFactory,
    factories.BillPeriodFactory,
    factories.CustomerFactory,
    factories.ServicePlanFactory,
    factories.PlanRateFactory,
    factories.FeatureProductFactory,
    factories.PlanProductPriceFactory,
    factories.ServiceFactory,
    factories.ServiceIdentifierFactory,
    factories.HostedNumberRangeFactory,
    factories.ServiceFeatureFactory,
    factories.OrderFactory,
    factories.CarrierFileFactory,
    factories.UsageRecordFactory,
    factories.QuarantinedRecordFactory,
]


@pytest.mark.parametrize("factory", EVERY_FACTORY, ids=lambda f: f.__name__)
def test_each_factory_makes_a_valid_row(factory):
    first, second = factory(), factory()  # sequences keep unique fields apart
    for row in (first, second):
        row.full_clean()
    assert first.pk != second.pk


def test_related_rows_share_the_provider():
    feature = factories.ServiceFeatureFactory()
    assert feature.product.provider == feature.service.provider == feature.service.customer.provider
    assert feature.service.plan.provider == feature.service.provider
    record = factories.UsageRecordFactory()
    assert record.carrier_file.provider == record.provider == record.service.provider


def test_a_service_refuses_a_provider_not_its_customers():
    customer = factories.CustomerFactory()
    with pytest.raises(ValueError, match="customer"):
        factories.ServiceFactory(customer=customer, provider=factories.ProviderFactory())


def test_role_and_memberships():
    provider = factories.ProviderFactory()
    user = factories.UserFactory(role="Billing staff", providers=[provider])
    assert [g.name for g in user.groups.all()] == ["Billing staff"]
    assert [m.provider for m in user.provider_memberships.all()] == [provider]
    assert user.check_password("pw")


def test_bill_period_months():
    period = factories.BillPeriodFactory(month="2026-02", closed=True)
    assert (period.start_date.isoformat(), period.end_date.isoformat(), period.status) == (
        "2026-02-01",
        "2026-02-28",
        "closed",
    )


@pytest.mark.parametrize("build", [setups.harbour_voice, setups.southern_wholesale, setups.coastal_comms])
def test_sample_setups_are_valid(build):
    from providers.models import Provider
    from provisioning.models import ServiceIdentifier

    setup = build()
    assert list(Provider.objects.all()) == [setup.provider]  # one provider's rows only
    setup.provider.full_clean()
    for identifier in ServiceIdentifier.objects.all():
        identifier.full_clean()
    for service in setup.provider.services.all():
        service.full_clean()
        for feature in service.features.all():
            feature.full_clean()
