"""Staff's internal work never reaches the public: seed it with markers, scan every door.

Internal notes, internal status notes, who a request is assigned to and the staff's own
names are the city's business. Each carries a marker here; every public output (pages with
their figures, map data, downloads, the report flow's nearby reports, feeds, widget, Open311,
REST, exports, webhook payloads, the residents' e-mails) is read and must not contain one.
"""

import io
import json

import pytest
from django.core import mail
from django.test import Client

from fixboard.reports.actions import (
    ContactDetails,
    add_update,
    assign,
    follow,
    transition,
    upsert_contact,
)
from fixboard.reports.exporting import export_requests
from fixboard.reports.models import Photo, Status
from fixboard.webhooks import payloads
from fixboard.webhooks.models import WebhookDelivery
from tests.factories import UserFactory, submit_pothole
from tests.reports.test_photos import jpeg

pytestmark = pytest.mark.django_db

NOTE = "ZQX-internal-note-4471"
STATUS_NOTE = "ZQX-status-note-9182"
PHOTO_NOTE = "ZQX-photo-note-3307"
STAFF_NAME = "Zqxworker"
ASSIGNEE = "zqx.assignee"
MARKERS = (NOTE, STATUS_NOTE, PHOTO_NOTE, STAFF_NAME, ASSIGNEE)


@pytest.fixture
def worked(city, django_capture_on_commit_callbacks):
    """A request a resident follows, worked by staff with internal notes and assignment."""
    staff = UserFactory(
        username="zqx.staff",
        first_name=STAFF_NAME,
        role="staff",
        jurisdictions=[city.jurisdiction],
        departments=[city.streets],
    )
    colleague = UserFactory(
        username=ASSIGNEE,
        role="staff",
        jurisdictions=[city.jurisdiction],
        departments=[city.streets],
    )
    with django_capture_on_commit_callbacks(execute=True):
        request = submit_pothole(city, email="resident@example.org")
        follow(request=request, actor=upsert_contact(ContactDetails(email="fan@example.org")))
        add_update(request=request, text=NOTE, actor=staff, public=False)
        add_update(
            request=request,
            text=PHOTO_NOTE,
            actor=staff,
            public=False,
            photo=(jpeg(), "inside.jpg"),
        )
        assign(request=request, actor=staff, assignee=colleague)
        transition(
            request=request,
            to_status=Status.IN_PROGRESS,
            actor=staff,
            note=STATUS_NOTE,
            public=False,
        )
        add_update(request=request, text="Crew booked for Tuesday", actor=staff)
    return request


def public_outputs(city, request) -> dict[str, str]:
    slug, public_id, client = city.jurisdiction.slug, request.public_id, Client()
    area = request.areas.first()
    paths = {
        "request page": f"/requests/{public_id}/",
        "list page": f"/{slug}/list/",
        "map page": f"/{slug}/",
        "map data": f"/{slug}/map.json?south=33.9&west=-118.4&north=34.2&east=-118&zoom=17",
        "download csv": f"/{slug}/requests.csv",
        "download geojson": f"/{slug}/requests.geojson",
        "download csv, filtered": f"/{slug}/requests.csv?service=pothole&area={area.pk}",
        "area page": f"/{slug}/areas/{area.kind}/{area.code}/",
        "city feed": f"/feeds/{slug}/",
        "service feed": f"/feeds/{slug}/services/pothole/",
        "area feed": f"/feeds/{slug}/areas/{area.pk}/",
        "widget": f"/widget/{slug}/frame/",
        "REST list": f"/api/v1/requests?jurisdiction={slug}",
        "REST one": f"/api/v1/requests/{public_id}",
        "report flow: nearby": (
            f"/{slug}/report/nearby/?service={request.service_type.code}"
            f"&lat={request.lat}&long={request.long}"
        ),
    }
    for fmt in ("json", "xml"):
        for ext in ("", "&extensions=true"):
            paths[f"Open311 list {fmt}{ext}"] = (
                f"/open311/v2/requests.{fmt}?jurisdiction_id={slug}{ext}"
            )
            paths[f"Open311 one {fmt}{ext}"] = (
                f"/open311/v2/requests/{public_id}.{fmt}?jurisdiction_id={slug}{ext}"
            )
        paths[f"Open311 updates {fmt}"] = (
            f"/open311/v2/servicerequestupdates.{fmt}?jurisdiction_id={slug}"
            f"&service_request_id={public_id}"
        )
    outputs = {}
    for name, path in paths.items():
        response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        outputs[name] = body.decode()
    for fmt in ("csv", "geojson"):
        out = io.StringIO()
        export_requests(jurisdiction=city.jurisdiction, format=fmt, out=out)
        outputs[f"export {fmt}"] = out.getvalue()
    # What an integrator subscribed to every kind would be sent for each of its events.
    for event in request.events.order_by("pk"):
        if kind := payloads.kind_of(event):
            sent = payloads.payload(WebhookDelivery(event=event, kind=kind))
            outputs[f"webhook {kind} of event {event.pk}"] = json.dumps(sent)
    for n, message in enumerate(mail.outbox):
        outputs[f"e-mail {n} to {message.to}"] = "\n".join(
            [message.subject, message.body, *(alt for alt, _type in message.alternatives)]
        )
    return outputs


def test_no_public_output_shows_internal_work(city, worked):
    outputs = public_outputs(city, worked)
    leaks = [
        f"{marker} in {door}"
        for door, text in outputs.items()
        for marker in MARKERS
        if marker in text
    ]
    assert not leaks, leaks
    # The scan saw the request and its public update: it read the right things.
    assert "Crew booked for Tuesday" in outputs["request page"]
    assert "Crew booked for Tuesday" in outputs["REST one"]
    assert any(
        "Crew booked for Tuesday" in text for door, text in outputs.items() if "e-mail" in door
    )


def test_an_internal_notes_photo_is_not_served(city, worked):
    photo = Photo.objects.get(event__text=PHOTO_NOTE)
    assert Client().get(photo.image.url).status_code == 404
