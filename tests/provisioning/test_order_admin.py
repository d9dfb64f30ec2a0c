"""The manual provisioning queue and order pages, as staff use them."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from providers.models import Customer
from provisioning.actions.orders import (
    IdentifierLine,
    order_assign,
    order_cancel,
    order_resume,
)
from provisioning.choices import OrderEventActionChoices as Event
from provisioning.choices import OrderKindChoices as Kind
from provisioning.choices import OrderStateChoices as State
from provisioning.choices import ServiceIdentifierKindChoices as IdKind
from provisioning.models import Order, Service

QUEUE = reverse("admin:provisioning_order_changelist")


def order_url(order: Order) -> str:
    return reverse("admin:provisioning_order_change", args=[order.pk])


def act_url(order: Order, action: str) -> str:
    return reverse("admin:provisioning_order_act", args=[order.pk, action])


def buttons(response) -> list[str]:
    return re.findall(r'data-action="(\w+)"', response.content.decode())


def queue_rows(response) -> list[str]:
    """Order numbers in the queue, top to bottom."""
    return re.findall(r'<th class="field-number[^"]*"[^>]*><a href="[^"]+"[^>]*>#(\d+)</a>', response.content.decode())


def row_menus(response) -> dict[str, list[str]]:
    """Order number -> the labels of its row's menu in the queue."""
    menus = {}
    for row in response.content.decode().split("<tbody")[1:]:
        number = re.search(r'<th class="field-number[^"]*"[^>]*><a href="[^"]+"[^>]*>#(\d+)</a>', row)
        if number:
            items = re.findall(
                r'data-action="\w+"[^>]*>.*?<span class="grow truncate">\s*([^<]*?)\s*</span>', row, re.S
            )
            menus[number.group(1)] = items
    return menus


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.django_db
class TestQueue:
    def test_open_orders_oldest_first_with_age(self, hv_client, submit, drive):
        new = submit(Kind.NEW)
        upgrade = drive(submit(Kind.UPGRADE), State.HALTED)
        cancel = submit(Kind.CANCEL)
        done = drive(submit(Kind.CHOWN), State.CANCELLED)
        Order.objects.filter(pk=new.pk).update(created_at=new.created_at - datetime.timedelta(days=3))
        Order.objects.filter(pk=cancel.pk).update(created_at=cancel.created_at - datetime.timedelta(days=5))
        response = hv_client.get(QUEUE)
        body = response.content.decode()
        assert "<title> Manual provisioning |" in body
        assert queue_rows(response) == [str(cancel.pk), str(new.pk), str(upgrade.pk)]
        assert "5\xa0days" in body and "3\xa0days" in body
        assert str(done.pk) not in queue_rows(response)  # cancelled: out of the queue
        every = hv_client.get(QUEUE, {"state": "all"})
        assert str(done.pk) in queue_rows(every)

    def test_filters(self, hv_client, submit, drive, harbour_provisioning, make_staff, harbour):
        mine = drive(submit(Kind.UPGRADE), State.IN_PROGRESS)  # started: taken by me
        colleague = make_staff("hv-prov-2", harbour)
        theirs = submit(Kind.CANCEL)
        order_assign(order=theirs, acting_user=colleague, assignee=colleague)
        nobodys = submit(Kind.NEW)
        assert queue_rows(hv_client.get(QUEUE, {"assigned": "me"})) == [str(mine.pk)]
        assert queue_rows(hv_client.get(QUEUE, {"assigned": "nobody"})) == [str(nobodys.pk)]
        assert queue_rows(hv_client.get(QUEUE, {"kind": Kind.CANCEL})) == [str(theirs.pk)]
        assert queue_rows(hv_client.get(QUEUE, {"state": State.IN_PROGRESS})) == [str(mine.pk)]

    def test_each_rows_menu_offers_only_what_its_state_allows(self, hv_client, submit, drive, make_staff, harbour):
        waiting = submit(Kind.NEW)
        started = drive(submit(Kind.UPGRADE), State.IN_PROGRESS)  # started by me: mine
        colleague = make_staff("hv-prov-2", harbour)
        theirs = drive(submit(Kind.CANCEL), State.IN_PROGRESS, user=colleague)
        halted = drive(submit(Kind.CHOWN), State.HALTED, user=colleague)
        menus = row_menus(hv_client.get(QUEUE))
        assert menus[str(waiting.pk)] == ["Assign to me", "Start work"]
        assert menus[str(started.pk)] == []  # in progress and already mine
        assert menus[str(theirs.pk)] == ["Assign to me"]  # in progress: no Start work
        assert menus[str(halted.pk)] == ["Assign to me"]

    def test_provider_filter_lists_only_visible_providers(self, client, make_staff, southern, coastal, harbour, submit):
        submit(Kind.CANCEL)
        coastal.wholesale_provider = southern
        coastal.save()
        client.force_login(make_staff("sw-prov", southern))
        body = client.get(QUEUE).content.decode()
        assert "Coastal Comms" in body and "Southern Wholesale" in body
        assert "Harbour Voice" not in body  # neither its order nor the filter choice


