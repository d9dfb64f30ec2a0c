"""The change log in the admin: one searchable list of every change to what decides
a charge, and a "Changes" panel on the page of each record tracked.

Read-only for everyone, superusers included: rows are written by the change log's
signals (providers/changelog.py), never added, edited or deleted here. A person
sees the rows of their own providers (``ProviderScopedAdmin``), and of the kinds
of record they may view elsewhere in the admin (``changelog.visible_entries``):
the change log widens nobody's view.
"""

from __future__ import annotations

import datetime
from contextvars import ContextVar
from decimal import Decimal, InvalidOperation

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from unfold.contrib.filters.admin import RangeDateFilter

from ssaas.common.admin_mixins import ReadOnlyAdminMixin, clipped

from . import changelog
from .models import ChangeLogEntry
from .scoping import ProviderScopedAdmin, scope_queryset, visible_provider_ids

VIEW_PERMISSION = "providers.view_changelogentry"
ACTIONS = ChangeLogEntry.ACTION_LABELS
ARROW = "→"


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def viewable_content_type_ids(user) -> list[int]:
    """The tracked models whose changes ``user`` may read: those whose records they
    may view (a proxy's permission counts for its model). The change log shows
    nobody more than the rest of the admin does."""
    ids = []
    for model in changelog.tracked_models():
        kinds = [m for m in apps.get_models() if m._meta.concrete_model is model]
        if any(user.has_perm(f"{m._meta.app_label}.view_{m._meta.model_name}") for m in kinds):
            ids.append(ContentType.objects.get_for_model(model).pk)
    return ids


def visible_entries(queryset, user):
    """``queryset`` of change log rows narrowed to what ``user`` may read: rows of
    their own providers (providers.scoping), of the kinds of record they may view."""
    queryset = scope_queryset(queryset, user)
    if not user.is_superuser:
        queryset = queryset.filter(content_type_id__in=viewable_content_type_ids(user))
    return queryset


def changes_of(obj: models.Model, user):
    """The change log rows of ``obj`` and of the rows shown on its page (a plan's
    rates and prices, a service's identifiers, features and adjustments) that
    ``user`` may read, newest first."""
    content_type = ContentType.objects.get_for_model(obj)
    rows = ChangeLogEntry.objects.filter(
        Q(content_type=content_type, object_id=obj.pk) | Q(parent_content_type=content_type, parent_id=obj.pk)
    )
    return visible_entries(rows, user).select_related("content_type").order_by("-timestamp", "-pk")


# ---------------------------------------------------------------------------
# Showing a change
# ---------------------------------------------------------------------------

NOTHING = "—"


def _iso_date(text: str) -> str:
    try:
        return formats.date_format(datetime.date.fromisoformat(text[:10]), "SHORT_DATE_FORMAT")
    except ValueError:
        return text


def _iso_datetime(text: str) -> str:
    # auditlog keeps instants as naive UTC text.
    try:
        moment = datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.UTC)
    except ValueError:
        return text
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


class ValueNames:
    """Shows the values auditlog keeps (text) as a person reads them: choices by their
    label, dates dd/mm/yyyy, a related row by its name when ``user`` may see it
    (else its number), memoised for one page."""

    def __init__(self, user):
        self.user = user
        self.names: dict[tuple[type[models.Model], str], str] = {}

    def related(self, model: type[models.Model], pk: str) -> str:
        key = (model, pk)
        if key not in self.names:
            try:
                found = scope_queryset(model._base_manager.filter(pk=pk), self.user).first()
            except (ValueError, TypeError):
                found = None
            self.names[key] = str(found) if found is not None else f"#{pk}"
        return self.names[key]

    def value(self, field: models.Field | None, text) -> str:
        if text is None or text == "None" or text == "":
            return NOTHING
        text = str(text)
        if field is None:
            return text
        if getattr(field, "choices", None):
            return str(dict(field.flatchoices).get(text, text))
        if field.is_relation and field.related_model is not None:
            return self.related(field.related_model, text)
        if isinstance(field, models.DateTimeField):
            return _iso_datetime(text)
        if isinstance(field, models.DateField):
            return _iso_date(text)
        if isinstance(field, models.DecimalField):
            try:
                return str(Decimal(text).quantize(Decimal(1).scaleb(-field.decimal_places)))
            except (InvalidOperation, ValueError):
                return text
        if isinstance(field, models.BooleanField):
            return {"True": "yes", "False": "no"}.get(text, text)
        return text

    def changes(self, entry) -> list[tuple[str, str, str]]:
        """``(field, before, after)`` for each field ``entry`` changed."""
        model = entry.content_type.model_class()
        order = {f.name: i for i, f in enumerate(model._meta.concrete_fields)} if model is not None else {}
        rows = []
        for name, values in sorted((entry.changes or {}).items(), key=lambda item: order.get(item[0], len(order))):
            before, after = (list(values) + [None, None])[:2] if isinstance(values, list | tuple) else (None, values)
            try:
                model_field = model._meta.get_field(name) if model is not None else None
            except FieldDoesNotExist:
                model_field = None
            label = str(getattr(model_field, "verbose_name", name))
            rows.append((label, self.value(model_field, before), self.value(model_field, after)))
        return rows


