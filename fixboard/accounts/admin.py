from contextvars import ContextVar

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from fixboard.core.admin_writes import DomainForm, DomainSaveMixin, form_data, show_errors

from . import actions, scope, two_factor
from .admin_scope import ScopedAdmin
from .models import ApiClient, User

# django-otp's own admin for TOTP devices shows each device's secret (and its QR code) and
# deletes devices without an audit entry: two-step sign-in is turned off through the users'
# action below instead, and set up by each person at /account/security/. (django_otp's apps
# come before this one in INSTALLED_APPS, so their admin modules were imported already.)
admin.site.unregister(TOTPDevice)

admin.site.site_header = _("Fixboard administration")
admin.site.site_title = _("Fixboard admin")
admin.site.index_title = _("City set-up and records")


class FixboardUserChangeForm(UserChangeForm):
    def clean(self):
        cleaned = super().clean()
        try:
            actions.check_user(data=form_data(self, actions.USER_FIELDS), user=self.instance)
        except ValidationError as exc:
            show_errors(self, exc)
        return cleaned


# The user changing a password, for the form's save(): Django's view builds the form
# without the request.
_acting: ContextVar = ContextVar("password_changed_by", default=None)


class AuditedPasswordChangeForm(AdminPasswordChangeForm):
    def save(self, commit=True):
        usable = self.cleaned_data.get("set_usable_password", True)
        self.user = actions.set_password(
            actor=_acting.get(),
            user=self.user,
            password=self.cleaned_data["password1"] if usable else None,
        )
        return self.user


@admin.register(User)
class UserAdmin(ScopedAdmin, DomainSaveMixin, DjangoUserAdmin):
    form = FixboardUserChangeForm
    change_password_form = AuditedPasswordChangeForm
    list_display = [
        "username",
        "email",
        "first_name",
        "last_name",
        "role",
        "is_active",
        "two_step_sign_in",
    ]
    list_filter = ["role", "is_active", "is_staff", "is_superuser", "jurisdictions", "departments"]
    filter_horizontal = [
        "jurisdictions",
        "departments",
        "granted_departments",
        "groups",
        "user_permissions",
    ]
    fieldsets = [
        *DjangoUserAdmin.fieldsets[:2],
        (
            _("Role in Fixboard"),
            {
                "fields": ["role", "jurisdictions", "departments", "granted_departments"],
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

    def save_through_domain(self, request, form, formsets, change):
        if change:
            return actions.save_user(
                actor=request.user,
                data=form_data(form, actions.USER_FIELDS),
                user=form.instance,
            )
        usable = form.cleaned_data.get("set_usable_password", True)
        return actions.save_user(
            actor=request.user,
            data=form_data(form, actions.USER_FIELDS),
            password=form.cleaned_data.get("password1") if usable else None,
        )

    def user_change_password(self, request, id, form_url=""):
        token = _acting.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _acting.reset(token)

    actions = ["turn_off_two_factor"]

    @admin.display(description=_("two-step sign-in"), boolean=True)
    def two_step_sign_in(self, user):
        return user.two_step_sign_in

    @admin.action(
        description=_("Turn off two-step sign-in (lost phone): the password alone signs in"),
        permissions=["change"],
    )
    def turn_off_two_factor(self, request, queryset):
        count = 0
        for user in queryset:
            if two_factor.has_two_factor(user):
                two_factor.turn_off(actor=request.user, user=user)
                count += 1
        self.message_user(
            request,
            ngettext(
                "Two-step sign-in turned off for %(n)d user; they can set it up again.",
                "Two-step sign-in turned off for %(n)d users; they can set it up again.",
                count,
            )
            % {"n": count},
        )

    def get_queryset(self, request):
        # Past ScopedAdmin's rows-of-a-jurisdiction: all of a user's jurisdictions must match.
        users = scope.scoped_within(super(ScopedAdmin, self).get_queryset(request), request.user)
        users = users.annotate(
            two_step_sign_in=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
        )
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


class ApiClientForm(DomainForm):
    check = staticmethod(actions.check_api_client)
    fields_of_check = actions.CLIENT_FIELDS
    instance_name = "client"

    class Meta:
        model = ApiClient
        fields = ["name", "jurisdictions", "rate_limit_per_minute", "active"]


@admin.register(ApiClient)
class ApiClientAdmin(ScopedAdmin, DomainSaveMixin, admin.ModelAdmin):
    form = ApiClientForm
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
    actions = ["issue_new_keys", "revoke_selected"]

    def get_queryset(self, request):
        # As for users: a key that also works elsewhere is not this admin's alone.
        return scope.scoped_within(super(ScopedAdmin, self).get_queryset(request), request.user)

    def save_through_domain(self, request, form, formsets, change):
        client, key = actions.save_api_client(
            actor=request.user,
            data=form_data(form, actions.CLIENT_FIELDS),
            client=form.instance if change else None,
        )
        if key:
            _show_key_once(request, client, key)
        return client

    @admin.action(description=_("Issue a new key (the old one stops working)"))
    def issue_new_keys(self, request, queryset):
        for client in queryset:
            key = actions.rotate_api_key(actor=request.user, client=client)
            _show_key_once(request, client, key)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(n)d client has a new key.", "%(n)d clients have new keys.", count)
            % {"n": count},
        )

    @admin.action(description=_("Revoke: the key stops working"))
    def revoke_selected(self, request, queryset):
        for client in queryset:
            actions.revoke_api_client(actor=request.user, client=client)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(n)d client revoked.", "%(n)d clients revoked.", count) % {"n": count},
        )
