"""Rows from the selectors → Open311 records (plain dicts in the spec's field order).

Format-free: the renderer turns the same records into XML or JSON. Datetimes are W3C
with the offset of the jurisdiction's time zone; empty values are None (an empty XML
element, a JSON null).
"""

import zoneinfo
from collections.abc import Callable
from datetime import datetime

from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from fixboard.places.models import Jurisdiction
from fixboard.reports.attributes import MAX_TEXT
from fixboard.reports.models import CloseReason, Event, Status
from fixboard.reports.open311_statuses import extended_status, external_status_code, open311_status

from .selectors import PhotoRow


class Formatter:
    """Formats the records of one response: one jurisdiction, one base URL."""

    def __init__(
        self,
        jurisdiction: Jurisdiction,
        absolute: Callable[[str], str],
        questions: dict[int, dict[str, dict]] | None = None,
    ):
        self.tz = zoneinfo.ZoneInfo(jurisdiction.timezone)
        self.absolute = absolute
        self.questions = questions or {}

    def when(self, value: datetime | None) -> str | None:
        return value.astimezone(self.tz).isoformat(timespec="seconds") if value else None

    def when_ts(self, seconds: float | None) -> str | None:
        if seconds is None:
            return None
        return datetime.fromtimestamp(int(seconds), self.tz).isoformat()

    def photo_url(self, image: str) -> str:
        return self.absolute(default_storage.url(image))

    def request(self, row: dict, image: str | None = None) -> dict:
        """The spec's request record; `image` is its first visible photo, if any."""
        media_url = row["media_url"] or (self.photo_url(image) if image else None)
        # A request nobody pinpointed stands at the jurisdiction's centre: no place to publish.
        placed = row["pinpointed"]
        return {
            "service_request_id": row["public_id"],
            "status": open311_status(row["status"]),
            "status_notes": row["status_notes"] or None,
            "service_name": row["service_type__name"],
            "service_code": row["service_type__code"],
            "description": _limited(row["description"]),
            "agency_responsible": row["department__name"],
            "service_notice": row["service_type__notice"] or None,
            "requested_datetime": self.when_ts(row["requested_ts"]),
            "updated_datetime": self.when_ts(row["updated_ts"]),
            "expected_datetime": self.when_ts(row["expected_ts"]),
            "address": row["address"] or None,
            "address_id": row["address_id"] or None,
            "zipcode": row["zipcode"] or None,
            "lat": row["lat"] if placed else None,
            "long": row["long"] if placed else None,
            "media_url": media_url,
        }

    def extensions(
        self,
        row: dict,
        *,
        photos: list[PhotoRow],
        areas: dict[str, str],
        notes: list[dict],
        parent: str | None,
    ) -> dict:
        """What `extensions=true` adds: attributes, extended_attributes and notes."""
        duplicate = row["close_reason"] == CloseReason.DUPLICATE or row["duplicate_of_id"]
        return {
            "attributes": self.answers(row),
            "extended_attributes": {
                "channel": row["channel"],
                "areas": areas,
                "duplicate": bool(duplicate),
                "parent_service_request_id": parent,
                "supporters": row["support_count"],
                "status": extended_status(row["status"], row["close_reason"]),
                "photos": [
                    {
                        "media_url": self.photo_url(p.image),
                        "width": p.width,
                        "height": p.height,
                        "created_at": self.when(p.created_at),
                    }
                    for p in photos
                ],
            },
            "notes": [self.note(n) for n in notes],
        }

    def answers(self, row: dict) -> list[dict]:
        """Each answer as {name: question code, label, code: answer key, value: its label}."""
        questions = self.questions.get(row["service_type_id"], {})
        found = []
        for code, answer in (row["attributes"] or {}).items():
            question = questions.get(code, {})
            labels = {str(v.get("key")): v.get("name") for v in question.get("values") or ()}
            for value in answer if isinstance(answer, list) else [answer]:
                found.append(
                    {
                        "name": code,
                        "label": question.get("description", code),
                        "code": str(value),
                        # Always a string, as for list answers: a number answer is its digits.
                        "value": str(labels.get(str(value), value)),
                    }
                )
        return found

    def note(self, event: dict) -> dict:
        """One public timeline entry: when, what kind, a summary and the staff's words."""
        note = {
            "datetime": self.when(event["created_at"]),
            "type": event["kind"],
            "summary": summary(event),
            "description": event["text"] or None,
        }
        if event["kind"] == Event.Kind.STATUS_CHANGED:
            note["status"] = extended_status(event["to_status"], event["close_reason"])
        if media_url := (event["data"] or {}).get("media_url"):
            note["media_url"] = media_url
        return note

    def update(self, row: dict, photos: list[PhotoRow], own_actor: str = "") -> dict:
        """A servicerequestupdates record.

        The updates the reading client posted itself (`own_actor` is its actor name) carry
        the `update_id` it sent, so it can tell them from news; others carry the event's id.
        """
        own = own_actor and row["actor_system"] == own_actor and row["external_id"]
        return {
            "update_id": row["external_id"] if own else str(row["id"]),
            "service_request_id": row["request__public_id"],
            "status": extended_status(row["status"], row["reason"]),
            "updated_datetime": self.when(row["created_at"]),
            "description": row["text"] or summary(row),
            "media_url": (row["data"] or {}).get("media_url")
            or (self.photo_url(photos[0].image) if photos else None),
            "external_status_code": external_status_code(row["status"], row["reason"]),
        }


def _limited(text: str) -> str | None:
    # The spec caps descriptions at 4,000 characters; imports may bring longer ones.
    if len(text) <= MAX_TEXT:
        return text or None
    return text[: MAX_TEXT - 1] + "…"


def summary(event: dict) -> str:
    """A short sentence for a timeline entry, from public data only."""
    data = event["data"] or {}
    kind = event["kind"]
    if kind == Event.Kind.STATUS_CHANGED:
        text = _("Status changed to %(s)s") % {"s": Status(event["to_status"]).label}
        if event["close_reason"]:
            text += f" ({CloseReason(event['close_reason']).label})"
        return text
    if kind == Event.Kind.ASSIGNED and data.get("department"):
        return _("Assigned to %(d)s") % {"d": data["department"]}
    if kind == Event.Kind.MERGED and data.get("canonical"):
        return _("Merged as a duplicate of %(r)s") % {"r": data["canonical"]}
    if kind == Event.Kind.DUPLICATE_ADDED and data.get("duplicate"):
        return _("Duplicate %(r)s merged in") % {"r": data["duplicate"]}
    if kind == Event.Kind.RECATEGORISED and data.get("to"):
        return _("Changed from %(a)s to %(b)s") % {"a": data.get("from", ""), "b": data["to"]}
    if kind == Event.Kind.RELOCATED:
        address = data.get("to")
        return _("Moved to %(a)s") % {"a": address} if address else _("Moved on the map")
    if kind == Event.Kind.CLOSE_REASON_CORRECTED and event["close_reason"]:
        reason = event["close_reason"]
        if reason == CloseReason.REFERRED and data.get("referred_to"):
            return _("Corrected: referred to %(a)s") % {"a": data["referred_to"]}
        return _("Corrected: %(r)s") % {"r": CloseReason(reason).label}
    return str(Event.Kind(kind).label).capitalize()
