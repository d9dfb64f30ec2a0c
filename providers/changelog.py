"""The change log: who changed what decides a charge, when, from what to what, and why.

django-auditlog writes one row (``providers.models.ChangeLogEntry``) for every
create, update and delete of the models registered here with :func:`track`:
services, identifiers and ranges, service features, plans, rate cards, plan
product prices, the catalogue, adjustments, bill periods and providers' billing
settings. Each app registers its own models (``AppConfig.ready``).

Who acted comes from one context, :func:`recorded`: the writers
(``provisioning.actions``, ``usage.billing.services``) open it with their
``acting_user`` and their note (``@records_acting_user``), the admin's requests
with the person logged in (:class:`ChangeLogMiddleware`), the onboarding import
and the demo with their own note. With no context (a command, the worker) a row
is the system's: no actor. Contexts nest: an inner one without a user or a note
keeps the outer one's (an order's completion names the order on every row its
writers leave).

Our own context variable rather than auditlog's ``set_actor``: auditlog's sets its
context without a token to reset, so after a nested ``set_actor`` ends, the
outer one (the request's) no longer applies to the rest of the request.

The table is scoped by provider like every other list (``provider_lookup``): each
row takes the provider of the row it logs. Every model tracked is a provider's
(the catalogue is per provider), so no row is global; a row whose provider is
gone (deleted) is shown to superusers only. Hot paths (usage records, quarantine,
carrier files, bill run lines) are never tracked.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import wraps

from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models

# ---------------------------------------------------------------------------
# Who acted, and why
# ---------------------------------------------------------------------------


@dataclass
class _Context:
    actor: object = None  # a user, or None: the system
    note: str = ""
    remote_addr: str | None = None
    parent: _Context | None = None
    entries: list[int] = field(default_factory=list)  # ids of the rows written in it


_current: ContextVar[_Context | None] = ContextVar("ssaas_change_log", default=None)


def _real_user(user):
    """``user`` when it is a saved, logged-in user; otherwise ``None``."""
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        return None
    return user


@contextlib.contextmanager
def recorded(acting_user=None, note: str = "", *, remote_addr: str | None = None) -> Iterator[None]:
    """Every change logged inside is done by ``acting_user`` (``None``: whoever the
    enclosing context names, else the system), with ``note`` (empty: the enclosing
    context's). Also a decorator."""
    outer = _current.get()
    context = _Context(
        actor=_real_user(acting_user) or (outer.actor if outer else None),
        note=note or (outer.note if outer else ""),
        remote_addr=remote_addr or (outer.remote_addr if outer else None),
        parent=outer,
    )
    token = _current.set(context)
    try:
        yield
    finally:
        _current.reset(token)


def records_acting_user(function: Callable) -> Callable:
    """A writer's changes are logged as done by its keyword ``acting_user``, with its
    keyword ``note`` if it takes one."""

    @wraps(function)
    def writer(*args, **kwargs):
        with recorded(kwargs.get("acting_user"), note=kwargs.get("note") or ""):
            return function(*args, **kwargs)

    return writer


class ChangeLogMiddleware:
    """An admin request's changes are logged as done by the person logged in; the
    admin's own change message becomes the note of those without one
    (:func:`note_admin_message`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        context = _Context(actor=getattr(request, "user", None), remote_addr=request.META.get("REMOTE_ADDR") or None)
        token = _current.set(context)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)


def note_admin_message(sender, instance, created, **kwargs) -> None:
    """post_save of the admin's own LogEntry: the message the admin wrote for a
    change ("Changed Flagfall.") is the note of the change log rows that change left
    without a note of their own."""
    context = _current.get()
    if not created or context is None:
        return
    root = context
    while root.parent is not None:
        root = root.parent
    if root.entries:
        from auditlog import get_logentry_model

        message = instance.get_change_message()[:2000]
        get_logentry_model().objects.filter(pk__in=root.entries, note="").update(note=message)


# ---------------------------------------------------------------------------
# What is tracked
# ---------------------------------------------------------------------------

# Model → the field naming the row another page shows this one's changes on (a
# rate's on its plan's page, an identifier's on its service's), or "".
_PARENTS: dict[type[models.Model], str] = {}


def track(model: type[models.Model], *, parent: str = "", include: Iterable[str] = (), exclude: Iterable[str] = ()):
    """Log every create, update and delete of ``model`` (its proxies are tracked as
    the model they are). ``include``: only these fields; ``exclude``: not these."""
    from auditlog.registry import auditlog

    # Only the row's own columns: auditlog would list the reverse relations (a
    # service's identifiers …) and the id of a row added or deleted too.
    exclude = set(exclude)
    fields = list(include) or [
        f.name for f in model._meta.concrete_fields if not f.primary_key and f.name not in exclude
    ]
    auditlog.register(model, include_fields=fields)
    _PARENTS[model._meta.concrete_model] = parent


def tracked_models() -> list[type[models.Model]]:
    return sorted(_PARENTS, key=lambda m: m._meta.label)


def _provider_id(instance: models.Model) -> int | None:
    """The provider of ``instance``, through its model's ``provider_lookup``."""
    *path, last = type(instance).provider_lookup.split("__")
    obj = instance
    try:
        for name in path:
            obj = getattr(obj, name)
            if obj is None:
                return None
    except ObjectDoesNotExist:
        return None
    return obj.pk if last in ("id", "pk") else getattr(obj, f"{last}_id")


def _name(instance: models.Model) -> str:
    """``str(instance)``, or its kind and id when that fails: a change is never
    refused because its description cannot be made (a price assigned as text, not
    yet a Decimal, breaks a ``__str__`` formatting it)."""
    try:
        return str(instance)
    except Exception:  # noqa: BLE001 - any failure of a __str__
        return f"{instance._meta.verbose_name} #{instance.pk}"


def entry_values(instance: models.Model) -> dict:
    """The change log's own fields of a row logging ``instance`` (the manager's
    ``log_create`` adds them to auditlog's)."""
    from django.contrib.contenttypes.models import ContentType

    context = _current.get()
    actor = _real_user(context.actor) if context else None
    values = {
        "object_repr": _name(instance),
        "provider_id": _provider_id(instance),
        "actor_id": actor.pk if actor else None,
        "actor_email": (getattr(actor, "email", "") or None) if actor else None,
        "actor_name": actor.get_username() if actor else "",
        "note": context.note if context else "",
        "remote_addr": context.remote_addr if context else None,
    }
    parent = _PARENTS.get(instance._meta.concrete_model, "")
    if parent:
        related = instance._meta.get_field(parent).related_model
        values["parent_content_type"] = ContentType.objects.get_for_model(related)
        values["parent_id"] = getattr(instance, f"{parent}_id")
    return values


def _same(field: models.Field, before, after) -> bool:
    """Whether auditlog's texts of a value before and after say the same: a decimal
    typed "0.15" is the "0.1500" stored."""
    if isinstance(field, models.DecimalField):
        try:
            return Decimal(str(before)) == Decimal(str(after))
        except (InvalidOperation, ValueError):
            return False
    return False


def real_changes(instance: models.Model, changes: dict) -> dict:
    """``changes`` (auditlog's ``{field: [before, after]}``) less the fields whose value
    did not change but for its form."""
    kept = {}
    for name, values in changes.items():
        try:
            model_field = instance._meta.get_field(name)
        except FieldDoesNotExist:
            model_field = None
        if model_field is not None and isinstance(values, list | tuple) and len(values) == 2:
            if _same(model_field, *values):
                continue
        kept[name] = values
    return kept


def remember(entry) -> None:
    """``entry`` was written in the current context (the admin's message may note it)."""
    context = _current.get()
    while context is not None:
        context.entries.append(entry.pk)
        context = context.parent
