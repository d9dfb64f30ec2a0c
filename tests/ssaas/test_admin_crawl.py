"""Scoping by construction, and a hostile crawl of the whole admin.

Both are built from the admin registry: a new admin (or a new custom view, action
or autocomplete field) is checked and crawled without touching this module.

The crawl logs in as each scoped role of Coastal Comms and aims every admin URL
at the other providers' objects, with every form an id can take in a URL. Every
text field of every other provider's row carries MARKER; no response may show
it, no request may answer 500, and no other provider's row may change.

Every admin URL naming an object is also given ids no row can have (``_31``,
``1x``, ``abc``, ``-1``, a number past the column): a 404, as the superuser and
as each role.
"""

from __future__ import annotations

import datetime
import itertools
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import IS_POPUP_VAR
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.test import Client, RequestFactory
from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse
from django.utils import timezone

from providers.models import BillPeriod, Provider, StaffMembership
from providers.scoping import (
    ProviderScopedAdmin,
    ProviderScopedInline,
    is_provider_owned,
    scoping_problems,
)
from provisioning.admin.features import FEATURE_OPERATIONS
from provisioning.models import ServiceFeature, ServiceFeatureChange
from provisioning.workflow import ORDER_ACTIONS
from ssaas.roles import BILLING_STAFF, PROVIDER_ADMINISTRATORS, PROVISIONING_STAFF
from tests import setups
from tests.billing import close_period
from tests.ssaas import admin_world
from usage.billing.models import BillRun
from usage.billing.services import adjustment_add
from usage.carrier_files.layouts import Layout, ProviderLayout
from usage.carrier_files.models import CarrierFile, RejectedLine
from usage.collection.models import CollectionRun, ProviderCollection
from usage.ctop.models import QuarantineAction
from usage.jobs.models import Job
from usage.reconciliation.models import ReconciliationNote

pytestmark = pytest.mark.slow  # three roles' crawls of a thousand requests each

MARKER = "QZFOREIGNZQ"
SEARCH = MARKER[2:-2]  # finds the marked rows; a page echoing the search shows no MARKER

# Values for the named parts of custom admin URLs other than ids. A custom view
# with a parameter not listed here fails the crawl until it is added.
PARAMETER_VALUES = {
    "period": ["2026-10", "2026-11"],
    "action": sorted(ORDER_ACTIONS),
    "operation": sorted(FEATURE_OPERATIONS),
    # Onboarding task ids live in the uploader's session: another session's id is unknown here.
    "task_id": ["0123456789abcdef0123456789abcdef"],
    "kind": ["xero", "calls", "summary"],
}
OBJECT_PARAMETERS = {"object_id", "pk", "id"}
PROVIDER_PARAMETERS = {"provider_id"}
# Parameters naming another model's row: crawled with that model's foreign rows.
RELATED_PARAMETERS = {"period_id": BillPeriod, "run_id": BillRun}


def _id_forms(pk) -> list[str]:
    """Every way an id can be written in an admin URL that Django still resolves."""
    return sorted({str(pk), f"+{pk}", f"%20{pk}", quote(str(pk)), f"{pk}%20"})


def _registered():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


# ---------------------------------------------------------------------------
# Scoping by construction
# ---------------------------------------------------------------------------


def test_every_provider_owned_admin_and_inline_is_scoped():
    problems = []
    checked = 0
    for model, model_admin in _registered():
        problems += scoping_problems(model, type(model_admin))
        if is_provider_owned(model):
            checked += 1
            assert isinstance(model_admin, ProviderScopedAdmin), model
        for inline in model_admin.inlines:
            if is_provider_owned(inline.model):
                assert issubclass(inline, ProviderScopedInline), inline
    assert problems == []
    assert checked >= 20  # every provider-owned model of the product is administered


def test_the_admin_site_refuses_an_unscoped_provider_owned_admin():
    from ssaas.admin_site import SsaasAdminSite

    site = SsaasAdminSite(name="probe")
    with pytest.raises(ImproperlyConfigured, match="ProviderScopedAdmin"):
        site.register(ReconciliationNote, admin.ModelAdmin)
    with pytest.raises(ImproperlyConfigured, match="ProviderScopedAdmin"):
        site.register(ReconciliationNote)

    class Inline(admin.TabularInline):
        model = ProviderLayout

    class LayoutProbeAdmin(admin.ModelAdmin):
        inlines = [Inline]

    with pytest.raises(ImproperlyConfigured, match="ProviderScopedInline"):
        site.register(Layout, LayoutProbeAdmin)
    site.register(ReconciliationNote, ProviderScopedAdmin)  # the scoped one is fine


