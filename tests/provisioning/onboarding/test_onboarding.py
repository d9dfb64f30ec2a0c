"""Bulk onboarding: a workbook imports whole, or, with any error, not at all."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied

from providers.models import BillPeriod, Customer
from provisioning.choices import (
    PlanRateCategoryChoices,
    ServiceFeatureStatusChoices,
    ServiceIdentifierKindChoices,
    ServiceStatusChoices,
)
from provisioning.models import (
    FeatureProduct,
    PlanRate,
    Service,
    ServiceFeature,
    ServiceIdentifier,
    ServicePlan,
)
from provisioning.onboarding import cells
from tests.provisioning.onboarding.onboarding_files import BROKEN_SOUTHERN, CLEAN_HARBOUR, csv_file, run, workbook

OCT_1 = datetime.date(2026, 10, 1)
MODELS = [
    Customer,
    ServicePlan,
    PlanRate,
    Service,
    ServiceIdentifier,
    ServiceFeature,
    FeatureProduct,
]


def database_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def where(result) -> set[tuple[str, int | None, str]]:
    return {(e.sheet, e.row, e.column) for e in result.errors}


def message(result, sheet: str, row: int, column: str) -> str:
    return " ".join(e.message for e in result.errors if (e.sheet, e.row, e.column) == (sheet, row, column))


@pytest.mark.django_db
class TestCleanWorkbook:
    def test_imports_every_kind(self, harbour, harbour_provisioning):
        # HV-1103 ceased in September: onboarded before September's period existed (into
        # a closed period it is refused, tests/provisioning/test_writers.py; a closed
        # period itself is never reopened, tests/providers/test_periods.py).
        BillPeriod.objects.filter(provider=harbour, status="closed").delete()
        result = run(harbour, workbook(CLEAN_HARBOUR), user=harbour_provisioning)

        assert result.errors == []
        assert result.committed
        plan = ServicePlan.objects.get(provider=harbour, name="Onboarded Voice")
        rates = {r.category: r for r in plan.rates.all()}
        assert set(rates) == {"fixed", "mobile", "international"}
        fixed, mobile = rates[PlanRateCategoryChoices.FIXED], rates[PlanRateCategoryChoices.MOBILE]
        assert (fixed.flagfall, fixed.untimed) == (Decimal("0.10"), True)
        assert mobile.rate_per_minute == Decimal("0.1234")  # from a float cell, exactly
        assert (mobile.untimed, mobile.initial_increment, mobile.subsequent_increment) == (
            False,
            60,
            30,
        )
        assert rates["international"].increments == "60/60"

        northshore = Customer.objects.get(provider=harbour, reference="NORTHSHORE")
        assert northshore.contact_email == "kim@northshore.example.com.au"
        acme = Customer.objects.get(provider=harbour, reference="ACME")
        assert (acme.contact_name, acme.contact_phone) == ("Jo Citizen", "02 9000 1000")

        hv1101 = Service.objects.get(reference="HV-1101")
        assert (hv1101.provider, hv1101.customer, hv1101.plan) == (harbour, northshore, plan)
        assert (hv1101.status, hv1101.start_date, hv1101.label) == ("active", OCT_1, "Front desk")
        hv1102 = Service.objects.get(reference="HV-1102")
        # No status, a start date (from an Excel date cell): active.
        assert (hv1102.status, hv1102.start_date) == ("active", datetime.date(2026, 10, 15))
        assert hv1102.plan.name == "Business Voice"
        hv1103 = Service.objects.get(reference="HV-1103")
        assert (hv1103.status, hv1103.start_date, hv1103.end_date) == (
            ServiceStatusChoices.CEASED,
            datetime.date(2026, 10, 1),
            datetime.date(2026, 10, 30),
        )

        group = hv1101.identifiers.get(kind=ServiceIdentifierKindChoices.GROUP_ID)
        assert (group.value, group.active_from) == ("NORTHSHORE", OCT_1)
        fnn = hv1102.identifiers.get()
        # The leading zero Excel dropped is back; no date: from the service's start.
        assert (fnn.kind, fnn.value, fnn.active_from) == ("fnn", "0290003000", hv1102.start_date)
        number_range = hv1101.identifiers.get(kind=ServiceIdentifierKindChoices.NUMBER_RANGE)
        assert (number_range.number_first, number_range.number_last) == (
            "0290003100",
            "0290003199",
        )
        assert number_range.range_size == 100

        recording = FeatureProduct.objects.get(provider=harbour, element_id="504001")
        assert (recording.name, recording.kind, recording.unit_cost) == (
            "Call Recording",
            "other",
            Decimal("2.5"),
        )
        features = {f.product.element_id: f for f in hv1101.features.all()}
        assert (features["501001"].quantity, features["501001"].status) == (5, "active")
        assert features["501001"].activated_by == harbour_provisioning
        assert (features["504001"].quantity, features["504001"].status) == (1, "active")
        sip = hv1102.features.get()
        assert (sip.quantity, sip.status, sip.activated_by) == (
            2,
            ServiceFeatureStatusChoices.REQUESTED,
            None,
        )

        assert result.count("customers", "created") == 1
        assert result.count("customers", "updated") == 1
        assert result.count("services", "created") == 3
        assert result.count("plan rates", "created") == 3
        assert result.count("features", "created") == 3

    def test_import_is_recorded_on_the_provider(self, harbour, harbour_provisioning):
        run(harbour, workbook(CLEAN_HARBOUR), user=harbour_provisioning)
        entry = LogEntry.objects.get(user=harbour_provisioning)
        assert entry.object_id == str(harbour.pk)
        assert "Imported onboarding file onboarding.xlsx" in entry.change_message
        assert "services: 3 created" in entry.change_message

    def test_importing_again_changes_nothing(self, harbour):
        run(harbour, workbook(CLEAN_HARBOUR))
        before = database_counts()
        again = run(harbour, workbook(CLEAN_HARBOUR))
        assert again.errors == []
        assert database_counts() == before
        assert again.count("services", "unchanged") == 3
        assert all(created == updated == 0 for _, created, updated, _ in again.summary_rows())

    def test_dry_run_writes_nothing_and_says_what_it_would_do(self, harbour):
        before = database_counts()
        result = run(harbour, workbook(CLEAN_HARBOUR), dry_run=True)
        assert result.errors == []
        assert not result.committed
        assert result.count("services", "created") == 3
        assert database_counts() == before
        assert not LogEntry.objects.exists()


@pytest.mark.django_db
class TestWorkbookWithErrors:
    EXPECTED = {
        ("plans", 3, "increments"): "'60-30' is not billing increments",
        ("customers", 3, "contact_email"): "Enter a valid email address.",
        ("services", 3, "customer_reference"): "No customer NOPE at Southern Wholesale",
        ("services", 4, "start_date"): "'31/31/2026' is not a date",
        ("identifiers", 2, "kind"): "Southern Wholesale identifies usage by FNN / hosted "
        "number / distinct username, not by Group ID",
        ("identifiers", 3, "value"): "jsmith.acme is already on service SW-2001",
        ("identifiers", 5, "value"): "0390004000 is already on service SW-3001 (NewCo Pty Ltd)",
        ("ranges", 2, "first"): "0370002050-0370002149 overlaps already on service SW-2002",
        ("ranges", 3, "first"): "The range is reversed: 0390005099 comes after 0390005000.",
        ("features", 2, "element_id"): "No product with element id 999999 at Southern Wholesale",
        ("features", 3, "quantity"): "'two' is not a whole number.",
    }

    @pytest.mark.parametrize("dry_run", [True, False])
    def test_every_error_is_listed_and_nothing_is_written(self, southern, southern_catalogue, dry_run):
        before = database_counts()

        result = run(southern, workbook(BROKEN_SOUTHERN), dry_run=dry_run)

        assert where(result) == set(self.EXPECTED)
        for (sheet, row, column), text in self.EXPECTED.items():
            assert text in message(result, sheet, row, column), (sheet, row, column)
        assert len(result.errors) == len(self.EXPECTED)  # one message per mistake
        assert not result.committed
        assert database_counts() == before
        assert not Customer.objects.filter(reference="NEWCO").exists()
        assert not LogEntry.objects.exists()

    def test_rows_without_errors_are_counted_but_not_kept(self, southern):
        result = run(southern, workbook(BROKEN_SOUTHERN))
        assert result.count("customers", "created") == 1  # NEWCO, rolled back
        assert not Service.objects.filter(reference="SW-3001").exists()

    def test_error_is_printable_as_sheet_row_column(self, southern):
        result = run(southern, workbook(BROKEN_SOUTHERN))
        assert str(result.errors[0]).startswith("plans:3:increments: '60-30' is not billing")

    def test_a_row_naming_a_customer_with_errors_says_so(self, southern):
        sheets = {
            "customers": [["reference", "name", "contact_email"], ["BAD", "Bad", "nope"]],
            "services": [
                ["reference", "customer_reference", "plan"],
                ["SW-9", "BAD", "Wholesale Voice"],
            ],
        }
        result = run(southern, workbook(sheets))
        assert message(result, "services", 2, "customer_reference") == (
            "Customer BAD is on row 2 of the customers sheet, which has errors."
        )

    def test_the_same_key_twice_in_a_sheet(self, southern):
        sheets = {
            "customers": [
                ["reference", "name"],
                ["DUP", "First"],
                ["OTHER", "Other"],
                ["DUP", "Second"],
            ],
            "plans": [
                ["plan", "category", "increments"],
                ["P", "mobile", "60/60"],
                ["P", "Mobile", "1/1"],
            ],
        }
        result = run(southern, workbook(sheets))
        assert where(result) == {("customers", 4, "reference"), ("plans", 3, "category")}
        assert message(result, "customers", 4, "reference") == ("Row 2 has the same reference: write it once.")

    def test_group_id_rules(self, harbour):
        sheets = {
            "identifiers": [
                ["service_reference", "kind", "value", "active_from"],
                # Acme already has ACMEPTYLTD.
                ["HV-1001", "group_id", "ACME2", "2026-10-01"],
                # BLUEGUMCAFE is Bluegum Cafe's, on HV-1002.
                ["HV-2001", "group_id", "bluegumcafe", "2026-10-01"],
            ],
            "services": [
                ["reference", "customer_reference", "plan", "start_date"],
                ["HV-2001", "NEW", "Business Voice", "2026-10-01"],
            ],
            "customers": [["reference", "name"], ["NEW", "New Pty Ltd"]],
        }
        result = run(harbour, workbook(sheets))
        assert message(result, "identifiers", 2, "value") == (
            "Acme Pty Ltd already has Group ID ACMEPTYLTD (01/10/2026 onwards); a customer has one Group ID."
        )
        assert message(result, "identifiers", 3, "value").startswith(
            "BLUEGUMCAFE is already on service HV-1002 (Bluegum Cafe)"
        )

    def test_realm_rule(self, coastal):
        sheets = {
            "identifiers": [
                ["service_reference", "kind", "value"],
                ["CC-3001", "username@realm", "new@elsewhere.com.au"],
            ]
        }
        result = run(coastal, workbook(sheets))
        assert "elsewhere.com.au is not one of Coastal Comms's custom realms" in message(
            result, "identifiers", 2, "value"
        )

    def test_plan_rules(self, harbour):
        sheets = {
            "plans": [
                ["plan", "category", "flagfall", "rate_per_minute", "increments"],
                ["P", "", "0.10", "", ""],
                ["P", "satellite", "0", "0", "untimed"],
                ["P", "mobile", "-1", "0.12345", "60/30"],
                ["P", "fixed", "0.10", "0", datetime.date(2026, 1, 1)],
                ["P", "freecall", "abc", "0", ""],
            ]
        }
        result = run(harbour, workbook(sheets))
        assert message(result, "plans", 2, "category") == ("Which call category does this rate price?")
        assert "'satellite' is not one of: fixed, mobile" in message(result, "plans", 3, "category")
        assert "greater than or equal to 0" in message(result, "plans", 4, "flagfall")
        assert "no more than 4 decimal places" in message(result, "plans", 4, "rate_per_minute")
        assert "Excel turned these increments into a date" in message(result, "plans", 5, "increments")
        assert "'abc' is not an amount" in message(result, "plans", 6, "flagfall")
        assert "A rate needs its billing increments" in message(result, "plans", 6, "increments")
        assert not ServicePlan.objects.filter(name="P").exists()

    def test_service_rules(self, harbour, southern):
        sheets = {
            "services": [
                ["reference", "customer_reference", "plan", "status", "start_date", "end_date"],
                ["HV-9001", "ACME", "Wholesale Voice", "active", "2026-10-01", ""],
                ["HV-9002", "ACME", "Business Voice", "ceased", "2026-10-01", ""],
                ["HV-9003", "ACME", "Business Voice", "live", "2026-10-01", "2026-09-01"],
            ]
        }
        result = run(harbour, workbook(sheets))
        # Southern's plan is not Harbour's: to Harbour it does not exist.
        assert "No plan Wholesale Voice at Harbour Voice" in message(result, "services", 2, "plan")
        assert message(result, "services", 3, "end_date") == "A ceased service needs an end date."
        assert "'live' is not one of: pending, active" in message(result, "services", 4, "status")
        assert message(result, "services", 4, "end_date") == ("A service cannot end before it starts.")


@pytest.mark.django_db
class TestFileStructure:
    def test_unknown_sheet_missing_and_unknown_columns(self, harbour):
        sheets = {
            "Customers": [["Reference", "Contact email"], ["X1", "x@example.com"]],
            "Servcies": [["reference"]],
            "features": [
                ["service_reference", "element_id", "colour"],
                ["HV-1001", "501001", "red"],
            ],
        }
        result = run(harbour, workbook(sheets))
        assert where(result) == {
            ("Customers", 1, "name"),
            ("Servcies", None, ""),
            ("features", 1, "colour"),
        }
        assert message(result, "Customers", 1, "name") == "This column is missing: it is required."
        assert "name the sheet one of catalogue, plans, customers" in result.errors[0].message

    def test_header_below_blank_rows_and_row_numbers_as_seen(self, harbour):
        sheets = {
            "customers": [
                [],
                ["Title: customers to move"],
                [],
            ]
        }
        # The first non-blank row is the header: here a title, not a header.
        result = run(harbour, workbook(sheets))
        assert ("customers", 2, "Title: customers to move") in where(result)

        sheets = {"customers": [[], ["reference", "name"], [], ["X1", ""]]}
        result = run(harbour, workbook(sheets))
        assert where(result) == {("customers", 4, "name")}
        assert message(result, "customers", 4, "name") == "This cell is empty: it is required."

    def test_not_a_workbook(self, harbour):
        file = csv_file("not a zip", "onboarding.xlsx")
        result = run(harbour, file)
        assert [str(e) for e in result.errors] == ["onboarding.xlsx::: This is not an XLSX workbook Excel can open."]
        result = run(harbour, csv_file("x", "onboarding.pdf"))
        assert "Upload an XLSX workbook (.xlsx) or a CSV file." in result.errors[0].message


@pytest.mark.django_db
class TestCsv:
    def test_kind_from_the_file_name(self, harbour):
        text = (
            'Reference,Name,Contact Email\r\nCSV1,Csv One Pty Ltd,one@example.com.au\r\n"CSV2","Two, Three & Co",\r\n'
        )
        result = run(harbour, csv_file(text, "harbour-customers-2026.csv"))
        assert result.errors == []
        assert Customer.objects.get(reference="CSV2").name == "Two, Three & Co"

    def test_kind_given_with_australian_dates_and_excel_bom(self, harbour):
        text = (
            "\ufeffreference,customer_reference,plan,status,start_date\nHV-2001,ACME,Business Voice,active,1/10/2026\n"
        )
        result = run(harbour, csv_file(text, "export.csv"), kind="services")
        assert result.errors == []
        assert Service.objects.get(reference="HV-2001").start_date == OCT_1

    def test_windows_1252_csv(self, harbour):
        data = csv_file("", "customers.csv")
        data.write("reference,name\nCAFE,Café Pty Ltd\n".encode("cp1252"))
        data.seek(0)
        assert run(harbour, data).errors == []
        assert Customer.objects.get(reference="CAFE").name == "Café Pty Ltd"

    def test_errors_name_the_file_and_nothing_is_written(self, harbour):
        text = "service_reference,first,last\nHV-1001,0290001050,0290001149\nNOPE,0290009000,\n"
        result = run(harbour, csv_file(text, "ranges.csv"))
        assert where(result) == {
            ("ranges.csv", 2, "first"),
            ("ranges.csv", 3, "service_reference"),
            ("ranges.csv", 3, "last"),
        }
        assert "overlaps already on this service" in message(result, "ranges.csv", 2, "first")
        assert not ServiceIdentifier.objects.filter(value__startswith="0290001050").exists()

    def test_not_a_csv_file(self, harbour):
        result = run(harbour, csv_file("reference,name\n" + "x" * 200_000, "customers.csv"))
        assert "This is not a CSV file Excel can open" in result.errors[0].message

    def test_kind_unknown(self, harbour):
        result = run(harbour, csv_file("reference,name\n", "export.csv"))
        assert "Say which kind of rows this CSV file holds" in result.errors[0].message

    def test_columns_left_out_keep_their_values(self, harbour):
        result = run(harbour, csv_file("reference,name\nACME,Acme Group Pty Ltd\n", "customers.csv"))
        assert result.count("customers", "updated") == 1
        acme = Customer.objects.get(provider=harbour, reference="ACME")
        assert (acme.name, acme.contact_name) == ("Acme Group Pty Ltd", "Jane Smith")


@pytest.mark.django_db
class TestWhoMayImport:
    def test_provider_the_user_cannot_see(self, southern, harbour_provisioning):
        with pytest.raises(PermissionDenied):
            run(southern, workbook(CLEAN_HARBOUR), user=harbour_provisioning)

    def test_user_without_the_permission(self, harbour, harbour_billing):
        with pytest.raises(PermissionDenied):
            run(harbour, workbook(CLEAN_HARBOUR), user=harbour_billing, dry_run=True)

    def test_provider_administrator_and_wholesale_staff(self, harbour, southern, harbour_admin, make_staff):
        assert run(harbour, workbook(CLEAN_HARBOUR), user=harbour_admin, dry_run=True).errors == []
        harbour.wholesale_provider = southern
        harbour.save()
        southern_staff = make_staff("sw-prov", southern)
        assert run(harbour, workbook(CLEAN_HARBOUR), user=southern_staff, dry_run=True).errors == []


class TestCells:
    @pytest.mark.parametrize(
        "raw, amount",
        [
            (0.1 + 0.2, Decimal("0.3")),  # a formula's binary noise is not a price
            (0.1234, Decimal("0.1234")),
            (12, Decimal("12")),
            ("$1,200.50", Decimal("1200.50")),
            (" 0.15 ", Decimal("0.15")),
            ("", None),
        ],
    )
    def test_amounts_are_decimals(self, raw, amount):
        value = cells.decimal(raw)
        assert value == amount and (value is None or isinstance(value, Decimal))

    # openpyxl reads an Excel date cell as a naive datetime.
    EXCEL_DATE = datetime.datetime(2026, 10, 1)  # noqa: DTZ001

    @pytest.mark.parametrize("raw", ["2026-10-01", "01/10/2026", "1/10/2026", EXCEL_DATE])
    def test_dates(self, raw):
        assert cells.date(raw) == OCT_1

    @pytest.mark.parametrize("raw", ["2026-13-01", "10/01/26", "1 Oct 2026", "NaN"])
    def test_not_dates(self, raw):
        with pytest.raises(cells.CellError, match="write it as 2026-10-01 or 01/10/2026"):
            cells.date(raw)

    def test_phone_number_cells(self):
        assert cells.phone_text(290001000) == "0290001000"
        assert cells.phone_text(61290001000) == "61290001000"
        assert cells.phone_text("290001000") == "290001000"  # typed as text: as typed
