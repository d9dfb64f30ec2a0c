from usage.models.billing import Adjustment, BillRun, BillRunInvoice, BillRunLine
from usage.models.broadworks import BroadWorksItem, BroadWorksReport
from usage.models.charges import CoceFile, OtherCharge, OtherChargeException
from usage.models.collection import CollectionLock, CollectionRun, ProviderCollection
from usage.models.files import CARRIER_FILE_NAME, CarrierFile, RejectedLine, money_text
from usage.models.layouts import Layout, LayoutField, ProviderLayout
from usage.models.reconciliation import Reconciliation, ReconciliationNote
from usage.models.records import QuarantineAction, QuarantinedRecord, UsageRecord

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
