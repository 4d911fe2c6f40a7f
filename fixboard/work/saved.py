"""Saved views of the work queue: the only way to create, rename, share and delete them.

A view is a person's own, or shared with a department (every member sees it in their queue).
Only the department's managers and the city's admins may share a view with it, or rename or
delete a shared one. Invalid input raises ValidationError with errors per field.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from fixboard.accounts import scope
from fixboard.accounts.models import User
from fixboard.catalog.models import Department

from .filters import QueueFilters, departments_of
from .models import SavedView

NAME_MAX = SavedView._meta.get_field("name").max_length


def visible_views(user: User) -> QuerySet:
    """The views `user` sees: their own, and those shared with the departments they work."""
    return SavedView.objects.filter(
        Q(owner=user, department__isnull=True) | Q(department__in=departments_of(user).values("pk"))
    ).select_related("department")


def may_share(user: User, department: Department) -> bool:
    """Whether `user` may share views with `department` (and change those shared with it)."""
    if not scope.may_act_in(user, department.jurisdiction_id):
        return False
    if user.is_superuser or user.role == User.Role.ADMIN:
        return True
    return user.role == User.Role.MANAGER and user.departments.filter(pk=department.pk).exists()


def shareable_departments(user: User) -> list[Department]:
    """The departments `user` may share views with (`may_share`), in one query."""
    departments = departments_of(user).order_by("name")
    if user.is_superuser or user.role == User.Role.ADMIN:
        return list(departments)
    if user.role == User.Role.MANAGER:
        return list(departments.filter(pk__in=user.departments.values("pk")))
    return []


def _check_may_change(actor: User, view: SavedView) -> None:
    if view.department_id is None:
        if view.owner_id != actor.pk:
            raise PermissionDenied(_("This saved view is someone else's."))
    elif not may_share(actor, view.department):
        raise PermissionDenied(
            _("Only managers of %(d)s and administrators change the views shared with it.")
            % {"d": view.department}
        )


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": [_("Give the view a name.")]})
    if len(name) > NAME_MAX:
        raise ValidationError(
            {"name": [_("Keep the name under %(n)d characters.") % {"n": NAME_MAX}]}
        )
    return name


def _check_name_free(view: SavedView) -> None:
    taken = SavedView.objects.filter(name=view.name).exclude(pk=view.pk)
    if view.department_id is None:
        taken = taken.filter(owner_id=view.owner_id, department__isnull=True)
    else:
        taken = taken.filter(department_id=view.department_id)
    if taken.exists():
        where = view.department.name if view.department_id else _("your views")
        raise ValidationError(
            {"name": [_("%(w)s already have a view called %(n)s.") % {"w": where, "n": view.name}]}
        )


def _check_share(actor: User, department: Department | None) -> None:
    if department is not None and not may_share(actor, department):
        raise ValidationError(
            {
                "department": [
                    _("Only managers of %(d)s and administrators share views with it.")
                    % {"d": department}
                ]
            }
        )


@transaction.atomic
def save_view(
    *, actor: User, name: str, query: str, department: Department | None = None
) -> SavedView:
    """Save the queue's filters and sort (`query`, a query string) under `name`, for the
    actor alone or shared with `department`. Unknown or invalid filters are dropped."""
    _check_share(actor, department)
    view = SavedView(
        owner=actor,
        department=department,
        name=_clean_name(name),
        query=QueueFilters(QueryDict(query or ""), user=actor).canonical_query(),
    )
    _check_name_free(view)
    view.save()
    return view


@transaction.atomic
def rename_view(*, actor: User, view: SavedView, name: str) -> SavedView:
    _check_may_change(actor, view)
    view.name = _clean_name(name)
    _check_name_free(view)
    view.save(update_fields=["name", "updated_at"])
    return view


@transaction.atomic
def share_view(*, actor: User, view: SavedView, department: Department | None) -> SavedView:
    """Share the view with `department`, or (None) make it the actor's own again."""
    _check_may_change(actor, view)
    _check_share(actor, department)
    if department is None and view.owner_id != actor.pk:
        raise ValidationError(
            {"department": [_("Only its owner may keep a shared view for themselves.")]}
        )
    view.department = department
    _check_name_free(view)
    view.save(update_fields=["department", "updated_at"])
    return view


@transaction.atomic
def delete_view(*, actor: User, view: SavedView) -> None:
    _check_may_change(actor, view)
    view.delete()
