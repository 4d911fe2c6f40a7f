"""Open311 GeoReport v2 (+ servicerequestupdates) endpoints: parse → authorize → call → render."""

from datetime import datetime
from functools import wraps
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    SuspiciousOperation,
    ValidationError,
)
from django.db import OperationalError
from django.http import HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from fixboard.accounts.apikeys import client_and_grant, take_rate_limit
from fixboard.accounts.models import ApiClient
from fixboard.catalog.languages import asked_language
from fixboard.core.uploads import BODY_LIMITS, body_limit_message
from fixboard.places.models import Jurisdiction
from fixboard.places.spatial import area_index
from fixboard.reports.idempotency import StillRunning

from . import answers, conditional, encoding, lookups, params, posting, queries, selectors
from .actions import actor_of, post_request_update, submit_open311_request
from .errors import Open311Error, bad_request, forbidden, from_validation_error, not_found
from .records import Formatter
from .render import FORMATS, render, respond, to_json, to_xml

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this API's shape last changed (discovery's changeset): bump it with the code.
CHANGESET = "2026-11-26T00:00:00Z"


def endpoint(*methods: str):
    """Answer errors in the requested format, and unknown formats with a 404.

    HEAD is answered as GET without the body; OPTIONS with the methods allowed (a browser's
    preflight for a GET never reaches here: `cors.py` answers it); any other method is a
    405 with `Allow`.
    """
    allowed = (*methods, "HEAD", "OPTIONS") if "GET" in methods else (*methods, "OPTIONS")

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, fmt: str, **kwargs):
            if fmt not in FORMATS:
                error = not_found(_("Unknown format .%(f)s; use .xml or .json.") % {"f": fmt})
                return render("xml", "errors", error.as_data(), status=404)
            headers = {"Allow": ", ".join(allowed)}
            if request.method == "OPTIONS":
                return HttpResponse(status=204, headers=headers)
            if request.method not in allowed:
                error = Open311Error(
                    405, _("Use %(m)s on this resource.") % {"m": " or ".join(methods)}
                )
                return render(fmt, "errors", error.as_data(), status=405, headers=headers)
            response = _answer(view, request, fmt, kwargs)
            if request.method == "HEAD":
                response["Content-Length"] = str(len(response.content))
                response.content = b""
            return response

        return wrapper

    return decorate


def _answer(view, request, fmt: str, kwargs: dict) -> HttpResponse:
    try:
        encoding.check(request)
        _refuse_nul(request)
        with translation.override(_language_of(request)):
            return view(request, fmt, **kwargs)
    except ValidationError as exc:
        error = from_validation_error(exc)
    except Open311Error as exc:
        error = exc
    except BODY_LIMITS as exc:
        error = bad_request(body_limit_message(exc))
    except PermissionDenied as exc:
        error = forbidden(str(exc))
    except (
        BadRequest,
        SuspiciousOperation,
        UnreadablePostError,
        MultiPartParserError,
    ) as exc:
        error = bad_request(_("The request body cannot be read: %(e)s") % {"e": exc})
    except OperationalError as exc:
        if "locked" not in str(exc):  # SQLite's writers queue; anything else is a bug
            raise
        error = Open311Error(
            503,
            _("The server is busy; retry in a moment."),
            headers={"Retry-After": "1"},
        )
    return render(fmt, "errors", error.as_data(), status=error.status, headers=error.headers)


def _language_of(request) -> str:
    """GeoReport v2's `locale` (on a POST, and accepted on GETs too), else Accept-Language
    (LocaleMiddleware's choice). A language not spoken here answers in the default one."""
    asked = _value(request, "locale")
    if not asked:
        return translation.get_language()
    return asked_language(asked) or settings.LANGUAGE_CODE


def _refuse_nul(request) -> None:
    # No database stores NUL in text (PostgreSQL refuses it), so it can only be an error.
    for data in (request.GET, request.POST):
        for name, values in data.lists():
            if "\0" in name or any("\0" in v for v in values):
                raise bad_request(_("%(p)s contains a NUL character.") % {"p": name.strip("\0")})


def _value(request, name: str) -> str:
    return params.text(request.POST, name) or params.text(request.GET, name)


def jurisdiction_of(request) -> Jurisdiction:
    """The jurisdiction asked for; optional while the installation serves only one."""
    slug = _value(request, "jurisdiction_id")
    found = lookups.jurisdictions_for(slug)
    if len(found) == 1:
        return found[0]
    known = ", ".join(lookups.all_jurisdiction_slugs())
    if slug:
        raise not_found(
            _("jurisdiction_id: no jurisdiction %(s)s here (known: %(k)s).")
            % {"s": slug, "k": known}
        )
    if not found:
        raise not_found(_("This server has no jurisdiction set up yet."))
    raise bad_request(
        _("jurisdiction_id is required: this server serves several (%(k)s).") % {"k": known}
    )


