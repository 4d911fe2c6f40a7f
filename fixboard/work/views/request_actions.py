"""What staff do on the work view: each action parses its form, calls one domain function
and comes back to the page (PRG) with a message; on a refusal the page comes back with the
reasons next to the fields (400) or, for an action the person may not do, why (403)."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fixboard.accounts import scope
from fixboard.reports.actions import (
    add_update,
    assign,
    hide_comment,
    merge,
    restore_comment,
    transition,
)
from fixboard.reports.changes import (
    PRIORITY_LABELS,
    correct_close_reason,
    recategorise,
    redact,
    relocate,
    set_priority,
)
from fixboard.reports.models import CloseReason, Event, Photo, ServiceRequest, Status
from fixboard.reports.selectors import comment_of

from ..access import staff_only
from . import request_reads as reads
from .request import (
    Abilities,
    page,
    refuse,
    request_or_404,
    service_type_form,
    status_form,
    work_url,
)
from .request_forms import (
    AssignForm,
    CloseReasonForm,
    LocationForm,
    MergeForm,
    ModerationForm,
    PriorityForm,
    RedactForm,
    UpdateForm,
    WorkForm,
    upload,
)


def _run(
    http_request,
    request: ServiceRequest,
    key: str,
    form: WorkForm,
    call: Callable[[dict], object],
    success: Callable[[object], str] | str,
    *,
    anchor: str = "",
):
    """Call the domain with a valid form; PRG with `success` when it agrees, else the page
    with the form's errors (400), or why it refused (403)."""
    if form.is_valid():
        try:
            result = call(form.cleaned_data)
        except ValidationError as exc:
            form.add_domain_errors(exc)
        except PermissionDenied as exc:
            return refuse(http_request, request, exc)
        else:
            messages.success(http_request, success(result) if callable(success) else success)
            return redirect(work_url(request) + anchor)
    return page(http_request, request, forms={key: form}, status=400)


def _changing(http_request, public_id: str) -> tuple[ServiceRequest, object]:
    """The request, and a refusal response unless the person may change it."""
    request = request_or_404(http_request, public_id)
    try:
        scope.check_may_change(http_request.user, request)
    except PermissionDenied as exc:
        return request, refuse(http_request, request, exc)
    return request, None


@staff_only
@require_POST
def update_view(http_request, public_id: str):
    """An internal note (anyone of the jurisdiction) or a public update (the department and
    call-takers): the button pressed says which."""
    request = request_or_404(http_request, public_id)
    public = http_request.POST.get("visibility") == "public"
    if public and not Abilities.of(http_request.user, request).public_update:
        return refuse(
            http_request,
            request,
            PermissionDenied(
                _(
                    "Only the request's department posts public updates; "
                    "add an internal note for them instead."
                )
            ),
        )
    form = UpdateForm(http_request.POST, http_request.FILES, prefix="update")

    def call(data):
        return add_update(
            request=request,
            text=data["text"],
            actor=http_request.user,
            public=public,
            photo=upload(form),
        )

    success = (
        _("Public update posted; the reporter and followers are e-mailed.")
        if public
        else _("Internal note added (staff only).")
    )
    return _run(http_request, request, "update", form, call, success, anchor="#timeline")


@staff_only
@require_POST
def assign_view(http_request, public_id: str):
    request, refused = _changing(http_request, public_id)
    if refused:
        return refused
    form = AssignForm(
        http_request.POST,
        prefix="assign",
        departments=reads.departments_queryset(request),
        people=reads.people_queryset(request),
    )

    def call(data):
        return assign(
            request=request,
            actor=http_request.user,
            department=data["department"],
            assignee=data["assignee"],
        )

    def success(event):
        parts = []
        if "department" in event.data:
            parts.append(event.data["department"])
        if "assignee" in event.data:
            person = form.cleaned_data["assignee"]
            parts.append(person.get_full_name() or person.get_username())
        return _("Assigned to %(who)s.") % {"who": " · ".join(parts)}

    return _run(http_request, request, "assign", form, call, success)


