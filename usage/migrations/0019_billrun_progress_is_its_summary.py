# A bill run's progress while it runs is in the progress store (ssaas/common/progress.py);
# the column keeps the done run's sentence ("Done: 3 invoices, …"). Pages show it
# for done runs only (a failed run's was blanked when it failed).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("usage", "0018_job_progress_in_the_progress_store"),
    ]

    operations = [
        migrations.RenameField(model_name="billrun", old_name="progress", new_name="summary"),
    ]
