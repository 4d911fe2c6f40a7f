from django.contrib import admin

from fixboard.accounts.admin_scope import ScopedAdmin

from .models import Submission


@admin.register(Submission)
class SubmissionAdmin(ScopedAdmin, admin.ModelAdmin):
    """What each API client posted, to follow up an integration's questions. Read-only."""

    list_display = ["created_at", "client", "jurisdiction", "request", "token"]
    list_filter = ["client", "jurisdiction"]
    search_fields = ["token", "request__public_id", "request__source_id"]
    list_select_related = ["client", "jurisdiction", "request"]
    date_hierarchy = "created_at"

    def get_fields(self, request, obj=None):
        fields = ["created_at", "client", "jurisdiction", "request", "token"]
        # The poster's device and account ids identify a resident: superusers only.
        if request.user.is_superuser:
            fields += ["device_id", "account_id"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
