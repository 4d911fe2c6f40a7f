"""Read-only admin for requests: every change goes through the domain functions (actions.py),
which write the timeline; the admin would write around them."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from fixboard.accounts.models import User

from .models import Contact, Event, Photo, ServiceRequest


def may_see_contacts(user) -> bool:
    """Residents' names, e-mails and phones: for superusers and city admins only."""
    return user.is_active and (user.is_superuser or getattr(user, "role", "") == User.Role.ADMIN)


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyMixin, admin.TabularInline):
    model = Event
    fields = [
        "created_at",
        "kind",
        "public",
        "from_status",
        "to_status",
        "close_reason",
        "who",
        "text",
    ]
    readonly_fields = fields
    extra = 0
    verbose_name_plural = _("timeline")

    @admin.display(description=_("who"))
    def who(self, obj):
        if obj.actor_user_id:
            return obj.actor_user
        if obj.actor_contact_id:
            return _("the resident")
        return obj.actor_system or "—"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor_user")


class PhotoInline(ReadOnlyMixin, admin.TabularInline):
    model = Photo
    fields = ["image", "width", "height", "hidden", "created_at"]
    readonly_fields = fields
    extra = 0


@admin.register(ServiceRequest)
class ServiceRequestAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "public_id",
        "service_type",
        "status",
        "close_reason",
        "department",
        "requested_at",
        "channel",
        "jurisdiction",
    ]
    list_filter = ["status", "jurisdiction", "service_type", "department", "channel", "hidden"]
    search_fields = ["=public_id", "=source_id", "=external_id", "address"]
    search_help_text = _("Request id, the source system's id, or part of the address.")
    list_select_related = ["service_type", "department", "jurisdiction"]
    ordering = ["-requested_at"]
    show_full_result_count = False  # A COUNT(*) of millions of rows on every search is slow.
    inlines = [EventInline, PhotoInline]
    base_fields = [
        "public_id",
        "source_id",
        "external_id",
        "jurisdiction",
        "service_type",
        "status",
        "close_reason",
        "status_notes",
        "description",
        "attributes",
        "address",
        "zipcode",
        "lat",
        "long",
        "area_names",
        "department",
        "assignee",
        "priority",
        "channel",
        "anonymous",
        "hidden",
        "awaiting_confirmation",
        "requested_at",
        "updated_at",
        "acknowledged_at",
        "expected_at",
        "closed_at",
        "duplicate_of",
        "support_count",
        "follow_count",
    ]
    contact_fields = ["reporter_details", "reporter_name_public"]

    def get_fields(self, request, obj=None):
        if may_see_contacts(request.user):
            return [*self.base_fields, *self.contact_fields]
        return self.base_fields

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description=_("areas"))
    def area_names(self, obj):
        return ", ".join(str(a) for a in obj.areas.order_by("kind", "name")) or "—"

    @admin.display(description=_("reporter (private)"))
    def reporter_details(self, obj):
        contact = obj.reporter
        if contact is None:
            return "—"
        return " · ".join(v for v in (contact.name, contact.email, contact.phone) if v) or "—"


@admin.register(Contact)
class ContactAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["__str__", "email", "phone", "email_verified", "phone_verified", "created_at"]
    search_fields = ["=email", "=phone", "name"]
    fields = ["name", "email", "phone", "email_verified", "phone_verified", "user", "created_at"]
    readonly_fields = fields
    show_full_result_count = False

    def has_module_permission(self, request):
        return may_see_contacts(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return may_see_contacts(request.user) and super().has_view_permission(request, obj)
