import json

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.forms.fields import InvalidJSONInput
from django.utils.translation import gettext_lazy as _

from fixboard.accounts.admin_scope import ScopedAdmin

from .models import AttributeDefinition, Department, RoutingRule, ServiceType

LIST_TYPES = {
    AttributeDefinition.Datatype.SINGLEVALUELIST,
    AttributeDefinition.Datatype.MULTIVALUELIST,
}
VALUES_HELP = _(
    "Only for the two list datatypes: the choices, as JSON. Each has a key (stored, "
    'short, no spaces) and a name (shown). Example: [{"key": "sofa", "name": "Sofa"}, '
    '{"key": "mattress", "name": "Mattress"}]'
)


def _same_jurisdiction(form, jurisdiction, *fields) -> None:
    for name in fields:
        value = form.cleaned_data.get(name)
        if value is not None and jurisdiction and value.jurisdiction_id != jurisdiction.pk:
            form.add_error(
                name,
                _("Choose one of %(j)s's, not %(o)s's.")
                % {"j": jurisdiction, "o": value.jurisdiction},
            )


@admin.register(Department)
class DepartmentAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ["name", "code", "jurisdiction", "email", "active", "member_count"]
    list_filter = ["jurisdiction", "active"]
    search_fields = ["name", "code"]
    list_select_related = ["jurisdiction"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("members"))

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, obj):
        return obj.member_total

    def has_delete_permission(self, request, obj=None):
        return False  # Requests keep their department; make it inactive instead.


class ChoicesField(forms.JSONField):
    """JSON with one choice per line, easier to read and edit than one long line."""

    def prepare_value(self, value):
        if isinstance(value, InvalidJSONInput) or not isinstance(value, list) or not value:
            return super().prepare_value(value)
        lines = ",\n".join("  " + json.dumps(v, ensure_ascii=False) for v in value)
        return f"[\n{lines}\n]"


class AttributeForm(forms.ModelForm):
    values = ChoicesField(
        label=_("allowed values"),
        required=False,
        help_text=VALUES_HELP,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 70}),
    )

    class Meta:
        model = AttributeDefinition
        fields = [
            "order",
            "code",
            "description",
            "datatype",
            "datatype_description",
            "required",
            "variable",
            "values",
        ]
        help_texts = {
            "code": _("Short name used by apps and in exports, e.g. item-count."),
            "description": _("The question as residents and call-takers read it."),
            "datatype_description": _("A hint shown under the question, e.g. 'Up to 10 items'."),
        }

    def clean_values(self):
        values = self.cleaned_data.get("values") or []
        if not isinstance(values, list) or not all(
            isinstance(v, dict) and str(v.get("key", "")).strip() and str(v.get("name", "")).strip()
            for v in values
        ):
            raise forms.ValidationError(
                _("Write a list of choices, each with a key and a name: %(e)s")
                % {"e": '[{"key": "sofa", "name": "Sofa"}]'}
            )
        keys = [str(v["key"]) for v in values]
        if len(set(keys)) != len(keys):
            raise forms.ValidationError(_("Each choice needs its own key."))
        return values

    def clean(self):
        cleaned = super().clean()
        datatype, values = cleaned.get("datatype"), cleaned.get("values")
        if datatype in LIST_TYPES and not values:
            self.add_error("values", _("A list question needs its choices."))
        elif datatype and datatype not in LIST_TYPES and values:
            self.add_error("values", _("Only list questions have choices; empty this field."))
        return cleaned


class AttributeInline(admin.StackedInline):
    model = AttributeDefinition
    form = AttributeForm
    extra = 0
    verbose_name = _("question")
    verbose_name_plural = _("questions asked when reporting")


class ServiceTypeForm(forms.ModelForm):
    class Meta:
        model = ServiceType
        fields = [
            "jurisdiction",
            "name",
            "code",
            "group",
            "description",
            "notice",
            "keywords",
            "default_department",
            "sla_hours",
            "type",
            "requires_confirmation",
            "active",
            "public",
        ]
        help_texts = {
            "code": _("The Open311 service_code: short, lower-case, hyphens, e.g. bulky-items."),
            "group": _("Services with the same group are listed together, e.g. Sanitation."),
            "default_department": _("Works the requests unless a routing rule says otherwise."),
        }

    def clean(self):
        cleaned = super().clean()
        _same_jurisdiction(self, cleaned.get("jurisdiction"), "default_department")
        return cleaned


@admin.register(ServiceType)
class ServiceTypeAdmin(ScopedAdmin, admin.ModelAdmin):
    form = ServiceTypeForm
    inlines = [AttributeInline]
    list_display = [
        "name",
        "code",
        "group",
        "jurisdiction",
        "default_department",
        "sla_hours",
        "question_count",
        "active",
        "public",
    ]
    list_filter = ["jurisdiction", "group", "active", "public", "default_department"]
    search_fields = ["name", "code", "keywords"]
    list_select_related = ["jurisdiction", "default_department"]
    fieldsets = [
        (None, {"fields": ["jurisdiction", "name", "code", "group", "description", "keywords"]}),
        (
            _("Handling"),
            {
                "fields": [
                    "default_department",
                    "sla_hours",
                    "type",
                    "requires_confirmation",
                    "notice",
                ]
            },
        ),
        (_("Visibility"), {"fields": ["active", "public"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(question_total=Count("attributes"))

    @admin.display(description=_("questions"), ordering="question_total")
    def question_count(self, obj):
        return obj.question_total

    def get_readonly_fields(self, request, obj=None):
        # The code is the Open311 service_code that apps and exports already use.
        return ["jurisdiction", "code"] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False  # Requests keep their service type; make it inactive instead.


class RoutingRuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = ["jurisdiction", "order", "service_type", "area", "department"]

    def clean(self):
        cleaned = super().clean()
        _same_jurisdiction(self, cleaned.get("jurisdiction"), "service_type", "area", "department")
        return cleaned


@admin.register(RoutingRule)
class RoutingRuleAdmin(ScopedAdmin, admin.ModelAdmin):
    form = RoutingRuleForm
    list_display = ["order", "service_type", "area", "department", "jurisdiction"]
    list_display_links = ["order", "service_type"]
    list_filter = ["jurisdiction", "department"]
    list_select_related = ["jurisdiction", "service_type", "area", "department"]
    autocomplete_fields = ["area"]
    search_fields = ["service_type__name", "area__name", "department__name"]
