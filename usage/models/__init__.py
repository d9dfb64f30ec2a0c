from .collection import CollectionLock, CollectionRun, ProviderCollection
from .files import CARRIER_FILE_NAME, CarrierFile, RejectedLine, money_text
from .layouts import Layout, LayoutField, ProviderLayout
from .records import QuarantineAction, QuarantinedRecord, UsageRecord

__all__ = [
    "CARRIER_FILE_NAME",
    "CarrierFile",
    "CollectionLock",
    "CollectionRun",
    "Layout",
    "LayoutField",
    "ProviderCollection",
    "ProviderLayout",
    "QuarantineAction",
    "QuarantinedRecord",
    "RejectedLine",
    "UsageRecord",
    "money_text",
]
