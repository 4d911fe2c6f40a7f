"""The e-mails Fixboard sends, built from a Delivery row: text and HTML, one recipient each."""

from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fixboard.catalog.languages import only_in_language
from fixboard.reports.models import CloseReason, Event, ServiceRequest, Status

from . import tokens
from .models import Delivery


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def request_url(request: ServiceRequest) -> str:
    return absolute(request.get_absolute_url())


def unsubscribe_url(payload: dict) -> str:
    return absolute(reverse("notify:unsubscribe", args=[tokens.make("unsubscribe", payload)]))


def confirm_url(request: ServiceRequest) -> str:
    return absolute(reverse("notify:confirm", args=[tokens.make("confirm", {"r": request.pk})]))


def message_id(delivery: Delivery) -> str:
    """The same for every attempt at one delivery, so a mailbox shows a resent copy once."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<delivery-{delivery.pk}-{delivery.created_at:%Y%m%d%H%M%S}@{host}>"


def build(delivery: Delivery) -> EmailMultiAlternatives:
    """The message for one delivery; raises when its request or subscription is gone."""
    subject, template, context, unsubscribe = _BUILDERS[delivery.kind](delivery)
    context = {**context, "site_url": settings.SITE_URL, "unsubscribe_url": unsubscribe}
    language = translation.get_language()
    # Render without a request, the i18n context processor does not run: the HTML part's
    # `lang` comes from here, so screen readers read a Spanish e-mail as Spanish.
    context["LANGUAGE_CODE"] = language
    headers = {
        "Auto-Submitted": "auto-generated",
        "Message-ID": message_id(delivery),
        "Content-Language": language,
    }
    if unsubscribe:
        # RFC 8058: mail clients offer one-click unsubscribe and POST to this address.
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    subject = " ".join(subject.split())
    context["subject"] = subject
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"notify/email/{template}.txt", context),
        to=[delivery.email],
        headers=headers,
    )
    message.attach_alternative(
        render_to_string(f"notify/email/{template}.html", context), "text/html"
    )
    return message


def describe_event(event: Event) -> str:
    """What happened, in a few words: "fixed", "acknowledged", "reopened", "new update"."""
    if event.kind == Event.Kind.PUBLIC_UPDATE:
        return _("new update")
    if event.kind == Event.Kind.MERGED:
        return _("merged with %(r)s") % {"r": event.data.get("canonical", "")}
    if event.to_status == Status.CLOSED:
        if event.close_reason == CloseReason.FIXED:
            return _("fixed")
        return _("closed (%(reason)s)") % {"reason": CloseReason(event.close_reason).label}
    if event.from_status == Status.CLOSED:
        return _("reopened")
    return Status(event.to_status).label


def _update(delivery: Delivery):
    event = delivery.event
    request = event.request
    what = describe_event(event)
    subject = _("%(id)s %(service)s: %(what)s") % {
        "id": request.public_id,
        "service": request.service_type.name,
        "what": what,
    }
    context = {"request": request, "event": event, "what": what, "url": request_url(request)}
    unsubscribe = unsubscribe_url({"e": delivery.email, "r": request.pk})
    return subject, "update", context, unsubscribe


def _confirmation(delivery: Delivery):
    request = delivery.request
    subject = _("Confirm your report %(id)s") % {"id": request.public_id}
    context = {
        "request": request,
        "confirm_url": confirm_url(request),
        "days": tokens.CONFIRM_MAX_AGE.days,
    }
    return subject, "confirmation", context, ""


def _watch_confirmation(delivery: Delivery):
    watch = delivery.watch
    token = tokens.make("watch", {"w": watch.pk})
    subject = _("Confirm your daily digest for %(place)s") % {"place": watch.describe()}
    context = {
        "watch": watch,
        "confirm_url": absolute(reverse("notify:watch-confirm", args=[token])),
        "days": tokens.CONFIRM_MAX_AGE.days,
    }
    return subject, "watch_confirmation", context, ""


def _digest(delivery: Delivery):
    watch = delivery.watch
    by_id = ServiceRequest.objects.select_related("service_type").in_bulk(delivery.request_ids)
    requests = [by_id[pk] for pk in delivery.request_ids if pk in by_id]
    items = [{"request": r, "url": request_url(r)} for r in requests]
    subject = ngettext(
        "%(n)d new report in %(place)s", "%(n)d new reports in %(place)s", len(items)
    ) % {"n": len(items), "place": watch.describe()}
    unsubscribe = unsubscribe_url({"w": watch.pk})
    return subject, "digest", {"watch": watch, "items": items}, unsubscribe


def _follow_confirmation(delivery: Delivery):
    request = delivery.request
    token = tokens.make("follow", {"r": request.pk, "c": delivery.event.actor_contact_id})
    subject = _("Confirm that you want to follow %(id)s") % {"id": request.public_id}
    context = {
        "request": request,
        "url": request_url(request),
        "confirm_url": absolute(reverse("notify:follow-confirm", args=[token])),
        "days": tokens.FOLLOW_MAX_AGE.days,
    }
    return subject, "follow_confirmation", context, ""


def _sign_in(delivery: Delivery):
    token = tokens.make("sign_in", {"t": delivery.sign_in_id, "e": delivery.email})
    context = {
        "sign_in_url": absolute(reverse("notify:signin-link", args=[token])),
        "minutes": int(tokens.SIGN_IN_MAX_AGE.total_seconds() // 60),
    }
    return _("Your sign-in link"), "sign_in", context, ""


def work_url(request: ServiceRequest) -> str:
    """The staff work view of a request."""
    return absolute(reverse("work:request", args=[request.public_id]))


def _sla_breach(delivery: Delivery):
    event = delivery.event
    request = event.request
    subject = _("Overdue: %(id)s %(service)s") % {
        "id": request.public_id,
        "service": request.service_type.name,
    }
    context = {
        "request": request,
        "due": parse_datetime(event.data.get("expected_at", "")) or request.expected_at,
        "timezone": request.jurisdiction.timezone,
        "department": request.department,
        "url": work_url(request),
    }
    return subject, "sla_breach", context, ""


def _local(request: ServiceRequest, moment) -> str:
    """A moment in the request's jurisdiction's time zone, as staff there read it (made
    here: a template would show it in the site's time zone)."""
    if moment is None:
        return ""
    local = timezone.localtime(moment, ZoneInfo(request.jurisdiction.timezone))
    return formats.date_format(local, "DATETIME_FORMAT")


def _staff_item(request: ServiceRequest) -> dict:
    """What a department's e-mail tells of a request: its public facts, never the
    reporter's contact details (see departments.py)."""
    return {
        "request": request,
        "url": work_url(request),
        "requested_at": _local(request, request.requested_at),
        "expected_at": _local(request, request.expected_at),
    }


def _department_notice(delivery: Delivery):
    request = (
        ServiceRequest.objects.select_related("service_type", "jurisdiction")
        .only(*only_in_language(STAFF_COLUMNS))
        .get(pk=delivery.request_id)
    )
    subject = _("New request %(id)s for %(department)s: %(service)s") % {
        "id": request.public_id,
        "department": delivery.department.name,
        "service": request.service_type.name,
    }
    context = {"request_item": _staff_item(request), "department": delivery.department}
    return subject, "department_notice", context, ""


def _department_digest(delivery: Delivery):
    by_id = (
        ServiceRequest.objects.select_related("service_type", "jurisdiction")
        .only(*only_in_language(STAFF_COLUMNS))
        .in_bulk(delivery.request_ids)
    )
    items = [_staff_item(by_id[pk]) for pk in delivery.request_ids if pk in by_id]
    subject = ngettext(
        "%(n)d new request for %(department)s",
        "%(n)d new requests for %(department)s",
        len(items),
    ) % {"n": len(items), "department": delivery.department.name}
    context = {"items": items, "department": delivery.department}
    return subject, "department_digest", context, ""


def _escalation(delivery: Delivery):
    event = delivery.event
    request = (
        ServiceRequest.objects.select_related("service_type", "jurisdiction")
        .only(*only_in_language(STAFF_COLUMNS))
        .get(pk=delivery.request_id)
    )
    subject = _("Escalated: %(id)s %(service)s") % {
        "id": request.public_id,
        "service": request.service_type.name,
    }
    context = {
        "request_item": _staff_item(request),
        "department": delivery.department,
        "rule": event.data.get("rule", ""),
        "trigger": event.data.get("trigger", ""),
    }
    return subject, "escalation", context, ""


def _comment_confirmation(delivery: Delivery):
    comment = delivery.event
    request = comment.request
    token = tokens.make("comment", {"c": comment.pk})
    subject = _("Confirm your comment on %(id)s") % {"id": request.public_id}
    context = {
        "request": request,
        "comment": comment,
        "url": request_url(request),
        "confirm_url": absolute(reverse("notify:comment-confirm", args=[token])),
        "days": tokens.COMMENT_MAX_AGE.days,
    }
    return subject, "comment_confirmation", context, ""


def fixed_check_urls(delivery: Delivery) -> dict[str, str]:
    """The "yes" and "no" links of a "has this been fixed?" e-mail."""
    check = delivery.fixed_check
    payload = {"r": check.request_id, "e": check.close_event_id, "m": delivery.email}
    return {
        answer: absolute(
            reverse("notify:fixed-check", args=[answer, tokens.make("fixed", payload)])
        )
        for answer in ("yes", "no")
    }


def _fixed_check(delivery: Delivery):
    request = delivery.request
    subject = _("Has this been fixed? %(id)s %(service)s") % {
        "id": request.public_id,
        "service": request.service_type.name,
    }
    urls = fixed_check_urls(delivery)
    context = {
        "request": request,
        "url": request_url(request),
        "yes_url": urls["yes"],
        "no_url": urls["no"],
        "closed": _local(request, request.closed_at),
    }
    unsubscribe = unsubscribe_url({"e": delivery.email, "r": request.pk})
    return subject, "fixed_check", context, unsubscribe


def _request_received(delivery: Delivery):
    request = delivery.request
    subject = _("Your request %(id)s: %(service)s") % {
        "id": request.public_id,
        "service": request.service_type.name,
    }
    context = {"request": request, "url": request_url(request)}
    return subject, "request_received", context, ""


# The columns a department's e-mail reads: no reporter.
STAFF_COLUMNS = (
    "public_id",
    "status",
    "description",
    "address",
    "lat",
    "long",
    "channel",
    "priority",
    "support_count",
    "requested_at",
    "expected_at",
    "service_type__name",
    "jurisdiction__timezone",
    "jurisdiction__name",
)


_BUILDERS = {
    Delivery.Kind.SLA_BREACH: _sla_breach,
    Delivery.Kind.UPDATE: _update,
    Delivery.Kind.CONFIRMATION: _confirmation,
    Delivery.Kind.WATCH_CONFIRMATION: _watch_confirmation,
    Delivery.Kind.DIGEST: _digest,
    Delivery.Kind.SIGN_IN: _sign_in,
    Delivery.Kind.FOLLOW_CONFIRMATION: _follow_confirmation,
    Delivery.Kind.DEPARTMENT_NOTICE: _department_notice,
    Delivery.Kind.DEPARTMENT_DIGEST: _department_digest,
    Delivery.Kind.ESCALATION: _escalation,
    Delivery.Kind.COMMENT_CONFIRMATION: _comment_confirmation,
    Delivery.Kind.FIXED_CHECK: _fixed_check,
    Delivery.Kind.REQUEST_RECEIVED: _request_received,
}
