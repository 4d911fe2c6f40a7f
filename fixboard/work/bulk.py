"""One action on many requests: each through the domain, in its own transaction.

All or nothing per request: a request the domain refuses (another department's, a status it
cannot go to) is left as it was and listed with the reason; the others are done.
(A stand-in for `fixboard.reports.bulk.for_each`, being written on another branch: same
shape, so the views switch to it by changing one import.)
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from fixboard.reports.models import ServiceRequest


@dataclass(frozen=True)
class Outcome:
    public_id: str
    ok: bool
    reason: str = ""


@dataclass
class BulkReport:
    succeeded: list[Outcome] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.succeeded) + len(self.failed)


def reason_of(error: Exception) -> str:
    """The messages of a refusal, as a person reads them."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or error.__class__.__name__


def for_each(
    requests: Iterable[ServiceRequest], action: Callable[..., object], **kwargs
) -> BulkReport:
    """Call `action(request=r, **kwargs)` for each request, each in its own transaction."""
    report = BulkReport()
    for request in requests:
        try:
            with transaction.atomic():
                action(request=request, **kwargs)
        except (ValidationError, PermissionDenied) as error:
            report.failed.append(Outcome(request.public_id, False, reason_of(error)))
        else:
            report.succeeded.append(Outcome(request.public_id, True))
    return report
