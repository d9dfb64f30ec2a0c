"""A username@realm identifier whose username is a number is stored with the number
in its national form (``+61290005000@realm`` → ``0290005000@realm``), as usage
records are now read: re-normalise the identifiers stored before."""

import re

from django.db import migrations

_NON_DIGITS = re.compile(r"[\s\-().]")


def _number(raw: str) -> str | None:
    # provisioning.normalise.normalise_number as of this migration
    text = _NON_DIGITS.sub("", raw.strip())
    if text.startswith("+"):
        text = text[1:]
        if text.startswith("61"):
            text = "0" + text[2:]
    elif len(text) == 11 and text.startswith("61"):
        text = "0" + text[2:]
    if not text.isdigit() or not 3 <= len(text) <= 15:
        return None
    return text


def renormalise(apps, schema_editor):
    ServiceIdentifier = apps.get_model("provisioning", "ServiceIdentifier")
    for identifier in ServiceIdentifier.objects.filter(kind="username_realm").iterator():
        user, at, realm = identifier.value.partition("@")
        if not at or user[:1] not in "+0123456789(":
            continue
        number = _number(user)
        if number and number != user:
            identifier.value = f"{number}@{realm}"
            identifier.save(update_fields=["value"])


class Migration(migrations.Migration):
    dependencies = [("provisioning", "0005_service_feature_changes")]

    operations = [migrations.RunPython(renormalise, migrations.RunPython.noop)]
