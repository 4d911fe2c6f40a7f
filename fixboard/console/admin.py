from django.contrib import admin

from fixboard.accounts.admin_scope import ScopedAdmin

from .models import Call


@admin.register(Call)
class CallAdmin(ScopedAdmin, admin.ModelAdmin):
    """The calls taken on the console, for supervisors: read only (calls are records)."""

    list_display = ["started_at", "agent", "outcome", "topic", "request", "ended_at"]
    # Only the topics of the calls this admin may see: not every city's.
    list_filter = ["jurisdiction", "outcome", ("topic", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["agent", "topic", "request"]
    date_hierarchy = "started_at"
    search_fields = ["request__public_id", "agent__username"]
    readonly_fields = [f.name for f in Call._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