@pytest.mark.django_db
class TestOrderPage:
    @pytest.mark.parametrize(
        ("state", "expected"),
        [
            (State.SUBMITTED, ["assign", "record_reference", "start", "cancel"]),
            # Started by this user, so already theirs: no "Assign to me".
            (State.IN_PROGRESS, ["record_reference", "halt", "complete", "cancel"]),
            (State.HALTED, ["record_reference", "resume", "cancel"]),
            (State.COMPLETED, []),
            (State.CANCELLED, []),
        ],
    )
    def test_exactly_the_legal_actions(self, hv_client, submit, drive, state, expected):
        order = drive(submit(Kind.CANCEL), state)
        response = hv_client.get(order_url(order))
        assert response.status_code == 200
        assert buttons(response) == expected
        closed = state in (State.COMPLETED, State.CANCELLED)
        assert ('name="_save"' in response.content.decode()) is not closed

    def test_button_label_says_what_completing_does(self, hv_client, submit, drive):
        order = drive(submit(Kind.CANCEL), State.IN_PROGRESS)
        assert re.search(r">\s*Finalise cancellation\s*</a>", hv_client.get(order_url(order)).content.decode())

    def test_halt_confirms_asks_a_reason_and_is_recorded(self, hv_client, submit, drive):
        order = drive(submit(Kind.UPGRADE), State.IN_PROGRESS)
        page = hv_client.get(act_url(order, "halt"))
        assert "provisioning halted" in page.content.decode()
        assert hv_client.post(act_url(order, "halt"), {"reason": ""}).status_code == 200
        order.refresh_from_db()
        assert order.state == State.IN_PROGRESS  # no reason, no halt
        response = hv_client.post(act_url(order, "halt"), {"reason": "Waiting on AAPT"})
        assert response.status_code == 302 and response.url == order_url(order)
        assert said(response) == [f"Order #{order.pk}: Halt done; it is now halted. Waiting on AAPT."]
        order.refresh_from_db()
        assert (order.state, order.halt_reason) == (State.HALTED, "Waiting on AAPT")
        page = hv_client.get(order_url(order)).content.decode()
        assert "provisioning halted — Waiting on AAPT" in page
        assert re.search(r">\s*Waiting on AAPT\s*<", page)  # the history row

    def test_completion_page_says_what_it_will_do_then_activates(self, hv_client, submit, drive):
        order = drive(submit(Kind.NEW), State.IN_PROGRESS)
        page = hv_client.get(act_url(order, "complete")).content.decode()
        assert "Create service HV-2000 for Wattle Accounting on plan Business Voice" in page
        assert 'name="effective_date"' in page and 'placeholder="dd/mm/yyyy"' in page
        response = hv_client.post(act_url(order, "complete"), {"effective_date": "02/11/2026"})
        assert response.status_code == 302
        service = Service.objects.get(reference="HV-2000")
        assert service.start_date == datetime.date(2026, 11, 2)
        assert said(response) == [
            f"Order #{order.pk}: Activate done; it is now completed. "
            "Activate: service HV-2000, service start date 02/11/2026."
        ]

    def test_identifier_conflict_reaches_the_person(self, hv_client, submit, drive):
        order = drive(
            submit(Kind.NEW, identifiers=[IdentifierLine(IdKind.GROUP_ID, "ACMEPTYLTD")]),
            State.IN_PROGRESS,
        )
        response = hv_client.post(act_url(order, "complete"), {"effective_date": "2026-11-02"})
        assert response.status_code == 200
        assert said(response) == [
            "ACMEPTYLTD is already on service HV-1001 (Acme Pty Ltd) as Group ID ACMEPTYLTD, "
            "01/10/2026 onwards: an identifier cannot be on two services at once."
        ]
        assert "ACMEPTYLTD is already on service HV-1001" in response.content.decode()
        order.refresh_from_db()
        assert order.state == State.IN_PROGRESS
        assert not Service.objects.filter(reference="HV-2000").exists()

    def test_closed_period_reaches_the_person(self, hv_client, submit, drive):
        order = drive(submit(Kind.CANCEL), State.IN_PROGRESS)
        response = hv_client.post(act_url(order, "complete"), {"effective_date": "2026-09-30"})
        assert response.status_code == 200
        assert "inside Harbour Voice's closed bill period September 2026" in said(response)[0]

    def test_illegal_action_by_url_is_refused(self, hv_client, submit):
        order = submit(Kind.CANCEL)
        response = hv_client.post(act_url(order, "resume"))
        assert response.status_code == 302 and response.url == order_url(order)
        assert said(response) == [
            "The order is submitted: “Resume” is not possible (possible now: Assign to me, "
            "Record AAPT reference, Start work, Cancel order)."
        ]
        assert hv_client.get(act_url(order, "edit")).status_code == 404
        assert hv_client.get(act_url(order, "nonsense")).status_code == 404

    def test_correcting_details_records_what_changed(self, hv_client, submit, business_voice):
        order = submit(Kind.UPGRADE)
        data = {
            "customer": order.customer_id,
            "service": order.service_id,
            "requested_plan": order.requested_plan_id,
            "requested_date": "05/12/2026",
            "service_reference": "",
            "target_customer": "",
            "target_provider": "",
            "notes": "",
            **formset("identifier_lines", [("kind", "fnn"), ("value", "02 9000 8888")]),
            **formset("feature_lines", []),
            **formset("events", [], initial=1),
        }
        response = hv_client.post(order_url(order), data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        event = order.events.last()
        assert (event.action, event.note) == (
            Event.EDITED,
            "requested date: — → 05/12/2026; + FNN 0290008888",
        )

    def test_a_new_order_from_the_add_page(self, hv_client, acme_service, harbour_provisioning):
        data = {
            "kind": Kind.CANCEL,
            "customer": "",
            "service": acme_service.pk,
            "requested_plan": "",
            "requested_date": "31/12/2026",
            "service_reference": "",
            "target_customer": "",
            "target_provider": "",
            "notes": "Closing down",
            **formset("identifier_lines", []),
            **formset("feature_lines", []),
        }
        response = hv_client.post(reverse("admin:provisioning_order_add"), data)
        assert response.status_code == 302
        order = Order.objects.get()
        assert (order.customer, order.created_by, order.state) == (
            acme_service.customer,
            harbour_provisioning,
            State.SUBMITTED,
        )
        assert list(order.events.values_list("action", flat=True)) == [Event.SUBMITTED]


def formset(prefix: str, rows: list, initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows[:1]) + initial),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    if rows:
        for field, value in rows:
            data[f"{prefix}-{initial}-{field}"] = value
    return data