# ---------------------------------------------------------------------------
# The hostile crawl
# ---------------------------------------------------------------------------


def _provider_owned_models():
    return [m for m in apps.get_models() if is_provider_owned(m) and not m._meta.proxy]


def _rows(model, provider_ids):
    return model._base_manager.filter(**{f"{model.provider_lookup}__in": provider_ids})


def _provider_of(model, row) -> int:
    """The id of the provider owning ``row`` (through ``model.provider_lookup``)."""
    return model._base_manager.filter(pk=row.pk).values_list(model.provider_lookup, flat=True).get()


def _stamp(model, provider_ids) -> None:
    """MARKER into every free-text field of the given providers' rows."""
    fields = [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField)
        and not isinstance(f, models.FileField)
        and not f.choices
        and (f.max_length is None or f.max_length >= 20)
        and not any(word in f.name for word in ("password", "secret", "encrypted", "sha", "hash"))
    ]
    for row in _rows(model, provider_ids):
        values = {}
        for f in fields:
            value = f"{getattr(row, f.attname) or ''} {MARKER}".strip()
            if f.max_length is None or len(value) <= f.max_length:  # never truncated: keys stay unique
                values[f.attname] = value
        if values:
            model._base_manager.filter(pk=row.pk).update(**values)


def _snapshot(provider_ids) -> dict:
    return {
        model._meta.label: list(_rows(model, provider_ids).order_by("pk").values())
        for model in _provider_owned_models()
    }


