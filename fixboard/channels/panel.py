"""The phone line panel: what the on-hold menu saved the call center, for its managers."""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from fixboard.accounts import scope
from fixboard.accounts.models import User
from fixboard.places.models import Jurisdiction
from fixboard.work.access import staff_only

from .selectors import deflection_figures

MANAGERS = (User.Role.MANAGER, User.Role.ADMIN)


@require_GET
@staff_only(roles=MANAGERS)
def phone_line(request):
    """Calls sent online per jurisdiction the manager works for (or the one asked for)."""
    jurisdictions = Jurisdiction.objects.order_by("name")
    if slug := request.GET.get("jurisdiction"):
        jurisdiction = get_object_or_404(jurisdictions, slug=slug)
        scope.check_may_act_in(request.user, jurisdiction)
        shown = [jurisdiction]
    else:
        shown = list(scope.scoped(jurisdictions, request.user, "pk"))
    panels = [deflection_figures(j) for j in shown]
    return render(request, "channels/phone_line.html", {"panels": panels})
