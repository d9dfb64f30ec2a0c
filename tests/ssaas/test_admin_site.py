"""The admin site and its settings as users meet them: pages read while the worker
writes, the server's zone said once, read-only links only where the user may go."""

import re
import threading

import pytest
from django.conf import settings
from django.db.backends.sqlite3.base import DatabaseWrapper
from django.urls import reverse

from tests.provisioning.conftest import *  # noqa: F403 - the order fixtures (submit, …)


@pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3", reason="SQLite only")
def test_sqlite_pages_read_while_the_worker_writes(db, tmp_path):
    """Defect 8: "database is locked" on pages while the worker ingested a large file.
    With the settings' OPTIONS, a reader answers while a writer holds its transaction."""
    options = settings.DATABASES["default"]["OPTIONS"]

    def connect():
        wrapper = DatabaseWrapper({**settings.DATABASES["default"], "NAME": str(tmp_path / "demo.sqlite3")})
        wrapper.settings_dict["OPTIONS"] = {**options, "timeout": 1}
        return wrapper

    worker = connect()
    with worker.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("CREATE TABLE record (id INTEGER PRIMARY KEY)")
        cursor.execute("INSERT INTO record VALUES (1)")
    worker.set_autocommit(False)
    with worker.cursor() as cursor:
        cursor.execute("INSERT INTO record VALUES (2)")  # an ingest, uncommitted
        cursor.execute("DELETE FROM record WHERE id = 1")
        result = []
        reader = threading.Thread(target=lambda: result.append(_count(connect)))
        reader.start()
        reader.join()
    worker.rollback()
    worker.close()
    assert result == [1]


def _count(connect) -> int | Exception:
    wrapper = connect()  # in the reading thread: a connection belongs to its thread
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM record")
            return cursor.fetchone()[0]
    except Exception as exc:  # noqa: BLE001 - shown by the assertion
        return exc
    finally:
        wrapper.close()


def test_the_servers_zone_is_said_once_not_on_every_date_field(admin_client, harbour):
    """Defect 17: a headless or interstate browser saw "You are 11 hours behind server
    time" on every date field. The zone is said once; the fields carry no warning."""
    from django.contrib.staticfiles import finders
    from django.urls import reverse

    body = admin_client.get(reverse("admin:providers_billperiod_add")).content.decode()
    assert body.count('id="server-zone"') == 1 and "Sydney" in body
    assert "ssaas/js/server-zone.js" in body
    script = open(finders.find("ssaas/js/server-zone.js")).read()
    assert "delete document.body.dataset.adminUtcOffset" in script


def test_a_read_only_link_leads_only_where_the_user_may_go(client, submit, harbour_provisioning, superuser):
    """Found by the crawl: an order's "created by" linked provisioning staff to a
    user page that answers 403."""
    from django.urls import reverse

    from provisioning.choices import OrderKindChoices as Kind

    order = submit(Kind.NEW, user=superuser)
    user_page = reverse("admin:auth_user_change", args=[superuser.pk])
    client.force_login(harbour_provisioning)
    assert user_page not in client.get(reverse("admin:provisioning_order_change", args=[order.pk])).content.decode()
    client.force_login(superuser)
    assert user_page in client.get(reverse("admin:provisioning_order_change", args=[order.pk])).content.decode()


def test_logging_in_without_next_lands_on_the_front_page(client, harbour_billing):
    # Unfold's login form sends no ?next: Django's default went to /accounts/profile/ (404).
    harbour_billing.set_password("pw")
    harbour_billing.save()
    response = client.post(reverse("admin:login"), {"username": harbour_billing.username, "password": "pw"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert client.get(response["Location"]).status_code == 200


def test_every_page_names_its_icon_and_the_old_address_finds_it(admin_client):
    from django.contrib.staticfiles import finders

    page = admin_client.get(reverse("admin:index")).content.decode()
    assert re.search(r'<link[^>]+rel="icon"[^>]+href="[^"]*ssaas/img/favicon\.svg"', page), "no icon link"
    response = admin_client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("ssaas/img/favicon.svg")
    assert finders.find("ssaas/img/favicon.svg")
