from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fixboard.reports.public_ids import normalize_public_id
from fixboard.reports.selectors import get_public_request

from ..forms import TrackForm
from ..selectors import find_by_source_id, jurisdictions_with_counts


def home(request):
    return render(request, "web/home.html", {"cities": jurisdictions_with_counts()})


def track(request):
    form = TrackForm(request.GET or None)
    if form.is_valid():
        text = form.cleaned_data["id"]
        found = get_public_request(normalize_public_id(text)) or find_by_source_id(text)
        if found is not None:
            return redirect(found.get_absolute_url())
        form.add_error(
            "id",
            _("No public request has the number %(id)s. Check it against your e-mail or receipt.")
            % {"id": text},
        )
    return render(request, "web/track.html", {"form": form})
