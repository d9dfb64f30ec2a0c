from .billing import Adjustment, BillRun, BillRunInvoice, BillRunLine
from .broadworks import BroadWorksItem, BroadWorksReport
from .charges import CoceFile, OtherCharge, OtherChargeException
from .collection import CollectionLock, CollectionRun, ProviderCollection
from .files import CARRIER_FILE_NAME, CarrierFile, RejectedLine, money_text
from .layouts import Layout, LayoutField, ProviderLayout
from .reconciliation import Reconciliation, ReconciliationNote
from .records import QuarantineAction, QuarantinedRecord, UsageRecord

__all__ = [
    "Adjustment",
    "BillRun",
    "BillRunInvoice",
    "BillRunLine",
    "CARRIER_FILE_NAME",
    "BroadWorksItem",
    "BroadWorksReport",
    "CarrierFile",
    "CoceFile",
    "CollectionLock",
    "CollectionRun",
    "Layout",
    "LayoutField",
    "OtherCharge",
    "OtherChargeException",
    "ProviderCollection",
    "ProviderLayout",
    "QuarantineAction",
    "QuarantinedRecord",
    "Reconciliation",
    "ReconciliationNote",
    "RejectedLine",
    "UsageRecord",
    "money_text",
]
