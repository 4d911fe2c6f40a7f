"""The forms of the work view. They parse; the domain functions validate and decide.

Each form takes the domain's ValidationError back field by field (`add_domain_errors`), so a
refusal reads next to the field it concerns.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fixboard.core.widgets import ListedModelChoiceField, QuickSelect
from fixboard.reports.actions import ALLOWED, MAX_REASON
from fixboard.reports.attributes import MAX_TEXT
from fixboard.reports.changes import PRIORITY_LABELS
from fixboard.reports.models import CloseReason, ServiceRequest, Status

REFERRED_TO_MAX = ServiceRequest._meta.get_field("referred_to").max_length


class WorkForm(forms.Form):
    # The domain's field names that this form calls otherwise.
    domain_fields: dict[str, str] = {}

    def add_domain_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for key, errors in exc.message_dict.items():
            name = self.domain_fields.get(key, key)
            self.add_error(name if name in self.fields else None, errors)


def _text(label, *, required=False, rows=4, max_length=MAX_TEXT, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        strip=True,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def upload(form: forms.Form, name: str = "photo") -> tuple[bytes, str] | None:
    """An uploaded file as the domain takes it: (bytes, name), or None."""
    file = form.cleaned_data.get(name)
    return (file.read(), file.name) if file else None


class UpdateForm(WorkForm):
    """An internal note or a public update: the button pressed says which."""

    text = _text(_("Text"), rows=5)
    photo = forms.FileField(label=_("Photo"), required=False)
    domain_fields = {"media": "photo", "media_url": "photo"}


class AssignForm(WorkForm):
    department = ListedModelChoiceField(
        label=_("Team (department)"),
        queryset=None,
        required=False,
        empty_label=_("— no change —"),
        widget=QuickSelect,
    )
    assignee = ListedModelChoiceField(
        label=_("Person"),
        queryset=None,
        required=False,
        empty_label=_("— no change —"),
        widget=QuickSelect,
    )

    def __init__(self, *args, departments, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["assignee"].queryset = people
        self.fields["assignee"].label_from_instance = lambda u: u.get_full_name() or u.username


class StatusForm(WorkForm):
    to_status = forms.ChoiceField(label=_("New status"))
    # A duplicate is closed by merging it (below), which links the two requests and moves
    # their supporters: closing it here would leave residents with nowhere to look.
    close_reason = forms.ChoiceField(
        label=_("Reason for closing"),
        required=False,
        choices=[c for c in CloseReason.choices if c[0] != CloseReason.DUPLICATE],
        widget=forms.RadioSelect,
        help_text=_("A duplicate? Merge it into the other request instead."),
    )
    referred_to = forms.CharField(
        label=_("Referred to (agency)"),
        required=False,
        max_length=REFERRED_TO_MAX,
        help_text=_("When referring it: who takes it over, e.g. Caltrans."),
    )
    photo = forms.FileField(label=_("Photo of the work done"), required=False)
    note = _text(
        _("Note to the public"),
        rows=3,
        help_text=_(
            "Residents see it on the request's page; the reporter and followers are e-mailed."
        ),
    )
    domain_fields = {"status": "to_status", "media": "photo", "media_url": "photo"}

    def __init__(self, *args, current: str, after_photo_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [("", _("— choose —"))] + [
            (s.value, s.label) for s in Status if s in ALLOWED[Status(current)]
        ]
        self.fields["photo"].help_text = (
            _("Required to close it as fixed: this service type asks for an after-photo.")
            if after_photo_required
            else _("Optional; residents see it as the after-photo.")
        )


class MergeForm(WorkForm):
    canonical = forms.CharField(
        label=_("Merge into request"),
        max_length=40,
        help_text=_("The id of the request to keep, e.g. 7KQ2-M9XD."),
    )
    note = _text(_("Note (public)"), rows=2, required=False)
    domain_fields = {"duplicate": "canonical"}


class ModerationForm(WorkForm):
    reason = forms.CharField(label=_("Reason (staff only)"), max_length=MAX_REASON)


class ServiceTypeForm(WorkForm):
    service_type = ListedModelChoiceField(
        label=_("New service type"), queryset=None, widget=QuickSelect
    )
    note = _text(_("Note (public unless a service type is private)"), rows=2)

    def __init__(self, *args, service_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_type"].queryset = service_types


class LocationForm(WorkForm):
    lat = forms.FloatField(
        label=_("Latitude"), widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    long = forms.FloatField(
        label=_("Longitude"), widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    address = forms.CharField(label=_("Address"), required=False, max_length=300)
    note = _text(_("Note (public)"), rows=2)
    domain_fields = {"location": "lat"}


class PriorityForm(WorkForm):
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        coerce=int,
        choices=lambda: [(v, f"{v:+d} · {label}") for v, label in PRIORITY_LABELS.items()],
    )
    reason = forms.CharField(label=_("Reason (staff only)"), required=False, max_length=500)


class CloseReasonForm(WorkForm):
    close_reason = forms.ChoiceField(
        label=_("Correct reason"),
        choices=[c for c in CloseReason.choices if c[0] != CloseReason.DUPLICATE],
        widget=forms.RadioSelect,
    )
    referred_to = forms.CharField(
        label=_("Referred to (agency)"), required=False, max_length=REFERRED_TO_MAX
    )
    note = _text(_("Note to the public"), rows=2)


class RedactForm(WorkForm):
    """What the public reads instead (or nothing), and why; the original stays for staff."""

    text = _text(_("Text shown to the public instead"), rows=3)
    reason = forms.CharField(label=_("Reason (staff only)"), max_length=500)
    domain_fields = {"description": "text"}
