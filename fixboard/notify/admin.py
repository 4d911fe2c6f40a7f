"""Read-only views of the e-mail outbox and subscriptions, for city admins only (they hold
residents' e-mail addresses)."""

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fixboard.accounts import scope
from fixboard.accounts.admin_scope import ScopedAdmin
from fixboard.core.phones import parse_phone
from fixboard.reports.admin import ReadOnlyMixin, may_see_contacts

from . import departments, optouts
from .models import (
    Delivery,
    DepartmentSubscription,
    SignInToken,
    TextMessage,
    TextOptOut,
    Unsubscribe,
    WatchArea,
)


class AdminsOnly(ScopedAdmin, ReadOnlyMixin):
    def has_module_permission(self, request):
        return may_see_contacts(request.user)

    def has_view_permission(self, request, obj=None):
        return may_see_contacts(request.user) and self.in_scope(request, obj)


@admin.register(Delivery)
class DeliveryAdmin(AdminsOnly, admin.ModelAdmin):
    scope_paths = (
        "request__jurisdiction",
        "event__request__jurisdiction",
        "watch__jurisdiction",
        "department__jurisdiction",
    )
    list_display = ["created_at", "kind", "email", "state", "attempts", "next_attempt_at"]
    list_filter = ["state", "kind"]
    search_fields = ["email"]
    raw_id_fields = ["event", "request", "watch", "sign_in", "department"]
    date_hierarchy = "created_at"


@admin.register(TextMessage)
class TextMessageAdmin(AdminsOnly, admin.ModelAdmin):
    scope_paths = ("jurisdiction", "request__jurisdiction")
    list_display = ["created_at", "kind", "phone", "state", "delivery_status", "attempts"]
    list_filter = ["state", "delivery_status", "kind"]
    search_fields = ["phone", "provider_id"]
    raw_id_fields = ["request", "jurisdiction"]
    date_hierarchy = "created_at"


class TextOptOutForm(forms.ModelForm):
    user = None  # who fills it in: set by TextOptOutAdmin.get_form

    class Meta:
        model = TextOptOut
        fields = ["phone", "jurisdiction"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["jurisdiction"]
        field.queryset = scope.choices(field.queryset, self.user)
        field.required = False
        if self._for_every_city():
            field.empty_label = _("Every city")

    def _for_every_city(self) -> bool:
        # Only someone who acts for every city may stop every city's texts at once.
        return scope.jurisdiction_ids(self.user) is scope.EVERYWHERE

    def clean_phone(self):
        return parse_phone(self.cleaned_data["phone"])

    def clean_jurisdiction(self):
        chosen = self.cleaned_data.get("jurisdiction")
        if chosen is not None or self._for_every_city():
            return chosen
        mine = list(self.fields["jurisdiction"].queryset[:2])
        if len(mine) == 1:
            return mine[0]  # a city admin of one city: theirs
        raise forms.ValidationError(_("Choose the city whose texts stop."))


@admin.register(TextOptOut)
class TextOptOutAdmin(admin.ModelAdmin):
    """Numbers that asked for no more texts, from one city or from every city. A city admin
    may add one a caller asked for on the phone; only the number's owner takes it back, by
    texting START to the city's number."""

    form = TextOptOutForm
    list_display = ["phone", "jurisdiction", "source", "created_at"]
    list_filter = ["source", "jurisdiction"]
    search_fields = ["phone"]
    list_select_related = ["jurisdiction"]

    def get_queryset(self, request):
        # A city admin sees their cities' opt-outs and those that hold for every city.
        rows = super().get_queryset(request)
        ids = scope.jurisdiction_ids(request.user)
        if ids is scope.EVERYWHERE:
            return rows
        return rows.filter(Q(jurisdiction__in=ids) | Q(jurisdiction__isnull=True))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def has_module_permission(self, request):
        return may_see_contacts(request.user)

    def has_view_permission(self, request, obj=None):
        return may_see_contacts(request.user)

    def has_add_permission(self, request):
        return may_see_contacts(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        jurisdiction = form.cleaned_data.get("jurisdiction")
        optouts.opt_out(phone=obj.phone, source=TextOptOut.Source.STAFF, jurisdiction=jurisdiction)
        obj.pk = optouts.holding(obj.phone, jurisdiction).values_list("pk", flat=True).first()


@admin.register(WatchArea)
class WatchAreaAdmin(AdminsOnly, admin.ModelAdmin):
    list_display = ["email", "jurisdiction", "area", "service_type", "confirmed_at", "active"]
    list_filter = ["active", "jurisdiction"]
    search_fields = ["email"]
    list_select_related = ["jurisdiction", "area", "service_type"]


@admin.register(Unsubscribe)
class UnsubscribeAdmin(AdminsOnly, admin.ModelAdmin):
    scope_paths = ("request__jurisdiction",)  # unsubscribing from everything: superusers
    list_display = ["email", "request", "created_at"]
    search_fields = ["email"]
    raw_id_fields = ["request"]


@admin.register(SignInToken)
class SignInTokenAdmin(AdminsOnly, admin.ModelAdmin):
    scope_paths = ()  # a resident's sign-in belongs to no jurisdiction: superusers only
    list_display = ["email", "created_at", "expires_at", "used_at"]
    search_fields = ["email"]

    def has_module_permission(self, request):
        return request.user.is_superuser


@admin.register(DepartmentSubscription)
class DepartmentSubscriptionAdmin(ScopedAdmin, admin.ModelAdmin):
    """Members of a department who get its notices at their own address too."""

    scope_paths = ("department__jurisdiction",)
    list_display = ["user", "department", "created_at"]
    list_filter = ["department"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user", "department"]
    raw_id_fields = ["user"]
    fields = ["user", "department"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "department"] if obj else []

    def has_change_permission(self, request, obj=None):
        return False  # remove it and add another

    def save_model(self, request, obj, form, change):
        from django.core.exceptions import ValidationError

        try:
            departments.subscribe(user=obj.user, department=obj.department)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), level="error")
        saved = DepartmentSubscription.objects.filter(user=obj.user, department=obj.department)
        obj.pk = saved.values_list("pk", flat=True).first()

    def delete_model(self, request, obj):
        departments.unsubscribe(user=obj.user, department=obj.department)

    def delete_queryset(self, request, queryset):
        for subscription in queryset.select_related("user", "department"):
            departments.unsubscribe(user=subscription.user, department=subscription.department)