def _staff(username: str, provider: Provider, role: str = PROVISIONING_STAFF):
    user = get_user_model().objects.create_user(username=username, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    StaffMembership.objects.create(user=user, provider=provider)
    return user


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the three roles' crawls, inside a transaction rolled back after
    the module (each crawl runs in a savepoint of its own, as in Django's TestCase)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_world()
        transaction.set_rollback(True)


def _build_world():
    """Coastal Comms (own) and the others (foreign), with at least one row of every
    provider-owned model on the foreign side (tests/ssaas/admin_world.py)."""
    built = admin_world.build()
    harbour = built.harbour.provider
    own = built.coastal.provider
    foreign_user = _staff("hv-someone", harbour)
    feature = ServiceFeature.objects.filter(service__provider=harbour).first()
    ServiceFeatureChange.objects.create(
        feature=feature, action="activate", effective_date=datetime.date(2026, 10, 1), note="note", acting_user=None
    )
    ProviderLayout.objects.create(provider=harbour, kind="ctop", layout=Layout.objects.filter(kind="ctop").first())
    RejectedLine.objects.create(
        carrier_file=CarrierFile.objects.filter(provider=harbour).first(),
        line_number=2,
        field="record_id",
        reason="a rejected line",
        content="JUNK line content",
    )
    run = CollectionRun.objects.create(trigger="manual")
    ProviderCollection.objects.create(run=run, provider=harbour, error="collection error text")
    ReconciliationNote.objects.create(
        provider=harbour,
        period_start=datetime.date(2026, 10, 1),
        period_end=datetime.date(2026, 10, 31),
        key="product:1",
        line="a reconciliation line",
        note="a confidential reconciliation note",
        explained_by=foreign_user,
        explained_at=timezone.now(),
    )
    QuarantineAction.objects.create(provider=harbour, kind="cleanse", note="a quarantine note")
    Job.objects.create(
        kind="reconciliation_export",
        provider=harbour,
        requested_by=foreign_user,
        status="failed",
        summary="a job summary",
        error="a job error",
    )
    # Bill runs: prices, a plan's own price, an adjustment and a closed run with its
    # invoices and lines, all on the foreign side.
    setups.harbour_bill_runs(built.harbour, acting_user=built.billing)
    october = BillPeriod.objects.get(provider=harbour, start_date=datetime.date(2026, 10, 1))
    adjustment_add(
        service=feature.service,
        date=datetime.date(2026, 10, 12),
        amount=Decimal("-5.00"),
        reason="an adjustment reason",
        acting_user=foreign_user,
    )
    close_period(period=october, acting_user=foreign_user)
    foreign_ids = list(Provider.objects.exclude(pk=own.pk).values_list("pk", flat=True))
    for model in _provider_owned_models():
        assert _rows(model, foreign_ids).exists(), f"no foreign {model._meta.label} to crawl"
        _stamp(model, foreign_ids)
    # Another provider's people: a page listing users (a form's choices) must not show them.
    foreign_people = (
        get_user_model()
        .objects.filter(provider_memberships__provider_id__in=foreign_ids)
        .exclude(provider_memberships__provider=own)
    )
    assert foreign_people.exists()
    for person in foreign_people:
        get_user_model().objects.filter(pk=person.pk).update(username=f"{person.username} {MARKER}")
    for number, role in enumerate((PROVISIONING_STAFF, BILLING_STAFF, PROVIDER_ADMINISTRATORS)):
        _staff(f"cc-role-{number}", own, role=role)
    return own, foreign_ids


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


class Crawler:
    def __init__(self, client: Client, own: Provider):
        self.client = client
        self.own = own
        self.requests = 0
        self.failures: list[str] = []

    def hit(self, method: str, url: str, data=None) -> None:
        self.requests += 1
        try:
            response = getattr(self.client, method)(url, data or {})
        except Exception as exc:  # noqa: BLE001 - any crash is a finding
            self.failures.append(f"{method.upper()} {url}: {exc.__class__.__name__}: {exc}")
            return
        if response.status_code >= 500:
            self.failures.append(f"{method.upper()} {url}: HTTP {response.status_code}")
        elif MARKER in _body(response):
            self.failures.append(f"{method.upper()} {url}: shows another provider's data")


def _post_data(obj, own: Provider) -> dict:
    """The object's own values, unmarked, with its provider switched to ``own``:
    what a hostile form submission would send to edit or move it."""
    data = {}
    for f in obj._meta.concrete_fields:
        value = getattr(obj, f.attname)
        if value is not None and not f.primary_key:
            data[f.name] = str(value).replace(MARKER, "").strip()
    if "provider" in data:
        data["provider"] = str(own.pk)
    data.update({"_save": "Save", "post": "yes", "apply": "1", "reason": "hostile", "note": "hostile"})
    return data


def _one_lookup(model_admin) -> bool:
    """Whether the admin's change, delete and history pages all find the row through
    ProviderScopedAdmin.get_object, unchanged: Django's change_view, delete_view and
    history_view each call ``self.get_object(request, unquote(object_id))``, and that
    get_object scopes the queryset and parses the id (``5``, ``+5``, `` 5``, ``5 ``)
    with the primary key's ``to_python`` for every admin alike. The other forms of an
    id then need crawling on one of those pages only (the change page, GET and POST)
    to show the parsing opens no foreign row; the plain id is still aimed at every
    page. An admin that overrides get_object, or those views, gets every form on
    every page."""
    ours = type(model_admin).__mro__[: type(model_admin).__mro__.index(ProviderScopedAdmin)]
    return not any(
        name in vars(cls) for cls in ours for name in ("get_object", "change_view", "delete_view", "history_view")
    )


def _custom_urls(model_admin):
    opts = model_admin.model._meta
    standard = {f"{opts.app_label}_{opts.model_name}_{view}" for view in ("changelist", "add", "change", "delete")}
    standard.add(f"{opts.app_label}_{opts.model_name}_history")
    for pattern in model_admin.get_urls():
        name = getattr(pattern, "name", None)
        if name and name not in standard:
            yield pattern


def _crawl_admin(crawler: Crawler, model, model_admin, foreign_ids, rf_request):
    own = crawler.own
    opts = model._meta
    prefix = f"admin:{opts.app_label}_{opts.model_name}"
    foreign = list(model_admin.model._base_manager.filter(**{f"{model.provider_lookup}__in": foreign_ids})[:2])
    changelist = reverse(f"{prefix}_changelist")

    crawler.hit("get", changelist)
    crawler.hit("get", changelist, {"q": SEARCH})
    crawler.hit("get", changelist, {IS_POPUP_VAR: "1", "_to_field": "id"})
    # The provider filter aimed at the provider owning the rows crawled below: the
    # other foreign provider is refused by the same queryset.
    target = _provider_of(model, foreign[0]) if foreign else foreign_ids[0]
    crawler.hit("get", changelist, {f"{model.provider_lookup}__id__exact": target})
    crawler.hit("get", changelist, {f"{model.provider_lookup}__exact": target})
    try:
        add = reverse(f"{prefix}_add")
    except NoReverseMatch:
        add = None
    if add and foreign:
        crawler.hit("get", add)
        data = _post_data(foreign[0], own)
        if "provider" in data:
            data["provider"] = str(foreign_ids[0])
        crawler.hit("post", add, data)

    base = changelist
    # Every view with the plain id; the other forms of the id on the change page
    # only, unless the admin finds its rows its own way (see _one_lookup).
    # One foreign row through every view (the second joins it in the actions below):
    # the views find any row through the same scoped queryset.
    every_form_everywhere = not _one_lookup(model_admin)
    for obj in foreign[:1]:
        for form in _id_forms(obj.pk):
            plain = form == str(obj.pk)
            for view in ("change", "delete", "history"):
                if not (plain or every_form_everywhere or view == "change"):
                    continue
                url = f"{base}{form}/{view}/"
                crawler.hit("get", url)
                if view != "history":
                    crawler.hit("post", url, _post_data(obj, own))
            if plain or every_form_everywhere:
                crawler.hit("get", f"{base}{form}/")

    # Actions on foreign rows, asked and confirmed.
    for action in model_admin.get_actions(rf_request):
        data = {"action": action, "_selected_action": [str(o.pk) for o in foreign], "index": "0"}
        crawler.hit("post", changelist, data)
        crawler.hit("post", changelist, {**data, "post": "yes", "apply": "1", "reason": "hostile", "do": action})

    # Custom views with every foreign id and every value of their other parameters.
    for pattern in _custom_urls(model_admin):
        names = list(pattern.pattern.converters)
        unknown = [
            n
            for n in names
            if n not in PARAMETER_VALUES | RELATED_PARAMETERS | dict.fromkeys(OBJECT_PARAMETERS | PROVIDER_PARAMETERS)
        ]
        assert not unknown, f"{pattern.name}: add values for {unknown} to PARAMETER_VALUES"
        choices: list[dict] = [{}]
        for name in names:
            if name in OBJECT_PARAMETERS:
                values = [o.pk for o in foreign]
            elif name in PROVIDER_PARAMETERS:
                values = foreign_ids
            elif name in RELATED_PARAMETERS:
                values = list(_rows(RELATED_PARAMETERS[name], foreign_ids).values_list("pk", flat=True))
            else:
                values = PARAMETER_VALUES[name]
            choices = [{**c, name: v} for c in choices for v in values]
        for number, kwargs in enumerate(choices):
            url = reverse(f"admin:{pattern.name}", kwargs=kwargs)
            crawler.hit("get", url)
            crawler.hit("post", url, {**_post_data(foreign[0], own), "group": [f"{foreign_ids[0]}|x|y"]})
            if number:
                continue  # every form of an id: on the view's first URL (parsed alike on the rest)
            for name in set(kwargs) & OBJECT_PARAMETERS:
                for form in _id_forms(kwargs[name]):
                    crawler.hit("get", url.replace(f"/{kwargs[name]}/", f"/{form}/", 1))

    # Autocomplete of every field this admin (and its inlines) offers.
    fields = [(model, f) for f in model_admin.autocomplete_fields]
    for inline in model_admin.inlines:
        fields += [(inline.model, f) for f in inline.autocomplete_fields]
    for source, field in fields:
        for term in ("", SEARCH, "a"):
            crawler.hit(
                "get",
                reverse("admin:autocomplete"),
                {
                    "app_label": source._meta.app_label,
                    "model_name": source._meta.model_name,
                    "field_name": field,
                    "term": term,
                },
            )


@pytest.mark.parametrize("role", [PROVISIONING_STAFF, BILLING_STAFF, PROVIDER_ADMINISTRATORS])
def test_hostile_crawl_finds_no_foreign_data_and_changes_nothing(world, db, role):
    own, foreign_ids = world
    user = StaffMembership.objects.get(provider=own, user__groups__name=role).user
    client = Client()
    client.force_login(user)
    crawler = Crawler(client, own)
    rf_request = RequestFactory().get("/admin/")
    rf_request.user = user
    before = _snapshot(foreign_ids)

    crawler.hit("get", reverse("admin:index"))
    for model, model_admin in _registered():
        if is_provider_owned(model):
            _crawl_admin(crawler, model, model_admin, foreign_ids, rf_request)
        else:
            # Shared rows (layouts, users …) may carry provider-owned inlines.
            changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            crawler.hit("get", changelist)
            for obj in model._base_manager.all()[:5]:
                crawler.hit("get", f"{changelist}{quote(str(obj.pk))}/change/")

    assert crawler.failures == [], "\n".join(crawler.failures[:50])
    assert _snapshot(foreign_ids) == before
    assert crawler.requests > 500
    print(f"{role}: {crawler.requests} requests")  # shown with -s


# ---------------------------------------------------------------------------
# Malformed ids: a 404, never a 500
# ---------------------------------------------------------------------------

# Ids no row can have: not a whole number, below 1, past what the column holds.
MALFORMED_IDS = ["_31", "1x", "abc", "-1", "99999999999999999999999"]
ID_PARAMETERS = OBJECT_PARAMETERS | PROVIDER_PARAMETERS | set(RELATED_PARAMETERS) | {"content_type_id"}
_CONVERTER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def _admin_routes():
    """Every URL pattern of the admin (the site's own and each registered admin's,
    its custom views included) taking an id: (route, model administered or None)."""
    admins = {f"{m._meta.app_label}/{m._meta.model_name}/": m for m in admin.site._registry}

    def walk(patterns, prefix, model):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route, model or admins.get(str(pattern.pattern)))
            elif set(getattr(pattern.pattern, "converters", {})) & ID_PARAMETERS:
                yield route, model

    resolver = next(p for p in get_resolver().url_patterns if str(p.pattern) == "admin/")
    yield from walk(resolver.url_patterns, "/admin/", None)


def _malformed_urls(valid: dict) -> list[tuple[str, object]]:
    """Each admin URL taking an id, with each malformed id in each id's place (the
    other parameters valid: ``valid`` by name, else PARAMETER_VALUES' first)."""
    urls = []
    for route, model in _admin_routes():
        names = [m["name"] for m in _CONVERTER.finditer(route)]
        for target in (n for n in names if n in ID_PARAMETERS):
            for bad in MALFORMED_IDS:
                values = {n: bad if n == target else valid.get(n) or PARAMETER_VALUES[n][0] for n in names}
                urls.append((_CONVERTER.sub(lambda m, values=values: str(values[m["name"]]), route), model))
    return urls


@pytest.mark.parametrize("role", ["superuser", PROVISIONING_STAFF, BILLING_STAFF, PROVIDER_ADMINISTRATORS])
def test_malformed_ids_answer_404_on_every_admin_url(world, db, role):
    """``/admin/usage/billrun/_31/change/`` once answered 500 (the id reached a
    query). Every admin URL that names an object (change, delete, history, the
    custom views: bill run downloads, period pages, reconciliations, feature
    operations, order actions, jobs …) answers 404 for an id no row can have, as
    the superuser and as each scoped role."""
    own, _foreign_ids = world
    if role == "superuser":
        user = get_user_model().objects.create_superuser("malformed-root", password="pw")
    else:
        user = StaffMembership.objects.get(provider=own, user__groups__name=role).user
    client = Client()
    client.force_login(user)
    valid = {
        "content_type_id": ContentType.objects.get_for_model(Provider).pk,
        "object_id": own.pk,
        "provider_id": own.pk,
        "period_id": BillPeriod.objects.filter(provider=own).values_list("pk", flat=True).first(),
    }
    urls = _malformed_urls(valid)
    assert len(urls) > 500
    wrong = []
    for (url, model), method in itertools.product(urls, ("get", "post")):
        try:
            status = getattr(client, method)(url).status_code
        except Exception as exc:  # noqa: BLE001 - any crash is a finding
            wrong.append(f"{method.upper()} {url}: {exc.__class__.__name__}: {exc}")
            continue
        # A text primary key (django-q's tasks) takes any of these as an id: its
        # views answer as for any task that does not exist (Django's redirect, or
        # 403 without the permission), never a 500.
        text_key = model is not None and not isinstance(model._meta.pk, models.IntegerField)
        if status != 404 and not (text_key and status < 500):
            wrong.append(f"{method.upper()} {url}: HTTP {status}")
    assert wrong == [], f"{len(wrong)} of {2 * len(urls)}:\n" + "\n".join(wrong[:60])
