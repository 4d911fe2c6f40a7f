"""Where an actor may act for the city: the one rule every door and the admin use.

- A superuser: everywhere.
- City staff (an active user of any role but resident): the jurisdictions on their account.
- An API client: the jurisdictions it was granted, while it is active.
- Anyone else (residents, anonymous visitors, contacts, named systems): nowhere for the city.

Anyone may still act as a resident anywhere (report, support, follow, comment): those writes
check only the API client they come through, if any. Writes that need the city's authority
(moderation, status changes, notes, assignment, merges) check the acting person too.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from fixboard.places.models import Jurisdiction

from .models import ApiClient, User

EVERYWHERE = None


def _user_ids(user: User) -> frozenset[int] | None:
    if user.is_superuser:
        return EVERYWHERE
    if user.role == User.Role.RESIDENT:
        return frozenset()
    # Read once per user object, i.e. once per web request. Through getattr, not __dict__:
    # `request.user` is a lazy wrapper whose own __dict__ is not the user's.
    if getattr(user, "_scope_ids", None) is None:
        user._scope_ids = frozenset(user.jurisdictions.values_list("pk", flat=True))
    return user._scope_ids


def _client_ids(client: ApiClient) -> frozenset[int]:
    if "_scope_ids" not in client.__dict__:
        # A client read with its grants prefetched (the REST door) costs no query here.
        client._scope_ids = frozenset(j.pk for j in client.jurisdictions.all())
    return client._scope_ids


def jurisdiction_ids(actor) -> frozenset[int] | None:
    """The ids of the jurisdictions `actor` may act in for the city; EVERYWHERE (None) for
    superusers."""
    if isinstance(actor, ApiClient):
        return _client_ids(actor) if actor.active else frozenset()
    if isinstance(actor, User) and actor.is_active and actor.is_authenticated:
        return _user_ids(actor)
    return frozenset()


def acts_for_city(actor) -> bool:
    """Whether `actor` acts with the city's authority (staff, superusers, API clients), so
    that its writes must stay within its jurisdictions."""
    if isinstance(actor, ApiClient):
        return True
    return isinstance(actor, User) and (actor.is_superuser or actor.role != User.Role.RESIDENT)


def remember_grant(client: ApiClient, jurisdiction_id: int) -> None:
    """Note a grant the caller already read (with the key), so checking it costs no query."""
    client.__dict__.setdefault("_known_grants", set()).add(jurisdiction_id)


def may_act_in(actor, jurisdiction: Jurisdiction | int) -> bool:
    """Whether `actor` may act in `jurisdiction` for the city."""
    pk = jurisdiction if isinstance(jurisdiction, int) else jurisdiction.pk
    if (
        isinstance(actor, ApiClient)
        and actor.active
        and pk in actor.__dict__.get("_known_grants", ())
    ):
        return True
    ids = jurisdiction_ids(actor)
    return ids is EVERYWHERE or pk in ids


def check_may_act_in(actor, jurisdiction: Jurisdiction | int) -> None:
    """PermissionDenied, with a message the doors show, unless `actor` may act there."""
    if may_act_in(actor, jurisdiction):
        return
    if isinstance(jurisdiction, int):
        jurisdiction = Jurisdiction.objects.only("name").get(pk=jurisdiction)
    if isinstance(actor, ApiClient):
        raise PermissionDenied(
            _("This API key may not act in %(j)s; ask the city for a key that may.")
            % {"j": jurisdiction.name}
        )
    raise PermissionDenied(
        _("Your account does not work for %(j)s; ask an administrator to add it.")
        % {"j": jurisdiction.name}
    )


def scoped(queryset: QuerySet, actor, path: str = "jurisdiction") -> QuerySet:
    """The rows of `queryset` in the actor's jurisdictions (`path` leads to a Jurisdiction)."""
    ids = jurisdiction_ids(actor)
    if ids is EVERYWHERE:
        return queryset
    return queryset.filter(**{f"{path}__in": ids})


