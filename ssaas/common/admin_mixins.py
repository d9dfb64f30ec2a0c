"""Small admin mixins and list helpers shared by the apps."""

from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.utils.html import format_html


def add_refusal(form: BaseForm, error: ValidationError) -> None:
    """Add ``error`` to ``form``: beside the field it names when the form shows that
    field, else above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class ReadOnlyAdminMixin:
    """For a ModelAdmin or inline of rows that only processing writes: staff with
    the view permission look, nobody adds, edits or deletes them here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def clipped(text, title: str | None = None, width: str = "") -> str:
    """``text`` cut to its column's width with an ellipsis (styles ``.ssaas-clip`` in
    ssaas/static/ssaas/css/admin.css), the whole of it (or ``title``) in the tooltip:
    long identifiers and file names keep a list within a 1440 px window.
    ``width`` picks a narrower or wider cut (``"narrow"``, ``"wide"``)."""
    if text in (None, ""):
        return "—"
    css = f"ssaas-clip ssaas-clip-{width}" if width else "ssaas-clip"
    return format_html('<span class="{}" title="{}">{}</span>', css, title or text, text)
