"""Fixboard's status and close reason ↔ Open311's open/closed and mySociety's extended set.

The table is documented in docs/open311.md; change both together.
"""

from dataclasses import dataclass

from .models import CloseReason, Status


def open311_status(status: str) -> str:
    return "closed" if status == Status.CLOSED else "open"


_OPEN_EXTENDED = {
    Status.NEW: "open",
    Status.ACKNOWLEDGED: "investigating",
    Status.IN_PROGRESS: "in_progress",
}
_CLOSED_EXTENDED = {
    CloseReason.FIXED: "fixed",
    CloseReason.DUPLICATE: "duplicate",
    CloseReason.NOT_ACTIONABLE: "no_further_action",
    CloseReason.REFERRED: "not_councils_responsibility",
    CloseReason.CANCELLED: "cancelled",
}


def extended_status(status: str, close_reason: str = "") -> str:
    """The lower-case extended status read by servicerequestupdates clients."""
    if status == Status.CLOSED:
        return _CLOSED_EXTENDED.get(close_reason, "closed")
    return _OPEN_EXTENDED.get(status, "open")


def external_status_code(status: str, close_reason: str = "") -> str:
    """Fixboard's own code for the state, e.g. "in_progress" or "closed:fixed"."""
    return f"{status}:{close_reason}" if close_reason else status


@dataclass(frozen=True)
class Target:
    """Where a posted extended status moves a request; `status` "" keeps the state."""

    status: str = ""
    close_reason: str = ""
    reopen_only: bool = False
    says_why: bool = True  # False for plain "closed": it names no close reason to correct to


# "open", "reopen" and "for_triage" reopen a closed request and leave an open one alone.
TARGETS = {
    "open": Target(Status.NEW, reopen_only=True),
    "reopen": Target(Status.NEW, reopen_only=True),
    "for_triage": Target(Status.NEW, reopen_only=True),
    "investigating": Target(Status.ACKNOWLEDGED),
    "action_scheduled": Target(Status.IN_PROGRESS),
    "in_progress": Target(Status.IN_PROGRESS),
    "fixed": Target(Status.CLOSED, CloseReason.FIXED),
    "closed": Target(Status.CLOSED, CloseReason.FIXED, says_why=False),
    "duplicate": Target(Status.CLOSED, CloseReason.DUPLICATE),
    "not_councils_responsibility": Target(Status.CLOSED, CloseReason.REFERRED),
    "internal_referral": Target(Status.CLOSED, CloseReason.REFERRED),
    "no_further_action": Target(Status.CLOSED, CloseReason.NOT_ACTIONABLE),
    "cancelled": Target(Status.CLOSED, CloseReason.CANCELLED),
    "unchanged": Target(),
}


def target_of(posted: str) -> Target | None:
    """The target of a posted status (UPPER or lower case), or None if unknown."""
    return TARGETS.get(posted.strip().lower())


def next_status(current: str, target: Target) -> str:
    """The status to move to, or "" when the request stays as it is."""
    if not target.status or target.status == current:
        return ""
    if target.reopen_only and current != Status.CLOSED:
        return ""
    if target.status == Status.CLOSED and current == Status.CLOSED:
        return ""
    return target.status


def corrected_reason(status: str, close_reason: str, target: Target) -> str:
    """The close reason a closed request is corrected to by a posted closed status, or "".

    A duplicate is made by merging into the request it duplicates, which a posted status
    cannot name, so DUPLICATE corrects nothing (it is recorded as a note).
    """
    if status != Status.CLOSED or target.status != Status.CLOSED or not target.says_why:
        return ""
    if target.close_reason in (close_reason, CloseReason.DUPLICATE):
        return ""
    return target.close_reason


def target_of_code(value: str) -> Target | None:
    """The target of a CRM status mapping's value: an extended status ("fixed") or
    Fixboard's own code as `external_status_code` writes it ("in_progress", "closed:fixed")."""
    found = target_of(value)
    if found is not None:
        return found
    status, _, reason = value.strip().lower().partition(":")
    if status not in Status.values or (reason and status != Status.CLOSED):
        return None
    if status != Status.CLOSED:
        return Target(status)
    if reason and reason not in CloseReason.values:
        return None
    return Target(Status.CLOSED, reason or CloseReason.FIXED, says_why=bool(reason))


def crm_target(endpoint, posted: str) -> Target | None:
    """Where a CRM's status moves a request: by the endpoint's mapping, else as an
    extended status; None when neither knows it."""
    mapped = endpoint.fixboard_status(posted) if endpoint is not None else ""
    if mapped:
        return target_of_code(mapped)
    if posted.strip().lower() == "internal_referral":
        # Passed on inside the city's own systems: a hand-off, not an answer to the resident.
        return TARGETS["unchanged"]
    return target_of(posted)
