"""Bulk actions: one domain function per request, each all or nothing, with a report.

    report = for_each(selected, actions.transition, to_status=Status.CLOSED,
                      close_reason=CloseReason.FIXED, note="Fixed in the sweep", actor=user)
    report.failed  # [BulkItem(request, error="7KQ2-M9XD belongs to another department; …")]

Each request goes through the same domain function a single change would (so the same
checks, events and notifications), in its own transaction: a request that fails is left
as it was, and the others go on.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import ServiceRequest

logger = logging.getLogger(__name__)

# At most this many requests per bulk action: a bigger selection is refused, not cut.
MAX_REQUESTS = 5000


@dataclass
class BulkItem:
    """One request of a bulk action: what the domain function returned, or why it failed."""

    request: ServiceRequest
    result: object = None
    error: str = ""


@dataclass
class BulkReport:
    succeeded: list[BulkItem] = field(default_factory=list)
    failed: list[BulkItem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.succeeded) + len(self.failed)

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        """E.g. "48 changed, 2 not changed.", for a message after the action."""
        done = ngettext("%(n)d changed", "%(n)d changed", len(self.succeeded)) % {
            "n": len(self.succeeded)
        }
        if not self.failed:
            return done + "."
        failed = ngettext("%(n)d not changed", "%(n)d not changed", len(self.failed)) % {
            "n": len(self.failed)
        }
        return f"{done}, {failed}."


def error_text(exc: Exception) -> str:
    """What a person reads about a refused change: the domain's own messages."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return " ".join(m for messages in exc.message_dict.values() for m in messages)
        return " ".join(exc.messages)
    if isinstance(exc, PermissionDenied):
        return str(exc) or _("You may not change this request.")
    if isinstance(exc, ObjectDoesNotExist):
        return _("This request no longer exists.")
    return _("Something went wrong; the request was not changed. The error is logged.")


def _load(requests) -> list[ServiceRequest]:
    """The requests in one query: a QuerySet, requests, or their ids (in the order given)."""
    if isinstance(requests, QuerySet):
        loaded = list(requests[: MAX_REQUESTS + 1])
    else:
        given = list(requests)
        ids = [r for r in given if not isinstance(r, ServiceRequest)]
        found = ServiceRequest.objects.in_bulk(ids) if ids else {}
        loaded = [r if isinstance(r, ServiceRequest) else found.get(r, r) for r in given]
    if len(loaded) > MAX_REQUESTS:
        raise ValidationError(
            {"requests": [_("Select at most %(n)d requests at a time.") % {"n": MAX_REQUESTS}]}
        )
    return loaded


def for_each(
    requests: QuerySet | Iterable[ServiceRequest | int], action: Callable, **kwargs
) -> BulkReport:
    """Call `action(request=<each request>, **kwargs)` (a domain function of reports), each
    in its own transaction, and report which succeeded (with what `action` returned) and
    which failed (with the message of its ValidationError or PermissionDenied).

    Never stops at a failure. An unexpected error fails its request only, and is logged
    with its traceback. For a function that names its request otherwise (`merge`'s
    `duplicate`), pass a lambda: `lambda request, **kw: merge(duplicate=request, **kw)`.
    """
    report = BulkReport()
    for request in _load(requests):
        if not isinstance(request, ServiceRequest):
            report.failed.append(
                BulkItem(ServiceRequest(pk=request), error=_("This request no longer exists."))
            )
            continue
        try:
            with transaction.atomic():
                result = action(request=request, **kwargs)
        except (ValidationError, PermissionDenied, ObjectDoesNotExist) as exc:
            report.failed.append(BulkItem(request, error=error_text(exc)))
        except Exception as exc:
            logger.exception("Bulk %s failed on request %s", action, request.pk)
            report.failed.append(BulkItem(request, error=error_text(exc)))
        else:
            report.succeeded.append(BulkItem(request, result=result))
    return report
