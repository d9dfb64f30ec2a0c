"""Provider scoping: a staff user sees and picks only their providers' objects.

Each scoped model names the path from itself to its provider in
``provider_lookup`` (``"provider"``, ``"service__provider"``, …). The admin
mixins below filter querysets and foreign-key choices with it, so scoping holds
for lists, change pages opened by URL, autocomplete and form submissions alike.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from unfold.admin import ModelAdmin as UnfoldModelAdmin

from .choices import ProviderKindChoices

_CACHE_ATTR = "_ssaas_visible_provider_ids"


def visible_provider_ids(user) -> frozenset[int] | None:
    """Ids of the providers ``user`` may see, or ``None`` for all (superusers).

    A member of a wholesale provider also sees the retail providers buying
    through it. Memoised on the user object for the request.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return None
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    from .models import Provider

    own = set(user.provider_memberships.values_list("provider_id", flat=True))
    retail = Provider.objects.filter(
        wholesale_provider_id__in=own, wholesale_provider__kind=ProviderKindChoices.WHOLESALE
    ).values_list("id", flat=True)
    ids = frozenset(own | set(retail))
    setattr(user, _CACHE_ATTR, ids)
    return ids


def scope_queryset(queryset: models.QuerySet, user) -> models.QuerySet:
    """``queryset`` narrowed to what ``user`` may see (unchanged for unscoped models)."""
    lookup = getattr(queryset.model, "provider_lookup", None)
    if lookup is None:
        return queryset
    ids = visible_provider_ids(user)
    if ids is None:
        return queryset
    return queryset.filter(**{f"{lookup}__in": ids})


def user_may_see_provider(user, provider_id: int | None) -> bool:
    ids = visible_provider_ids(user)
    return ids is None or provider_id in ids


class _ScopedFormfieldsMixin:
    """Restricts every foreign-key and many-to-many choice to visible objects."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scope_queryset(field.queryset, request.user)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scope_queryset(field.queryset, request.user)
        return field


class ProviderScopedAdmin(_ScopedFormfieldsMixin, UnfoldModelAdmin):
    """A ModelAdmin whose rows and choices are limited to the user's providers.

    Every way the admin reaches a row goes through ``scope_queryset``: the list and
    actions (``get_queryset``), the change, delete and history pages and custom views
    (``get_object``, whatever form the id takes in the URL: ``5``, ``+5``, `` 5``),
    foreign-key and many-to-many choices, related-field filters and autocomplete.
    The admin site refuses to register a provider-owned model with any other admin
    (``scoping_problems``)."""

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user)

    def get_object(self, request, object_id, from_field=None):
        # Scoped again here, so that a subclass's own get_queryset cannot open
        # another provider's row to the change, delete or history page.
        queryset = scope_queryset(self.get_queryset(request), request.user)
        model = queryset.model
        field = model._meta.pk if from_field is None else model._meta.get_field(from_field)
        try:
            object_id = field.to_python(object_id)
            return queryset.get(**{field.name: object_id})
        except (model.DoesNotExist, ValidationError, ValueError, TypeError):
            return None

    def get_list_filter(self, request):
        # A plain related-field filter lists every provider's objects by name.
        scoped = []
        for item in super().get_list_filter(request):
            if isinstance(item, str) and "__" not in item:
                try:
                    field = self.model._meta.get_field(item)
                except FieldDoesNotExist:
                    field = None
                if field is not None and field.is_relation and getattr(field.related_model, "provider_lookup", None):
                    item = (item, ScopedRelatedFieldListFilter)
            scoped.append(item)
        return scoped

    def get_search_results(self, request, queryset, search_term):
        # Autocomplete for another model's field goes through here: keep it scoped.
        queryset = scope_queryset(queryset, request.user)
        return super().get_search_results(request, queryset, search_term)


class ProviderScopedInline(_ScopedFormfieldsMixin):
    """Mixin for inlines: their choices are limited to the user's providers too."""

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user)


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A related-field filter listing only the related objects the user may see,
    without scanning the filtered table (unlike ``RelatedOnlyFieldListFilter``)."""

    def field_choices(self, field, request, model_admin):
        queryset = scope_queryset(field.related_model._default_manager.all(), request.user)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in queryset]


def is_provider_owned(model) -> bool:
    return getattr(model, "provider_lookup", None) is not None


def scoping_problems(model, admin_class) -> list[str]:
    """Why ``admin_class`` (for ``model``) would show other providers' rows: a
    provider-owned model needs a ``ProviderScopedAdmin``, and every inline of a
    provider-owned model a ``ProviderScopedInline``, whatever the parent."""
    problems = []
    if is_provider_owned(model) and not issubclass(admin_class, ProviderScopedAdmin):
        problems.append(
            f"{admin_class.__name__} administers the provider-owned {model._meta.label} "
            "but is not a ProviderScopedAdmin (providers/scoping.py)"
        )
    for inline in getattr(admin_class, "inlines", ()):
        if is_provider_owned(inline.model) and not issubclass(inline, ProviderScopedInline):
            problems.append(
                f"{admin_class.__name__}'s inline {inline.__name__} shows the provider-owned "
                f"{inline.model._meta.label} but is not a ProviderScopedInline (providers/scoping.py)"
            )
    return problems
