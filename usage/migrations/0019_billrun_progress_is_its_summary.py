# A bill run's progress while it runs is in the progress store (ssaas/common/progress.py);
# the column keeps the done run's sentence ("Done: 3 invoices, …"), and nothing else.

from django.db import migrations


def forget_stages(apps, schema_editor):
    apps.get_model("usage", "BillRun").objects.exclude(status="done").update(summary="")


class Migration(migrations.Migration):
    dependencies = [
        ("usage", "0018_job_progress_in_the_progress_store"),
    ]

    operations = [
        migrations.RenameField(model_name="billrun", old_name="progress", new_name="summary"),
        migrations.RunPython(forget_stages, migrations.RunPython.noop),
    ]