@staff_only
@require_POST
def status_view(http_request, public_id: str):
    request, refused = _changing(http_request, public_id)
    if refused:
        return refused
    form = status_form(request, http_request.POST, http_request.FILES)

    def call(data):
        closing = data["to_status"] == Status.CLOSED
        return transition(
            request=request,
            to_status=data["to_status"],
            close_reason=data["close_reason"] if closing else "",
            referred_to=data["referred_to"] if closing else "",
            photo=upload(form) if closing else None,
            note=data["note"],
            actor=http_request.user,
        )

    def success(event):
        if event.to_status == Status.CLOSED and event.data.get("referred_to"):
            return _("Closed: referred to %(a)s.") % {"a": event.data["referred_to"]}
        if event.to_status == Status.CLOSED:
            return _("Closed (%(reason)s).") % {"reason": CloseReason(event.close_reason).label}
        return _("Status changed to %(s)s.") % {"s": Status(event.to_status).label}

    return _run(http_request, request, "status", form, call, success)


@staff_only
@require_POST
def merge_view(http_request, public_id: str):
    """Merge this request into another; without JavaScript, "Preview" shows the other first."""
    request, refused = _changing(http_request, public_id)
    if refused:
        return refused
    form = MergeForm(http_request.POST, prefix="merge")
    if "preview" in http_request.POST and form.is_valid():
        canonical = reads.canonical_preview(http_request.user, form.cleaned_data["canonical"])
        return page(http_request, request, forms={"merge": form}, merge_preview=canonical)

    def call(data):
        canonical = reads.canonical_preview(http_request.user, data["canonical"])
        if canonical is None:
            raise ValidationError(
                {
                    "canonical": [
                        _("No request %(r)s in your jurisdictions.") % {"r": data["canonical"]}
                    ]
                }
            )
        return merge(
            duplicate=request, canonical=canonical, actor=http_request.user, note=data["note"]
        )

    def success(canonical):
        return _(
            "Merged into %(r)s: its supporters and followers moved there, and the reporter is told."
        ) % {"r": canonical.public_id}

    return _run(http_request, request, "merge", form, call, success)


@staff_only
@require_POST
def moderate_view(http_request, public_id: str, comment_id: int, hide: bool):
    """Hide a resident's comment from the public, or show it again, with a reason."""
    request = request_or_404(http_request, public_id)
    if not Abilities.of(http_request.user, request).moderate:
        return refuse(
            http_request,
            request,
            PermissionDenied(_("Only call-takers and city admins hide or restore comments.")),
        )
    comment = comment_of(request, comment_id)
    if comment is None:
        raise Http404(_("This request has no such comment."))
    form = ModerationForm(http_request.POST, prefix=f"moderate-{comment.pk}")
    moderate = hide_comment if hide else restore_comment

    def call(data):
        return moderate(comment=comment, actor=http_request.user, reason=data["reason"])

    success = (
        _("The comment is hidden from the public.") if hide else _("The comment is public again.")
    )
    return _run(
        http_request,
        request,
        f"moderate-{comment.pk}",
        form,
        call,
        success,
        anchor=f"#event-{comment.pk}",
    )


@staff_only
@require_POST
def service_type_view(http_request, public_id: str):
    request, refused = _changing(http_request, public_id)
    if refused:
        return refused
    form = service_type_form(request, http_request.POST)

    def call(data):
        return recategorise(
            request=request,
            service_type=data["service_type"],
            note=data["note"],
            actor=http_request.user,
        )

    def success(event):
        message = _("Service type changed to %(s)s.") % {"s": event.data["to"]}
        if event.data.get("rerouted"):
            message += " " + _("Routed to %(d)s.") % {"d": event.data.get("department") or "—"}
        return message

    return _run(http_request, request, "service_type", form, call, success)


