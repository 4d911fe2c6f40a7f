"""What each timeline entry of the work view says, in a few words ("Closed: fixed",
"Assigned to Streets · cleo", "Merged as a duplicate of 7KQ2-M9XD").

In Python rather than in the template: a long timeline would otherwise evaluate a long
chain of template conditions per entry, the largest part of the page's time.
"""

from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fixboard.reports.models import CloseReason, Event, Status

from .request_reads import StaffEntry


def _closed(entry: StaffEntry) -> str:
    reason = entry.close_reason
    if reason == CloseReason.FIXED:
        return _("Closed: fixed")
    if reason == CloseReason.DUPLICATE:
        return _("Closed as a duplicate")
    if reason == CloseReason.NOT_ACTIONABLE:
        return _("Closed: not actionable")
    if reason == CloseReason.REFERRED:
        if entry.data.get("referred_to"):
            return _("Closed: referred to %(a)s") % {"a": entry.data["referred_to"]}
        return _("Closed: referred to another agency")
    if reason == CloseReason.CANCELLED:
        return _("Closed: cancelled")
    return _("Closed")


def _status(entry: StaffEntry) -> str:
    if entry.to_status == Status.CLOSED:
        return _closed(entry)
    if entry.from_status == Status.CLOSED:
        return _("Reopened")
    if entry.to_status == Status.ACKNOWLEDGED:
        return _("Acknowledged")
    if entry.to_status == Status.IN_PROGRESS:
        return _("Work in progress")
    return _("Status changed")


def _assigned(entry: StaffEntry) -> str:
    who = " · ".join(str(entry.data[k]) for k in ("department", "assignee") if entry.data.get(k))
    return _("Assigned to %(who)s") % {"who": who} if who else _("Assigned")


def _routed(entry: StaffEntry) -> str:
    if not entry.data.get("rerouted"):
        return ""
    return " · " + _("routed to %(d)s") % {"d": entry.data.get("department") or "—"}


def _link(text: str, public_id) -> SafeString:
    if not public_id:
        return format_html("{}", text)
    return format_html(
        '{} <a href="{}">{}</a>', text, reverse("work:request", args=[public_id]), public_id
    )


def _relocated(entry: StaffEntry) -> str:
    # data: "to" (the new address, public), "place" ({lat, long, address}), "previous".
    place = entry.data.get("place") or {}
    if not isinstance(place, dict):
        place = {}
    if entry.data.get("to") and isinstance(entry.data["to"], str):
        place = {"address": entry.data["to"], **place}
    if place.get("address"):
        place = place["address"]
    elif "lat" in place:
        place = f"{number_format(place['lat'], 5)}, {number_format(place['long'], 5)}"
    else:
        return _("Location changed") + _routed(entry)
    return _("Moved to %(place)s") % {"place": place} + _routed(entry)


def _redacted(entry: StaffEntry) -> str:
    target = entry.data.get("target")
    if target == "description":
        return _("Description redacted")
    if target == "photo":
        return _("Photo hidden from the public")
    return _("Text of an entry redacted")


_SIMPLE = {
    Event.Kind.SUBMITTED: lambda e: _("Reported"),
    Event.Kind.IMPORTED: lambda e: _("Reported"),
    Event.Kind.STATUS_CHANGED: _status,
    Event.Kind.PUBLIC_UPDATE: lambda e: (
        _("Public update") if e.actor in ("staff", "system") else _("Comment from a resident")
    ),
    Event.Kind.INTERNAL_NOTE: lambda e: _("Internal note"),
    Event.Kind.ASSIGNED: _assigned,
    Event.Kind.SUPPORTED: lambda e: (
        ngettext("A resident added their support", "%(n)d residents added their support", e.count)
        % {"n": e.count}
    ),
    Event.Kind.FOLLOWED: lambda e: (
        ngettext("A resident started following", "%(n)d residents started following", e.count)
        % {"n": e.count}
    ),
    Event.Kind.PHOTO_ADDED: lambda e: _("Photo added"),
    Event.Kind.CONFIRMED: lambda e: _("Confirmed by the reporter"),
    Event.Kind.FOLLOW_REQUESTED: lambda e: _("A resident asked to follow by e-mail"),
    Event.Kind.COMMENT_FLAGGED: lambda e: _("A resident reported a comment"),
    Event.Kind.COMMENT_HIDDEN: lambda e: _("Comment hidden from the public"),
    Event.Kind.COMMENT_RESTORED: lambda e: _("Comment shown again"),
    Event.Kind.RECATEGORISED: lambda e: (
        _("Service type changed from %(a)s to %(b)s")
        % {"a": e.data.get("from", ""), "b": e.data.get("to", "")}
        + _routed(e)
    ),
    Event.Kind.RELOCATED: _relocated,
    Event.Kind.EXTERNAL_SYNC: lambda e: (
        _("Sent to %(s)s, reference %(r)s")
        % {"s": e.data.get("system", ""), "r": e.data.get("reference", "")}
        if e.data.get("outcome") == "sent"
        else _("%(s)s: %(o)s") % {"s": e.data.get("system", ""), "o": e.data.get("outcome", "")}
    ),
    Event.Kind.PRIORITY_CHANGED: lambda e: (
        _("Priority changed from %(a)s to %(b)s")
        % {"a": e.data.get("from", ""), "b": e.data.get("to", "")}
    ),
    Event.Kind.CLOSE_REASON_CORRECTED: lambda e: (
        _("Close reason corrected from %(a)s to %(b)s")
        % {"a": e.data.get("from", ""), "b": e.data.get("to", "")}
        + (f" ({e.data['referred_to']})" if e.data.get("referred_to") else "")
    ),
    Event.Kind.REDACTED: _redacted,
}


def title(entry: StaffEntry) -> SafeString:
    """The entry's title as HTML (escaped; links to the requests it names)."""
    if entry.kind == Event.Kind.MERGED:
        return _link(_("Merged as a duplicate of"), entry.data.get("canonical"))
    if entry.kind == Event.Kind.DUPLICATE_ADDED:
        return _link(_("Duplicate merged in:"), entry.data.get("duplicate"))
    describe = _SIMPLE.get(entry.kind)
    text = describe(entry) if describe else (entry.label or entry.kind)
    return format_html("{}", text[:1].upper() + text[1:])


def who(entry: StaffEntry) -> str:
    """Who did it: a staff member's name, the reporter, a resident or a named system."""
    if entry.actor == "staff":
        return _("by %(who)s") % {"who": entry.actor_name}
    if entry.actor == "reporter":
        return _("by the reporter")
    if entry.actor == "resident":
        return _("by a resident")
    if entry.actor == "system":
        return _("by the system (%(who)s)") % {"who": entry.actor_name}
    return ""


def describe(entries: list[StaffEntry]) -> None:
    for entry in entries:
        entry.title = title(entry)
        entry.who = who(entry)
