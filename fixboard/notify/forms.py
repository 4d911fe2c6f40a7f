from django import forms
from django.utils.translation import gettext_lazy as _

from fixboard.catalog.models import ServiceType
from fixboard.places.models import Area, Jurisdiction
from fixboard.places.names import by_name


class SignInForm(forms.Form):
    email = forms.EmailField(
        label=_("Your e-mail address"),
        help_text=_("The one you gave when you reported. We will e-mail you a sign-in link."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class WatchForm(forms.Form):
    email = forms.EmailField(
        label=_("Your e-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    area = forms.ModelChoiceField(
        label=_("Area"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("— the rectangle I draw on the map —"),
    )
    service_type = forms.ModelChoiceField(
        label=_("Kind of problem"),
        queryset=ServiceType.objects.none(),
        required=False,
        empty_label=_("All kinds"),
    )
    min_lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    min_long = forms.FloatField(required=False, widget=forms.HiddenInput)
    max_lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    max_long = forms.FloatField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, jurisdiction: Jurisdiction, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = by_name(
            Area.objects.filter(jurisdiction=jurisdiction, active=True)
        )
        self.fields["service_type"].queryset = ServiceType.objects.filter(
            jurisdiction=jurisdiction, public=True, active=True
        ).order_by("group", "name")

    def bbox(self) -> tuple[float, float, float, float] | None:
        corners = [self.cleaned_data.get(k) for k in ("min_lat", "min_long", "max_lat", "max_long")]
        return None if any(c is None for c in corners) else tuple(corners)
