# A job's live percentage is in the progress store (ssaas/common/progress.py).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("usage", "0017_billrunline_unchecked_references"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="job",
            name="usage_job_progress_percent",
        ),
        migrations.RemoveField(
            model_name="job",
            name="progress",
        ),
    ]