@staff_only
@require_POST
def location_view(http_request, public_id: str):
    request, refused = _changing(http_request, public_id)
    if refused:
        return refused
    form = LocationForm(http_request.POST, prefix="location")

    def call(data):
        return relocate(
            request=request,
            lat=data["lat"],
            long=data["long"],
            address=data["address"],
            note=data["note"],
            actor=http_request.user,
        )

    def success(event):
        message = _("Location changed.")
        if event.data.get("rerouted"):
            message += " " + _("Routed to %(d)s.") % {"d": event.data.get("department") or "—"}
        return message

    return _run(http_request, request, "location", form, call, success)


@staff_only
@require_POST
def priority_view(http_request, public_id: str):
    request, refused = _changing(http_request, public_id)
    if refused:
        return refused
    form = PriorityForm(http_request.POST, prefix="priority")

    def call(data):
        return set_priority(
            request=request,
            priority=data["priority"],
            reason=data["reason"],
            actor=http_request.user,
        )

    def success(event):
        value = event.data["to"]
        return _("Priority set to %(p)+d (%(l)s).") % {"p": value, "l": PRIORITY_LABELS[value]}

    return _run(http_request, request, "priority", form, call, success)


@staff_only
@require_POST
def close_reason_view(http_request, public_id: str):
    request, refused = _changing(http_request, public_id)
    if refused:
        return refused
    form = CloseReasonForm(http_request.POST, prefix="close_reason")

    def call(data):
        referring = data["close_reason"] == CloseReason.REFERRED
        return correct_close_reason(
            request=request,
            close_reason=data["close_reason"],
            referred_to=data["referred_to"] if referring else "",
            note=data["note"],
            actor=http_request.user,
        )

    def success(event):
        return _("Close reason corrected to %(r)s.") % {"r": CloseReason(event.data["to"]).label}

    return _run(http_request, request, "close_reason", form, call, success)


# --- Redaction: the public reads something else (or nothing); staff keep the original ------


@staff_only
@require_POST
def redact_description_view(http_request, public_id: str):
    request, refused = _changing(http_request, public_id)
    if refused:
        return refused
    form = RedactForm(http_request.POST, prefix="redact-description")

    def call(data):
        return redact(
            request=request,
            description=data["text"],
            reason=data["reason"],
            actor=http_request.user,
        )

    success = _("Description redacted; the original is kept for staff.")
    return _run(http_request, request, "redact_description", form, call, success)


@staff_only
@require_POST
def redact_event_view(http_request, public_id: str, event_id: int):
    """Replace a public entry's text, or (mode=hide) hide a comment whole."""
    request, refused = _changing(http_request, public_id)
    if refused:
        return refused
    event = Event.objects.filter(request=request, pk=event_id).first()
    if event is None:
        raise Http404(_("This request has no such event."))
    key = f"redact-event-{event.pk}"
    form = RedactForm(http_request.POST, prefix=key)
    hide = http_request.POST.get("mode") == "hide"

    def call(data):
        return redact(
            event=event,
            text=None if hide else data["text"],
            reason=data["reason"],
            actor=http_request.user,
        )

    success = (
        _("The comment is hidden from the public.")
        if hide
        else _("Text redacted; the original is kept for staff.")
    )
    return _run(http_request, request, key, form, call, success, anchor=f"#event-{event.pk}")


@staff_only
@require_POST
def redact_photo_view(http_request, public_id: str, photo_id: int):
    request, refused = _changing(http_request, public_id)
    if refused:
        return refused
    found = Photo.objects.filter(request=request, pk=photo_id).first()
    if found is None:
        raise Http404(_("This request has no such photo."))
    key = f"redact-photo-{found.pk}"
    form = RedactForm(http_request.POST, prefix=key)

    def call(data):
        return redact(photo=found, reason=data["reason"], actor=http_request.user)

    success = _("The photo is hidden from the public; staff still see it.")
    return _run(http_request, request, key, form, call, success, anchor="#photos")
