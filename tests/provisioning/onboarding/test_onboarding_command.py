"""``manage.py import_onboarding``: what it prints and how it exits."""

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import execute_from_command_line

from providers.models import Customer
from provisioning.models import Service
from tests.provisioning.onboarding.onboarding_files import BROKEN_SOUTHERN, CLEAN_HARBOUR, workbook


def manage(*args: str) -> int:
    """Run the command as ``manage.py`` does; its exit status."""
    try:
        execute_from_command_line(["manage.py", "import_onboarding", *args])
    except SystemExit as exit_:
        return exit_.code
    return 0


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch):
    # run_from_argv() closes every connection when done: that would close the
    # connection holding this test's transaction (on PostgreSQL).
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)


@pytest.fixture
def write(tmp_path):
    def write(name: str, data: bytes) -> str:
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)

    return write


@pytest.mark.django_db
class TestCommand:
    def test_clean_workbook(self, harbour, harbour_provisioning, write, capsys):
        path = write("onboarding.xlsx", workbook(CLEAN_HARBOUR).getvalue())

        status = manage(path, "--provider", "harbour-voice", "--user", "hv-prov")

        out, _ = capsys.readouterr()
        assert status == 0
        assert out.startswith("Imported onboarding.xlsx into Harbour Voice: catalogue products: 1")
        assert Service.objects.filter(provider=harbour, reference="HV-1101").exists()
        assert LogEntry.objects.filter(user=harbour_provisioning).exists()

    def test_dry_run(self, harbour, write, capsys):
        path = write("onboarding.xlsx", workbook(CLEAN_HARBOUR).getvalue())

        status = manage(path, "--provider", "harbour-voice", "--dry-run")

        out, _ = capsys.readouterr()
        assert status == 0
        assert "Dry run of onboarding.xlsx for Harbour Voice: no errors" in out
        assert "services: 3 created" in out and "Nothing was written." in out
        assert not Service.objects.filter(reference="HV-1101").exists()

    @pytest.mark.parametrize("dry_run", [[], ["--dry-run"]])
    def test_errors(self, southern, southern_catalogue, write, capsys, dry_run):
        path = write("onboarding.xlsx", workbook(BROKEN_SOUTHERN).getvalue())
        customers = Customer.objects.count()

        status = manage(path, "--provider", "southern-wholesale", *dry_run)

        out, err = capsys.readouterr()
        assert status == 1
        lines = err.splitlines()
        assert lines[0] == (
            "plans:3:increments: '60-30' is not billing increments: write initial/subsequent "
            "seconds, e.g. 60/30, or untimed."
        )
        assert (
            "services:3:customer_reference: No customer NOPE at Southern Wholesale, nor on the customers sheet."
        ) in lines
        assert sum(1 for line in lines if line.startswith("ranges:")) == 2
        assert lines[-1] == "CommandError: 11 error(s) in onboarding.xlsx: nothing was imported."
        assert Customer.objects.count() == customers

    def test_csv_with_kind(self, harbour, write, capsys):
        path = write("export.csv", b"reference,name\nCSV1,Csv One Pty Ltd\n")
        assert manage(path, "--provider", "harbour-voice", "--kind", "customers") == 0
        assert Customer.objects.filter(provider=harbour, reference="CSV1").exists()

    def test_user_without_permission(self, harbour, harbour_billing, write, capsys):
        path = write("onboarding.xlsx", workbook(CLEAN_HARBOUR).getvalue())
        assert manage(path, "--provider", "harbour-voice", "--user", "hv-bill") == 1
        assert "hv-bill may not import onboarding data into Harbour Voice" in capsys.readouterr()[1]

    def test_unknown_provider_or_file(self, harbour, write, capsys):
        path = write("onboarding.xlsx", workbook(CLEAN_HARBOUR).getvalue())
        assert manage(path, "--provider", "nobody") == 1
        assert "No provider with slug 'nobody'." in capsys.readouterr()[1]
        assert manage(path + ".missing", "--provider", "harbour-voice") == 1
        assert "No file" in capsys.readouterr()[1]
