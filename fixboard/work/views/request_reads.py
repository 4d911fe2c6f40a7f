"""What the work view reads: one request with everything staff may see of it.

Staff reads, kept apart from the public selectors of `fixboard.reports.selectors` so a
private field cannot reach a public page by accident. Each read is one query whatever the
length of the timeline; the page makes a bounded number of them.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q
from django.urls import reverse

from fixboard.accounts import scope
from fixboard.accounts.models import User
from fixboard.catalog.models import Department, ServiceType
from fixboard.places.names import by_name
from fixboard.reports.models import CommentFlag, Event, Photo, ServiceRequest
from fixboard.reports.public_ids import normalize_public_id

# A timeline longer than this shows its newest events only (a request with thousands of
# "me too"s); the count of the others is given.
TIMELINE_LIMIT = 1000

# Runs of these (one per resident) are shown as one line: "12 residents added their support".
CROWD_KINDS = (Event.Kind.SUPPORTED, Event.Kind.FOLLOWED)


def staff_request(user, public_id: str) -> ServiceRequest | None:
    """The request with this public id if it is in `user`'s jurisdictions, else None (so
    ids cannot be probed across cities); with everything the header shows."""
    return (
        scope.scoped(ServiceRequest.objects.all(), user)
        .filter(public_id=normalize_public_id(public_id))
        .select_related(
            "service_type",
            "jurisdiction",
            "department",
            "assignee",
            "reporter",
            "duplicate_of",
        )
        .first()
    )


def canonical_preview(user, public_id: str) -> ServiceRequest | None:
    """The request a duplicate would merge into, if `user` may see it (same scope rule)."""
    if not public_id.strip():
        return None
    return (
        scope.scoped(ServiceRequest.objects.all(), user)
        .filter(public_id=normalize_public_id(public_id))
        .select_related("service_type", "department", "duplicate_of")
        .first()
    )


@dataclass
class StaffPhoto:
    id: int
    url: str
    hidden: bool
    event_id: int | None
    redact_errors: list[str] = field(default_factory=list)
    internal: bool = False


@dataclass
class StaffEntry:
    """One event as staff see it: who did it, whether the public sees it, its photos."""

    id: int
    kind: str
    label: str
    at: datetime
    actor: str  # "staff", "reporter", "resident", "system" or "" (unknown)
    actor_name: str  # the staff member's name, or the system's
    public: bool
    hidden: bool
    text: str = ""
    awaiting: bool = False  # a comment whose author has not confirmed their e-mail yet
    from_status: str = ""
    to_status: str = ""
    close_reason: str = ""
    data: dict = field(default_factory=dict)
    photos: list[StaffPhoto] = field(default_factory=list)
    count: int = 1  # a run of "me too"s or follows shown as one line
    flags: int = 0  # residents who reported this comment
    hidden_by: str = ""  # for a hidden comment: who hid it, when and why
    hidden_at: datetime | None = None
    hidden_reason: str = ""
    form_errors: list[str] = field(default_factory=list)  # of its moderation form
    title: str = ""  # what happened, and by whom (request_titles.describe)
    who: str = ""

    @property
    def internal(self) -> bool:
        return not self.public


@dataclass
class Timeline:
    entries: list[StaffEntry]
    photos: list[StaffPhoto]  # all the request's photos, oldest first
    duplicates: list[str]  # public ids of the requests merged into this one
    older: int  # events not shown (beyond TIMELINE_LIMIT)


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _actor(event: Event, reporter_id: int | None) -> tuple[str, str]:
    if event.actor_user_id:
        user = event.actor_user
        if user.is_superuser or user.role != User.Role.RESIDENT or user.is_staff:
            return "staff", _name(user)
        return "resident", ""
    if event.actor_contact_id:
        return ("reporter" if event.actor_contact_id == reporter_id else "resident"), ""
    if event.actor_system:
        return "system", event.actor_system
    return "", ""


def photo_url(request: ServiceRequest, photo_id: int) -> str:
    return reverse("work:request_photo", args=[request.public_id, photo_id])


def staff_timeline(request: ServiceRequest, *, with_flags: bool = False) -> Timeline:
    """Every event of `request`, oldest first, internal notes and hidden comments included,
    with their photos (hidden ones too) and, for moderators, how often each comment was
    reported. Three queries (two without `with_flags`)."""
    rows = list(
        Event.objects.filter(request=request)
        .select_related("actor_user")
        .only(
            "id",
            "kind",
            "public",
            "hidden",
            "awaiting_confirmation",
            "created_at",
            "text",
            "from_status",
            "to_status",
            "close_reason",
            "data",
            "actor_contact_id",
            "actor_system",
            "actor_user__username",
            "actor_user__first_name",
            "actor_user__last_name",
            "actor_user__role",
            "actor_user__is_staff",
            "actor_user__is_superuser",
        )
        .order_by("-created_at", "-id")[: TIMELINE_LIMIT + 1]
    )
    older = 0
    if len(rows) > TIMELINE_LIMIT:
        rows = rows[:TIMELINE_LIMIT]
        # Counted only for the rare huge timeline.
        older = Event.objects.filter(request=request).count() - TIMELINE_LIMIT
    rows.reverse()
    photos = [
        StaffPhoto(p.pk, photo_url(request, p.pk), p.hidden, p.event_id)
        for p in Photo.objects.filter(request=request)
        .only("id", "hidden", "event_id")
        .order_by("created_at", "id")
    ]
    by_event: dict[int, list[StaffPhoto]] = {}
    private = {e.pk for e in rows if not e.public or e.hidden or e.awaiting_confirmation}
    for photo in photos:
        if photo.event_id:
            by_event.setdefault(photo.event_id, []).append(photo)
            # A photo of an internal note or a hidden comment is not public either.
            photo.internal = photo.event_id in private
    flags = {}
    if with_flags:
        flags = dict(
            CommentFlag.objects.filter(comment__request=request)
            .values("comment_id")
            .annotate(n=Count("id"))
            .values_list("comment_id", "n")
        )
    hidings = {
        e.data.get("comment"): e for e in rows if e.kind == Event.Kind.COMMENT_HIDDEN and e.data
    }
    entries: list[StaffEntry] = []
    duplicates: list[str] = []
    for event in rows:
        if event.kind == Event.Kind.DUPLICATE_ADDED and event.data.get("duplicate"):
            duplicates.append(event.data["duplicate"])
        if (
            event.kind in CROWD_KINDS
            and entries
            and entries[-1].kind == event.kind
            and entries[-1].public == event.public
        ):
            entries[-1].count += 1
            entries[-1].at = event.created_at
            continue
        actor, actor_name = _actor(event, request.reporter_id)
        entry = StaffEntry(
            id=event.pk,
            kind=event.kind,
            label=str(Event.Kind(event.kind).label) if event.kind in Event.Kind.values else "",
            at=event.created_at,
            actor=actor,
            actor_name=actor_name,
            public=event.public,
            hidden=event.hidden,
            awaiting=event.awaiting_confirmation,
            text=event.text,
            from_status=event.from_status,
            to_status=event.to_status,
            close_reason=event.close_reason,
            data=event.data or {},
            photos=by_event.get(event.pk, []),
            flags=flags.get(event.pk, 0),
        )
        if event.hidden and (hiding := hidings.get(event.pk)):
            entry.hidden_by = _name(hiding.actor_user) if hiding.actor_user_id else ""
            entry.hidden_at = hiding.created_at
            entry.hidden_reason = hiding.text
        entries.append(entry)
    _name_assignees(entries)
    return Timeline(entries=entries, photos=photos, duplicates=duplicates, older=older)


def _name_assignees(entries: list[StaffEntry]) -> None:
    """Assignments record the username; staff read the person's name (one query, if any)."""
    usernames = {
        e.data["assignee"]
        for e in entries
        if e.kind == Event.Kind.ASSIGNED and e.data.get("assignee")
    }
    if not usernames:
        return
    people = User.objects.filter(username__in=usernames).only("username", "first_name", "last_name")
    names = {u.username: _name(u) for u in people}
    for entry in entries:
        if entry.kind == Event.Kind.ASSIGNED and entry.data.get("assignee") in names:
            entry.data = {**entry.data, "assignee": names[entry.data["assignee"]]}