# ---------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------

# The request a change log page is answering: its cells name related records only
# when the person may see them. Set while the page is made (rendered included).
_answering: ContextVar = ContextVar("change_log_request", default=None)


def _rendered_for(request, view):
    token = _answering.set(request)
    try:
        response = view()
        if getattr(response, "is_rendered", True) is False:
            response.render()
        return response
    finally:
        _answering.reset(token)


def _when(entry: ChangeLogEntry) -> str:
    return formats.date_format(timezone.localtime(entry.timestamp), "SHORT_DATETIME_FORMAT")


def _record_url(request, entry: ChangeLogEntry) -> str:
    """The page of the record ``entry`` logs, for whoever may view its kind; "" when
    it is gone."""
    opts = entry.content_type.model_class()._meta if entry.content_type.model_class() else None
    if opts is None or entry.action == ChangeLogEntry.Action.DELETE or entry.object_id is None:
        return ""
    if not request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
        return ""
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[entry.object_id])
    except NoReverseMatch:
        return ""


def _changes(entry: ChangeLogEntry, names: ValueNames) -> list[str]:
    """Each field's change as a line: "flagfall: 0.1000 → 0.1500" (an addition: its
    values; a deletion: nothing, the record's name says what went)."""
    rows = names.changes(entry)
    if entry.action == ChangeLogEntry.Action.CREATE:
        return [f"{field}: {after}" for field, _before, after in rows if after != NOTHING]
    if entry.action == ChangeLogEntry.Action.DELETE:
        return []
    return [f"{field}: {before} {ARROW} {after}" for field, before, after in rows]


def _names(request) -> ValueNames:
    """One memo of related records' names per request (a list shows many rows)."""
    names = getattr(request, "_change_log_names", None)
    if names is None:
        names = request._change_log_names = ValueNames(request.user)
    return names


# ---------------------------------------------------------------------------
# The list's filters
# ---------------------------------------------------------------------------


def _label(content_type: ContentType) -> str:
    model = content_type.model_class()
    return str(model._meta.verbose_name_plural).capitalize() if model else content_type.model


class KindFilter(admin.SimpleListFilter):
    """The kinds of record tracked that the person may view."""

    title = "kind of record"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        types = ContentType.objects.filter(pk__in=model_admin.viewable_types(request))
        return sorted(((f"{t.app_label}.{t.model}", _label(t)) for t in types), key=lambda choice: choice[1])

    def queryset(self, request, queryset):
        if not self.value() or "." not in self.value():
            return queryset
        app_label, model = self.value().split(".", 1)
        return queryset.filter(content_type__app_label=app_label, content_type__model=model)


