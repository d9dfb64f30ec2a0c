"""The provisioning models, one module per concept, re-exported here so that
``from provisioning.models import Service`` keeps working."""

from .inventory import (
    NUMBER_KINDS,
    FeatureProduct,
    HostedNumberRange,
    HostedNumberRangeManager,
    PlanRate,
    Service,
    ServiceFeature,
    ServiceIdentifier,
    ServicePlan,
    overlapping_dates,
)

__all__ = [
    "NUMBER_KINDS",
    "FeatureProduct",
    "HostedNumberRange",
    "HostedNumberRangeManager",
    "PlanRate",
    "Service",
    "ServiceFeature",
    "ServiceIdentifier",
    "ServicePlan",
    "overlapping_dates",
]
