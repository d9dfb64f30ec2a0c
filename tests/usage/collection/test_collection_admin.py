"""Collections in the admin: the provider's page, "Collect now", the list of collections."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.usage.collection.ftp_servers import HOSTILE_LISTED
from usage.collection.choices import ProviderCollectionStatusChoices as Status
from usage.collection.collector import collection_run_now, collection_start
from usage.collection.models import ProviderCollection

pytestmark = pytest.mark.usefixtures("queued")


def page(provider) -> str:
    return reverse("admin:providers_provider_change", args=[provider.pk])


def collect_url(provider) -> str:
    return reverse("admin:providers_provider_collect", args=[provider.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_billing_staff_collect_now_and_see_the_outcome_on_the_page(
    ftp_world, client, harbour_billing, django_capture_on_commit_callbacks
):
    harbour = ftp_world["harbour"]
    client.force_login(harbour_billing)
    before = client.get(page(harbour)).content.decode()
    assert "Collect now" in before and "No collection yet." in before

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(collect_url(harbour))

    assert response.status_code == 302 and response.url == page(harbour)
    assert any("queued" in m for m in messages_of(response))
    collection = ProviderCollection.objects.get(provider=harbour)
    assert collection.run.trigger == "manual" and collection.run.requested_by == harbour_billing
    assert collection.fetched == 2
    after = client.get(page(harbour)).content.decode()
    assert "Collect now (admin) (hv-bill)" in after
    assert "Completed with errors" in after


def test_collect_now_while_a_collection_is_queued_says_so(ftp_world, client, harbour_admin):
    harbour = ftp_world["harbour"]
    collection_start(trigger="schedule", providers=[harbour])
    client.force_login(harbour_admin)

    response = client.post(collect_url(harbour))

    assert messages_of(response) == [f"A collection of {harbour} is already queued."]
    assert ProviderCollection.objects.filter(provider=harbour).count() == 1


def test_provisioning_staff_have_no_button_and_may_not_collect(ftp_world, client, harbour_provisioning):
    harbour = ftp_world["harbour"]
    client.force_login(harbour_provisioning)

    content = client.get(page(harbour)).content.decode()
    assert "Collect now" not in content and "Latest collections" not in content
    assert client.post(collect_url(harbour)).status_code == 403
    assert not ProviderCollection.objects.exists()


def test_another_providers_collection_cannot_be_started(ftp_world, client, harbour_billing):
    client.force_login(harbour_billing)

    assert client.post(collect_url(ftp_world["southern"])).status_code == 404
    assert not ProviderCollection.objects.exists()


def test_collect_now_needs_a_post(ftp_world, client, harbour_billing):
    client.force_login(harbour_billing)
    assert client.get(collect_url(ftp_world["harbour"])).status_code == 405


def test_a_provider_without_ftp_settings_has_no_button(coastal, client, superuser):
    client.force_login(superuser)

    assert "Collect now" not in client.get(page(coastal)).content.decode()
    response = client.post(collect_url(coastal))
    assert "no FTP host and username" in messages_of(response)[0]
    assert not ProviderCollection.objects.exists()


def test_the_collections_list_is_scoped_and_shows_each_file(
    ftp_world, client, harbour_billing, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        collection_run_now()
    client.force_login(harbour_billing)

    listing = client.get(reverse("admin:usage_providercollection_changelist"))
    rows = listing.context["cl"].result_list
    assert {c.provider.slug for c in rows} == {"harbour-voice"}
    done = next(c for c in rows if c.status == Status.COMPLETED_WITH_ERRORS)
    detail = client.get(reverse("admin:usage_providercollection_change", args=[done.pk]))
    content = detail.content.decode()
    assert detail.status_code == 200
    assert HOSTILE_LISTED in content and "refused" in content
    assert "Save" not in content  # a record, not something to edit


def test_the_provider_page_shows_what_needs_attention(ftp_world, client, harbour_billing, settings):
    settings.CTOP_LATE_HOUR = 0  # any time of day is late without a file today
    client.force_login(harbour_billing)

    content = client.get(page(ftp_world["harbour"])).content.decode()

    assert "Collection: needs attention" in content
    assert "no new CTOP file today by 0:00 (none yet)" in content
