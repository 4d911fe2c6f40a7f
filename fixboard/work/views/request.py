"""The work view: one request as the city's staff work it (`/queue/requests/<public id>/`).

Who may do what, in one place (`Abilities`), from the one scope rule of
`fixboard.accounts.scope`: anyone of the request's jurisdiction reads it and adds internal
notes; call-takers also post public updates; the request's department (and granted staff,
and city admins) change it; call-takers and admins moderate comments. A request outside the
person's jurisdictions answers 404, so ids cannot be probed across cities.

The actions (request_actions.py) post here and come back here (PRG); with htmx the page's
main region is swapped in place, and without JavaScript every form still works.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from fixboard.accounts import scope
from fixboard.accounts.models import User
from fixboard.catalog.canned import canned_responses_for
from fixboard.catalog.canned import render as render_canned
from fixboard.reports.actions import may_moderate
from fixboard.reports.changes import PRIORITY_LABELS, context_for
from fixboard.reports.models import Photo, ServiceRequest

from ..access import staff_only
from . import request_reads as reads
from .request_forms import (
    AssignForm,
    CloseReasonForm,
    LocationForm,
    MergeForm,
    PriorityForm,
    RedactForm,
    ServiceTypeForm,
    StatusForm,
    UpdateForm,
)
from .request_titles import describe


@dataclass(frozen=True)
class Abilities:
    """What the signed-in person may do on this request (each action checks again)."""

    change: bool  # status, assignment, merge, service type, place, priority, redaction
    public_update: bool  # a public update (residents are e-mailed)
    moderate: bool  # hide and restore residents' comments

    @classmethod
    def of(cls, user, request: ServiceRequest) -> "Abilities":
        change = scope.may_change(user, request)
        return cls(
            change=change,
            public_update=change or getattr(user, "role", "") == User.Role.AGENT,
            moderate=may_moderate(user, request.jurisdiction_id),
        )


def request_or_404(http_request, public_id: str) -> ServiceRequest:
    """The request, if it is in the person's jurisdictions; 404 otherwise."""
    # The User itself rather than its lazy proxy: `scope` keeps what it read about a person
    # on the object (jurisdictions, departments), which the proxy would hide, reading again.
    wrapped = getattr(http_request.user, "_wrapped", None)
    if isinstance(wrapped, User):
        http_request.user = wrapped
    found = reads.staff_request(http_request.user, public_id)
    if found is None:
        raise Http404(_("No request with this number in your jurisdictions."))
    return found


def work_url(request: ServiceRequest) -> str:
    return reverse("work:request", args=[request.public_id])


def _forms(request: ServiceRequest, abilities: Abilities, given: dict) -> dict:
    forms = {"update": UpdateForm(prefix="update")}
    if abilities.change:
        forms |= {
            "assign": AssignForm(
                prefix="assign",
                departments=reads.departments_queryset(request),
                people=reads.people_queryset(request),
            ),
            "status": status_form(request),
            "merge": MergeForm(prefix="merge"),
            "service_type": service_type_form(request),
            "location": LocationForm(
                prefix="location",
                initial={"lat": request.lat, "long": request.long, "address": request.address},
            ),
            "priority": PriorityForm(prefix="priority", initial={"priority": request.priority}),
        }
        if not request.is_open:
            forms["close_reason"] = CloseReasonForm(
                prefix="close_reason",
                initial={"close_reason": request.close_reason, "referred_to": request.referred_to},
            )
    forms.update(given)
    if "merge" in forms:
        preview = reverse("work:request_merge_preview", args=[request.public_id])
        forms["merge"].fields["canonical"].widget.attrs.update(
            {
                "hx-get": preview,
                "hx-trigger": "input changed delay:400ms, change",
                "hx-target": "#merge-preview",
                "hx-select": "#merge-preview-body",
                "hx-swap": "innerHTML",
                "autocomplete": "off",
            }
        )
    return forms


def status_form(request: ServiceRequest, *args) -> StatusForm:
    return StatusForm(
        *args,
        prefix="status",
        current=request.status,
        after_photo_required=request.service_type.after_photo_required,
    )


def service_type_form(request: ServiceRequest, *args) -> ServiceTypeForm:
    return ServiceTypeForm(
        *args,
        prefix="service_type",
        service_types=reads.service_types_queryset(request),
        initial={"service_type": request.service_type_id},
    )


def _attach_errors(timeline: reads.Timeline, forms: dict) -> None:
    """Give the per-event and per-photo forms (moderation, redaction) their errors back."""
    entries = {entry.id: entry for entry in timeline.entries}
    photos = {photo.id: photo for photo in timeline.photos}
    for key, form in forms.items():
        if not form.errors:
            continue
        messages = [m for errors in form.errors.values() for m in errors]
        prefix, _sep, pk = key.rpartition("-")
        if prefix == "moderate" and int(pk) in entries:
            entries[int(pk)].form_errors = messages
        elif prefix == "redact-photo" and int(pk) in photos:
            photos[int(pk)].redact_errors = messages


