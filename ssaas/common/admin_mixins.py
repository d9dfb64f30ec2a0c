"""Small admin mixins and list helpers shared by the apps, and the one rule for an
id in an admin URL that can name no row."""

from functools import wraps

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.forms import BaseForm
from django.http import Http404, HttpResponseRedirect
from django.urls import URLPattern
from django.urls.converters import IntConverter
from django.utils.html import format_html


def add_refusal(form: BaseForm, error: ValidationError) -> None:
    """Add ``error`` to ``form``: beside the field it names when the form shows that
    field, else above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class RefusalsAsMessagesMixin:
    """For a ModelAdmin whose deletes call a writer that may refuse: "Delete selected"
    and the delete page run in one transaction (all or nothing), and a refusal
    (``ValidationError``) is said as a message on the page asked for, not an error page."""

    @staticmethod
    def _refused(request, error: ValidationError) -> HttpResponseRedirect:
        for message in error.messages:
            messages.error(request, message)
        return HttpResponseRedirect(request.get_full_path())

    def changelist_view(self, request, extra_context=None):
        try:
            with transaction.atomic():
                return super().changelist_view(request, extra_context)
        except ValidationError as exc:
            return self._refused(request, exc)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            with transaction.atomic():
                return super().delete_view(request, object_id, extra_context)
        except ValidationError as exc:
            return self._refused(request, exc)


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


# ---------------------------------------------------------------------------
# Ids in admin URLs
# ---------------------------------------------------------------------------

# URL parameters naming the administered model's row; any other ``<int:…_id>``
# names a row of another model (a bill run's period, a reconciliation's provider).
OBJECT_ID_PARAMETERS = frozenset({"object_id", "pk", "id"})
_ROW_ID = models.BigAutoField()  # the product's tables' ids (DEFAULT_AUTO_FIELD)


def names_no_row(field, value) -> bool:
    """Whether ``value``, an id from a URL, cannot be a ``field`` value of any row:
    it does not parse as one (``_31``, ``1x``, ``abc`` for a number), an automatic id
    below 1 (``-1``), a number past what the column holds, or text longer than it."""
    try:
        value = field.to_python(value)
    except (ValidationError, ValueError, TypeError, OverflowError):
        return True
    if isinstance(field, models.IntegerField):
        low, high = connection.ops.integer_field_range(field.get_internal_type())
        if isinstance(field, models.AutoField | models.BigAutoField | models.SmallAutoField):
            low = max(low, 1)
        return not low <= value <= high
    max_length = getattr(field, "max_length", None)
    return max_length is not None and isinstance(value, str) and len(value) > max_length


def refusing_malformed_ids(pattern: URLPattern, model, admin_site) -> URLPattern:
    """``pattern`` (one of ``model``'s admin URLs) answering 404 when an id in it
    can name no row, before its view sees it: Django's change, delete and history
    views and the admin's own views would otherwise pass ``_31`` on to a query (a
    500) or answer 403 or "doesn't exist" for what is no object at all. A request
    not yet logged in to the admin goes on to the view, which asks for the login."""
    checks = {}
    for name, converter in getattr(pattern.pattern, "converters", {}).items():
        if name in OBJECT_ID_PARAMETERS:
            checks[name] = model._meta.pk
        elif name.endswith("_id") and isinstance(converter, IntConverter):
            checks[name] = _ROW_ID
    if not checks:
        return pattern
    view = pattern.callback

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if admin_site.has_permission(request):
            for name, field in checks.items():
                value = kwargs.get(name)
                if value is None:
                    continue
                if names_no_row(field, unquote(value) if isinstance(value, str) else value):
                    raise Http404(f"No {model._meta.verbose_name} has the id “{value}”.")
        return view(request, *args, **kwargs)

    return URLPattern(pattern.pattern, guarded, pattern.default_args, pattern.name)
