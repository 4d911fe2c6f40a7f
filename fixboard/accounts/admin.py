from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import scope
from .admin_scope import ScopedAdmin
from .models import ApiClient, User

admin.site.site_header = _("Fixboard administration")
admin.site.site_title = _("Fixboard admin")
admin.site.index_title = _("City set-up and records")


class FixboardUserChangeForm(UserChangeForm):
    def clean(self):
        cleaned = super().clean()
        jurisdictions = {j.pk for j in cleaned.get("jurisdictions") or []}
        for department in cleaned.get("departments") or []:
            if department.jurisdiction_id not in jurisdictions:
                self.add_error(
                    "departments",
                    _("%(d)s is a department of %(j)s: add %(j)s to the jurisdictions too.")
                    % {"d": department, "j": department.jurisdiction},
                )
        return cleaned


@admin.register(User)
class UserAdmin(ScopedAdmin, DjangoUserAdmin):
    form = FixboardUserChangeForm
    list_display = ["username", "email", "first_name", "last_name", "role", "is_active"]
    list_filter = ["role", "is_active", "is_staff", "is_superuser", "jurisdictions", "departments"]
    filter_horizontal = ["jurisdictions", "departments", "groups", "user_permissions"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets[:2],
        (
            _("Role in Fixboard"),
            {
                "fields": ["role", "jurisdictions", "departments"],
                "description": _(
                    "Call-takers, department staff and managers work in the jurisdictions "
                    "chosen here; department staff see their departments' queues."
                ),
            },
        ),
        *DjangoUserAdmin.fieldsets[2:],
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "email", "role", "jurisdictions", "password1", "password2"],
            },
        )
    ]

    def get_queryset(self, request):
        # Past ScopedAdmin's rows-of-a-jurisdiction: all of a user's jurisdictions must match.
        users = scope.scoped_within(super(ScopedAdmin, self).get_queryset(request), request.user)
        # Else a city admin could change a superuser's password and act everywhere.
        return users if request.user.is_superuser else users.filter(is_superuser=False)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "jurisdictions" and not request.user.is_superuser:
            field.required = True  # else the new account would leave the admin's sight
        return field

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return fields if request.user.is_superuser else [*fields, "is_superuser"]


def _show_key_once(request, client: ApiClient, key: str) -> None:
    messages.warning(
        request,
        _(
            "The key of %(name)s is %(key)s — copy it now: it is stored only as a hash "
            "and cannot be shown again."
        )
        % {"name": client.name, "key": key},
    )


@admin.register(ApiClient)
class ApiClientAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ["name", "key_prefix", "rate_limit_per_minute", "active", "created_at"]
    list_filter = ["active", "jurisdictions"]
    search_fields = ["name", "key_prefix"]
    filter_horizontal = ["jurisdictions"]
    fields = [
        "name",
        "jurisdictions",
        "rate_limit_per_minute",
        "active",
        "key_prefix",
        "created_at",
    ]
    readonly_fields = ["key_prefix", "created_at"]
    actions = ["issue_new_keys"]

    def get_queryset(self, request):
        # As for users: a key that also works elsewhere is not this admin's alone.
        return scope.scoped_within(super(ScopedAdmin, self).get_queryset(request), request.user)

    def save_model(self, request, obj, form, change):
        key = None if change else obj.set_new_key()
        super().save_model(request, obj, form, change)
        if key:
            _show_key_once(request, obj, key)

    @admin.action(description=_("Issue a new key (the old one stops working)"))
    def issue_new_keys(self, request, queryset):
        for client in queryset:
            key = client.set_new_key()
            client.save(update_fields=["key_prefix", "key_hash"])
            _show_key_once(request, client, key)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(n)d client has a new key.", "%(n)d clients have new keys.", count)
            % {"n": count},
        )
