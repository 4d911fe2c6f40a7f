"""The work queue's filters and sorts: what a person may work, narrowed by the GET parameters.

Saved views store the same parameters (`canonical_query`), so a view is a link to the queue.
"""

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django import forms
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fixboard.accounts import scope
from fixboard.accounts.models import User
from fixboard.catalog.models import Department, ServiceType
from fixboard.core.widgets import QuickSelect
from fixboard.places.models import Area
from fixboard.places.names import by_name
from fixboard.reports import priority
from fixboard.reports import sla as sla_rules
from fixboard.reports.models import Channel, RequestArea, ServiceRequest, Status

PAGE_SIZE = 50
# Counting stops here: "more than 10,000" is as useful as the exact figure, and cheaper.
COUNT_LIMIT = 10_000

OPEN = "open"
ANY = "all"
STATUS_CHOICES = [
    (OPEN, _("open (any)")),
    (Status.NEW, Status.NEW.label),
    (Status.ACKNOWLEDGED, Status.ACKNOWLEDGED.label),
    (Status.IN_PROGRESS, Status.IN_PROGRESS.label),
    (Status.CLOSED, Status.CLOSED.label),
    (ANY, _("any status")),
]
SLA_CHOICES = [
    ("", _("any")),
    ("on_time", _("on time")),
    ("due_soon", _("due soon")),
    ("overdue", _("overdue")),
    ("none", _("no SLA")),
]
AGE_CHOICES = [
    ("", _("any")),
    ("today", _("made today")),
    ("week", _("older than 7 days")),
    ("month", _("older than 30 days")),
]
SORT_CHOICES = [
    ("priority", _("priority")),
    ("newest", _("newest")),
    ("oldest", _("oldest")),
    ("due", _("due soonest")),
    ("supported", _("most supported")),
]
PLACE_CHOICES = [
    ("", _("any")),
    ("unplaced", _("not pinpointed")),
]
ME, UNASSIGNED = "me", "none"
FIELDS = (
    "status",
    "service",
    "area",
    "assignee",
    "sla",
    "channel",
    "age",
    "place",
    "department",
    "sort",
)


def person(user) -> User:
    """The user behind `request.user`'s lazy wrapper: `accounts.scope` keeps what it read of
    a user in the object's own __dict__, which the wrapper's is not."""
    return getattr(user, "_wrapped", user)


def workable(user: User) -> QuerySet:
    """Every request `user` may work (any status): their departments' and granted
    departments'; for call-takers and admins, their jurisdictions'."""
    requests = ServiceRequest.objects.all()
    if user.is_superuser or user.role not in scope.CHANGING_ROLES:
        return scope.scoped(requests, user)
    # A department's requests are its jurisdiction's (`reports.actions.assign`), so the
    # departments whose queue the person sees say it all, in the column the queue's indexes
    # lead with.
    return requests.filter(department__in=[pk for pk, _name in department_choices(user)])


def departments_of(user: User) -> QuerySet:
    """The departments whose queue `user` sees."""
    departments = scope.scoped(Department.objects.all(), user)
    ids = scope.department_ids(user)
    if ids is not scope.EVERYWHERE and (user.role in scope.CHANGING_ROLES):
        departments = departments.filter(pk__in=ids)
    return departments.select_related("jurisdiction")


