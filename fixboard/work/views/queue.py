"""The work queue: the requests a staff member may work, most pressing first, filtered."""

from urllib.parse import urlencode

from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from fixboard.accounts.models import User
from fixboard.reports import priority, sla
from fixboard.reports.models import ServiceRequest

from .. import saved, visits
from ..access import staff_only
from ..filters import COUNT_LIMIT, PAGE_SIZE, QueueFilters, bounded_count, person
from ..filters import new_count as count_new
from ..forms import BulkForm
from ..rows import Rows


def request_url(public_id: str) -> str:
    """The work view of a request."""
    return reverse("work:request", args=[public_id])


def _page_number(request) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


def _is_partial(request) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


def _rows(page_requests, now, since, can_bulk: bool):
    writer, rows = Rows(can_bulk), []
    for r in page_requests:
        row = {
            "r": r,
            "url": request_url(r.public_id),
            "why": priority.explain(r, now),
            "sla": sla.state(r, now),
            "new": since is not None and r.requested_at > since,
        }
        row["html"] = writer.html(row)
        rows.append(row)
    return rows


def _page(ordered, offset: int) -> list[ServiceRequest]:
    """One page of `ordered`: first the ids alone (narrow rows sort in memory, however many
    match), then those rows with what the page shows."""
    ids = list(ordered.values_list("pk", flat=True)[offset : offset + PAGE_SIZE])
    found = ServiceRequest.objects.select_related("service_type", "department", "assignee").in_bulk(
        ids
    )
    return [found[pk] for pk in ids if pk in found]


def queue_context(request, *, record_look: bool) -> dict:
    now = timezone.now()
    user = person(request.user)
    filters = QueueFilters(request.GET, user=user)
    matching = filters.filtered(now)
    count, more = bounded_count(matching)
    since = visits.looked(user, now) if record_look else visits.seen_since(user)
    new_count, new_more = count_new(matching, since)
    number = _page_number(request)
    pages = max((count + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    number = min(number, pages)
    offset = (number - 1) * PAGE_SIZE
    page_requests = _page(filters.sorted(matching, now), offset)
    query = filters.canonical_query()
    # Call-takers change no request (accounts.scope): no selection, no bulk actions.
    can_bulk = user.is_superuser or user.role != User.Role.AGENT
    shareable = saved.shareable_departments(user)
    views = list(saved.visible_views(user))
    for view in views:
        view.can_change = (
            view.owner_id == user.pk
            if view.department_id is None
            else view.department_id in {d.pk for d in shareable}
        )
    return {
        "filters": filters,
        "rows": _rows(page_requests, now, since, can_bulk),
        "count": count,
        "count_more": more,
        "count_limit": COUNT_LIMIT,
        "new_count": new_count,
        "new_more": new_more,
        "since": since,
        "page": {
            "number": number,
            "pages": pages,
            "has_previous": number > 1,
            "has_next": number < pages,
            "previous": _with_page(query, number - 1),
            "next": _with_page(query, number + 1),
            "first_index": offset + 1 if page_requests else 0,
            "last_index": offset + len(page_requests),
        },
        "query": query,
        "can_bulk": can_bulk,
        "bulk_form": BulkForm(user=user),
        "saved_views": views,
        "shareable": shareable,
    }


def _with_page(query: str, number: int) -> str:
    return "&".join(filter(None, [query, urlencode({"page": number}) if number > 1 else ""]))


@staff_only
def queue(request):
    partial = _is_partial(request)
    context = queue_context(request, record_look=not partial)
    template = "work/_queue_results.html" if partial else "work/queue.html"
    return render(request, template, context)


@staff_only
def queue_count(request):
    """The live count: how many requests match the filters, and how many are new."""
    now = timezone.now()
    filters = QueueFilters(request.GET, user=person(request.user))
    matching = filters.filtered(now)
    count, more = bounded_count(matching)
    since = visits.seen_since(person(request.user))
    new_count, new_more = count_new(matching, since)
    return render(
        request,
        "work/_queue_count.html",
        {
            "count": count,
            "count_more": more,
            "new_count": new_count,
            "new_more": new_more,
            "since": since,
            "query": filters.canonical_query(),
        },
    )


@require_POST
@staff_only
def queue_seen(request):
    """Mark everything in the queue as seen: nothing made until now is new any more."""
    visits.mark_all_seen(person(request.user), timezone.now())
    query = QueueFilters(
        QueryDict(request.POST.get("query", "")), user=person(request.user)
    ).canonical_query()
    return redirect(f"{reverse('work:queue')}?{query}" if query else reverse("work:queue"))
