import json

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.forms.fields import InvalidJSONInput
from django.utils import formats, timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline

from fixboard.accounts import scope
from fixboard.accounts.admin_scope import ScopedAdmin
from fixboard.core.admin_writes import DomainConfigAdmin, DomainForm, DomainSaveMixin, form_data

from . import actions, calendars
from . import languages as lang
from . import questions as question_rules
from .canned import placeholders_help
from .models import (
    WEEKDAYS,
    AttributeDefinition,
    AutomationRule,
    BusinessCalendar,
    CalendarException,
    CallTopic,
    CannedResponse,
    CrmEndpoint,
    Department,
    HoldMessage,
    PhoneLine,
    RoutingRule,
    ServiceType,
    Severity,
)

TRANSLATED_VALUES_HELP = _(
    "The same choices with their names in this language, keys unchanged. Empty: the "
    "names of the default language show."
)
VALUES_HELP = _(
    "Only for the two list datatypes: the choices, as JSON. Each has a key (stored, "
    'short, no spaces) and a name (shown). Example: [{"key": "sofa", "name": "Sofa"}, '
    '{"key": "mattress", "name": "Mattress"}]'
)


def side_by_side(model, *fields) -> list:
    """Fieldset lines: each field as is, or a translated one's languages on one line."""
    translated = lang.TRANSLATED[model.__name__]
    return [tuple(lang.columns(f)) if f in translated else f for f in fields]