def scoped_any(queryset: QuerySet, actor, *paths: str) -> QuerySet:
    """The rows reached from the actor's jurisdictions by at least one of `paths`."""
    ids = jurisdiction_ids(actor)
    if ids is EVERYWHERE:
        return queryset
    if not paths:
        return queryset.none()
    condition = Q()
    for path in paths:
        condition |= Q(**{f"{path}__in": ids})
    return queryset.filter(condition)


def choices(queryset: QuerySet, actor) -> QuerySet:
    """What the actor may pick in a form: their jurisdictions, or rows belonging to them."""
    if queryset.model is Jurisdiction:
        return scoped(queryset, actor, "pk")
    if any(f.name == "jurisdiction" for f in queryset.model._meta.get_fields()):
        return scoped(queryset, actor)
    return queryset


def scoped_within(queryset: QuerySet, actor) -> QuerySet:
    """Users or API clients all of whose jurisdictions are the actor's (none: superusers only).

    Someone who also works for, or may post to, another jurisdiction is that jurisdiction's
    business too, so only a superuser may see or change them.
    """
    ids = jurisdiction_ids(actor)
    if ids is EVERYWHERE:
        return queryset
    grants = queryset.model.jurisdictions.through.objects.filter(
        **{queryset.model._meta.model_name: OuterRef("pk")}
    )
    return queryset.filter(Exists(grants.filter(jurisdiction__in=ids))).exclude(
        Exists(grants.exclude(jurisdiction__in=ids))
    )


# Within a jurisdiction, who may change a request (status, assignment, merge, service type,
# place, priority, redaction): city admins any; department staff and managers their
# departments' and those granted to them; call-takers none (they add notes and callers).
CHANGING_ROLES = (User.Role.STAFF, User.Role.MANAGER)


def department_ids(user: User) -> frozenset[int] | None:
    """The departments whose requests `user` may change; EVERYWHERE (None) for superusers
    and city admins, who are bound by their jurisdictions only."""
    if user.is_superuser or user.role == User.Role.ADMIN:
        return EVERYWHERE
    if user.role not in CHANGING_ROLES or not user.is_active:
        return frozenset()
    if getattr(user, "_department_ids", None) is None:
        user._department_ids = frozenset(user.departments.values_list("pk", flat=True)) | frozenset(
            user.granted_departments.values_list("pk", flat=True)
        )
    return user._department_ids


def may_change(actor, request) -> bool:
    """Whether `actor` may change `request` (a ServiceRequest) with the city's authority."""
    if not may_act_in(actor, request.jurisdiction_id):
        return False
    if isinstance(actor, ApiClient):
        return True
    ids = department_ids(actor)
    return ids is EVERYWHERE or request.department_id in ids


def check_may_change(actor, request) -> None:
    """PermissionDenied, with a message the doors show, unless `actor` may change `request`."""
    check_may_act_in(actor, request.jurisdiction_id)
    if may_change(actor, request):
        return
    if getattr(actor, "role", "") == User.Role.AGENT:
        raise PermissionDenied(
            _("Call-takers add notes and callers; ask the department to change the request.")
        )
    raise PermissionDenied(
        _(
            "%(r)s belongs to another department; ask its manager, or an administrator to "
            "grant you that department."
        )
        % {"r": request.public_id}
    )


def changeable(queryset: QuerySet, actor, path: str = "") -> QuerySet:
    """The requests of `queryset` (`path` leads to a ServiceRequest) that `actor` may change."""
    prefix = f"{path}__" if path else ""
    queryset = scoped(queryset, actor, f"{prefix}jurisdiction")
    if isinstance(actor, ApiClient):
        return queryset
    ids = department_ids(actor) if isinstance(actor, User) else frozenset()
    if ids is EVERYWHERE:
        return queryset
    return queryset.filter(**{f"{prefix}department__in": ids})
