"""Forms of the resident pages. Domain rules stay in `reports`; these only shape input."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fixboard.catalog.models import AttributeDefinition
from fixboard.catalog.questions import limits_hint
from fixboard.reports.models import Status
from fixboard.reports.photos import limits as photo_limits

Datatype = AttributeDefinition.Datatype

AGE_CHOICES = [
    ("", _("Any time")),
    ("7", _("Last 7 days")),
    ("30", _("Last 30 days")),
    ("90", _("Last 3 months")),
    ("365", _("Last year")),
]
STATUS_CHOICES = [
    ("", _("All")),
    ("recent", _("Open, and fixed in the last 30 days")),
    ("open", _("Open")),
    (Status.NEW, Status.NEW.label),
    (Status.ACKNOWLEDGED, Status.ACKNOWLEDGED.label),
    (Status.IN_PROGRESS, Status.IN_PROGRESS.label),
    ("closed", _("Closed")),
]


class FilterForm(forms.Form):
    """Map and list filters, read from the query string."""

    service = forms.ChoiceField(label=_("Problem type"), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    area = forms.ChoiceField(label=_("Area"), required=False)
    age = forms.ChoiceField(label=_("Reported"), choices=AGE_CHOICES, required=False)

    def __init__(self, *args, service_types, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", _("All types"))] + [
            (s.code, s.name) for s in service_types
        ]
        self.fields["area"].choices = [("", _("Whole city"))] + [
            (str(a.pk), f"{a.name} ({a.kind})") for a in areas
        ]


def _number_limits(definition: AttributeDefinition) -> dict:
    """The browser's own hints for a number question's limits (the domain checks them)."""
    attrs = {"step": "1" if definition.whole_number else "any"}
    for name, value in (("min", definition.minimum), ("max", definition.maximum)):
        if value is not None:
            attrs[name] = str(int(value)) if value.is_integer() else str(value)
    return attrs


def attribute_field(definition: AttributeDefinition) -> forms.Field:
    """The input that suits a question's datatype; answers are checked by the domain."""
    common = {
        "label": definition.description,
        "required": False,
        "help_text": definition.datatype_description
        or limits_hint(definition.whole_number, definition.minimum, definition.maximum),
    }
    choices = [(str(v["key"]), v.get("name") or v["key"]) for v in definition.values]
    match definition.datatype:
        case Datatype.NUMBER:
            limits = _number_limits(definition)
            return forms.CharField(widget=forms.NumberInput(attrs=limits), **common)
        case Datatype.DATETIME:
            return forms.CharField(
                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **common
            )
        case Datatype.TEXT:
            return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
        case Datatype.SINGLEVALUELIST:
            return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
        case Datatype.MULTIVALUELIST:
            return forms.MultipleChoiceField(
                choices=choices, widget=forms.CheckboxSelectMultiple, **common
            )
        case _:
            return forms.CharField(**common)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [f for f in files if f]


class ReportForm(forms.Form):
    """A new report. The questions of the chosen service type are added as `attribute[code]`."""

    service = forms.ChoiceField(label=_("What is the problem?"), widget=forms.RadioSelect)
    lat = forms.FloatField(
        label=_("Latitude"), required=False, min_value=-90, max_value=90, localize=False
    )
    long = forms.FloatField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180, localize=False
    )
    address = forms.CharField(label=_("Address"), required=False, max_length=300)
    description = forms.CharField(
        label=_("Describe the problem"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What is wrong, and anything that helps the crew find it."),
    )
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*"}),
    )
    name = forms.CharField(label=_("Your name"), required=False, max_length=200)
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        help_text=_(
            "We send you updates. Never shown publicly. If you give it, we first e-mail you a "
            "link to confirm: your report goes live once you follow it."
        ),
    )
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    show_name = forms.BooleanField(label=_("Show my name publicly"), required=False)

    def __init__(self, *args, service_types, service_type=None, **kwargs):
        super().__init__(*args, **kwargs)
        limit = photo_limits()
        self.fields["photos"].help_text = _(
            "JPEG, PNG, WebP or HEIC: up to %(n)d photos, %(mb)s MB each."
        ) % {"n": limit.count, "mb": f"{limit.bytes_each / 1_000_000:g}"}
        self.service_types = {s.code: s for s in service_types}
        self.fields["service"].choices = [(s.code, s.name) for s in service_types]
        self.service_type = service_type
        self.questions = []
        self.notices = []
        if service_type is not None:
            for definition in service_type.attributes.all():
                if not definition.variable:
                    self.notices.append(definition.description)
                else:
                    name = f"attribute[{definition.code}]"
                    self.fields[name] = attribute_field(definition)
                    self.questions.append((definition, name))

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and sum(c.isdigit() for c in phone) < 6:
            raise forms.ValidationError(_("Enter a phone number with its area code."))
        return phone

    def answers(self) -> dict:
        return {d.code: self.cleaned_data.get(name) for d, name in self.questions}

    def grouped_services(self) -> list[tuple[str, list]]:
        """The service choices grouped by their service type's group, for the picker."""
        groups: dict[str, list] = {}
        bound = {w.data["value"]: w for w in self["service"]}
        for code, service_type in self.service_types.items():
            groups.setdefault(service_type.group or _("Other"), []).append(
                (service_type, bound[code])
            )
        return list(groups.items())


class FollowForm(forms.Form):
    prefix = "follow"
    email = forms.EmailField(label=_("Your e-mail"))


class CommentForm(forms.Form):
    prefix = "comment"
    text = forms.CharField(
        label=_("Add a comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    email = forms.EmailField(
        label=_("Your e-mail"),
        help_text=_(
            "Never shown publicly. We e-mail you a link: your comment is published once you "
            "follow it."
        ),
        required=True,
    )

    def __init__(self, *args, signed_in: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if signed_in:  # the sign-in link proved their address; they publish at once
            del self.fields["email"]


class ReopenForm(forms.Form):
    prefix = "reopen"
    reason = forms.CharField(
        label=_("What is still wrong? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photo = forms.FileField(
        label=_("A photo of it now (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )


class ModerationForm(forms.Form):
    reason = forms.CharField(label=_("Reason (staff only)"), max_length=500)


class TrackForm(forms.Form):
    id = forms.CharField(label=_("Request number"), max_length=64)