class RecordFilter(admin.SimpleListFilter):
    """One record's changes and those shown on its page (its panel's "all changes"
    link): ``record=<app_label>.<model>:<id>``. Offered only when set."""

    title = "record"
    parameter_name = "record"

    def _parsed(self):
        value = self.value() or ""
        kind, _, pk = value.rpartition(":")
        app_label, _, model = kind.partition(".")
        if not (app_label and model and pk.isdigit()):
            return None
        content_type = ContentType.objects.filter(app_label=app_label, model=model).first()
        return (content_type, int(pk)) if content_type else None

    def lookups(self, request, model_admin):
        parsed = self._parsed()
        if parsed is None:
            return []
        content_type, pk = parsed
        return [(self.value(), f"{_label(content_type)} #{pk}")]

    def queryset(self, request, queryset):
        parsed = self._parsed()
        if parsed is None:
            return queryset
        content_type, pk = parsed
        return queryset.filter(
            Q(content_type=content_type, object_id=pk) | Q(parent_content_type=content_type, parent_id=pk)
        )


class ActionFilter(admin.SimpleListFilter):
    title = "action"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return [(str(value), label) for value, label in ACTIONS.items()]

    def queryset(self, request, queryset):
        if self.value() in {str(value) for value in ACTIONS}:
            return queryset.filter(action=int(self.value()))
        return queryset


class ChangedOnFilter(RangeDateFilter):
    """From and to dates (inclusive, in the server's time zone) of an instant."""

    def queryset(self, request, queryset):
        filters = {}
        for suffix, lookup in (("from", "gte"), ("to", "lte")):
            value = self.used_parameters.get(f"{self.parameter_name}_{suffix}")
            try:
                # The locale's input formats (dd/mm/yyyy), as the date field shows them:
                # unfold's own parsing reads settings.DATE_INPUT_FORMATS (mm/dd/yyyy first).
                day = forms.DateField().to_python(value) if isinstance(value, str) else None
            except ValidationError:
                day = None
            if day is not None:
                filters[f"{self.field_path}__date__{lookup}"] = day
        return queryset.filter(**filters)


# ---------------------------------------------------------------------------
# The list
# ---------------------------------------------------------------------------


