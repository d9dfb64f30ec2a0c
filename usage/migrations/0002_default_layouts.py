from django.db import migrations


class Migration(migrations.Migration):
    """The default CTOP and COCE layouts."""

    dependencies = [("usage", "0001_initial")]

    # The default layouts are kept by ssaas's post_migrate now (usage/default_layouts.py).
    operations = []