def client_of(request, jurisdiction: Jurisdiction, *, required: bool = True) -> ApiClient | None:
    """The API client of the api_key sent, checked for this jurisdiction and rate."""
    key = _value(request, "api_key")
    if not key:
        if required:
            raise forbidden(_("api_key is required to write; ask the city for a key."))
        return None
    client, granted = client_and_grant(key, jurisdiction)
    if client is None:
        raise forbidden(_("Invalid api_key: it is unknown or has been revoked."))
    if not granted:
        raise forbidden(_("This api_key may not be used for %(j)s.") % {"j": jurisdiction.slug})
    limit = take_rate_limit(client)
    if not limit.allowed:
        raise Open311Error(
            429,
            _("Rate limit of %(n)d requests a minute reached; retry in %(s)d seconds.")
            % {"n": limit.limit, "s": limit.retry_after},
            headers={"Retry-After": str(limit.retry_after)},
        )
    return client


def _formatter(request, jurisdiction, *, extended: bool = False) -> Formatter:
    questions = selectors.questions_of(jurisdiction) if extended else None
    return Formatter(jurisdiction, request.build_absolute_uri, questions)


@csrf_exempt
def unknown_path(request, path, fmt=None):
    error = not_found(
        _("No resource %(p)s here; GET discovery.xml lists the endpoint.") % {"p": path}
    )
    return render(fmt if fmt in FORMATS else "xml", "errors", error.as_data(), status=404)


