"""A request's public page and what a resident can do there."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fixboard.reports.actions import (
    ContactDetails,
    add_update,
    follow,
    support,
    transition,
    upsert_contact,
)
from fixboard.reports.models import Event, Status, Support
from fixboard.reports.selectors import (
    get_public_request,
    public_areas,
    public_photos,
    public_timeline,
)

from ..forms import CommentForm, FollowForm
from ..selectors import is_reporter_or_follower, may_reopen
from ..session import is_mine, remember_mine, session_key
from .common import map_settings


def _request_or_404(public_id):
    found = get_public_request(public_id)
    if found is None:
        raise Http404(_("No public request has this number."))
    return found


def _mine(request, service_request) -> bool:
    return is_mine(request, service_request.public_id) or is_reporter_or_follower(
        service_request, request.user
    )


def detail(request, public_id, follow_form=None, comment_form=None, status=200):
    service_request = _request_or_404(public_id)
    if service_request.public_id != public_id:
        return redirect(service_request.get_absolute_url(), permanent=True)
    supported = (
        bool(request.session.session_key)
        and Support.objects.filter(
            request=service_request, session_key=request.session.session_key
        ).exists()
    )
    # Each "me too" and follow would drown the story; their counts are shown instead.
    timeline = [
        e
        for e in public_timeline(service_request)
        if e.kind not in (Event.Kind.SUPPORTED, Event.Kind.FOLLOWED)
    ]
    reported = {e.id for e in timeline if e.kind in (Event.Kind.SUBMITTED, Event.Kind.IMPORTED)}
    photos = public_photos(service_request)
    return render(
        request,
        "web/request.html",
        {
            "sr": service_request,
            "jurisdiction": service_request.jurisdiction,
            "timeline": timeline,
            "before_photos": [p for p in photos if p.event_id is None or p.event_id in reported],
            "after_photos": [p for p in photos if p.event_id and p.event_id not in reported],
            "areas": public_areas(service_request),
            "supported": supported,
            "may_reopen": may_reopen(service_request, mine=_mine(request, service_request)),
            "follow_form": follow_form or FollowForm(),
            "comment_form": comment_form or CommentForm(),
            **map_settings(service_request.jurisdiction),
        },
        status=status,
    )


def _domain_error(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@require_POST
def support_view(request, public_id):
    service_request = _request_or_404(public_id)
    actor = request.user if request.user.is_authenticated else None
    try:
        added = support(request=service_request, actor=actor, session_key=session_key(request))
    except ValidationError as exc:
        _domain_error(request, exc)
    else:
        if added:
            messages.success(request, _("Thank you: your support is counted."))
        else:
            messages.info(request, _("You already support this request."))
    return redirect(service_request.get_absolute_url())


@require_POST
def follow_view(request, public_id):
    service_request = _request_or_404(public_id)
    form = FollowForm(request.POST)
    if not form.is_valid():
        return detail(request, public_id, follow_form=form, status=400)
    contact = upsert_contact(ContactDetails(email=form.cleaned_data["email"]))
    try:
        added = follow(request=service_request, actor=contact)
    except ValidationError as exc:
        _domain_error(request, exc)
    else:
        remember_mine(request, service_request.public_id)
        messages.success(
            request,
            _("You will get an e-mail when this request changes.")
            if added
            else _("This e-mail already follows this request."),
        )
    return redirect(service_request.get_absolute_url())


@require_POST
def comment_view(request, public_id):
    service_request = _request_or_404(public_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return detail(request, public_id, comment_form=form, status=400)
    contact = upsert_contact(ContactDetails(email=form.cleaned_data["email"]))
    try:
        add_update(request=service_request, text=form.cleaned_data["text"], actor=contact)
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error("text", message)
        return detail(request, public_id, comment_form=form, status=400)
    messages.success(request, _("Your comment is published."))
    return redirect(service_request.get_absolute_url() + "#timeline")


@require_POST
def reopen_view(request, public_id):
    service_request = _request_or_404(public_id)
    if not may_reopen(service_request, mine=_mine(request, service_request)):
        messages.error(
            request,
            _("Only the reporter and followers can reopen a request, within 30 days of its close."),
        )
        return redirect(service_request.get_absolute_url())
    try:
        transition(
            request=service_request,
            to_status=Status.IN_PROGRESS,
            actor=request.user if request.user.is_authenticated else None,
            note=_("A resident reports the problem is still there."),
        )
    except ValidationError as exc:
        _domain_error(request, exc)
    else:
        messages.success(request, _("Reopened. The city will take another look."))
    return redirect(service_request.get_absolute_url())