def departments_queryset(request: ServiceRequest):
    """The teams a request can be given to: the active departments of its jurisdiction."""
    return (
        Department.objects.filter(jurisdiction_id=request.jurisdiction_id, active=True)
        .only("id", "name", "jurisdiction_id")
        .order_by("name")
    )


def service_types_queryset(request: ServiceRequest):
    """The service types a request can move to: the active ones of its jurisdiction."""
    return (
        ServiceType.objects.filter(jurisdiction_id=request.jurisdiction_id, active=True)
        .only("id", "name", "group", "jurisdiction_id")
        .order_by("group", "name")
    )


def people_queryset(request: ServiceRequest):
    """The people a request can be given to: active staff and managers of its department
    (members, or granted it) who work in its jurisdiction, and whoever has it now."""
    if request.department_id is None:
        people = User.objects.none()
    else:
        people = (
            User.objects.filter(is_active=True, role__in=scope.CHANGING_ROLES)
            .filter(
                Q(departments=request.department_id) | Q(granted_departments=request.department_id)
            )
            .filter(jurisdictions=request.jurisdiction_id)
        )
    if request.assignee_id:
        people = people | User.objects.filter(pk=request.assignee_id)
    return (
        people.distinct()
        .only("id", "username", "first_name", "last_name", "role", "is_superuser", "is_active")
        .order_by("first_name", "last_name", "username")
    )


def areas_of(request: ServiceRequest) -> list[str]:
    return list(by_name(request.areas.filter(active=True)).values_list("name", flat=True))


def answers_of(request: ServiceRequest) -> list[tuple[str, str]]:
    """The reporter's answers to the service type's questions, as (question, answer)."""
    if not request.attributes:
        return []
    answers = []
    for definition in request.service_type.attributes.only(
        "code", "description", "values", "service_type_id"
    ):
        if definition.code not in request.attributes:
            continue
        value = request.attributes[definition.code]
        names = {str(v.get("key")): v.get("name", v.get("key")) for v in definition.values or []}
        values = value if isinstance(value, list) else [value]
        answers.append(
            (definition.description, ", ".join(str(names.get(str(v), v)) for v in values))
        )
    return answers
