from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from fixboard.accounts.admin_scope import ScopedAdmin
from fixboard.core.admin_writes import DomainConfigAdmin, DomainForm

from . import actions
from .models import Subscription, WebhookDelivery


def masked(secret: str) -> str:
    """A secret as the admin shows it back: its last four characters."""
    return f"…{secret[-4:]}" if secret else ""


def show_once(request, sub: Subscription, secret: str) -> None:
    messages.warning(
        request,
        gettext(
            "The signing secret of %(name)s is %(secret)s. Copy it now into the receiving "
            "system: it will not be shown again."
        )
        % {"name": sub.name, "secret": secret},
    )


class SubscriptionForm(DomainForm):
    check = staticmethod(actions.check_subscription)
    fields_of_check = actions.SUBSCRIPTION_FIELDS
    instance_name = "subscription"

    kinds = forms.MultipleChoiceField(
        label=_("events"), choices=Subscription.Kind.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Subscription
        fields = list(actions.SUBSCRIPTION_FIELDS)


@admin.register(Subscription)
class SubscriptionAdmin(ScopedAdmin, DomainConfigAdmin, admin.ModelAdmin):
    """Integrators' endpoints: which public request events each receives, signed; its
    deliveries refer to it."""

    form = SubscriptionForm
    domain_save = staticmethod(actions.save_subscription)
    fixed_after_add = ("jurisdiction", "secret_ends")
    list_display = ["name", "jurisdiction", "target_url", "events", "secret_ends", "active"]
    list_filter = ["jurisdiction", "active"]
    search_fields = ["name", "target_url"]
    list_select_related = ["jurisdiction"]
    filter_horizontal = ["service_types", "areas"]
    actions = ["issue_new_secret"]

    @admin.display(description=_("events"))
    def events(self, obj):
        return ", ".join(str(Subscription.Kind(k).label) for k in obj.kinds)

    @admin.display(description=_("signing secret"))
    def secret_ends(self, obj):
        return masked(obj.secret)

    def save_through_domain(self, request, form, formsets, change):
        sub = super().save_through_domain(request, form, formsets, change)
        if not change:
            show_once(request, sub, sub.secret)
        return sub

    @admin.action(description=_("Issue a new signing secret (the old one stops working)"))
    def issue_new_secret(self, request, queryset):
        for sub in queryset:
            show_once(request, sub, actions.rotate_secret(actor=request.user, subscription=sub))


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ScopedAdmin, admin.ModelAdmin):
    """The webhooks' outbox: what waits, what went, what was given up and why."""

    scope_paths = ("subscription__jurisdiction",)
    list_display = [
        "delivery_id",
        "subscription",
        "kind",
        "state",
        "attempts",
        "last_status",
        "next_attempt_at",
        "last_error",
        "created_at",
    ]
    # Only the subscriptions of the rows listed: a plain filter names every city's.
    list_filter = ["state", "kind", ("subscription", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["=delivery_id", "=event__request__public_id"]
    list_select_related = ["subscription"]
    actions = ["retry_selected"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False  # events enter it through their subscriptions

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send the selected given-up deliveries again"))
    def retry_selected(self, request, queryset):
        count = sum(actions.retry_delivery(delivery=d, actor=request.user) for d in queryset)
        self.message_user(
            request,
            ngettext(
                "%(n)d delivery will be sent again.", "%(n)d deliveries will be sent again.", count
            )
            % {"n": count},
            messages.SUCCESS if count else messages.WARNING,
        )
