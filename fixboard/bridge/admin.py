from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from fixboard.accounts.admin_scope import ScopedAdmin

from . import actions
from .models import CrmPoll, CrmSend


@admin.register(CrmSend)
class CrmSendAdmin(ScopedAdmin, admin.ModelAdmin):
    """The outbox to the cities' CRMs: what waits, what went, what was given up and why."""

    scope_paths = ("endpoint__jurisdiction",)
    list_display = [
        "request",
        "endpoint",
        "state",
        "attempts",
        "external_id",
        "token",
        "next_attempt_at",
        "last_error",
    ]
    # Only the endpoints of the rows listed: a plain filter names every city's.
    list_filter = ["state", ("endpoint", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["=request__public_id", "=external_id", "=token"]
    list_select_related = ["request", "endpoint"]
    actions = ["retry_selected"]
    readonly_fields = [f.name for f in CrmSend._meta.fields]

    def has_add_permission(self, request):
        return False  # requests enter it by their routing rule

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send the selected given-up requests again"))
    def retry_selected(self, request, queryset):
        count = sum(actions.retry_send(send=s, actor=request.user) for s in queryset)
        self.message_user(
            request,
            ngettext(
                "%(n)d request will be sent again.", "%(n)d requests will be sent again.", count
            )
            % {"n": count},
            messages.SUCCESS if count else messages.WARNING,
        )


@admin.register(CrmPoll)
class CrmPollAdmin(ScopedAdmin, admin.ModelAdmin):
    scope_paths = ("endpoint__jurisdiction",)
    list_display = [
        "endpoint",
        "high_water",
        "last_polled_at",
        "next_poll_at",
        "applied",
        "last_error",
    ]
    readonly_fields = [f.name for f in CrmPoll._meta.fields]

    def has_add_permission(self, request):
        return False
