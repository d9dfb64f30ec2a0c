"""Who may submit and who may work an order, enforced by the services."""

import pytest

from providers.models import Customer
from provisioning.actions.orders import (
    OrderRefused,
    order_assign,
    order_complete,
    order_create,
    order_start,
)
from provisioning.choices import OrderKindChoices as Kind
from provisioning.choices import OrderStateChoices as State
from provisioning.models import Service
from ssaas.roles import BILLING_STAFF

from .conftest import NOV_1


@pytest.mark.django_db
def test_billing_staff_read_orders_but_do_not_work_them(submit, harbour_billing, acme_service):
    order = submit(Kind.CANCEL)
    assert harbour_billing.has_perm("provisioning.view_order")
    with pytest.raises(OrderRefused, match="You may read orders but not work them."):
        order_start(order=order, acting_user=harbour_billing)
    with pytest.raises(OrderRefused, match="You may not submit orders."):
        order_create(acting_user=harbour_billing, kind=Kind.CANCEL, service=acme_service)


@pytest.mark.django_db
def test_staff_of_another_provider_cannot_work_or_submit(submit, make_staff, southern, acme_service):
    outsider = make_staff("sw-prov", southern)
    order = submit(Kind.CANCEL)
    with pytest.raises(OrderRefused, match="not one of your providers'"):
        order_start(order=order, acting_user=outsider)
    with pytest.raises(OrderRefused, match="Acme Pty Ltd is not a customer of your providers."):
        order_create(acting_user=outsider, kind=Kind.CANCEL, service=acme_service)


@pytest.mark.django_db
def test_an_order_is_assigned_only_to_someone_who_may_work_it(submit, harbour_provisioning, make_staff, harbour):
    clerk = make_staff("hv-bill-2", harbour, role=BILLING_STAFF)
    order = submit(Kind.CANCEL)
    with pytest.raises(OrderRefused, match="hv-bill-2 cannot take this order: You may read"):
        order_assign(order=order, acting_user=harbour_provisioning, assignee=clerk)


@pytest.mark.django_db
class TestRetailBuyingThroughWholesale:
    """Coastal Comms buys through Southern Wholesale: Southern's staff work its
    orders; Coastal's own staff submit and read them."""

    @pytest.fixture
    def order(self, coastal, southern, make_staff):
        coastal.wholesale_provider = southern
        coastal.save()
        self.coastal_staff = make_staff("cc-prov", coastal)
        self.southern_staff = make_staff("sw-prov", southern)
        service = Service.objects.get(provider=coastal, reference="CC-3001")
        return order_create(acting_user=self.coastal_staff, kind=Kind.CANCEL, service=service)

    def test_retail_staff_submit_but_do_not_work(self, order):
        assert order.customer == Customer.objects.get(reference="COASTALHQ")
        with pytest.raises(OrderRefused, match="Orders of Coastal Comms are worked by Southern Wholesale's staff."):
            order_start(order=order, acting_user=self.coastal_staff)

    def test_wholesale_staff_work_them_to_the_end(self, order):
        order = order_start(order=order, acting_user=self.southern_staff)
        order = order_complete(order=order, acting_user=self.southern_staff, effective_date=NOV_1)
        assert order.state == State.COMPLETED
        assert order.assignee == self.southern_staff
        assert Service.objects.get(reference="CC-3001").end_date == NOV_1
