"""The audit log, read-only, for city admins: every change is made by a domain function."""

import json

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry

# accounts.User.Role.ADMIN, named here because audit sits below accounts.
CITY_ADMIN_ROLE = "admin"


def is_city_admin(user) -> bool:
    return user.is_active and (user.is_superuser or getattr(user, "role", "") == CITY_ADMIN_ROLE)


def _shown(value) -> str:
    return json.dumps(value, ensure_ascii=False)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "content_type", "object_repr", "change_summary"]
    list_filter = ["action", "content_type", "jurisdiction", "actor"]
    search_fields = ["object_repr", "actor", "=object_id"]
    search_help_text = _("Name of the object or of who changed it.")
    date_hierarchy = "at"
    list_select_related = ["content_type"]
    show_full_result_count = False
    fields = [
        "at",
        "actor",
        "actor_user",
        "action",
        "content_type",
        "object_id",
        "object_repr",
        "jurisdiction",
        "change_summary",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        entries = super().get_queryset(request)
        if request.user.is_superuser:
            return entries
        # A city admin reads their jurisdictions' entries; entries of no single jurisdiction
        # (an account working for several cities) are a superuser's.
        return entries.filter(jurisdiction__in=request.user.jurisdictions.all())

    def has_module_permission(self, request):
        return is_city_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_city_admin(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("changes"))
    def change_summary(self, obj):
        return format_html_join(
            "",
            "<div><b>{}</b>: {} → {}</div>",
            ((name, _shown(pair[0]), _shown(pair[1])) for name, pair in obj.changes.items()),
        )
