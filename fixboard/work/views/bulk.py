"""Bulk actions on the queue's selection: each request through the domain, one by one."""

from django.http import QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fixboard.reports import actions
from fixboard.reports.models import ServiceRequest, Status

from ..access import staff_only
from ..bulk import BulkReport, Outcome, for_each
from ..filters import QueueFilters, person
from ..forms import BulkForm
from .queue import request_url


def _run(form: BulkForm, user) -> BulkReport:
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
    for missing in (i for i in ids if i not in found):
        report.failed.append(Outcome(missing, False, _("No such request.")))
    return report


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
    report = _run(form, person(request.user))
    return render(
        request,
        "work/bulk_result.html",
        {
            "form": form,
            "report": report,
            "back": back,
            "succeeded": [(o, request_url(o.public_id)) for o in report.succeeded],
            "failed": [(o, request_url(o.public_id)) for o in report.failed],
            "action": dict(BulkForm.ACTIONS)[form.cleaned_data["action"]],
        },
    )
