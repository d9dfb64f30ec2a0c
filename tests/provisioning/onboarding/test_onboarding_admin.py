"""The admin's "Import onboarding data" pages: upload, dry run, import."""

import io
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from providers.models import Customer
from provisioning.models import Service, ServiceIdentifier
from provisioning.onboarding import KINDS
from tests.html_tables import table_rows
from tests.provisioning.onboarding.onboarding_files import BROKEN_SOUTHERN, CLEAN_HARBOUR, csv_file, workbook

IMPORT_URL = reverse("admin:provisioning_service_import")
CHANGELIST_URL = reverse("admin:provisioning_service_changelist")


def upload(client, provider, file, kind=""):
    return client.post(IMPORT_URL, {"provider": provider.pk, "file": file, "kind": kind})


def kept_files() -> list[Path]:
    root = Path(str(settings.ONBOARDING_UPLOADS_ROOT))
    return list(root.iterdir()) if root.exists() else []


@pytest.fixture(autouse=True)
def uploads_root(settings, tmp_path):
    settings.ONBOARDING_UPLOADS_ROOT = tmp_path / "uploads"


@pytest.mark.django_db
class TestImportPages:
    def test_button_on_the_service_list(self, hv_client):
        body = hv_client.get(CHANGELIST_URL).content.decode()
        assert "Import onboarding data" in body and IMPORT_URL in body

    def test_file_with_errors_shows_every_error_and_writes_nothing(self, root_client, southern, southern_catalogue):
        services = Service.objects.count()

        response = upload(root_client, southern, workbook(BROKEN_SOUTHERN))

        assert response.status_code == 200
        result = response.context["result"]
        assert len(result.errors) == 11
        body = response.content.decode()
        assert "11 errors in onboarding.xlsx" in body
        errors = [row[:3] for row in table_rows(body, "onboarding-errors")]
        assert ["services", "3", "customer_reference"] in errors
        assert "No customer NOPE at Southern Wholesale" in body
        assert ["ranges", "2", "first"] in errors
        assert "overlaps already on service SW-2002 (Geelong Motors)" in body
        assert 'name="token"' not in body  # no Import button
        assert Service.objects.count() == services
        assert kept_files() == []

    def test_clean_file_dry_run_then_import(self, hv_client, harbour, harbour_provisioning):
        response = upload(hv_client, harbour, workbook(CLEAN_HARBOUR))

        assert response.status_code == 200
        body = response.content.decode()
        assert "no errors in 15 rows" in body
        summary = table_rows(body, "onboarding-summary")
        assert ["Services", "3", "0", "0"] in summary
        assert ["Customers", "1", "1", "0"] in summary
        assert not Service.objects.filter(reference="HV-1101").exists()  # a dry run
        token = response.context["kept"].token
        assert f'name="token" value="{token}"' in body

        response = hv_client.post(IMPORT_URL, {"token": token}, follow=True)

        assert response.redirect_chain == [(CHANGELIST_URL, 302)]
        text = [str(m) for m in response.context["messages"]]
        assert text == [
            "Imported onboarding.xlsx into Harbour Voice: catalogue products: 1 created; "
            "plans: 1 created; plan rates: 3 created; customers: 1 created, 1 updated; "
            "services: 3 created; identifiers: 2 created; ranges: 1 created; "
            "features: 3 created."
        ]
        assert "HV-1101" in response.content.decode()
        assert Service.objects.get(reference="HV-1101").customer.name == "Northshore Physio"
        assert ServiceIdentifier.objects.filter(value="0290003100-0290003199").exists()
        assert LogEntry.objects.filter(user=harbour_provisioning, object_id=harbour.pk).exists()
        assert kept_files() == []

        # The same token cannot import twice.
        response = hv_client.post(IMPORT_URL, {"token": token}, follow=True)
        assert "That upload is no longer here" in response.content.decode()

    def test_csv_of_one_kind(self, hv_client, harbour):
        file = csv_file("reference,name\nCSV1,Csv One Pty Ltd\n", "export.csv")
        response = upload(hv_client, harbour, file, kind="customers")
        token = response.context["kept"].token
        hv_client.post(IMPORT_URL, {"token": token})
        assert Customer.objects.get(provider=harbour, reference="CSV1").name == "Csv One Pty Ltd"

    def test_made_up_token_finds_nothing(self, hv_client, harbour):
        upload(hv_client, harbour, workbook(CLEAN_HARBOUR))
        [kept] = kept_files()
        for token in ["nope", f"../{kept.name}", str(kept), kept.stem + "x"]:
            response = hv_client.post(IMPORT_URL, {"token": token}, follow=True)
            assert "That upload is no longer here" in response.content.decode()
        assert not Service.objects.filter(reference="HV-1101").exists()

    def test_not_a_spreadsheet(self, hv_client, harbour):
        response = upload(hv_client, harbour, csv_file("%PDF", "services.pdf"))
        assert "Upload an XLSX workbook (.xlsx) or a CSV file (.csv)." in str(response.context["form"].errors["file"])

    def test_empty_template_workbook(self, hv_client):
        response = hv_client.get(reverse("admin:provisioning_service_import_template"))
        assert response["Content-Disposition"] == 'attachment; filename="onboarding-template.xlsx"'
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        assert book.sheetnames == KINDS
        assert [c.value for c in book["services"][1]] == [
            "reference",
            "customer_reference",
            "plan",
            "status",
            "start_date",
            "end_date",
            "label",
        ]


@pytest.mark.django_db
class TestWhoMayImport:
    def test_harbour_user_picks_only_harbour(self, hv_client, harbour):
        form = hv_client.get(IMPORT_URL).context["form"]
        assert list(form.fields["provider"].queryset) == [harbour]
        assert form.initial["provider"] == harbour.pk

    def test_harbour_user_cannot_post_southern(self, hv_client, southern):
        response = upload(hv_client, southern, workbook(BROKEN_SOUTHERN))
        assert response.status_code == 200
        assert "Select a valid choice" in str(response.context["form"].errors["provider"])
        assert response.context["result"] is None
        assert kept_files() == []

    def test_kept_upload_is_checked_again_on_import(self, hv_client, harbour, southern):
        # The file was checked for Harbour; the session is then pointed at Southern.
        response = upload(hv_client, harbour, workbook({"customers": [["reference", "name"]]}))
        token = response.context["kept"].token
        session = hv_client.session
        session["onboarding_uploads"][token]["provider"] = southern.pk
        session.save()
        assert hv_client.post(IMPORT_URL, {"token": token}).status_code == 403

    def test_billing_user_is_refused(self, client, harbour_billing, harbour):
        client.force_login(harbour_billing)
        assert "Import onboarding data" not in client.get(CHANGELIST_URL).content.decode()
        assert client.get(IMPORT_URL).status_code == 403
        assert upload(client, harbour, workbook(CLEAN_HARBOUR)).status_code == 403
        assert client.get(reverse("admin:provisioning_service_import_template")).status_code == 403
        assert not Service.objects.filter(reference="HV-1101").exists()

    def test_anonymous_goes_to_the_login_page(self, client):
        response = client.get(IMPORT_URL)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))