@pytest.mark.django_db
class TestWhoSeesWhat:
    def test_billing_staff_read_without_buttons_or_saving(self, client, harbour_billing, submit):
        order = submit(Kind.CANCEL)
        client.force_login(harbour_billing)
        assert queue_rows(client.get(QUEUE)) == [str(order.pk)]
        page = client.get(order_url(order))
        assert buttons(page) == []
        assert "You may read orders but not work them." in page.content.decode()
        assert 'name="_save"' not in page.content.decode()
        response = client.post(act_url(order, "start"))
        assert said(response) == ["You may read orders but not work them."]
        order.refresh_from_db()
        assert order.state == State.SUBMITTED

    def test_staff_of_another_provider_cannot_open_it(self, client, make_staff, southern, submit):
        order = submit(Kind.CANCEL)
        client.force_login(make_staff("sw-prov", southern))
        for url in (order_url(order), act_url(order, "start")):
            response = client.get(url)
            assert response.status_code == 302 and response.url == reverse("admin:index")
        assert queue_rows(client.get(QUEUE)) == []

    def test_retail_staff_read_what_their_wholesaler_works(self, client, make_staff, coastal, southern):
        from provisioning.actions.orders import order_create

        coastal.wholesale_provider = southern
        coastal.save()
        retail = make_staff("cc-prov", coastal)
        order = order_create(
            acting_user=retail,
            kind=Kind.CANCEL,
            service=Service.objects.get(reference="CC-3001"),
        )
        client.force_login(retail)
        page = client.get(order_url(order))
        assert buttons(page) == []
        assert "Orders of Coastal Comms are worked by Southern Wholesale&#x27;s staff." in (page.content.decode())
        client.force_login(make_staff("sw-prov", southern))
        assert buttons(client.get(order_url(order))) == [
            "assign",
            "record_reference",
            "start",
            "cancel",
        ]


