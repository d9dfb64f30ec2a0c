"""docs/onboarding.md describes the layout the importer reads, and its examples import."""

import re

import pytest
from django.conf import settings

from provisioning.models import Service, ServiceIdentifier
from provisioning.onboarding import LAYOUTS
from tests.provisioning.onboarding.onboarding_files import run

DOCS = settings.BASE_DIR / "docs"


def documented_columns(kind: str) -> dict[str, bool]:
    """The columns the kind's section documents: name → shown as required (bold)."""
    text = (DOCS / "onboarding.md").read_text()
    section = re.search(rf"^### {kind} .*?(?=^#)", text, re.M | re.S)
    assert section, f"no section for {kind}"
    rows = re.findall(r"^\| (\*\*)?([a-z_]+)(\*\*)? \|", section[0], re.M)
    return {name: bool(bold) for bold, name, _ in rows if name != "column"}


@pytest.mark.parametrize("kind", list(LAYOUTS))
def test_docs_describe_every_column(kind):
    expected = {c.name: c.required for c in LAYOUTS[kind].columns}
    assert documented_columns(kind) == expected


def test_readme_points_to_the_docs():
    assert "[docs/onboarding.md](docs/onboarding.md)" in (settings.BASE_DIR / "README.md").read_text()


@pytest.mark.django_db
def test_example_files_import_into_the_demo(harbour, harbour_provisioning):
    for name in ["onboarding.xlsx", "services.csv"]:
        with (DOCS / "examples" / name).open("rb") as file:
            result = run(harbour, file, user=harbour_provisioning)
        assert [str(e) for e in result.errors] == []
    assert Service.objects.filter(provider=harbour, reference__in=["HV-1201", "HV-1301"]).count() == 2
    assert ServiceIdentifier.objects.get(value="0290004000").service.reference == "HV-1202"