class DepartmentForm(DomainForm):
    check = staticmethod(actions.check_department)
    fields_of_check = actions.DEPARTMENT_FIELDS
    instance_name = "department"

    class Meta:
        model = Department
        fields = ["jurisdiction", "code", "name", "email", "active", "notice", "notice_hour"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left out (a script's post, an older form): the department keeps its choice.
        for name in ("notice", "notice_hour"):
            if name in self.fields:
                self.fields[name].required = False

    def clean_notice(self):
        return self.cleaned_data.get("notice") or (
            self.instance.notice if self.instance.pk else Department.Notice.NONE
        )

    def clean_notice_hour(self):
        hour = self.cleaned_data.get("notice_hour")
        if hour is None:
            return self.instance.notice_hour if self.instance.pk else 8
        return hour


@admin.register(Department)
class DepartmentAdmin(ScopedAdmin, DomainSaveMixin, TranslationAdmin):
    form = DepartmentForm
    fields = side_by_side(
        Department, "jurisdiction", "code", "name", "email", "active", "notice", "notice_hour"
    )
    actions = ["deactivate_selected"]
    list_display = ["name", "code", "jurisdiction", "email", "notice", "active", "member_count"]
    list_filter = ["jurisdiction", "active", "notice"]
    search_fields = ["name", "code"]
    list_select_related = ["jurisdiction"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("members"))

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, obj):
        return obj.member_total

    def has_delete_permission(self, request, obj=None):
        return False  # Requests keep their department; make it inactive instead.

    def save_through_domain(self, request, form, formsets, change):
        return actions.save_department(
            actor=request.user,
            data=form_data(form, actions.DEPARTMENT_FIELDS),
            department=form.instance if change else None,
        )

    @admin.action(description=_("Make the selected departments inactive"))
    def deactivate_selected(self, request, queryset):
        for department in queryset:
            actions.deactivate_department(actor=request.user, department=department)
        _say_inactive(self, request, queryset.count())


def _say_inactive(admin_, request, count: int) -> None:
    admin_.message_user(
        request,
        ngettext("%(n)d made inactive.", "%(n)d made inactive.", count) % {"n": count},
    )


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
            "whole_number",
            "minimum",
            "maximum",
        ]
        help_texts = {
            "code": _("Short name used by apps and in exports, e.g. item-count."),
            "description": _("The question as residents and call-takers read it."),
            "datatype_description": _("A hint shown under the question, e.g. 'Up to 10 items'."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        default, *others = lang.columns("values")
        for column in lang.columns("values"):
            if column in self.fields:
                field = self.fields[column]
                self.fields[column] = ChoicesField(
                    label=field.label,
                    required=False,
                    help_text=VALUES_HELP if column == default else TRANSLATED_VALUES_HELP,
                    widget=forms.Textarea(attrs={"rows": 6, "cols": 50}),
                )

    def clean(self):
        cleaned = super().clean()
        default, *others = lang.columns("values")
        for column in (default, *others):
            if column in cleaned:
                cleaned[column] = cleaned[column] or []
        if default in cleaned:
            values = cleaned[default]
            for message in question_rules.choice_errors(cleaned.get("datatype"), values):
                self.add_error(default, message)
            for column in others:
                for message in question_rules.translation_errors(values, cleaned.get(column)):
                    self.add_error(column, message)
        for message in question_rules.limit_errors(
            cleaned.get("datatype"),
            cleaned.get("whole_number"),
            cleaned.get("minimum"),
            cleaned.get("maximum"),
        ):
            self.add_error("minimum", message)
        return cleaned


class AttributeInline(TranslationStackedInline):
    model = AttributeDefinition
    form = AttributeForm
    fields = side_by_side(
        AttributeDefinition,
        "order",
        "code",
        "description",
        "datatype",
        "datatype_description",
        "required",
        "variable",
        "values",
        "whole_number",
        "minimum",
        "maximum",
    )
    extra = 0
    verbose_name = _("question")
    verbose_name_plural = _("questions asked when reporting")


class ServiceTypeForm(DomainForm):
    check = staticmethod(actions.check_service_type)
    fields_of_check = actions.SERVICE_TYPE_FIELDS
    instance_name = "service_type"

    class Meta:
        model = ServiceType
        # The admin's fieldsets say which fields; a list here too would have
        # modeltranslation's admin set `fields` beside them (admin.E005 at the next check).
        exclude = ()
        help_texts = {
            "code": _("The Open311 service_code: short, lower-case, hyphens, e.g. bulky-items."),
            "group": _("Services with the same group are listed together, e.g. Sanitation."),
            "default_department": _("Works the requests unless a routing rule says otherwise."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Older forms and scripts that post no severity keep the default.
        self.fields["severity"].required = False

    def clean_severity(self):
        value = self.cleaned_data.get("severity")
        return Severity.NORMAL if value in (None, "") else value


def _questions(formsets) -> list[dict]:
    """The questions the inline forms leave, each with the id of the one it changes."""
    questions = []
    for formset in formsets:
        for form in formset.forms:
            data = form.cleaned_data
            if data and not data.get("DELETE"):
                questions.append({"id": form.instance.pk, **form_data(form, question_rules.FIELDS)})
    return questions


@admin.register(ServiceType)
class ServiceTypeAdmin(ScopedAdmin, DomainSaveMixin, TranslationAdmin):
    form = ServiceTypeForm
    inlines = [AttributeInline]
    actions = ["deactivate_selected"]
    list_display = [
        "name",
        "code",
        "group",
        "jurisdiction",
        "default_department",
        "sla",
        "severity",
        "question_count",
        "active",
        "public",
    ]
    list_filter = ["jurisdiction", "group", "active", "public", "default_department"]
    search_fields = ["name", "code", "keywords"]
    list_select_related = ["jurisdiction", "default_department"]
    fieldsets = [
        (
            None,
            {
                "fields": side_by_side(
                    ServiceType, "jurisdiction", "name", "code", "group", "description", "keywords"
                )
            },
        ),
        (
            _("Handling"),
            {
                "fields": [
                    "default_department",
                    ("sla_value", "sla_unit"),
                    "severity",
                    "type",
                    "requires_confirmation",
                    "after_photo_required",
                    *side_by_side(ServiceType, "notice"),
                ]
            },
        ),
        (_("Call center"), {"fields": side_by_side(ServiceType, "call_script")}),
        (_("Visibility"), {"fields": ["active", "public"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(question_total=Count("attributes"))

    @admin.display(description=_("SLA target"), ordering="sla_value")
    def sla(self, obj):
        return obj.describe_sla()

    @admin.display(description=_("questions"), ordering="question_total")
    def question_count(self, obj):
        return obj.question_total

    def get_readonly_fields(self, request, obj=None):
        # The code is the Open311 service_code that apps and exports already use.
        return ["jurisdiction", "code"] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False  # Requests keep their service type; make it inactive instead.

    def save_through_domain(self, request, form, formsets, change):
        return actions.save_service_type(
            actor=request.user,
            data=form_data(form, actions.SERVICE_TYPE_FIELDS),
            questions=_questions(formsets),
            service_type=form.instance if change else None,
        )

    @admin.action(description=_("Make the selected service types inactive"))
    def deactivate_selected(self, request, queryset):
        for service_type in queryset:
            actions.deactivate_service_type(actor=request.user, service_type=service_type)
        _say_inactive(self, request, queryset.count())


class RoutingRuleForm(DomainForm):
    check = staticmethod(actions.check_routing_rule)
    fields_of_check = actions.ROUTING_RULE_FIELDS
    instance_name = "rule"

    class Meta:
        model = RoutingRule
        fields = ["jurisdiction", "order", "service_type", "area", "department", "crm_endpoint"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(ScopedAdmin, DomainSaveMixin, admin.ModelAdmin):
    form = RoutingRuleForm
    list_display = ["order", "service_type", "area", "department", "crm_endpoint", "jurisdiction"]
    list_display_links = ["order", "service_type"]
    list_filter = ["jurisdiction", "department"]
    list_select_related = ["jurisdiction", "service_type", "area", "department"]
    autocomplete_fields = ["area"]
    search_fields = ["service_type__name", "area__name", "department__name"]

    def save_through_domain(self, request, form, formsets, change):
        return actions.save_routing_rule(
            actor=request.user,
            data=form_data(form, actions.ROUTING_RULE_FIELDS),
            rule=form.instance if change else None,
        )

    def delete_model(self, request, obj):
        actions.delete_routing_rule(actor=request.user, rule=obj)

    def delete_queryset(self, request, queryset):
        for rule in queryset:
            actions.delete_routing_rule(actor=request.user, rule=rule)


class CalendarForm(DomainForm):
    check = staticmethod(actions.check_calendar)
    fields_of_check = actions.CALENDAR_FIELDS
    instance_name = "calendar"

    class Meta:
        model = BusinessCalendar
        fields = ["jurisdiction", "country", "subdivision", *WEEKDAYS]
        help_texts = {
            name: _("e.g. 08:00-17:00, or 08:00-12:00, 13:00-17:00; empty: closed.")
            for name in WEEKDAYS
        }


class CalendarExceptionInline(admin.TabularInline):
    model = CalendarException
    fields = ["day", "name", "kind", "hours"]
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(ScopedAdmin, DomainSaveMixin, admin.ModelAdmin):
    form = CalendarForm
    inlines = [CalendarExceptionInline]
    list_display = ["jurisdiction", "country", "subdivision", "monday", "saturday", "sunday"]
    list_select_related = ["jurisdiction"]
    fieldsets = [
        (None, {"fields": ["jurisdiction"]}),
        (
            _("Public holidays"),
            {
                "fields": ["country", "subdivision"],
                "description": _(
                    "Taken from the holidays library; add or remove days by hand below."
                ),
            },
        ),
        (
            _("Working hours (in the jurisdiction's time zone)"),
            {"fields": list(WEEKDAYS)},
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        return ["jurisdiction", "public_holidays"] if obj else []

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        (name, options), *rest = fieldsets[1:]
        return [
            fieldsets[0],
            (name, {**options, "fields": [*options["fields"], "public_holidays"]}),
            *rest,
        ]

    @admin.display(description=_("public holidays this year and next"))
    def public_holidays(self, obj):
        days = calendars.public_holidays(obj.country, obj.subdivision, timezone.localdate().year)
        if not days:
            return "—"
        return format_html_join(
            mark_safe("<br>"), "{} {}", ((formats.date_format(d, "D j M Y"), n) for d, n in days)
        )

    def save_through_domain(self, request, form, formsets, change):
        return actions.save_calendar(
            actor=request.user,
            data=form_data(form, actions.CALENDAR_FIELDS),
            exceptions=_exceptions(formsets),
            calendar=form.instance if change else None,
        )

    def delete_model(self, request, obj):
        actions.delete_calendar(actor=request.user, calendar=obj)

    def delete_queryset(self, request, queryset):
        for calendar in queryset:
            actions.delete_calendar(actor=request.user, calendar=calendar)


def _exceptions(formsets) -> list[dict]:
    """The days the inline forms leave, each with the id of the row it changes."""
    days = []
    for formset in formsets:
        for form in formset.forms:
            data = form.cleaned_data
            if data and not data.get("DELETE"):
                days.append({"id": form.instance.pk, **form_data(form, actions.EXCEPTION_FIELDS)})
    return days


class CannedResponseForm(DomainForm):
    check = staticmethod(actions.check_canned_response)
    fields_of_check = actions.CANNED_RESPONSE_FIELDS
    instance_name = "canned"

    class Meta:
        model = CannedResponse
        fields = ["jurisdiction", "service_type", "title", "text", "public", "active", "order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for column in lang.columns("text"):
            if column in self.fields:
                self.fields[column].help_text = placeholders_help()


@admin.register(CannedResponse)
class CannedResponseAdmin(ScopedAdmin, DomainSaveMixin, TranslationAdmin):
    form = CannedResponseForm
    fields = side_by_side(
        CannedResponse, "jurisdiction", "service_type", "title", "text", "public", "active", "order"
    )
    list_display = ["title", "service_type", "public", "active", "order", "jurisdiction"]
    list_filter = ["jurisdiction", "public", "active", "service_type"]
    list_select_related = ["jurisdiction", "service_type"]
    search_fields = ["title", "text"]

    def get_readonly_fields(self, request, obj=None):
        return ["jurisdiction"] if obj else []

    def save_through_domain(self, request, form, formsets, change):
        return actions.save_canned_response(
            actor=request.user,
            data=form_data(form, actions.CANNED_RESPONSE_FIELDS),
            canned=form.instance if change else None,
        )

    def delete_model(self, request, obj):
        actions.delete_canned_response(actor=request.user, canned=obj)

    def delete_queryset(self, request, queryset):
        for canned in queryset:
            actions.delete_canned_response(actor=request.user, canned=canned)


class CallTopicForm(DomainForm):
    check = staticmethod(actions.check_call_topic)
    fields_of_check = actions.CALL_TOPIC_FIELDS
    instance_name = "topic"

    class Meta:
        model = CallTopic
        fields = ["jurisdiction", "name", "answer", "active", "order"]


@admin.register(CallTopic)
class CallTopicAdmin(ScopedAdmin, DomainConfigAdmin, TranslationAdmin):
    """The call center's knowledge base: questions answered on the phone without a request.
    Topics are made inactive rather than deleted: logged calls keep theirs."""

    form = CallTopicForm
    domain_save = staticmethod(actions.save_call_topic)
    fields = side_by_side(CallTopic, "jurisdiction", "name", "answer", "active", "order")
    list_display = ["name", "active", "order", "jurisdiction"]
    list_filter = ["jurisdiction", "active"]
    list_select_related = ["jurisdiction"]
    search_fields = ["name", "answer"]


class AutomationRuleForm(DomainForm):
    check = staticmethod(actions.check_automation_rule)
    fields_of_check = actions.AUTOMATION_RULE_FIELDS
    instance_name = "rule"

    class Meta:
        model = AutomationRule
        fields = list(actions.AUTOMATION_RULE_FIELDS)


@admin.register(AutomationRule)
class AutomationRuleAdmin(ScopedAdmin, DomainSaveMixin, admin.ModelAdmin):
    form = AutomationRuleForm
    list_display = ["order", "name", "trigger", "service_type", "area", "active", "jurisdiction"]
    list_display_links = ["order", "name"]
    list_filter = ["jurisdiction", "trigger", "active"]
    list_select_related = ["jurisdiction", "service_type", "area"]
    search_fields = ["name"]
    autocomplete_fields = ["area"]
    fieldsets = [
        (None, {"fields": ["jurisdiction", "name", "order", "active", "trigger"]}),
        (
            _("Conditions (empty: any)"),
            {"fields": ["service_type", "area", "channel"]},
        ),
        (
            _("Actions"),
            {
                "fields": [
                    "assign_department",
                    "assign_person",
                    "acknowledge",
                    "canned_response",
                    "escalate",
                    "priority_raise",
                    "stop",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        return ["jurisdiction"] if obj else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "assign_person" and field is not None:
            # City staff of the admin's jurisdictions (the domain checks the rule's own).
            field.queryset = scope.scoped(
                field.queryset.filter(is_active=True).exclude(role="resident"),
                request.user,
                "jurisdictions",
            ).distinct()
        return field

    def save_through_domain(self, request, form, formsets, change):
        return actions.save_automation_rule(
            actor=request.user,
            data=form_data(form, actions.AUTOMATION_RULE_FIELDS),
            rule=form.instance if change else None,
        )

    def delete_model(self, request, obj):
        actions.delete_automation_rule(actor=request.user, rule=obj)

    def delete_queryset(self, request, queryset):
        for rule in queryset:
            actions.delete_automation_rule(actor=request.user, rule=rule)


class PhoneLineForm(DomainForm):
    check = staticmethod(actions.check_phone_line)
    fields_of_check = actions.PHONE_LINE_FIELDS
    instance_name = "line"

    class Meta:
        model = PhoneLine
        fields = ["jurisdiction", "number", "active"]


@admin.register(PhoneLine)
class PhoneLineAdmin(ScopedAdmin, DomainConfigAdmin, admin.ModelAdmin):
    """The city's numbers at the SMS and voice provider: texts and calls to one belong to
    its jurisdiction (docs/phone.md)."""

    form = PhoneLineForm
    domain_save = staticmethod(actions.save_phone_line)
    list_display = ["number", "jurisdiction", "active"]
    list_filter = ["jurisdiction", "active"]
    list_select_related = ["jurisdiction"]


class HoldMessageForm(DomainForm):
    check = staticmethod(actions.check_hold_message)
    fields_of_check = actions.HOLD_MESSAGE_FIELDS
    instance_name = "message"

    class Meta:
        model = HoldMessage
        fields = ["jurisdiction", "language", "digit", "text", "active", "order"]


@admin.register(HoldMessage)
class HoldMessageAdmin(ScopedAdmin, DomainConfigAdmin, admin.ModelAdmin):
    """What callers on hold hear: one message per language, each naming its key."""

    form = HoldMessageForm
    domain_save = staticmethod(actions.save_hold_message)
    list_display = ["language", "digit", "text", "active", "order", "jurisdiction"]
    list_filter = ["jurisdiction", "language", "active"]
    list_select_related = ["jurisdiction"]


def masked(key: str) -> str:
    """A secret as the admin shows it back: its last four characters at most."""
    return f"…{key[-4:]}" if len(key) > 8 else ("…" if key else "")


class CrmEndpointForm(DomainForm):
    check = staticmethod(actions.check_crm_endpoint)
    fields_of_check = actions.CRM_ENDPOINT_FIELDS
    instance_name = "endpoint"

    new_api_key = forms.CharField(
        label=_("API key"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Never shown again once saved. Leave empty to keep the current key."),
    )

    class Meta:
        model = CrmEndpoint
        fields = list(actions.CRM_ENDPOINT_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.api_key:
            self.fields["new_api_key"].help_text = _(
                "The current key ends %(k)s. Leave empty to keep it."
            ) % {"k": masked(self.instance.api_key)}

    def domain_data(self) -> dict:
        data = form_data(self, actions.CRM_ENDPOINT_FIELDS)
        if self.cleaned_data.get("new_api_key"):
            data["api_key"] = self.cleaned_data["new_api_key"]
        return data


@admin.register(CrmEndpoint)
class CrmEndpointAdmin(ScopedAdmin, DomainConfigAdmin, admin.ModelAdmin):
    """A city's own CRM (fixboard.bridge); its sends and polls refer to it."""

    form = CrmEndpointForm
    domain_save = staticmethod(actions.save_crm_endpoint)
    fixed_after_add = ()
    list_display = ["name", "jurisdiction", "base_url", "format", "poll", "key_ends", "active"]
    list_filter = ["jurisdiction", "active", "poll"]
    search_fields = ["name", "base_url"]
    list_select_related = ["jurisdiction"]

    @admin.display(description=_("API key"))
    def key_ends(self, obj):
        return masked(obj.api_key)