def people_of(user: User) -> QuerySet:
    """Whom `user` may pick as an assignee: active staff of the departments they see."""
    return (
        User.objects.filter(
            is_active=True,
            departments__in=departments_of(user).values("pk"),
            role__in=scope.CHANGING_ROLES,
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def _cached(user: User, key: str, build):
    """What the queue's forms list for `user`, read once per web request (the user object
    lives as long as the request)."""
    cache = user.__dict__.setdefault("_queue_choices", {})
    if key not in cache:
        cache[key] = build()
    return cache[key]


def person_label(user: User) -> str:
    return user.get_full_name() or user.get_username()


def service_choices(user: User) -> list[tuple[int, str]]:
    return _cached(
        user,
        "services",
        lambda: list(
            scope.scoped(ServiceType.objects.filter(active=True), user)
            .order_by("name")
            .values_list("pk", "name")
        ),
    )


def area_choices(user: User) -> list[tuple[int, str]]:
    return _cached(
        user,
        "areas",
        lambda: [
            (pk, f"{name} ({kind})")
            for pk, name, kind in by_name(scope.scoped(Area.objects.all(), user)).values_list(
                "pk", "name", "kind"
            )
        ],
    )


def department_choices(user: User) -> list[tuple[int, str]]:
    """The departments whose queue `user` sees."""
    return _cached(
        user,
        "departments",
        lambda: list(departments_of(user).order_by("name").values_list("pk", "name")),
    )


def assignable_departments(user: User) -> list[tuple[int, str]]:
    """The departments `user` may give requests to: any active one of their jurisdictions."""
    return _cached(
        user,
        "assignable",
        lambda: list(
            scope.scoped(Department.objects.filter(active=True), user)
            .order_by("name")
            .values_list("pk", "name")
        ),
    )


def people_choices(user: User) -> list[tuple[int, str]]:
    return _cached(user, "people", lambda: [(p.pk, person_label(p)) for p in people_of(user)])


def _int_choice(label):
    return forms.TypedChoiceField(
        label=label, coerce=int, required=False, empty_value=None, widget=QuickSelect
    )


class QueueFilters(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=STATUS_CHOICES, required=False, widget=QuickSelect
    )
    service = _int_choice(_("Service type"))
    area = _int_choice(_("Area"))
    assignee = forms.ChoiceField(label=_("Assignee"), required=False, widget=QuickSelect)
    sla = forms.ChoiceField(label=_("SLA"), choices=SLA_CHOICES, required=False, widget=QuickSelect)
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[("", _("any")), *Channel.choices],
        required=False,
        widget=QuickSelect,
    )
    age = forms.ChoiceField(label=_("Age"), choices=AGE_CHOICES, required=False, widget=QuickSelect)
    place = forms.ChoiceField(
        label=_("Location"), choices=PLACE_CHOICES, required=False, widget=QuickSelect
    )
    department = _int_choice(_("Department"))
    sort = forms.ChoiceField(
        label=_("Sort by"), choices=SORT_CHOICES, required=False, widget=QuickSelect
    )

    def __init__(self, data, *, user: User):
        super().__init__(data)
        self.user = user = person(user)
        self.fields["service"].choices = [("", _("any")), *service_choices(user)]
        self.fields["area"].choices = [("", _("any")), *area_choices(user)]
        self.fields["department"].choices = [("", _("all of mine")), *department_choices(user)]
        self.fields["assignee"].choices = [
            ("", _("anyone")),
            (ME, _("me")),
            (UNASSIGNED, _("unassigned")),
            *people_choices(user),
        ]

    @property
    def several_departments(self) -> bool:
        return len(department_choices(self.user)) > 1

    def value(self, name: str):
        """The cleaned value of `name`, or its default when absent or invalid."""
        data = getattr(self, "cleaned_data", {})
        return data.get(name) or {"status": OPEN, "sort": "priority"}.get(name)

    def filtered(self, now: datetime) -> QuerySet:
        """The requests the filters select (not yet sorted)."""
        self.is_valid()
        requests = workable(self.user)
        status = self.value("status")
        if status == OPEN:
            # "Not closed" rather than a list: the partial indexes on open requests apply.
            requests = requests.filter(~Q(status=Status.CLOSED))
        elif status == Status.CLOSED:
            requests = requests.filter(status=status)
        elif status != ANY:
            # Said twice so that the planner sees the open requests' indexes apply.
            requests = requests.filter(~Q(status=Status.CLOSED), status=status)
        if service := self.value("service"):
            requests = requests.filter(service_type_id=service)
        if area := self.value("area"):
            # A set to match against, not a lookup per request: the database hashes one
            # side, where probing the area's index for each of a queue's requests is slow.
            requests = requests.filter(
                pk__in=RequestArea.objects.filter(area=area).values("request")
            )
        assignee = self.value("assignee")
        if assignee == ME:
            requests = requests.filter(assignee=self.user)
        elif assignee == UNASSIGNED:
            requests = requests.filter(assignee__isnull=True)
        elif assignee:
            requests = requests.filter(assignee_id=int(assignee))
        if sla := self.value("sla"):
            requests = sla_rules.filter_state(requests, sla, now)
        if channel := self.value("channel"):
            requests = requests.filter(channel=channel)
        age = self.value("age")
        if age == "today":
            start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
            requests = requests.filter(requested_at__gte=start)
        elif age == "week":
            requests = requests.filter(requested_at__lt=now - timedelta(days=7))
        elif age == "month":
            requests = requests.filter(requested_at__lt=now - timedelta(days=30))
        if self.value("place") == "unplaced":
            # Reported by an address nobody could place: waiting at the city's centre.
            requests = requests.filter(pinpointed=False)
        if department := self.value("department"):
            requests = requests.filter(department_id=department)
        return requests

    def sorted(self, requests: QuerySet, now: datetime) -> QuerySet:
        sort = self.value("sort")
        if sort == "priority":
            ranked = priority.annotate(requests, now)
            return ranked.order_by("-priority_score", "requested_at", "pk")
        return requests.order_by(
            *{
                "newest": ("-requested_at", "-pk"),
                "oldest": ("requested_at", "pk"),
                "due": (F("expected_at").asc(nulls_last=True), "requested_at", "pk"),
                "supported": ("-support_count", "-requested_at", "-pk"),
            }[sort]
        )

    def canonical_query(self) -> str:
        """The valid, non-default filters and sort as a query string (no page)."""
        self.is_valid()
        pairs = []
        for name in FIELDS:
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            if (name, value) in (("status", OPEN), ("sort", "priority")):
                continue
            pairs.append((name, value))
        return urlencode(pairs)


def bounded_count(requests: QuerySet) -> tuple[int, bool]:
    """How many `requests` there are, counting up to COUNT_LIMIT; and whether there are more."""
    n = requests.order_by()[: COUNT_LIMIT + 1].count()
    return min(n, COUNT_LIMIT), n > COUNT_LIMIT


def new_count(requests: QuerySet, since: datetime | None) -> tuple[int, bool]:
    """How many of `requests` were made after `since` (none when there is no `since`)."""
    if since is None:
        return 0, False
    return bounded_count(requests.filter(requested_at__gt=since))
