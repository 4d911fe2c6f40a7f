"""GET requests and GET servicerequestupdates parameters → checked queries.

Time windows follow the spec: start_date/end_date may span at most 90 days, and with
no date at all the window is the last 90 days. Without page or page_size a response
holds the spec's default of up to 1,000 requests; with them, pages of 50 (at most 1,000).
"""

import zoneinfo
from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from fixboard.places.models import Jurisdiction

from . import params
from .errors import bad_request
from .lookups import department_ids_for, department_names, service_ids_for
from .selectors import Circle, RequestQuery, UpdateQuery, area_ids_for

MAX_SPAN = timedelta(days=90)
DEFAULT_LIMIT = 1000
PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
MAX_PAGE = 100_000
MAX_IDS = 1000
DEFAULT_RADIUS_M = 500
MAX_RADIUS_M = 50_000
STATUSES = ("open", "closed")


def window(data, tz: zoneinfo.ZoneInfo, now: datetime) -> tuple[datetime, datetime] | None:
    """(start, end) from start_date/end_date, defaulting to 90 days; None if neither given."""
    start = params.w3c_datetime(data, "start_date", tz)
    end = params.w3c_datetime(data, "end_date", tz)
    if start is None and end is None:
        return None
    if start is not None and end is not None:
        if end < start:
            raise bad_request(_("end_date is before start_date."))
        if end - start > MAX_SPAN:
            raise bad_request(
                _("start_date and end_date may span at most 90 days; these span %(d)d.")
                % {"d": (end - start).days}
            )
        return start, end
    if start is not None:
        return start, start + MAX_SPAN
    return end - MAX_SPAN, end


def paging(data) -> tuple[int, int]:
    """(offset, limit) from page and page_size."""
    page = params.integer(data, "page", low=1, high=MAX_PAGE)
    size = params.integer(data, "page_size", low=1, high=MAX_PAGE_SIZE)
    if page is None and size is None:
        return 0, DEFAULT_LIMIT
    size = size or PAGE_SIZE
    return ((page or 1) - 1) * size, size


def point(data) -> tuple[float, float] | None:
    """(lat, long) when both are given; a 400 for one alone or a value out of range."""
    lat = params.number(data, "lat", low=-90, high=90)
    long = params.number(data, "long", low=-180, high=180)
    if lat is None and long is None:
        return None
    if lat is None or long is None:
        raise bad_request(_("Give both lat and long, in decimal degrees."))
    return lat, long


def _circle(data) -> Circle | None:
    centre = point(data)
    radius = params.number(data, "radius", low=1, high=MAX_RADIUS_M)
    if centre is None:
        if radius is not None:
            raise bad_request(_("radius needs lat and long."))
        return None
    return Circle(*centre, radius or DEFAULT_RADIUS_M)


def _departments(data, jurisdiction: Jurisdiction, problems: list[str]) -> tuple[int, ...]:
    names = params.many(data, "agency_responsible")
    ids, unknown = department_ids_for(jurisdiction, names)
    if unknown:
        problems.append(
            _("agency_responsible: no department %(d)s here (known: %(k)s).")
            % {"d": ", ".join(unknown), "k": ", ".join(department_names(jurisdiction))}
        )
    return tuple(ids)


def request_query(data, jurisdiction: Jurisdiction, now: datetime) -> RequestQuery:
    """The checked query of a GET requests; every problem found is one 400 error."""
    tz = zoneinfo.ZoneInfo(jurisdiction.timezone)
    extended = params.boolean(data, "extensions")
    ids = params.many(data, "service_request_id")
    if ids:
        if len(ids) > MAX_IDS:
            raise bad_request(
                _("Ask for at most %(n)d service_request_id at once.") % {"n": MAX_IDS}
            )
        return RequestQuery(ids=tuple(ids), limit=MAX_IDS, extended=extended)
    problems = []
    service_ids, unknown = service_ids_for(jurisdiction, params.many(data, "service_code"))
    if unknown:
        problems.append(
            _("service_code: no service %(c)s here; GET services lists them.")
            % {"c": ", ".join(unknown)}
        )
    statuses = params.many(data, "status")
    if wrong := [s for s in statuses if s.lower() not in STATUSES]:
        problems.append(_("status: %(s)s is not open or closed.") % {"s": ", ".join(wrong)})
    area_ids, unknown_areas = area_ids_for(jurisdiction, params.many(data, "area"))
    if unknown_areas:
        problems.append(
            _("area: no area %(a)s here; give its code, or kind:code.")
            % {"a": ", ".join(unknown_areas)}
        )
    department_ids = _departments(data, jurisdiction, problems)
    if problems:
        raise bad_request(*problems)
    has_photo = params.boolean(data, "has_photo") if params.text(data, "has_photo") else None
    updated_after = params.w3c_datetime(data, "updated_after", tz)
    updated_before = params.w3c_datetime(data, "updated_before", tz)
    requested = window(data, tz, now)
    by_updated = requested is None and (updated_after or updated_before) is not None
    if requested is None and not by_updated:
        requested = (now - MAX_SPAN, now)
    offset, limit = paging(data)
    return RequestQuery(
        service_type_ids=tuple(service_ids),
        statuses=tuple(s.lower() for s in statuses),
        requested_from=requested[0] if requested else None,
        requested_to=requested[1] if requested else None,
        updated_after=updated_after,
        updated_before=updated_before,
        circle=_circle(data),
        area_ids=tuple(area_ids),
        department_ids=department_ids,
        has_photo=has_photo,
        offset=offset,
        limit=limit,
        by_updated=by_updated,
        extended=extended,
    )


def update_query(data, jurisdiction: Jurisdiction, now: datetime) -> UpdateQuery:
    """The window of a GET servicerequestupdates (default: the last 90 days)."""
    tz = zoneinfo.ZoneInfo(jurisdiction.timezone)
    start, end = window(data, tz, now) or (now - MAX_SPAN, now)
    offset, limit = paging(data)
    return UpdateQuery(start=start, end=end, offset=offset, limit=limit)
