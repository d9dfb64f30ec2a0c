from usage.billing.models import Adjustment, BillRun, BillRunInvoice, BillRunLine
from usage.carrier_files.layouts import Layout, LayoutField, ProviderLayout
from usage.carrier_files.models import CARRIER_FILE_NAME, CarrierFile, RejectedLine, money_text
from usage.coce.models import CoceFile, OtherCharge, OtherChargeException
from usage.collection.models import CollectionLock, CollectionRun, ProviderCollection
from usage.ctop.models import QuarantineAction, QuarantinedRecord, UsageRecord
from usage.jobs.models import Job
from usage.reconciliation.broadworks_models import BroadWorksItem, BroadWorksReport
from usage.reconciliation.models import Reconciliation, ReconciliationNote

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
    "Job",
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
