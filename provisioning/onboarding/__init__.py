"""Bulk onboarding: customers, services, identifiers, ranges, features, plans with
their rates and the feature catalogue, from an XLSX workbook or CSV files.

The column layout is in ``layout`` (and, for people, docs/onboarding.md); the
service is ``onboarding_import``.
"""

from .importer import onboarding_import
from .layout import KINDS, LAYOUTS, template_workbook, write_workbook
from .result import OnboardingResult, RowError

__all__ = [
    "KINDS",
    "LAYOUTS",
    "OnboardingResult",
    "RowError",
    "onboarding_import",
    "template_workbook",
    "write_workbook",
]
