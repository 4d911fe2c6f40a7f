"""What residents confirm by e-mail after the fact: their comments, and whether a request
closed as fixed is fixed. The links are signed and sent by fixboard.notify."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import events
from .actions import _locked, _save, transition
from .models import CloseReason, Contact, Event, FixAnswer, ServiceRequest, Status


@transaction.atomic
def confirm_comment(*, comment: Event) -> bool:
    """Make a comment awaiting its author's e-mail confirmation public; False if it already
    was. Their e-mail counts as verified from now on."""
    request = _locked(comment.request)
    comment = Event.objects.select_for_update().get(pk=comment.pk)
    if not comment.awaiting_confirmation:
        return False
    comment.awaiting_confirmation = False
    comment.save(update_fields=["awaiting_confirmation"])
    at = timezone.now()
    request.updated_at = max(request.updated_at, at)
    _save(request, [])
    if comment.actor_contact_id:
        Contact.objects.filter(pk=comment.actor_contact_id).update(email_verified=True)
    events.comment_confirmed(request, actor=comment.actor_contact, at=at, comment=comment)
    return True


def latest_fixed_close(request: ServiceRequest) -> Event | None:
    """The event that closed the request as fixed, while it stays closed so."""
    if request.status != Status.CLOSED or request.close_reason != CloseReason.FIXED:
        return None
    return (
        Event.objects.filter(
            request=request,
            kind=Event.Kind.STATUS_CHANGED,
            to_status=Status.CLOSED,
            close_reason=CloseReason.FIXED,
        )
        .order_by("-created_at", "-id")
        .first()
    )


@transaction.atomic
def answer_fixed_check(
    *, request: ServiceRequest, close_event_id: int, contact: Contact, fixed: bool
) -> bool:
    """A reporter's or follower's answer to "Has this been fixed?" (asked by e-mail a few
    days after the close `close_event_id`). "No" reopens the request, with its own timeline
    event. One answer per person and close: False, changing nothing, for a second one.

    Raises ValidationError when the request was reopened or closed otherwise since.
    """
    request = _locked(request)
    close = latest_fixed_close(request)
    if close is None or close.pk != close_event_id:
        raise ValidationError(
            {"answer": [_("This request has changed since we asked; its page says where it is.")]}
        )
    at = timezone.now()
    try:
        with transaction.atomic():
            FixAnswer.objects.create(
                request=request, close_event=close, contact=contact, fixed=fixed, created_at=at
            )
    except IntegrityError:
        return False
    Contact.objects.filter(pk=contact.pk).update(email_verified=True)
    if fixed:
        events.fix_confirmed(request, actor=contact, at=at, close_event=close)
    else:
        transition(
            request=request,
            to_status=Status.IN_PROGRESS,
            actor=contact,
            at=at,
            note=_("Asked whether it was fixed, a resident answered that it is not."),
        )
    return True
