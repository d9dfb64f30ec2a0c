"""The provisioning models, one module per concept, re-exported here so that
``from provisioning.models import Service`` keeps working."""

from .inventory import (
    NUMBER_KINDS,
    FeatureProduct,
    HostedNumberRange,
    PlanProductPrice,
    PlanRate,
    Service,
    ServiceFeature,
    ServiceFeatureChange,
    ServiceIdentifier,
    ServicePlan,
    overlapping_dates,
)
from .orders import (
    OPEN_STATES,
    Order,
    OrderEvent,
    OrderFeature,
    OrderIdentifier,
    OrderQuerySet,
)

__all__ = [
    "NUMBER_KINDS",
    "OPEN_STATES",
    "Order",
    "OrderEvent",
    "OrderFeature",
    "OrderIdentifier",
    "OrderQuerySet",
    "FeatureProduct",
    "HostedNumberRange",
    "PlanProductPrice",
    "PlanRate",
    "Service",
    "ServiceFeature",
    "ServiceFeatureChange",
    "ServiceIdentifier",
    "ServicePlan",
    "overlapping_dates",
]
