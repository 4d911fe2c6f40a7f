from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "fixboard.catalog"
    label = "catalog"
    verbose_name = _("Catalog")

    def ready(self):
        from fixboard.core.snapshots import watch_configuration

        from .models import (
            AttributeDefinition,
            AutomationRule,
            Department,
            RoutingRule,
            ServiceType,
        )

        # Every process caches them (core.snapshots): a change anywhere must reach it.
        watch_configuration(
            Department, ServiceType, AttributeDefinition, RoutingRule, AutomationRule
        )