def page(
    http_request,
    request: ServiceRequest,
    *,
    forms: dict | None = None,
    status: int = 200,
    refusal: str = "",
    merge_preview: ServiceRequest | None = None,
    canned_id: str = "",
    redact_target: str = "",
):
    """The work view of `request`, with `forms` given back bound (and their errors)."""
    user = http_request.user
    abilities = Abilities.of(user, request)
    timeline = reads.staff_timeline(request, with_flags=abilities.moderate)
    describe(timeline.entries)
    given = forms or {}
    forms = _forms(request, abilities, given)
    _attach_errors(timeline, given)
    merge_form = forms.get("merge")
    if merge_preview is None and merge_form is not None and merge_form.is_bound:
        merge_preview = reads.canonical_preview(user, merge_form.data.get("merge-canonical", ""))
    canned = list(canned_responses_for(request).only("id", "title", "text", "public"))
    chosen = _chosen(canned, canned_id)
    if chosen and not forms["update"].is_bound:
        forms["update"] = UpdateForm(prefix="update", initial={"text": fill(chosen, request)})
    now = timezone.now()
    redaction = _redaction(request, timeline, given, redact_target) if abilities.change else None
    context = {
        "sr": request,
        "abilities": abilities,
        "timeline": timeline,
        "photos": timeline.photos,
        "areas": reads.areas_of(request),
        "answers": reads.answers_of(request),
        "priority_label": PRIORITY_LABELS.get(request.priority, ""),
        "overdue": bool(request.is_open and request.expected_at and request.expected_at < now),
        "forms": forms,
        "refusal": refusal,
        "redaction": redaction,
        "canned": canned,
        "chosen_canned": chosen,
        "merge_preview": merge_preview,
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
    return render(http_request, "work/request.html", context, status=status)


def refuse(http_request, request: ServiceRequest, exc: PermissionDenied):
    """The page again, unchanged, with why the action was refused (403)."""
    return page(
        http_request,
        request,
        refusal=str(exc) or _("You may not do this on this request."),
        status=403,
    )


@dataclass
class Redaction:
    """The redaction form the page shows: of the description, or of one entry's text."""

    form: RedactForm
    action: str
    entry: reads.StaffEntry | None = None


def _redaction(
    request: ServiceRequest, timeline: reads.Timeline, given: dict, target: str
) -> Redaction | None:
    """The redaction asked for by `?redact=description` or `?redact=<event id>` (the links
    on the page), or given back with its errors."""
    form = None
    for key, bound in given.items():
        if key == "redact_description":
            target, form = "description", bound
        elif key.startswith("redact-event-"):
            target, form = key.removeprefix("redact-event-"), bound
    if target == "description":
        form = form or RedactForm(
            prefix="redact-description", initial={"text": request.description}
        )
        action = reverse("work:request_redact_description", args=[request.public_id])
        return Redaction(form=form, action=action)
    entry = next((e for e in timeline.entries if str(e.id) == target), None)
    if entry is None:
        return None
    form = form or RedactForm(prefix=f"redact-event-{entry.id}", initial={"text": entry.text})
    action = reverse("work:request_redact_event", args=[request.public_id, entry.id])
    return Redaction(form=form, action=action, entry=entry)


def _chosen(canned: list, canned_id: str):
    return next((c for c in canned if str(c.pk) == canned_id), None)


def fill(response, request: ServiceRequest) -> str:
    """A canned response's text with the request's values in its placeholders."""
    return render_canned(response.text, context_for(request))


@staff_only
@require_safe
def detail(http_request, public_id: str):
    """The page; `?canned=<id>` fills the update field with that canned response (the
    way to insert one without JavaScript); `?redact=description` or `?redact=<event id>`
    shows the form that redacts it."""
    request = request_or_404(http_request, public_id)
    return page(
        http_request,
        request,
        canned_id=http_request.GET.get("canned", ""),
        redact_target=http_request.GET.get("redact", ""),
    )


@staff_only
@require_safe
def canned_text(http_request, public_id: str):
    """The update field filled with a canned response, for htmx to swap in."""
    request = request_or_404(http_request, public_id)
    canned = list(canned_responses_for(request).only("id", "title", "text", "public"))
    chosen = _chosen(canned, http_request.GET.get("canned", ""))
    form = UpdateForm(prefix="update", initial={"text": fill(chosen, request) if chosen else ""})
    return render(
        http_request,
        "work/_request_canned_text.html",
        {"field": form["text"], "chosen_canned": chosen},
    )


@staff_only
@require_safe
def photo(http_request, public_id: str, photo_id: int):
    """Any photo of the request, hidden ones too, for staff of its jurisdiction (the public
    media URL answers only for photos anyone may see)."""
    request = request_or_404(http_request, public_id)
    found = Photo.objects.filter(request=request, pk=photo_id).only("image").first()
    if found is None:
        raise Http404(_("This request has no such photo."))
    try:
        file = found.image.open("rb")
    except OSError:
        raise Http404(_("This photo's file is missing.")) from None
    response = FileResponse(file, content_type="image/jpeg")
    patch_cache_control(response, private=True, no_store=True)
    return response


@staff_only
@require_safe
def merge_preview(http_request, public_id: str):
    """The request a duplicate would merge into, as a small card (htmx, as the id is typed)."""
    request = request_or_404(http_request, public_id)
    typed = http_request.GET.get("merge-canonical", "")
    canonical = reads.canonical_preview(http_request.user, typed)
    return render(
        http_request,
        "work/_merge_preview.html",
        {"sr": request, "canonical": canonical, "typed": typed},
    )
