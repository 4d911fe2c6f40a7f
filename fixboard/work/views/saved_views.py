"""Saved views of the queue: save, rename, share, delete (forms on the queue page)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fixboard.catalog.models import Department
from fixboard.reports.bulk import error_text as reason_of

from .. import saved
from ..access import staff_only
from ..filters import person


def _department(request):
    pk = request.POST.get("department", "")
    if not pk:
        return None
    try:
        return Department.objects.get(pk=int(pk))
    except (ValueError, Department.DoesNotExist):
        message = _("Choose one of the departments listed.")
        raise ValidationError({"department": [message]}) from None


def _back(query: str = ""):
    url = reverse("work:queue")
    return redirect(f"{url}?{query}" if query else url)


@require_POST
@staff_only
def save(request):
    try:
        view = saved.save_view(
            actor=person(request.user),
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
            department=_department(request),
        )
    except ValidationError as error:
        messages.error(request, reason_of(error))
        return _back(request.POST.get("query", ""))
    messages.success(request, _("Saved the view “%(n)s”.") % {"n": view.name})
    return _back(view.query)


@require_POST
@staff_only
def change(request, pk: int):
    view = get_object_or_404(saved.visible_views(person(request.user)), pk=pk)
    operation = request.POST.get("operation")
    try:
        if operation == "rename":
            saved.rename_view(
                actor=person(request.user), view=view, name=request.POST.get("name", "")
            )
            messages.success(request, _("Renamed the view to “%(n)s”.") % {"n": view.name})
        elif operation == "share":
            saved.share_view(actor=person(request.user), view=view, department=_department(request))
            messages.success(
                request,
                _("“%(n)s” is now shared with %(d)s.") % {"n": view.name, "d": view.department}
                if view.department_id
                else _("“%(n)s” is now yours alone.") % {"n": view.name},
            )
        elif operation == "delete":
            name = view.name
            saved.delete_view(actor=person(request.user), view=view)
            messages.success(request, _("Deleted the view “%(n)s”.") % {"n": name})
        else:
            messages.error(request, _("Unknown operation."))
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, reason_of(error))
    return _back()
