"""Login throttling (django-axes): repeated failures lock a username at an address
until the cool-off passes or an administrator unlocks it."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

LOGIN = reverse("admin:login")


def login(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})


def logged_in(client: Client) -> bool:
    return client.get(reverse("admin:index")).status_code == 200


@pytest.fixture
def staff(make_staff, harbour):
    return make_staff("hv-staff", harbour)


def test_fifty_wrong_passwords_then_the_right_one_is_refused(staff, client):
    answers = [login(client, "hv-staff", f"wrong-{n}").status_code for n in range(50)]
    limit = settings.AXES_FAILURE_LIMIT
    assert answers[: limit - 1] == [200] * (limit - 1)  # the login form again, with its error
    assert set(answers[limit:]) == {429}
    response = login(client, "hv-staff", "pw")
    assert response.status_code == 429
    assert "Login locked" in response.content.decode()
    assert not logged_in(client)


def test_the_lock_is_per_username_and_address(staff, make_staff, harbour):
    make_staff("hv-other", harbour)
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(attacker, "hv-staff", f"wrong-{n}")
    assert login(attacker, "hv-staff", "pw").status_code == 429
    # The same user from their own address, and another user from the attacker's.
    office = Client(REMOTE_ADDR="198.51.100.20")
    login(office, "hv-staff", "pw")
    assert logged_in(office)
    other = Client(REMOTE_ADDR="203.0.113.9")
    login(other, "hv-other", "pw")
    assert logged_in(other)


def test_reset_command_unlocks(staff, client):
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(client, "hv-staff", f"wrong-{n}")
    assert login(client, "hv-staff", "pw").status_code == 429
    call_command("axes_reset_username", "hv-staff")
    login(client, "hv-staff", "pw")
    assert logged_in(client)


def test_an_administrator_unlocks_in_the_admin(staff, superuser):
    locked = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(locked, "hv-staff", f"wrong-{n}")
    assert login(locked, "hv-staff", "pw").status_code == 429

    admin = Client()
    admin.force_login(superuser)
    attempt = AccessAttempt.objects.get(username="hv-staff")
    listing = admin.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    assert "hv-staff" in listing
    response = admin.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert response.status_code == 302
    login(locked, "hv-staff", "pw")
    assert logged_in(locked)


def test_force_login_in_tests_is_not_throttled(staff, client):
    client.force_login(staff)
    assert logged_in(client)
