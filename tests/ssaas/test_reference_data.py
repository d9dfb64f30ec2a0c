"""The role groups, default layouts and collection schedule are kept by post_migrate:
after every migrate and every flush, exactly once, whatever was there before."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django_q.models import Schedule

from ssaas.roles import BILLING_STAFF, ROLE_PERMISSIONS
from usage.carrier_files.layouts import Layout, LayoutField
from usage.collection.schedule import SCHEDULE_FUNC, SCHEDULE_NAME
from usage.default_layouts import LAYOUTS


def after_migrate() -> None:
    """What every ``manage.py migrate`` ends with."""
    emit_post_migrate_signal(0, False, "default")


def held(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def reference_rows() -> tuple:
    return (
        {role: held(role) for role in ROLE_PERMISSIONS},
        sorted(Layout.objects.filter(is_default=True).values_list("name", "kind")),
        LayoutField.objects.count(),
        list(Schedule.objects.values_list("name", "func")),
    )


def assert_reference_data_present() -> None:
    groups, layouts, field_count, schedules = reference_rows()
    assert groups == {role: set(perms) for role, perms in ROLE_PERMISSIONS.items()}
    assert layouts == [("AAPT COCE", "coce"), ("AAPT CTOP v1.8", "ctop")]
    assert field_count == sum(len(fields) for *_, fields in LAYOUTS)
    assert schedules == [(SCHEDULE_NAME, SCHEDULE_FUNC)]


@pytest.mark.django_db(transaction=True)
def test_a_flush_leaves_the_reference_data_for_the_next_transactional_test():
    Group.objects.all().delete()
    Layout.objects.all().delete()
    Schedule.objects.all().delete()

    call_command("flush", interactive=False, verbosity=0)  # as pytest-django does after this test

    assert_reference_data_present()


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_finds_the_role_groups_and_layouts():
    # Runs after the test above emptied and flushed the tables.
    assert_reference_data_present()


@pytest.mark.django_db
def test_running_migrate_again_changes_nothing():
    before = reference_rows()

    after_migrate()
    after_migrate()

    assert reference_rows() == before
    assert_reference_data_present()


@pytest.mark.django_db
def test_a_role_gets_back_exactly_its_permissions():
    group = Group.objects.get(name=BILLING_STAFF)
    group.permissions.add(Permission.objects.get(codename="delete_provider"))
    group.permissions.remove(Permission.objects.get(codename="close_billrun"))

    after_migrate()

    assert held(BILLING_STAFF) == set(ROLE_PERMISSIONS[BILLING_STAFF])


@pytest.mark.django_db
def test_a_schedule_left_with_the_tasks_old_path_is_updated_not_doubled():
    Schedule.objects.update(func="usage.old_tasks.collect_all")

    after_migrate()

    assert list(Schedule.objects.values_list("name", "func")) == [(SCHEDULE_NAME, SCHEDULE_FUNC)]


@pytest.mark.django_db
def test_a_missing_default_layout_comes_back_and_a_corrected_one_stays():
    Layout.objects.get(name="AAPT COCE").delete()
    ctop = Layout.objects.get(name="AAPT CTOP v1.8")
    ctop.fields.filter(name="unused").update(width=200)

    after_migrate()

    coce = Layout.objects.get(name="AAPT COCE")
    assert coce.is_default and coce.missing_fields() == []
    assert ctop.fields.get(name="unused").width == 200


@pytest.mark.django_db
def test_another_default_layout_of_the_kind_stays_the_default():
    Layout.objects.get(name="AAPT CTOP v1.8").delete()
    own = Layout.objects.create(name="Harbour's CTOP", kind="ctop", is_default=True)

    after_migrate()

    assert Layout.objects.get(kind="ctop", is_default=True) == own
    assert Layout.objects.get(name="AAPT CTOP v1.8").missing_fields() == []
