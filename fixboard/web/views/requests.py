"""A request's public page and what a resident can do there."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fixboard.accounts.scope import check_may_act_in
from fixboard.core import limits
from fixboard.notify.follows import ask_by_email, follows_at_once
from fixboard.reports import sla
from fixboard.reports.actions import (
    ContactDetails,
    add_update,
    flag_comment,
    follow,
    hide_comment,
    may_moderate,
    restore_comment,
    support,
    transition,
    upsert_contact,
)
from fixboard.reports.models import Event, Status, Support
from fixboard.reports.selectors import (
    comment_of,
    comments_flagged_by,
    get_public_request,
    public_areas,
    public_photos,
    public_timeline,
    staff_comment_flags,
    staff_hidden_comments,
)

from ..forms import CommentForm, FollowForm, ModerationForm
from ..selectors import follows_since, is_reporter_or_follower, may_reopen
from ..session import follow_asked_with, is_mine, remember_follow_asked
from .common import feeds, map_settings


def _request_or_404(public_id):
    found = get_public_request(public_id)
    if found is None:
        raise Http404(_("No public request has this number."))
    return found


def _mine(request, service_request) -> bool:
    public_id = service_request.public_id
    return (
        is_mine(request, public_id)
        or is_reporter_or_follower(service_request, request.user)
        or follows_since(service_request, *follow_asked_with(request, public_id))
    )


def detail(request, public_id, follow_form=None, comment_form=None, status=200):
    service_request = _request_or_404(public_id)
    if service_request.public_id != public_id:
        return redirect(service_request.get_absolute_url(), permanent=True)
    supported = Support.objects.filter(
        request=service_request, client_key=limits.anonymous_key(request)
    ).exists()
    # Each "me too" and follow would drown the story; their counts are shown instead.
    timeline = [
        e
        for e in public_timeline(service_request)
        if e.kind not in (Event.Kind.SUPPORTED, Event.Kind.FOLLOWED)
    ]
    moderator = may_moderate(request.user, service_request.jurisdiction_id)
    flags = staff_comment_flags(service_request) if moderator else {}
    flagged = comments_flagged_by(
        service_request, user=request.user, client_key=limits.anonymous_key(request)
    )
    reported = {e.id for e in timeline if e.kind in (Event.Kind.SUBMITTED, Event.Kind.IMPORTED)}
    photos = public_photos(service_request)
    areas = public_areas(service_request)
    return render(
        request,
        "web/request.html",
        {
            "sr": service_request,
            "jurisdiction": service_request.jurisdiction,
            "timeline": [(e, flags.get(e.id, 0), e.id in flagged) for e in timeline],
            "moderator": moderator,
            "hidden_comments": staff_hidden_comments(service_request) if moderator else [],
            "follows_at_once": follows_at_once(request.user),
            "before_photos": [p for p in photos if p.event_id is None or p.event_id in reported],
            "after_photos": [p for p in photos if p.event_id and p.event_id not in reported],
            "areas": areas,
            "supported": supported,
            # Said in words ("Overdue since …"), not by colour alone.
            "overdue": sla.state(service_request) == sla.OVERDUE,
            "may_reopen": may_reopen(service_request, mine=_mine(request, service_request)),
            "follow_form": follow_form or FollowForm(),
            "comment_form": comment_form or CommentForm(),
            **map_settings(service_request.jurisdiction),
            **feeds(
                service_request.jurisdiction,
                service=service_request.service_type,
                areas=[(a["id"], a["name"]) for a in areas],
            ),
        },
        status=status,
    )


def _domain_error(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _too_many(request, public_id, exc: limits.Limited, **forms):
    """The request page again, with the message, as 429 (no redirect: nothing was done)."""
    if not forms:
        messages.error(request, exc.message)
    response = detail(request, public_id, status=429, **forms)
    response["Retry-After"] = str(exc.retry_after)
    return response


@require_POST
def support_view(request, public_id):
    service_request = _request_or_404(public_id)
    actor = request.user if request.user.is_authenticated else None
    try:
        limits.check(request, "support", target=service_request.pk)
        added = support(
            request=service_request, actor=actor, client_key=limits.anonymous_key(request)
        )
    except limits.Limited as exc:
        return _too_many(request, public_id, exc)
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
    """Signed-in residents follow at once; a typed e-mail address first confirms by a link."""
    service_request = _request_or_404(public_id)
    if follows_at_once(request.user):
        try:
            limits.check(request, "follow", target=service_request.pk)
        except limits.Limited as exc:
            return _too_many(request, public_id, exc)
        if follow(request=service_request, actor=request.user):
            messages.success(request, _("You will get an e-mail when this request changes."))
        else:
            messages.info(request, _("You already follow this request."))
        return redirect(service_request.get_absolute_url())
    form = FollowForm(request.POST)
    if not form.is_valid():
        return detail(request, public_id, follow_form=form, status=400)
    email = form.cleaned_data["email"]
    try:
        limits.check(request, "follow", email=email, target=service_request.pk)
        asked = ask_by_email(request=service_request, email=email)
    except limits.Limited as exc:
        form.add_error("email", exc.message)
        return _too_many(request, public_id, exc, follow_form=form)
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error("email", message)
        return detail(request, public_id, follow_form=form, status=400)
    remember_follow_asked(request, service_request.public_id, email.strip().lower())
    level = messages.SUCCESS if asked.sent else messages.INFO
    messages.add_message(request, level, asked.message)
    return redirect(service_request.get_absolute_url())


@require_POST
def comment_view(request, public_id):
    service_request = _request_or_404(public_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return detail(request, public_id, comment_form=form, status=400)
    try:
        limits.check(
            request, "comment", email=form.cleaned_data["email"], target=service_request.pk
        )
    except limits.Limited as exc:
        form.add_error("text", exc.message)
        return _too_many(request, public_id, exc, comment_form=form)
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


def _comment_or_404(service_request, comment_id: int):
    comment = comment_of(service_request, comment_id)
    if comment is None:
        raise Http404(_("This request has no such comment."))
    return comment


@require_POST
def flag_comment_view(request, public_id, comment_id: int):
    service_request = _request_or_404(public_id)
    comment = _comment_or_404(service_request, comment_id)
    actor = request.user if request.user.is_authenticated else None
    try:
        limits.check(request, "flag", target=service_request.pk)
        added = flag_comment(comment=comment, actor=actor, client_key=limits.anonymous_key(request))
    except limits.Limited as exc:
        return _too_many(request, public_id, exc)
    except ValidationError as exc:
        _domain_error(request, exc)
    else:
        if added:
            messages.success(request, _("Thank you: the city's moderators will look at it."))
        else:
            messages.info(request, _("You already reported this comment."))
    return redirect(f"{service_request.get_absolute_url()}#comment-{comment.pk}")


@require_POST
def moderate_comment_view(request, public_id, comment_id: int, hide: bool):
    """Staff hide a comment from the public, or show it again, with a reason."""
    if not may_moderate(request.user):
        raise PermissionDenied(_("Only city staff can hide or restore comments."))
    service_request = _request_or_404(public_id)
    check_may_act_in(request.user, service_request.jurisdiction_id)
    comment = _comment_or_404(service_request, comment_id)
    form = ModerationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason; other staff will see it."))
        return redirect(f"{service_request.get_absolute_url()}#comment-{comment.pk}")
    moderate = hide_comment if hide else restore_comment
    try:
        moderate(comment=comment, actor=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        _domain_error(request, exc)
    else:
        messages.success(
            request,
            _("The comment is hidden from the public.")
            if hide
            else _("The comment is public again."),
        )
    return redirect(f"{service_request.get_absolute_url()}#comment-{comment.pk}")
