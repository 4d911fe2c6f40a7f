"""Bulk actions on the queue's selection: each request through the domain, one by one."""

from django.http import QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fixboard.reports import actions
from fixboard.reports.bulk import BulkReport, for_each
from fixboard.reports.models import ServiceRequest, Status

from ..access import staff_only
from ..filters import QueueFilters, person
from ..forms import BulkForm
from .queue import request_url


def _run(form: BulkForm, user) -> tuple[BulkReport, list[str]]:
    """The report of the action, and the ids named that match no request."""
    data = form.cleaned_data
    ids = data["ids"]
    # Every request the person named, whoever's it is: the domain says who may change it.
    found = {r.public_id: r for r in ServiceRequest.objects.filter(public_id__in=ids)}
    requests = [found[i] for i in ids if i in found]
    action = data["action"]
    if action == "assign":
        report = for_each(
            requests,
            actions.assign,
            actor=user,
            department=data.get("department"),
            assignee=data.get("assignee"),
        )
    elif action == "close":
        report = for_each(
            requests,
            actions.transition,
            actor=user,
            to_status=Status.CLOSED,
            close_reason=data["close_reason"],
            note=data["message"],
            public=True,
        )
    else:
        to_status = Status.ACKNOWLEDGED if action == "acknowledge" else data["status"]
        report = for_each(requests, actions.transition, actor=user, to_status=to_status)
    return report, [i for i in ids if i not in found]


@require_POST
@staff_only
def bulk(request):
    form = BulkForm(request.POST, user=person(request.user))
    back = QueueFilters(
        QueryDict(request.POST.get("query", "")), user=person(request.user)
    ).canonical_query()
    if not form.is_valid():
        return render(
            request,
            "work/bulk_result.html",
            {"form": form, "report": None, "back": back},
            status=400,
        )
    report, missing = _run(form, person(request.user))
    return render(
        request,
        "work/bulk_result.html",
        {
            "form": form,
            "report": report,
            "back": back,
            "total": report.total + len(missing),
            "succeeded": [
                (item.request.public_id, request_url(item.request.public_id))
                for item in report.succeeded
            ],
            "failed": [
                (item.request.public_id, request_url(item.request.public_id), item.error)
                for item in report.failed
            ]
            + [(public_id, "", _("No such request.")) for public_id in missing],
            "action": dict(BulkForm.ACTIONS)[form.cleaned_data["action"]],
        },
    )
