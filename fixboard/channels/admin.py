from django.contrib import admin
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from fixboard.accounts.admin_scope import ScopedAdmin

from .models import Conversation, Deflection


class ReadOnlyAdmin(ScopedAdmin, admin.ModelAdmin):
    """Written by the channels only: staff read."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Deflection)
class DeflectionAdmin(ReadOnlyAdmin):
    """Calls the on-hold menu sent online, per day: the figure managers watch."""

    list_display = ["created_at", "jurisdiction", "line", "language", "text_state"]
    list_filter = ["jurisdiction", "line", "language", "created_at"]
    list_select_related = ["jurisdiction", "text"]
    date_hierarchy = "created_at"
    change_list_template = "channels/deflection_change_list.html"

    @admin.display(description=_("text"))
    def text_state(self, obj):
        # Its state only: the text's own str names the caller's number.
        return obj.text.get_state_display() if obj.text else "—"

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            days = (
                changelist.queryset.annotate(day=TruncDate("created_at"))
                .values("day")
                .annotate(calls=Count("id"))
                .order_by("-day")[:14]
            )
            response.context_data["days"] = list(days)
            response.context_data["total"] = changelist.queryset.count()
        return response


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "state", "language", "service_type", "request", "jurisdiction"]
    list_filter = ["jurisdiction", "state", "language"]
    list_select_related = ["jurisdiction", "service_type", "request"]
    date_hierarchy = "started_at"
