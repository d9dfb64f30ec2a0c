from usage.carrier_files.choices import CarrierFileKindChoices
from usage.coce.ingest import coce_file_summary
from usage.management.commands.ingest_ctop import Command as IngestCommand


class Command(IngestCommand):
    help = (
        "Ingest local COCE files (AAPT's other charges, plain or .gz) for a provider. Prints "
        "one JSON object per file; exits non-zero if any file was rejected."
    )
    kind = CarrierFileKindChoices.COCE

    def summary(self, carrier_file) -> dict:
        return coce_file_summary(carrier_file)
