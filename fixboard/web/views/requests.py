"""A request's public page and what a resident can do there."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.cache import add_never_cache_headers
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
    unfollow,
    upsert_contact,
)
from fixboard.reports.models import Event, Status, Support
from fixboard.reports.photos import check_uploads
from fixboard.reports.selectors import (
    comment_of,
    comments_flagged_by,
    fixed_confirmations,
    get_pending_request,
    get_public_request,
    pending_comments,
    public_areas,
    public_photos,
    public_timeline,
    staff_comment_flags,
    staff_hidden_comments,
)

from ..forms import CommentForm, FollowForm, ModerationForm, ReopenForm
from ..selectors import (
    follow_of,
    follows_since,
    is_reporter_or_follower,
    may_reopen,
    public_answers,
)
from ..session import (
    follow_asked_with,
    is_mine,
    my_comments,
    remember_comment,
    remember_follow_asked,
)
from .common import feeds, map_settings


def _request_or_404(public_id):
    found = get_public_request(public_id)
    if found is None:
        raise Http404(_("No public request has this number."))
    return found


def _shown_request(request, public_id):
    """The public request, or the one this browser reported that awaits its e-mail
    confirmation (nobody else sees it); and whether it is pending."""
    found = get_public_request(public_id)
    if found is not None:
        return found, False
    pending = get_pending_request(public_id)
    if pending is not None and is_mine(request, pending.public_id):
        return pending, True
    raise Http404(_("No public request has this number."))


def _follow(request, service_request):
    return follow_of(
        service_request, request.user, *follow_asked_with(request, service_request.public_id)
    )


def _mine(request, service_request) -> bool:
    public_id = service_request.public_id
    return (
        is_mine(request, public_id)
        or is_reporter_or_follower(service_request, request.user)
        or follows_since(service_request, *follow_asked_with(request, public_id))
    )


def detail(request, public_id, follow_form=None, comment_form=None, reopen_form=None, status=200):
    service_request, pending = _shown_request(request, public_id)
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
    # A "still broken" photo is no "after" photo: the timeline shows it with its reopening.
    reopened = {
        e.id for e in timeline if e.from_status == Status.CLOSED and e.to_status != Status.CLOSED
    }
    photos = public_photos(service_request)
    areas = public_areas(service_request)
    signed_in = follows_at_once(request.user)
    response = render(
        request,
        "web/request.html",
        {
            "pending": pending,
            "pending_comments": pending_comments(service_request, my_comments(request)),
            "answers": public_answers(service_request),
            "following": _follow(request, service_request) is not None,
            "fixed_confirmations": fixed_confirmations(service_request),
            "reopen_form": reopen_form or ReopenForm(),
            "sr": service_request,
            "jurisdiction": service_request.jurisdiction,
            "timeline": [(e, flags.get(e.id, 0), e.id in flagged) for e in timeline],
            "moderator": moderator,
            "hidden_comments": staff_hidden_comments(service_request) if moderator else [],
            "follows_at_once": signed_in,
            "before_photos": [p for p in photos if p.event_id is None or p.event_id in reported],
            "after_photos": [
                p for p in photos if p.event_id and p.event_id not in reported | reopened
            ],
            "areas": areas,
            "supported": supported,
            # Said in words ("Overdue since …"), not by colour alone.
            "overdue": sla.state(service_request) == sla.OVERDUE,
            "may_reopen": may_reopen(service_request, mine=_mine(request, service_request)),
            "follow_form": follow_form or FollowForm(),
            "comment_form": comment_form or CommentForm(signed_in=signed_in),
            **map_settings(service_request.jurisdiction),
            **feeds(
                service_request.jurisdiction,
                service=service_request.service_type,
                areas=[(a["id"], a["name"]) for a in areas],
            ),
        },
        status=status,
    )
    if pending:  # this browser's own: never in a shared cache, never indexed
        add_never_cache_headers(response)
        response["X-Robots-Tag"] = "noindex"
    return response


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
    """Signed-in residents publish at once; a typed e-mail address first confirms by a link."""
    service_request = _request_or_404(public_id)
    signed_in = follows_at_once(request.user)
    form = CommentForm(request.POST, signed_in=signed_in)
    if not form.is_valid():
        return detail(request, public_id, comment_form=form, status=400)
    email = request.user.email if signed_in else form.cleaned_data["email"]
    try:
        limits.check(request, "comment", email=email, target=service_request.pk)
    except limits.Limited as exc:
        form.add_error("text", exc.message)
        return _too_many(request, public_id, exc, comment_form=form)
    details = ContactDetails(email=email, language=translation.get_language())
    actor = request.user if signed_in else upsert_contact(details)
    try:
        comment = add_update(
            request=service_request,
            text=form.cleaned_data["text"],
            actor=actor,
            awaiting_confirmation=not signed_in,
        )
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error("text", message)
        return detail(request, public_id, comment_form=form, status=400)
    if signed_in:
        messages.success(request, _("Your comment is published."))
    else:
        remember_comment(request, comment.pk)
        messages.success(
            request,
            _(
                "Nearly done: we sent a link to %(email)s. Your comment is published once you "
                "follow it."
            )
            % {"email": email},
        )
    return redirect(f"{service_request.get_absolute_url()}#comment-{comment.pk}")


@require_POST
def unfollow_view(request, public_id):
    service_request = _request_or_404(public_id)
    found = _follow(request, service_request)
    if found is not None:
        unfollow(request=service_request, actor=found.user or found.contact)
        messages.success(request, _("You no longer follow this request."))
    else:
        messages.info(request, _("You do not follow this request."))
    return redirect(service_request.get_absolute_url())


@require_POST
def reopen_view(request, public_id):
    service_request = _request_or_404(public_id)
    if not may_reopen(service_request, mine=_mine(request, service_request)):
        messages.error(
            request,
            _("Only the reporter and followers can reopen a request, within 30 days of its close."),
        )
        return redirect(service_request.get_absolute_url())
    form = ReopenForm(request.POST, request.FILES)
    if not form.is_valid():
        return detail(request, public_id, reopen_form=form, status=400)
    try:
        transition(
            request=service_request,
            to_status=Status.IN_PROGRESS,
            actor=request.user if request.user.is_authenticated else None,
            note=form.cleaned_data["reason"] or _("A resident reports the problem is still there."),
            photo=_read_photo(form.cleaned_data["photo"]),
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error("photo" if field in ("media", "photo") else "reason", errors)
        return detail(request, public_id, reopen_form=form, status=400)
    messages.success(request, _("Reopened. The city will take another look."))
    return redirect(service_request.get_absolute_url())


def _read_photo(upload) -> tuple[bytes, str] | None:
    """The upload's bytes for the domain's photo path (re-encoded there, EXIF stripped),
    once its size is known to be within the limits."""
    if not upload:
        return None
    check_uploads([(upload.name, upload.size)])
    return upload.read(), upload.name


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
