"""The work queue: the open requests a staff member may work, most pressing first."""

from django.shortcuts import render

from fixboard.accounts import scope
from fixboard.reports.models import OPEN_STATUSES, ServiceRequest

from ..access import staff_only

PAGE = 50


def workable(user):
    """The requests `user` sees in their queue: their departments' (and granted ones'),
    or, for call-takers and admins, their jurisdictions'."""
    requests = ServiceRequest.objects.filter(status__in=OPEN_STATUSES)
    if user.is_superuser or user.role not in scope.CHANGING_ROLES:
        return scope.scoped(requests, user)
    return scope.changeable(requests, user)


@staff_only
def queue(request):
    requests = (
        workable(request.user)
        .select_related("service_type", "department", "assignee")
        .order_by("-requested_at")[:PAGE]
    )
    return render(request, "work/queue.html", {"requests": requests})
