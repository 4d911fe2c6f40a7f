"""The admin as one more door: its forms ask the domain what is wrong, and its saves,
deletions and actions call the domain functions, which validate, write and audit."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError


def show_errors(form, exc: ValidationError) -> None:
    """Put a domain error on the form, each message under its field (or at the top),
    except for fields the form has already refused."""
    for field, messages in exc.message_dict.items():
        # A translated text's error names it plainly; the form shows it per language.
        if field not in form.fields and f"{field}_{settings.LANGUAGE_CODE}" in form.fields:
            field = f"{field}_{settings.LANGUAGE_CODE}"
        if field in form.errors:
            continue
        form.add_error(field if field in form.fields else None, messages)


def form_data(form, fields) -> dict:
    """The form's cleaned values of the domain function's fields."""
    return {name: form.cleaned_data[name] for name in fields if name in form.cleaned_data}


class DomainForm(forms.ModelForm):
    """A model form that asks the domain's `check(data=..., <instance_name>=...)` what is
    wrong with its values, so the domain's rules show on the form field by field."""

    check = None
    fields_of_check: tuple[str, ...] = ()
    instance_name = ""

    def clean(self):
        cleaned = super().clean()
        existing = self.instance if self.instance.pk else None
        try:
            self.check(data=form_data(self, self.fields_of_check), **{self.instance_name: existing})
        except ValidationError as exc:
            show_errors(self, exc)
        return cleaned

    def domain_data(self) -> dict:
        """What the domain's save function is given as `data`."""
        return form_data(self, self.fields_of_check)


class DomainSaveMixin:
    """A ModelAdmin whose `save_through_domain(request, form, formsets, change)` writes the
    object and its inlines with a domain function and returns it."""

    def save_model(self, request, obj, form, change):
        pass  # written with its related objects in save_related, in one domain call

    def save_related(self, request, form, formsets, change):
        saved = self.save_through_domain(request, form, formsets, change)
        # The admin goes on with the object the form built: give it the saved identity.
        form.instance.pk = saved.pk
        form.instance._state.adding = False
        for formset in formsets:
            # Read by the admin's change message; the audit log holds what changed.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def save_through_domain(self, request, form, formsets, change):
        raise NotImplementedError


class DomainConfigAdmin(DomainSaveMixin):
    """A ModelAdmin mixin for a configuration row that one domain function writes,
    `domain_save` (given `actor`, the form's `domain_data()` and the row as the form's
    `instance_name`), and that is never deleted: other rows refer to it, so it is
    deactivated instead. Its `fixed_after_add` fields cannot change once it is saved."""

    domain_save = None
    fixed_after_add: tuple[str, ...] = ("jurisdiction",)

    def get_readonly_fields(self, request, obj=None):
        return list(self.fixed_after_add) if obj else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_through_domain(self, request, form, formsets, change):
        return self.domain_save(
            actor=request.user,
            data=form.domain_data(),
            **{form.instance_name: form.instance if change else None},
        )
