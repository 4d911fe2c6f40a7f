"""Read-only admin for requests: every change goes through the domain functions (actions.py),
which write the timeline; the admin would write around them."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef
from django.template.response import TemplateResponse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from fixboard.accounts import scope
from fixboard.accounts.admin_scope import ScopedAdmin
from fixboard.accounts.models import User
from fixboard.places.names import by_name

from .actions import MAX_REASON, hide_comment, may_moderate, restore_comment
from .models import Comment, Contact, Event, Photo, ServiceRequest


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
        "hidden",
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
class ServiceRequestAdmin(ScopedAdmin, ReadOnlyMixin, admin.ModelAdmin):
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
        "referred_to",
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
        return ", ".join(str(a) for a in by_name(obj.areas.all())) or "—"

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

    def get_queryset(self, request):
        """For a non-superuser, the people who reported or acted on their jurisdictions'
        requests."""
        contacts = super().get_queryset(request)
        ids = scope.jurisdiction_ids(request.user)
        if ids is scope.EVERYWHERE:
            return contacts
        return contacts.filter(
            Exists(ServiceRequest.objects.filter(jurisdiction__in=ids, reporter=OuterRef("pk")))
            | Exists(
                Event.objects.filter(request__jurisdiction__in=ids, actor_contact=OuterRef("pk"))
            )
        )

    def has_module_permission(self, request):
        return may_see_contacts(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return (
            may_see_contacts(request.user)
            and super().has_view_permission(request, obj)
            and (obj is None or self.get_queryset(request).filter(pk=obj.pk).exists())
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (staff only)"), max_length=MAX_REASON, widget=forms.TextInput
    )


@admin.register(Comment)
class CommentAdmin(ScopedAdmin, ReadOnlyMixin, admin.ModelAdmin):
    """Public updates for agents and admins: hide or restore them (with a reason) in bulk."""

    list_display = ["created_at", "request_id_link", "excerpt", "author", "flag_count", "hidden"]
    list_filter = ["hidden"]
    search_fields = ["=request__public_id", "text"]
    search_help_text = _("Request id, or words of the comment.")
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    fields = ["request", "created_at", "text", "author", "hidden"]
    readonly_fields = fields
    actions = ["hide_selected", "restore_selected"]
    scope_paths = ("request__jurisdiction",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(kind=Event.Kind.PUBLIC_UPDATE)
            .select_related("request", "actor_user")
            .annotate(flag_count=Count("flags"))
        )

    def has_module_permission(self, request):
        return may_moderate(request.user)

    def has_view_permission(self, request, obj=None):
        return may_moderate(request.user, obj.request.jurisdiction_id if obj else None)

    @admin.display(description=_("request"), ordering="request__public_id")
    def request_id_link(self, obj):
        return obj.request.public_id

    @admin.display(description=_("text"))
    def excerpt(self, obj):
        return Truncator(obj.text).chars(80)

    @admin.display(description=_("who"))
    def author(self, obj):
        if obj.actor_user_id:
            return obj.actor_user
        return _("a resident") if obj.actor_contact_id else obj.actor_system or "—"

    @admin.display(description=_("reports"), ordering="flag_count")
    def flag_count(self, obj):
        return obj.flag_count

    @admin.action(description=_("Hide the selected comments from the public"))
    def hide_selected(self, request, queryset):
        return self._moderate(request, queryset, hide=True)

    @admin.action(description=_("Show the selected comments again"))
    def restore_selected(self, request, queryset):
        return self._moderate(request, queryset, hide=False)

    def _moderate(self, request, queryset, *, hide: bool):
        """Ask for the reason on a page of its own, then call the domain for each comment."""
        form = ReasonForm(request.POST if "reason" in request.POST else None)
        if not form.is_valid():
            return TemplateResponse(
                request,
                "admin/reports/comment/moderate.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Hide comments") if hide else _("Show comments again"),
                    "opts": self.model._meta,
                    "form": form,
                    "comments": queryset,
                    "action": "hide_selected" if hide else "restore_selected",
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                },
            )
        moderate = hide_comment if hide else restore_comment
        done = 0
        for comment in queryset:
            try:
                moderate(comment=comment, actor=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                self.message_user(
                    request,
                    f"{comment.request.public_id}: {' '.join(exc.messages)}",
                    messages.WARNING,
                )
            else:
                done += 1
        self.message_user(
            request,
            (
                ngettext("%(n)d comment hidden.", "%(n)d comments hidden.", done)
                if hide
                else ngettext("%(n)d comment shown again.", "%(n)d comments shown again.", done)
            )
            % {"n": done},
            messages.SUCCESS,
        )
        return None
