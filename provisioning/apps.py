from django.apps import AppConfig


class ProvisioningConfig(AppConfig):
    name = "provisioning"
    verbose_name = "Services and provisioning"

    def ready(self) -> None:
        from providers.changelog import track

        from .models import (
            FeatureProduct,
            HostedNumberRange,
            PlanProductPrice,
            PlanRate,
            Service,
            ServiceFeature,
            ServiceIdentifier,
            ServicePlan,
        )

        # The change log (providers/changelog.py): what decides a charge. A rate's and
        # a plan price's changes are shown on their plan's page too, an identifier's
        # and a feature's on their service's.
        track(ServicePlan)
        track(PlanRate, parent="plan")
        track(PlanProductPrice, parent="plan")
        track(FeatureProduct)
        track(Service, exclude=["created_at", "updated_at"])
        for identifiers in (ServiceIdentifier, HostedNumberRange):
            # The number ends are the value's, in another form.
            track(identifiers, parent="service", exclude=["number_first", "number_last"])
        track(ServiceFeature, parent="service", exclude=["activated_by", "activated_at"])