@admin.register(ChangeLogEntry)
class ChangeLogEntryAdmin(ReadOnlyAdminMixin, ProviderScopedAdmin):
    """Change log: who changed a rate, a price, a number's dates or a bill period,
    when, from what to what, and why."""

    list_display = ["when", "what", "record", "provider", "who", "summary", "note_text"]
    list_display_links = ["when"]
    list_filter = [RecordFilter, KindFilter, "provider", ActionFilter, ("timestamp", ChangedOnFilter)]
    list_filter_submit = True  # the date range is applied with the filters' button
    list_select_related = ["content_type", "provider"]
    search_fields = ["object_repr", "actor_name", "note"]
    search_help_text = "Search by record, user or note."
    show_full_result_count = False
    ordering = ["-timestamp", "-pk"]
    fields = ["when", "who", "action_label", "record_link", "kind", "provider", "changes_table", "note", "remote_addr"]
    readonly_fields = fields

    def viewable_types(self, request) -> list[int]:
        cached = getattr(request, "_change_log_types", None)
        if cached is None:
            cached = request._change_log_types = viewable_content_type_ids(request.user)
        return cached

    def get_list_display(self, request):
        # One provider's staff need no provider column (and the list fits the window).
        shown = super().get_list_display(request)
        ids = visible_provider_ids(request.user)
        return [f for f in shown if f != "provider"] if ids is not None and len(ids) <= 1 else shown

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not request.user.is_superuser:
            queryset = queryset.filter(content_type_id__in=self.viewable_types(request))
        return queryset

    def changelist_view(self, request, extra_context=None):
        return _rendered_for(request, lambda: super(ChangeLogEntryAdmin, self).changelist_view(request, extra_context))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return _rendered_for(
            request,
            lambda: super(ChangeLogEntryAdmin, self).changeform_view(request, object_id, form_url, extra_context),
        )

    @admin.display(description="when", ordering="timestamp")
    def when(self, obj: ChangeLogEntry) -> str:
        return _when(obj)

    @admin.display(description="user", ordering="actor_name")
    def who(self, obj: ChangeLogEntry) -> str:
        return obj.who

    @admin.display(description="action", ordering="action")
    def action_label(self, obj: ChangeLogEntry) -> str:
        return obj.action_label

    @admin.display(description="what")
    def what(self, obj: ChangeLogEntry) -> str:
        return f"{self.kind(obj)} {self.action_label(obj)}"

    @admin.display(description="kind")
    def kind(self, obj: ChangeLogEntry) -> str:
        model = obj.content_type.model_class()
        return str(model._meta.verbose_name).capitalize() if model else obj.content_type.model

    @admin.display(description="record")
    def record(self, obj: ChangeLogEntry) -> str:
        request = _request_of(self)
        url = _record_url(request, obj) if request is not None else ""
        if url:
            return format_html('<a href="{}" title="{}" class="ssaas-clip">{}</a>', url, *[obj.object_repr] * 2)
        return clipped(obj.object_repr)

    @admin.display(description="record")
    def record_link(self, obj: ChangeLogEntry) -> str:
        request = _request_of(self)
        url = _record_url(request, obj) if request is not None else ""
        return format_html('<a href="{}">{}</a>', url, obj.object_repr) if url else obj.object_repr

    @admin.display(description="changes")
    def summary(self, obj: ChangeLogEntry) -> str:
        request = _request_of(self)
        lines = _changes(obj, _names(request)) if request is not None else []
        text = "; ".join(lines)
        return clipped(text, width="wide") if text else "—"

    @admin.display(description="note")
    def note_text(self, obj: ChangeLogEntry) -> str:
        return clipped(obj.note)

    @admin.display(description="changes")
    def changes_table(self, obj: ChangeLogEntry) -> str:
        request = _request_of(self)
        rows = _names(request).changes(obj) if request is not None else []
        if not rows:
            return "—"
        return format_html(
            '<table class="ssaas-change-table"><thead><tr><th>field</th><th>before</th><th>after</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )


def _request_of(model_admin):
    """The request the change log's list or page is answering (see ``_answering``)."""
    return _answering.get()


# ---------------------------------------------------------------------------
# The panel on a tracked record's page
# ---------------------------------------------------------------------------


def _record_key(obj) -> str:
    opts = obj._meta.concrete_model._meta
    return f"{opts.app_label}.{opts.model_name}:{obj.pk}"


def change_log_panel(request, obj, limit: int) -> dict:
    """The latest ``limit`` changes of ``obj`` (and of the rows on its page) that the
    person may read, as unfold's table component takes them, and a link to all."""
    rows = changes_of(obj, request.user)
    entries = list(rows[:limit])
    total = rows.count() if len(entries) == limit else len(entries)
    names = ValueNames(request.user)
    own_type = ContentType.objects.get_for_model(obj)
    table_rows = []
    for entry in entries:
        action = entry.action_label
        if entry.content_type_id == own_type.pk and entry.object_id == obj.pk:
            what = action.capitalize()
        else:
            kind = entry.content_type.model_class()._meta.verbose_name if entry.content_type.model_class() else ""
            what = format_html("{} {} <em>{}</em>", action.capitalize(), kind, entry.object_repr)
        lines = _changes(entry, names)
        listed = format_html_join("", "<div>{}</div>", ((line,) for line in lines))
        changes = format_html('<div class="ssaas-change-lines">{}</div>', listed) if lines else "—"
        note = format_html('<div class="ssaas-change-lines">{}</div>', entry.note) if entry.note else "—"
        table_rows.append([_when(entry), entry.who, what, changes, note])
    footer = ""
    if total:
        url = f"{reverse('admin:providers_changelogentry_changelist')}?record={_record_key(obj)}"
        if total > len(entries):
            shown = f"The latest {len(entries)} of {total} changes"
        else:
            shown = "1 change" if total == 1 else f"{total} changes"
        footer = format_html(
            '<span>{} &middot; <a href="{}" class="text-primary-600">all in the change log</a></span>', shown, url
        )
    return {
        "table": {"headers": ["when", "user", "what", "before → after", "note"], "rows": table_rows},
        "footer": footer,
        "total": total,
    }


class ChangeLogPanelMixin:
    """A "Changes" panel below the form of a record the change log tracks: who
    changed it (or a row on its page), when, before → after, and the note. For
    whoever may read the change log; rows scoped as in the list."""

    change_form_outer_after_template = "admin/change_log_panel.html"
    change_log_panel_rows = 20

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None and request.user.has_perm(VIEW_PERMISSION):
            context["change_log"] = change_log_panel(request, obj, self.change_log_panel_rows)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)
