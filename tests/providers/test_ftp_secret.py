"""The FTP password: encrypted at rest, never rendered back, never logged."""

import logging

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from providers.models import Provider

SECRET = "Sup3r-Secret-FTP-pass!"


def provider_form(provider: Provider, **changes) -> dict:
    data = {
        "name": provider.name,
        "slug": provider.slug,
        "kind": provider.kind,
        "wholesale_provider": "",
        "aapt_account": provider.aapt_account,
        "is_active": "on",
        "identification_method": provider.identification_method,
        "custom_realms": provider.custom_realms,
        "time_zone": provider.time_zone,
        "ftp_host": "ftp.aapt.example",
        "ftp_port": "21",
        "ftp_username": "harbour",
        "ftp_directory": "/outgoing",
        "ftp_use_tls": "on",
        "ftp_verify_certificate": "on",
        "ftp_passive": "on",
        "ledger_account_code": provider.ledger_account_code,
        "ledger_tax_type": provider.ledger_tax_type,
        "invoice_prefix": provider.invoice_prefix,
        "invoice_next_number": str(provider.invoice_next_number),
        "payment_terms_days": str(provider.payment_terms_days),
        "bill_periods-TOTAL_FORMS": "0",
        "bill_periods-INITIAL_FORMS": "0",
        "bill_periods-MIN_NUM_FORMS": "0",
        "bill_periods-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_password_set_through_admin_is_encrypted_and_never_shown(client, superuser, harbour, caplog):
    client.force_login(superuser)
    url = reverse("admin:providers_provider_change", args=[harbour.pk])
    assert "not set" in client.get(url).content.decode()

    with caplog.at_level(logging.DEBUG):
        response = client.post(url, provider_form(harbour, new_ftp_password=SECRET))
    assert response.status_code == 302, response.content.decode()[:2000]

    harbour.refresh_from_db()
    assert harbour.get_ftp_password() == SECRET
    with connection.cursor() as cursor:
        cursor.execute("SELECT ftp_password_encrypted FROM providers_provider WHERE id = %s", [harbour.pk])
        (stored,) = cursor.fetchone()
    assert SECRET not in stored and stored

    pages = [
        client.get(url),
        client.get(reverse("admin:providers_provider_changelist")),
        client.get(reverse("admin:providers_provider_history", args=[harbour.pk])),
        client.get(reverse("admin:index")),
    ]
    for page in pages:
        body = page.content.decode()
        assert SECRET not in body
        assert stored not in body
    assert ">set<" in pages[0].content.decode().replace(" ", "").replace("\n", "")
    assert SECRET not in caplog.text


@pytest.mark.django_db
def test_empty_field_keeps_password_and_clear_removes_it(client, superuser, harbour_with_password):
    # The same host, port and username as the password was entered for (see below).
    harbour = harbour_with_password
    client.force_login(superuser)
    url = reverse("admin:providers_provider_change", args=[harbour.pk])
    client.post(url, provider_form(harbour))
    harbour.refresh_from_db()
    assert harbour.get_ftp_password() == SECRET
    client.post(url, provider_form(harbour, clear_ftp_password="on"))
    harbour.refresh_from_db()
    assert not harbour.has_ftp_password


@pytest.mark.django_db
def test_form_error_page_does_not_echo_password(client, superuser, harbour):
    client.force_login(superuser)
    url = reverse("admin:providers_provider_change", args=[harbour.pk])
    response = client.post(url, provider_form(harbour, new_ftp_password=SECRET, ftp_port="not-a-port"))
    assert response.status_code == 200
    assert SECRET not in response.content.decode()


@pytest.mark.django_db
def test_key_rotation_keeps_secrets_readable(harbour, settings):
    harbour.set_ftp_password(SECRET)
    harbour.save()
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    new_key = Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, *old_keys]):
        call_command("rotate_secrets", verbosity=0)
        harbour.refresh_from_db()
        assert harbour.get_ftp_password() == SECRET
    # Only the new key is needed once rotated.
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):
        harbour.refresh_from_db()
        assert harbour.get_ftp_password() == SECRET


@pytest.fixture
def harbour_with_password(harbour):
    harbour.ftp_host, harbour.ftp_port, harbour.ftp_username = "ftp.aapt.example", 21, "harbour"
    harbour.ftp_use_tls = harbour.ftp_verify_certificate = True
    harbour.set_ftp_password(SECRET)
    harbour.save()
    return harbour


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"ftp_host": "ftp.evil.example"}, "Ftp host"),
        ({"ftp_port": "2121"}, "Ftp port"),
        ({"ftp_username": "someone-else"}, "Ftp username"),
        ({"ftp_use_tls": ""}, "Ftps turned off"),
        ({"ftp_verify_certificate": ""}, "Certificate verification turned off"),
    ],
)
def test_pointing_the_password_elsewhere_clears_it(client, harbour_with_password, harbour_admin, change, said):
    """A provider administrator cannot send the stored password to a new host, or in
    clear, without entering it again."""
    client.force_login(harbour_admin)
    url = reverse("admin:providers_provider_change", args=[harbour_with_password.pk])
    data = {k: v for k, v in provider_form(harbour_with_password, **change).items() if v != ""}
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert "the stored FTP password was removed" in body and said.split()[0] in body
    harbour_with_password.refresh_from_db()
    assert not harbour_with_password.has_ftp_password


@pytest.mark.django_db
def test_the_password_entered_with_the_change_is_kept(client, harbour_with_password, harbour_admin):
    client.force_login(harbour_admin)
    url = reverse("admin:providers_provider_change", args=[harbour_with_password.pk])
    client.post(url, provider_form(harbour_with_password, ftp_host="ftp2.aapt.example", new_ftp_password="n3w-pass"))
    harbour_with_password.refresh_from_db()
    assert harbour_with_password.ftp_host == "ftp2.aapt.example"
    assert harbour_with_password.get_ftp_password() == "n3w-pass"


@pytest.mark.django_db
def test_other_changes_and_turning_checks_on_keep_the_password(harbour_with_password):
    harbour_with_password.ftp_directory = "/elsewhere"
    harbour_with_password.ftp_passive = False
    harbour_with_password.save()
    harbour_with_password.refresh_from_db()
    assert harbour_with_password.get_ftp_password() == SECRET


@pytest.mark.django_db
def test_the_rule_holds_outside_the_admin_too(harbour_with_password):
    harbour_with_password.ftp_host = "ftp.evil.example"
    harbour_with_password.save(update_fields=["ftp_host"])
    harbour_with_password.refresh_from_db()
    assert (harbour_with_password.ftp_host, harbour_with_password.has_ftp_password) == ("ftp.evil.example", False)