@endpoint("GET")
def discovery(request, fmt):
    base = request.build_absolute_uri(reverse("open311:discovery", args=["xml"]))
    data = {
        "changeset": CHANGESET,
        "contact": _("Write to the city's 311 service for help with this API."),
        "key_service": _("API keys for posting are issued by the city's administrators."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base.rsplit("/", 1)[0],
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", data)


def _jurisdiction_at(request) -> Jurisdiction | None:
    """The jurisdiction a services call asks for, narrowed to the one containing lat/long
    when given (None: no jurisdiction asked for serves that point)."""
    point = queries.point(request.GET)
    if point is None:
        return jurisdiction_of(request)
    owner = lookups.jurisdiction_by_id(area_index().locate(*point).jurisdiction_id)
    if _value(request, "jurisdiction_id"):
        asked = jurisdiction_of(request)
        return asked if owner is not None and owner.pk == asked.pk else None
    return owner


@endpoint("GET")
def services(request, fmt):
    jurisdiction = _jurisdiction_at(request)
    if jurisdiction is None:
        return render(fmt, "services", [])
    return _cached(request, fmt, answers.services(jurisdiction, fmt))


@endpoint("GET")
def service_definition(request, fmt, service_code):
    jurisdiction = jurisdiction_of(request)
    answer = answers.service_definition(jurisdiction, service_code, fmt)
    if answer is None:
        raise not_found(_("service_code: no service %(c)s here.") % {"c": service_code})
    return _cached(request, fmt, answer)


def _cached(request, fmt: str, answer: answers.Answer):
    response = conditional.unchanged(request, etag=answer.etag) or respond(fmt, answer.body)
    conditional.validate(response, etag=answer.etag)
    return response


def _request_records(request, jurisdiction, query: selectors.RequestQuery) -> list[dict]:
    rows = selectors.list_requests(jurisdiction, query)
    if not rows:
        return []
    formatter = _formatter(request, jurisdiction, extended=query.extended)
    if not (query.extended or (not query.ids and any(r["has_photos"] for r in rows))):
        return [formatter.request(r, r.get("image")) for r in rows]  # no photo to look up
    ids = [r["id"] for r in rows] if query.ids else selectors.page_ids(jurisdiction, query)
    photos = selectors.photos_of(ids)
    if not query.ids:  # asked for by id, the rows came with their first photo
        for row in rows:
            row["image"] = photos[row["id"]][0].image if row["id"] in photos else None
    if not query.extended:
        return [formatter.request(r, r["image"]) for r in rows]
    areas, notes = selectors.areas_of(ids), selectors.notes_of(ids)
    parents = selectors.public_ids_of({r["duplicate_of_id"] for r in rows} - {None})
    return [
        formatter.request(r, r["image"])
        | formatter.extensions(
            r,
            photos=photos.get(r["id"], []),
            areas=areas.get(r["id"], {}),
            notes=notes.get(r["id"], []),
            parent=parents.get(r["duplicate_of_id"]),
        )
        for r in rows
    ]


def _newest(records: list[dict]) -> int | None:
    """The newest updated_datetime of an answer, in whole seconds as HTTP dates have."""
    # Parsed, not compared as text: offsets differ across a daylight-saving change.
    stamps = [
        datetime.fromisoformat(r["updated_datetime"]) for r in records if r["updated_datetime"]
    ]
    return int(max(stamps).timestamp()) if stamps else None


def _records_answer(
    request, fmt: str, records: list[dict], *, root="service_requests", since=None, headers=None
):
    """The records, or a 304 when the client holds them already.

    The ETag digests the records themselves, so a 304 skips rendering XML and sending.
    `since` gives what an If-Modified-Since alone is held against, when the answer's own
    newest update is not enough (a request that left a filtered list leaves no trace in it;
    None: If-Modified-Since alone never gets a 304).
    """
    payload = to_json(records)
    etag = conditional.etag_of(fmt.encode(), payload)
    last_modified = _newest(records)
    checked = since() if since is not None and conditional.asks_by_date(request) else last_modified
    response = conditional.unchanged(request, etag=etag, last_modified=checked)
    if response is None:
        body = payload if fmt == "json" else to_xml(root, records)
        response = respond(fmt, body, headers=headers)
    conditional.validate(response, etag=etag, last_modified=last_modified)
    return response


@endpoint("GET", "POST")
def requests(request, fmt):
    if request.method == "POST":
        return _post_request(request, fmt)
    jurisdiction = jurisdiction_of(request)
    query = queries.request_query(request.GET, jurisdiction, timezone.now())
    records = _request_records(request, jurisdiction, query)
    return _records_answer(request, fmt, records, since=lambda: selectors.last_change(jurisdiction))


@endpoint("GET")
def request_detail(request, fmt, service_request_id):
    jurisdiction = jurisdiction_of(request)
    if params.boolean(request.GET, "extensions"):
        query = selectors.RequestQuery(ids=(service_request_id,), limit=1, extended=True)
        records = _request_records(request, jurisdiction, query)
    else:
        row = lookups.request_by_id(jurisdiction, service_request_id)
        records = [_formatter(request, jurisdiction).request(row, row["image"])] if row else []
    if not records:
        raise not_found(_("service_request_id: no request %(r)s here.") % {"r": service_request_id})
    return _records_answer(request, fmt, records)


def _post_request(request, fmt):
    jurisdiction = jurisdiction_of(request)
    client = client_of(request, jurisdiction)
    code = params.text(request.POST, "service_code")
    if not code:
        raise bad_request(_("service_code is required; GET services lists them."))
    service_type = lookups.postable_service(jurisdiction, code)
    if service_type is None:
        raise not_found(_("service_code: no service %(c)s here.") % {"c": code})
    posted = posting.new_request(request.POST, request.FILES, jurisdiction, service_type)
    try:
        record = submit_open311_request(
            client=client,
            jurisdiction=jurisdiction,
            posted=posted,
            fingerprint=posting.fingerprint(request.POST, request.FILES),
            idempotency_key=request.headers.get("Idempotency-Key", "").strip()[:255],
        )
    except StillRunning as exc:
        raise Open311Error(409, str(exc), headers={"Retry-After": "1"}) from None
    return render(fmt, "service_requests", [record])


@endpoint("GET")
def token(request, fmt, token):
    jurisdiction = jurisdiction_of(request)
    exists, public_id = selectors.token_request(jurisdiction, token)
    if not exists:
        raise not_found(_("token: no token %(t)s here.") % {"t": token})
    return render(fmt, "service_requests", [{"service_request_id": public_id, "token": token}])


@endpoint("GET", "POST")
def request_updates(request, fmt):
    if request.method == "POST":
        return _post_update(request, fmt)
    jurisdiction = jurisdiction_of(request)
    client = client_of(request, jurisdiction, required=False)
    query = queries.update_query(request.GET, jurisdiction, timezone.now())
    rows, more = selectors.list_updates(jurisdiction, query)
    photos = selectors.photos_of(list({r["request_id"] for r in rows}))
    by_event = {p.event_id: p for ps in photos.values() for p in reversed(ps) if p.event_id}
    formatter = _formatter(request, jurisdiction)
    own = actor_of(client) if client else ""
    data = [
        formatter.update(r, [by_event[r["id"]]] if r["id"] in by_event else [], own) for r in rows
    ]
    headers = {}
    if more:
        headers["Link"] = f'<{_next_page(request, query)}>; rel="next"'
        headers["Access-Control-Expose-Headers"] = "Link"  # for web pages reading it too
    # A comment hidden since leaves no trace in the dates: only the ETag can tell.
    return _records_answer(
        request, fmt, data, root="service_request_updates", since=lambda: None, headers=headers
    )


def _next_page(request, query: selectors.UpdateQuery) -> str:
    """The URL of the page after this one: same parameters, the next page of the same size."""
    data = request.GET.copy()
    data["page"] = str(query.offset // query.limit + 2)
    data["page_size"] = str(query.limit)
    return request.build_absolute_uri(f"{request.path}?{data.urlencode()}")


def _post_update(request, fmt):
    jurisdiction = jurisdiction_of(request)
    client = client_of(request, jurisdiction)
    endpoint = selectors.crm_endpoint_of(client, jurisdiction)
    posted = posting.new_update(
        request.POST, request.FILES, ZoneInfo(jurisdiction.timezone), endpoint
    )
    service_request = selectors.request_to_update(jurisdiction, posted.service_request_id, endpoint)
    if service_request is None:
        raise not_found(
            _("service_request_id: no request %(r)s here.") % {"r": posted.service_request_id}
        )
    post_request_update(
        client=client,
        request=service_request,
        update_id=posted.update_id,
        target=posted.target,
        description=posted.description,
        at=posted.at,
        photo=posted.photos[0] if posted.photos else None,
        media_url=posted.media_url,
    )
    return render(fmt, "service_request_updates", [{"update_id": posted.update_id}])
