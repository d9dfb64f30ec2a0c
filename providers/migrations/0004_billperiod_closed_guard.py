"""A closed bill period never changes, whatever writes it: the database refuses an
UPDATE that moves a closed period's provider, dates or status (reopening it).

``providers.periods`` is the one writer and gives the person the reason; this
trigger is the floor under it, for a ``QuerySet.update()``, a shell or a script.
(Deleting a closed period is refused by the writer and the admin; a trigger on
DELETE would also refuse the test runner's flush on SQLite.)
"""

from django.db import migrations

MESSAGE = "bill period is closed: its provider, dates and status cannot change"

POSTGRESQL = f"""
CREATE FUNCTION providers_billperiod_closed_guard() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'closed' AND (NEW.provider_id, NEW.start_date, NEW.end_date, NEW.status)
            IS DISTINCT FROM (OLD.provider_id, OLD.start_date, OLD.end_date, OLD.status) THEN
        RAISE EXCEPTION '{MESSAGE} (id %)', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER providers_billperiod_closed_guard
    BEFORE UPDATE ON providers_billperiod
    FOR EACH ROW EXECUTE FUNCTION providers_billperiod_closed_guard();
"""
POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS providers_billperiod_closed_guard ON providers_billperiod;
DROP FUNCTION IF EXISTS providers_billperiod_closed_guard();
"""
SQLITE = f"""
CREATE TRIGGER providers_billperiod_closed_guard
BEFORE UPDATE ON providers_billperiod
WHEN OLD.status = 'closed' AND (
    NEW.provider_id IS NOT OLD.provider_id OR NEW.start_date IS NOT OLD.start_date
    OR NEW.end_date IS NOT OLD.end_date OR NEW.status IS NOT OLD.status
)
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS providers_billperiod_closed_guard;"


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)  # no placeholders: % is plpgsql's
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE, params=None)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_DROP)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0003_change_log"),
    ]

    operations = [migrations.RunPython(create, drop)]
