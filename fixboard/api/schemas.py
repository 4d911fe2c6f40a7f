"""Request and response shapes of the API (its OpenAPI document is built from these)."""

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator

from fixboard.reports.attributes import MAX_TEXT

MAX_COMMENT = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _plain(value: str) -> str:
    # Databases refuse NUL and lone surrogates; other control characters are noise.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(_("The text has characters that are not valid Unicode.")) from exc
    return _CONTROL.sub("", value)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise ValueError(_("The date is out of range.")) from exc


def _split(value):
    # ?status=open,closed and ?status=open&status=closed mean the same.
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [part.strip() for v in values for part in str(v).split(",") if part.strip()]


Text = Annotated[str, AfterValidator(_plain)]
Moment = Annotated[datetime, AfterValidator(_aware)]
DbInt = Annotated[int, Field(ge=1, le=2**63 - 1)]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


class StatusFilter(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"


class Sort(StrEnum):
    NEWEST = "-requested_at"
    OLDEST = "requested_at"
    RECENTLY_UPDATED = "-updated_at"
    LEAST_RECENTLY_UPDATED = "updated_at"


class RequestQuery(Schema):
    jurisdiction: Text | None = Field(None, max_length=64, description="Jurisdiction id (slug).")
    bbox: Text | None = Field(
        None,
        max_length=200,
        description="min_long,min_lat,max_long,max_lat (WGS84), e.g. -118.3,34.0,-118.2,34.1",
    )
    area: DbInt | None = Field(None, description="Only requests inside this area (its id).")
    status: Annotated[list[StatusFilter], BeforeValidator(_split)] = Field(
        [], description="open, closed or a precise status; repeat or comma-separate."
    )
    service: Annotated[list[Annotated[Text, Field(max_length=100)]], BeforeValidator(_split)] = (
        Field([], max_length=50, description="Service codes; repeat or comma-separate.")
    )
    updated_after: Moment | None = None
    updated_before: Moment | None = None
    requested_after: Moment | None = None
    requested_before: Moment | None = None
    sort: Sort = Field(
        Sort.NEWEST,
        description="-requested_at (newest first, default), requested_at, -updated_at, "
        "or updated_at (oldest change first: for keeping a copy in sync).",
    )
    cursor: Text | None = Field(None, max_length=500, description="`next_cursor` of the last page.")
    limit: int = Field(50, ge=1, le=200)


class AreaRef(Schema):
    id: int
    kind: str
    code: str
    name: str


class RequestOut(Schema):
    id: str = Field(description="Public request id, e.g. 7KQ2-M9XD.")
    url: str = Field(description="The request's public page.")
    jurisdiction: str
    service_code: str
    service_name: str
    status: str
    close_reason: str
    description: str
    lat: float | None = Field(description="Null when the location was not pinpointed.")
    long: float | None = Field(description="Null when the location was not pinpointed.")
    pinpointed: bool = Field(
        description="False for a request reported by an address nobody could place: it has "
        "no position yet, only its address, until staff place it."
    )
    address: str
    requested_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    expected_at: datetime | None
    support_count: int
    follow_count: int
    duplicate_of: str | None
    photo: str = Field(description="URL of the first photo, or empty.")


class NearbyOut(RequestOut):
    distance_m: float


class RequestPage(Schema):
    items: list[RequestOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )


class NearbyList(Schema):
    items: list[NearbyOut]


class PhotoOut(Schema):
    url: str
    width: int
    height: int


class EventOut(Schema):
    id: int
    kind: str
    label: str
    at: datetime
    actor: Literal["city", "resident", "system"]
    text: str
    from_status: str
    to_status: str
    close_reason: str
    data: dict[str, str | int | float]
    photos: list[str]


class RequestDetail(RequestOut):
    service_group: str
    status_notes: str
    zipcode: str
    address_id: str = Field(description="The address's id in the city's address index, or empty.")
    department: str | None
    acknowledged_at: datetime | None
    reporter_name: str | None = Field(description="Only when the reporter chose to show it.")
    areas: list[AreaRef]
    photos: list[PhotoOut]
    timeline: list[EventOut]


AnswerValue = str | int | float | bool | list[Annotated[Text, Field(max_length=500)]]


class Reporter(Schema):
    name: Text = Field("", max_length=200)
    email: Text = Field("", max_length=254)
    phone: Text = Field("", max_length=40)


class SubmitIn(Reporter):
    service_code: Text = Field(max_length=100, min_length=1)
    jurisdiction: Text | None = Field(
        None, max_length=64, description="Jurisdiction id; found from the location when omitted."
    )
    lat: Latitude
    long: Longitude
    description: Text = Field("", max_length=MAX_TEXT)
    address: Text = Field("", max_length=300)
    zipcode: Text = Field("", max_length=20)
    attributes: dict[Annotated[Text, Field(max_length=100)], AnswerValue] = Field(
        {}, max_length=100, description="Answers to the service's questions, by question code."
    )
    name_public: bool = Field(False, description="Show the reporter's name on the request.")
    anonymous: bool = False


class SubmitOut(Schema):
    id: str
    url: str
    awaiting_confirmation: bool = Field(
        description="True until the reporter confirms by e-mail; the request is not public before."
    )


class SupportIn(Schema):
    email: Text = Field("", max_length=254, description="API clients: who supports it.")
    name: Text = Field("", max_length=200)


class FollowIn(Schema):
    email: Text = Field("", max_length=254, description="Needed unless signed in.")
    name: Text = Field("", max_length=200)


class CommentIn(FollowIn):
    text: Text = Field(min_length=1, max_length=MAX_COMMENT, description="Plain text.")


class Changed(Schema):
    changed: bool = Field(description="False when it was so already.")
    support_count: int
    follow_count: int


class FollowLinkSent(Schema):
    link_sent: bool = Field(
        description="False when a link went to this address a few minutes ago: that one works."
    )
    detail: str = Field(description="What to tell the resident, in their language.")


class QuestionOut(Schema):
    code: str
    question: str
    datatype: str
    hint: str
    required: bool
    variable: bool
    order: int
    values: list[dict[str, str]]


class ServiceOut(Schema):
    jurisdiction: str
    code: str
    name: str
    description: str
    group: str
    keywords: list[str]
    type: str
    questions: list[QuestionOut]


class JurisdictionOut(Schema):
    id: str
    name: str
    timezone: str
    bbox: list[float] | None = Field(description="min_long, min_lat, max_long, max_lat")


class AreaOut(Schema):
    id: int
    jurisdiction: str
    kind: str
    code: str
    name: str
    bbox: list[float]


class AreaPage(Schema):
    items: list[AreaOut]
    next_cursor: str | None


class AreaFeature(Schema):
    type: Literal["Feature"] = "Feature"
    id: int
    properties: AreaOut
    geometry: dict = Field(description="GeoJSON geometry, simplified for maps unless full=true.")


class NearbyQuery(Schema):
    service_code: Text = Field(min_length=1, max_length=100)
    lat: Latitude
    long: Longitude
    radius: float = Field(200, gt=0, le=2000, allow_inf_nan=False, description="Metres.")
    limit: int = Field(10, ge=1, le=50)
    jurisdiction: Text | None = Field(
        None, max_length=64, description="Jurisdiction id; found from the point when omitted."
    )


class AreaQuery(Schema):
    jurisdiction: Text | None = Field(None, max_length=64)
    kind: Text | None = Field(None, max_length=64, description="ward, neighbourhood, …")
    cursor: Text | None = Field(None, max_length=500)
    limit: int = Field(200, ge=1, le=1000)
