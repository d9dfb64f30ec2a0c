from .broadworks import BroadWorksItem, BroadWorksReport
from .charges import CoceFile, OtherCharge, OtherChargeException
from .files import CARRIER_FILE_NAME, CarrierFile, RejectedLine, money_text
from .layouts import Layout, LayoutField, ProviderLayout
from .reconciliation import Reconciliation, ReconciliationNote
from .records import QuarantineAction, QuarantinedRecord, UsageRecord

__all__ = [
    "CARRIER_FILE_NAME",
    "BroadWorksItem",
    "BroadWorksReport",
    "CarrierFile",
    "CoceFile",
    "Layout",
    "LayoutField",
    "OtherCharge",
    "OtherChargeException",
    "ProviderLayout",
    "QuarantineAction",
    "QuarantinedRecord",
    "Reconciliation",
    "ReconciliationNote",
    "RejectedLine",
    "UsageRecord",
    "money_text",
]