@pytest.mark.django_db
class TestStatusElsewhere:
    def test_customer_status_follows_the_order(self, hv_client, submit, drive, harbour_provisioning, acme_service):
        customers = reverse("admin:providers_customer_changelist")
        order = drive(submit(Kind.UPGRADE), State.HALTED)
        acme = acme_service.customer
        page = hv_client.get(reverse("admin:providers_customer_change", args=[acme.pk]))
        assert "provisioning halted" in page.content.decode()
        assert "provisioning halted" in hv_client.get(customers).content.decode()
        order = order_resume(order=order, acting_user=harbour_provisioning)
        body = hv_client.get(customers).content.decode()
        assert "provisioning halted" not in body and "provisioning in progress" in body
        order_cancel(order=order, acting_user=harbour_provisioning, reason="No")
        body = hv_client.get(customers).content.decode()
        assert "provisioning in progress" not in body

    def test_service_page_shows_the_orders_that_shaped_it(self, hv_client, submit, drive, acme_service):
        order = drive(submit(Kind.UPGRADE), State.COMPLETED)
        old = hv_client.get(reverse("admin:provisioning_service_change", args=[acme_service.pk]))
        new = order.resulting_service
        body = old.content.decode()
        assert f"Order #{order.pk}</a>: Plan change for Acme Pty Ltd, completed 01/11/2026" in body
        assert reverse("admin:provisioning_service_change", args=[new.pk]) in body  # replaced by
        body = hv_client.get(reverse("admin:provisioning_service_change", args=[new.pk])).content.decode()
        assert f"Order #{order.pk}</a>" in body


@pytest.mark.django_db
class TestQueryCounts:
    """The queue and the order page cost the same number of queries with 5 or 50
    orders in the system."""

    def _count(self, client, url) -> int:
        client.get(url)  # warm the process-wide caches (content types) first
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    def _orders(self, submit, drive, start: int, stop: int):
        kinds = [Kind.NEW, Kind.CANCEL, Kind.UPGRADE, Kind.CHOWN, Kind.MIGRATE]
        states = [State.SUBMITTED, State.IN_PROGRESS, State.HALTED]
        for n in range(start, stop):
            drive(submit(kinds[n % 5], n=n), states[n % 3])

    def test_queue_and_order_page(self, hv_client, submit, drive):
        self._orders(submit, drive, 0, 5)
        watched = Order.objects.filter(kind=Kind.NEW).first()
        page = order_url(watched)
        queue_5, page_5 = self._count(hv_client, QUEUE), self._count(hv_client, page)
        self._orders(submit, drive, 5, 50)
        assert Order.objects.count() == 50
        queue_50, page_50 = self._count(hv_client, QUEUE), self._count(hv_client, page)
        assert queue_50 == queue_5
        assert page_50 == page_5
        assert queue_5 <= 10, queue_5
        assert page_5 <= 20, page_5


@pytest.mark.django_db
def test_customer_list_status_costs_no_query_per_customer(hv_client, harbour):
    url = reverse("admin:providers_customer_changelist")
    with CaptureQueriesContext(connection) as few:
        hv_client.get(url)
    for n in range(20):
        Customer.objects.create(provider=harbour, reference=f"C{n}", name=f"Customer {n}")
    with CaptureQueriesContext(connection) as many:
        hv_client.get(url)
    assert len(many) == len(few)
