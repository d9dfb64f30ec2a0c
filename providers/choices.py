from django.db import models


class ProviderKindChoices(models.TextChoices):
    RETAIL = "retail", "Retail (RSP)"
    WHOLESALE = "wholesale", "Wholesale (WSP)"


class ProviderIdentificationMethodChoices(models.TextChoices):
    GROUP_ID = "group_id", "Group ID"
    DISTINCT_USERNAME = "distinct_username", "FNN / hosted number / distinct username"
    CUSTOM_REALM = "custom_realm", "Custom username@realm"


class BillPeriodStatusChoices(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
