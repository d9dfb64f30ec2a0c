from django.core.management.base import BaseCommand
from django.db import transaction

from providers.models import Provider
from ssaas.common import secrets


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored FTP password with the first key of FIELD_ENCRYPTION_KEYS, "
        "so that older keys can then be removed."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        rotated = 0
        for provider in Provider.objects.select_for_update().exclude(ftp_password_encrypted=""):
            provider.ftp_password_encrypted = secrets.rotate(provider.ftp_password_encrypted)
            provider.save(update_fields=["ftp_password_encrypted"])
            rotated += 1
        self.stdout.write(f"Re-encrypted {rotated} FTP password(s) with the newest key.")
