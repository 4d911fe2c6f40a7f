"""What staff change on a request beyond its status: service type, place, priority, close
reason, redaction — each checked, recorded on the timeline, public or internal as it should."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from PIL import Image

from fixboard.accounts.apikeys import issue_api_key
from fixboard.catalog.models import AttributeDefinition, RoutingRule
from fixboard.reports import actions, changes
from fixboard.reports.exporting import FORMATS, export_requests
from fixboard.reports.models import (
    CloseReason,
    Contact,
    Event,
    Photo,
    RequestArea,
    ServiceRequest,
    Status,
)
from fixboard.reports.selectors import staff_hidden_comments
from tests.factories import (
    INSIDE_EAST,
    INSIDE_WEST,
    OUTSIDE,
    AttributeFactory,
    ServiceTypeFactory,
    UserFactory,
    make_city,
    submit_pothole,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sidewalk(city):
    """Sidewalk repair: asks the pothole's depth question too (other choices), and a
    question of its own; the parks department works it, with a 10-day target."""
    sidewalk = ServiceTypeFactory(
        jurisdiction=city.jurisdiction,
        code="sidewalk",
        name="Sidewalk repair",
        default_department=city.parks,
        sla_hours=240,
    )
    AttributeFactory(
        service_type=sidewalk,
        code="depth",
        description="How deep?",
        datatype=AttributeDefinition.Datatype.SINGLEVALUELIST,
        values=[{"key": "deep", "name": "Deep"}, {"key": "cracked", "name": "Cracked"}],
    )
    AttributeFactory(service_type=sidewalk, code="width", description="How wide?")
    return sidewalk


@pytest.fixture
def staff(city):
    return UserFactory(
        username="sam", role="staff", jurisdictions=[city.jurisdiction], departments=[city.streets]
    )


@pytest.fixture
def outsiders(city):
    """Everyone who may not change a Streets request of Testville."""
    other = make_city()
    return {
        "staff of another department": UserFactory(
            role="staff", jurisdictions=[city.jurisdiction], departments=[city.parks]
        ),
        "call-taker": UserFactory(role="agent", jurisdictions=[city.jurisdiction]),
        "admin of another city": UserFactory(role="admin", jurisdictions=[other.jurisdiction]),
    }


def assert_refused_to_all(outsiders, call, request):
    before = Event.objects.filter(request=request).count()
    for who, user in outsiders.items():
        with pytest.raises(PermissionDenied):
            call(user)
            pytest.fail(f"{who} was allowed")
    assert Event.objects.filter(request=request).count() == before


def public_page(client, request) -> str:
    response = client.get(f"/requests/{request.public_id}/")
    assert response.status_code == 200
    return response.content.decode()


# --- recategorise ----------------------------------------------------------------------------


def test_recategorise_keeps_shared_answers_reroutes_and_recounts_the_sla(
    client, city, sidewalk, staff
):
    request = submit_pothole(city, attributes={"depth": "deep"})
    assert request.department == city.streets
    event = changes.recategorise(
        request=request, service_type=sidewalk, actor=staff, note="It is the sidewalk."
    )
    request.refresh_from_db()
    assert request.service_type == sidewalk
    assert request.attributes == {"depth": "deep"}
    assert request.department == city.parks
    assert request.expected_at == request.requested_at + timedelta(hours=240)
    assert (event.kind, event.public, event.text) == (
        Event.Kind.RECATEGORISED,
        True,
        "It is the sidewalk.",
    )
    assert event.data["from"] == "Pothole" and event.data["to"] == "Sidewalk repair"
    assert event.data["department"] == "Parks"
    assert event.actor_user == staff
    page = public_page(client, request)
    assert "Changed from Pothole to Sidewalk repair" in page
    assert "It is the sidewalk." in page
    slug = city.jurisdiction.slug
    open311 = client.get(
        f"/open311/v2/requests/{request.public_id}.json?jurisdiction_id={slug}&extensions=true"
    ).json()[0]
    assert open311["service_code"] == "sidewalk"
    assert open311["notes"][-1]["summary"] == ("Changed from Pothole to Sidewalk repair")


def test_recategorise_drops_answers_the_new_type_does_not_take(city, sidewalk, staff):
    request = submit_pothole(city, attributes={"depth": "shallow"})  # not a sidewalk choice
    event = changes.recategorise(request=request, service_type=city.bulky, actor=staff)
    request.refresh_from_db()
    assert request.attributes == {}
    assert event.data["dropped"] == {"depth": "shallow"}
    assert request.expected_at is None  # bulky items has no target
    assert request.department == city.streets and "rerouted" not in event.data


def test_recategorise_keeps_a_department_assigned_by_hand(city, sidewalk, staff):
    request = submit_pothole(city)
    admin = UserFactory(role="admin", jurisdictions=[city.jurisdiction])
    actions.assign(request=request, actor=admin, department=city.streets, assignee=staff)
    # The same department (nothing to record), so assign a real change: parks, then back.
    actions.assign(request=request, actor=admin, department=city.parks)
    actions.assign(request=request, actor=admin, department=city.streets)
    changes.recategorise(request=request, service_type=sidewalk, actor=staff)
    request.refresh_from_db()
    assert request.department == city.streets and request.assignee == staff


def test_recategorise_follows_routing_rules_and_unassigns_who_can_no_longer_work_it(
    city, sidewalk, staff
):
    RoutingRule.objects.create(
        jurisdiction=city.jurisdiction,
        service_type=sidewalk,
        area=city.east,
        department=city.streets,
    )
    west = submit_pothole(city)
    east = submit_pothole(city, at=INSIDE_EAST)
    for request in (west, east):
        request.assignee = staff
        request.save()
    moved = changes.recategorise(request=west, service_type=sidewalk, actor=staff)
    stayed = changes.recategorise(request=east, service_type=sidewalk, actor=staff)
    west.refresh_from_db()
    east.refresh_from_db()
    assert (west.department, west.assignee) == (city.parks, None)
    assert moved.data["unassigned"] == "sam"
    assert (east.department, east.assignee) == (city.streets, staff)
    assert "unassigned" not in stayed.data


def test_recategorise_validation(city, sidewalk, staff):
    request = submit_pothole(city)
    other = make_city()
    retired = ServiceTypeFactory(jurisdiction=city.jurisdiction, name="Retired", active=False)
    cases = [
        (city.pothole, "The request is already Pothole."),
        (other.pothole, "Pothole is not a service of Testville."),
        (retired, "Retired no longer takes reports; choose an active service type."),
    ]
    for service_type, message in cases:
        with pytest.raises(ValidationError) as exc:
            changes.recategorise(request=request, service_type=service_type, actor=staff)
        assert exc.value.message_dict == {"service_type": [message]}
    with pytest.raises(ValidationError) as exc:
        changes.recategorise(request=request, service_type=sidewalk, actor=staff, note="x" * 4001)
    assert "Keep it under 4000 characters" in exc.value.message_dict["note"][0]
    assert not Event.objects.filter(request=request, kind=Event.Kind.RECATEGORISED).exists()


def test_recategorise_authority(city, sidewalk, outsiders):
    request = submit_pothole(city)
    assert_refused_to_all(
        outsiders,
        lambda user: changes.recategorise(request=request, service_type=sidewalk, actor=user),
        request,
    )
    request.refresh_from_db()
    assert request.service_type == city.pothole
    admin = UserFactory(role="admin", jurisdictions=[city.jurisdiction])
    changes.recategorise(request=request, service_type=sidewalk, actor=admin)


def test_recategorise_into_a_private_type_is_not_announced(city, staff):
    private = ServiceTypeFactory(
        jurisdiction=city.jurisdiction,
        name="Internal",
        public=False,
        default_department=city.streets,
    )
    request = submit_pothole(city)
    event = changes.recategorise(request=request, service_type=private, actor=staff)
    assert event.public is False


# --- relocate --------------------------------------------------------------------------------


def test_relocate_finds_the_areas_again_and_reroutes(client, city, staff):
    RoutingRule.objects.create(
        jurisdiction=city.jurisdiction,
        service_type=city.pothole,
        area=city.east,
        department=city.parks,
    )
    request = submit_pothole(city, address="1 West St", zipcode="90001", address_id="A1")
    event = changes.relocate(
        request=request,
        lat=INSIDE_EAST[0],
        long=INSIDE_EAST[1],
        address="9 East Ave",
        actor=staff,
        note="Moved to where the crew found it.",
    )
    request.refresh_from_db()
    assert (request.lat, request.long) == INSIDE_EAST
    assert (request.address, request.zipcode, request.address_id) == ("9 East Ave", "", "")
    assert list(RequestArea.objects.filter(request=request).values_list("area", flat=True)) == [
        city.east.pk
    ]
    assert request.department == city.parks
    assert (event.kind, event.public) == (Event.Kind.RELOCATED, True)
    assert event.data["from"] == {
        "lat": INSIDE_WEST[0],
        "long": INSIDE_WEST[1],
        "address": "1 West St",
    }
    assert event.data["to"] == {
        "lat": INSIDE_EAST[0],
        "long": INSIDE_EAST[1],
        "address": "9 East Ave",
    }
    assert event.data["department"] == "Parks"
    page = public_page(client, request)
    assert "Moved to 9 East Ave" in page and "East Ward" in page


def test_relocate_validation(city, staff):
    request = submit_pothole(city)
    with pytest.raises(ValidationError) as exc:
        changes.relocate(request=request, lat=OUTSIDE[0], long=OUTSIDE[1], actor=staff)
    assert "outside Testville" in exc.value.message_dict["location"][0]
    with pytest.raises(ValidationError) as exc:
        changes.relocate(request=request, lat="north", long=200, actor=staff)
    assert exc.value.message_dict == {
        "lat": ["Give the location as decimal degrees."],
        "long": ["200 is outside -180…180."],
    }
    with pytest.raises(ValidationError) as exc:
        changes.relocate(request=request, lat=INSIDE_WEST[0], long=INSIDE_WEST[1], actor=staff)
    assert exc.value.message_dict == {"location": ["The request is already at this place."]}
    with pytest.raises(ValidationError) as exc:
        changes.relocate(
            request=request, lat=INSIDE_EAST[0], long=INSIDE_EAST[1], address="a" * 301, actor=staff
        )
    assert "address" in exc.value.message_dict
    request.refresh_from_db()
    assert (request.lat, request.long) == INSIDE_WEST


def test_relocate_authority(city, outsiders):
    request = submit_pothole(city)
    assert_refused_to_all(
        outsiders,
        lambda user: changes.relocate(
            request=request, lat=INSIDE_EAST[0], long=INSIDE_EAST[1], actor=user
        ),
        request,
    )
    assert ServiceRequest.objects.get(pk=request.pk).long == INSIDE_WEST[1]


def public_outputs(client, request) -> str:
    """Everything the public reads about a request: its page, Open311 (with extensions),
    the REST API, the jurisdiction's feed."""
    slug = request.jurisdiction.slug
    urls = [
        f"/requests/{request.public_id}/",
        f"/open311/v2/requests/{request.public_id}.json?jurisdiction_id={slug}&extensions=true",
        f"/open311/v2/requests.json?jurisdiction_id={slug}&extensions=true",
        f"/api/v1/requests/{request.public_id}",
        f"/api/v1/requests?jurisdiction={slug}",
        f"/feeds/{slug}/",
    ]
    pages = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        pages.append(response.content.decode())
    return "\n".join(pages)


# --- priority --------------------------------------------------------------------------------


def test_set_priority_is_internal(client, city, staff):
    request = submit_pothole(city)
    updated = ServiceRequest.objects.get(pk=request.pk).updated_at
    event = changes.set_priority(
        request=request, priority=3, actor=staff, reason="School crossing PRIOMARK"
    )
    request.refresh_from_db()
    assert request.priority == 3
    assert request.updated_at == updated
    assert (event.kind, event.public, event.data) == (
        Event.Kind.PRIORITY_CHANGED,
        False,
        {"from": 0, "to": 3},
    )
    assert event.text == "School crossing PRIOMARK" and event.actor_user == staff
    assert "PRIOMARK" not in public_outputs(client, request)
    changes.set_priority(request=request, priority="-2", actor=staff)
    request.refresh_from_db()
    assert request.priority == -2


@pytest.mark.parametrize("priority", [4, -3, "high", "", None, 1.5, True])
def test_set_priority_is_bounded(city, staff, priority):
    request = submit_pothole(city)
    with pytest.raises(ValidationError) as exc:
        changes.set_priority(request=request, priority=priority, actor=staff)
    assert exc.value.message_dict == {
        "priority": ["Give the priority as a whole number from -2 (can wait) to 3 (urgent)."]
    }


def test_set_priority_validation(city, staff):
    request = submit_pothole(city)
    with pytest.raises(ValidationError) as exc:
        changes.set_priority(request=request, priority=0, actor=staff)
    assert exc.value.message_dict == {"priority": ["The priority is already 0 (normal)."]}
    with pytest.raises(ValidationError) as exc:
        changes.set_priority(request=request, priority=1, actor=staff, reason="r" * 501)
    assert exc.value.message_dict == {"reason": ["Keep the reason under 500 characters."]}


def test_set_priority_authority(city, outsiders):
    request = submit_pothole(city)
    assert_refused_to_all(
        outsiders,
        lambda user: changes.set_priority(request=request, priority=2, actor=user),
        request,
    )
    assert ServiceRequest.objects.get(pk=request.pk).priority == 0


# --- closing rules -------------------------------------------------------------------------


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(out, "JPEG")
    return out.getvalue()


def close(request, actor, reason=CloseReason.FIXED, **kwargs):
    return actions.transition(
        request=request, to_status=Status.CLOSED, close_reason=reason, actor=actor, **kwargs
    )


def test_an_after_photo_is_required_where_the_service_type_asks(client, city, staff):
    city.pothole.after_photo_required = True
    city.pothole.save()
    request = submit_pothole(city)
    with pytest.raises(ValidationError) as exc:
        close(request, staff, note="Patched")
    assert exc.value.message_dict == {
        "photo": [
            "Pothole requests close as fixed with a photo of the work done: add the after-photo."
        ]
    }
    assert ServiceRequest.objects.get(pk=request.pk).status == Status.NEW
    # Other reasons need none.
    other = submit_pothole(city)
    close(other, staff, CloseReason.NOT_ACTIONABLE)

    event = close(request, staff, note="Patched", photo=(jpeg(), "after.jpg"))
    request.refresh_from_db()
    assert request.status == Status.CLOSED and request.has_photos
    photo = Photo.objects.get(request=request)
    assert photo.event == event
    page = public_page(client, request)
    assert photo.image.url in page and "After" in page


def test_an_after_photo_link_counts_and_a_crm_is_not_refused(city, staff):
    city.pothole.after_photo_required = True
    city.pothole.save()
    request = submit_pothole(city)
    close(request, staff, media_url="https://crm.example.org/photos/1.jpg")
    crm, _key = issue_api_key(name="CRM", jurisdiction_slugs=[city.jurisdiction.slug])
    # The city's CRM closed it on its side: Fixboard records it as it is.
    close(submit_pothole(city), "crm", client=crm)


def test_referred_names_the_agency_and_residents_never_read_closed(client, city, staff):
    request = submit_pothole(city)
    with pytest.raises(ValidationError) as exc:
        close(request, staff, CloseReason.REFERRED)
    assert exc.value.message_dict == {
        "referred_to": ["Say which agency the request is referred to, e.g. Caltrans."]
    }
    with pytest.raises(ValidationError) as exc:
        close(request, staff, CloseReason.FIXED, referred_to="Caltrans")
    assert exc.value.message_dict == {
        "referred_to": ["Name an agency only when referring the request to it."]
    }
    event = close(request, staff, CloseReason.REFERRED, referred_to=" Caltrans ")
    request.refresh_from_db()
    assert request.referred_to == "Caltrans" and event.data == {"referred_to": "Caltrans"}
    assert changes.public_status_label(request) == "referred to Caltrans"
    page = public_page(client, request)
    assert "referred to Caltrans" in page and "Referred to Caltrans" in page
    assert ">closed<" not in page
    api = client.get(f"/api/v1/requests/{request.public_id}").json()
    assert api["timeline"][-1]["data"] == {"referred_to": "Caltrans"}

    actions.transition(request=request, to_status=Status.IN_PROGRESS, actor=staff)
    request.refresh_from_db()
    assert request.referred_to == ""
    assert changes.public_status_label(request) == "in progress"


def test_public_status_labels(city):
    request = submit_pothole(city)
    request.status = Status.CLOSED
    for reason, label in [
        (CloseReason.FIXED, "fixed"),
        (CloseReason.REFERRED, "referred to another agency"),
        (CloseReason.DUPLICATE, "closed"),
        (CloseReason.CANCELLED, "closed"),
    ]:
        request.close_reason = reason
        assert changes.public_status_label(request) == label


# --- correcting a close reason -------------------------------------------------------------


def test_correct_a_merged_duplicate_to_fixed(client, city, staff):
    canonical = submit_pothole(city)
    duplicate = submit_pothole(city)
    actions.merge(duplicate=duplicate, canonical=canonical, actor=staff)
    event = changes.correct_close_reason(
        request=duplicate, close_reason=CloseReason.FIXED, actor=staff, note="Fixed separately."
    )
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.close_reason, duplicate.duplicate_of) == (
        Status.CLOSED,
        CloseReason.FIXED,
        None,
    )
    assert (event.kind, event.public, event.close_reason) == (
        Event.Kind.CLOSE_REASON_CORRECTED,
        True,
        CloseReason.FIXED,
    )
    assert event.data == {
        "from": "duplicate",
        "to": "fixed",
        "was_duplicate_of": canonical.public_id,
    }
    page = public_page(client, duplicate)
    assert "Corrected: fixed" in page and "Fixed separately." in page
    assert "This report was merged" not in page


def test_correct_close_reason_validation(city, staff):
    request = submit_pothole(city)
    with pytest.raises(ValidationError) as exc:
        changes.correct_close_reason(request=request, close_reason="fixed", actor=staff)
    assert exc.value.message_dict == {
        "close_reason": ["Only a closed request has a close reason to correct."]
    }
    close(request, staff, CloseReason.NOT_ACTIONABLE)
    cases = [
        ({"close_reason": "gone"}, "close_reason", "Choose one of: fixed, duplicate"),
        ({"close_reason": "duplicate"}, "close_reason", "To mark it a duplicate, merge it"),
        ({"close_reason": "not_actionable"}, "close_reason", "It is already closed as not act"),
        ({"close_reason": "referred"}, "referred_to", "Say which agency"),
        ({"close_reason": "fixed", "referred_to": "X"}, "referred_to", "Name an agency only"),
    ]
    for kwargs, field, message in cases:
        with pytest.raises(ValidationError) as exc:
            changes.correct_close_reason(request=request, actor=staff, **kwargs)
        assert list(exc.value.message_dict) == [field]
        assert exc.value.message_dict[field][0].startswith(message), exc.value.message_dict
    event = changes.correct_close_reason(
        request=request, close_reason="referred", referred_to="LADWP", actor=staff
    )
    request.refresh_from_db()
    assert (request.close_reason, request.referred_to) == ("referred", "LADWP")
    assert event.data == {"from": "not_actionable", "to": "referred", "referred_to": "LADWP"}


def test_correct_close_reason_authority(city, staff, outsiders):
    request = submit_pothole(city)
    close(request, staff, CloseReason.CANCELLED)
    assert_refused_to_all(
        outsiders,
        lambda user: changes.correct_close_reason(
            request=request, close_reason="fixed", actor=user
        ),
        request,
    )
    assert ServiceRequest.objects.get(pk=request.pk).close_reason == CloseReason.CANCELLED


# --- redaction ------------------------------------------------------------------------------


def everything_public(client, request) -> str:
    """`public_outputs`, the city's list page, the widget and the open-data export."""
    slug = request.jurisdiction.slug
    pages = [public_outputs(client, request)]
    for url in (f"/{slug}/list/", f"/widget/{slug}/frame/"):
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append(response.content.decode())
    for format in FORMATS:
        out = io.StringIO()
        export_requests(jurisdiction=request.jurisdiction, format=format, out=out)
        pages.append(out.getvalue())
    return "\n".join(pages)


def test_redact_the_description(client, city, staff):
    request = submit_pothole(city, description="Deep hole. Call Ana at REDMARK 555-0100.")
    assert "REDMARK" in everything_public(client, request)
    event = changes.redact(
        request=request,
        description="Deep hole. [phone number removed]",
        actor=staff,
        reason="A resident's phone number",
    )
    request.refresh_from_db()
    assert request.description == "Deep hole. [phone number removed]"
    public = everything_public(client, request)
    assert "REDMARK" not in public and "[phone number removed]" in public
    # Staff keep the original, who redacted it and why.
    assert (event.kind, event.public, event.actor_user, event.text) == (
        Event.Kind.REDACTED,
        False,
        staff,
        "A resident's phone number",
    )
    assert event.data == {
        "target": "description",
        "original": "Deep hole. Call Ana at REDMARK 555-0100.",
        "redacted": "Deep hole. [phone number removed]",
    }
    # "" shows no description at all.
    changes.redact(request=request, description="", actor=staff, reason="Nothing useful left")
    request.refresh_from_db()
    assert request.description == ""


def test_redact_a_public_update_and_the_status_note(client, city, staff):
    request = submit_pothole(city)
    resident = Contact.objects.create(name="Neighbour", email="n@example.org")
    comment = actions.add_update(
        request=request, text="The owner REDMARK1 lives at 12 Elm", actor=resident
    )
    note = actions.transition(
        request=request,
        to_status=Status.ACKNOWLEDGED,
        actor=staff,
        note="Crew sent; ask for REDMARK2 on site",
    )
    assert "REDMARK1" in everything_public(client, request)
    changes.redact(event=comment, text="The owner [name removed]", actor=staff, reason="A name")
    event = changes.redact(
        event=note, text="Crew sent.", actor=staff, reason="A staff member's name"
    )
    request.refresh_from_db()
    assert request.status_notes == "Crew sent."
    public = everything_public(client, request)
    assert "REDMARK" not in public
    assert "The owner [name removed]" in public and "Crew sent." in public
    assert event.data == {
        "target": "event",
        "event": note.pk,
        "original": "Crew sent; ask for REDMARK2 on site",
        "redacted": "Crew sent.",
    }
    kinds = list(request.events.values_list("kind", "public"))
    assert kinds[-2:] == [(Event.Kind.REDACTED, False), (Event.Kind.REDACTED, False)]


def test_hiding_a_comment_whole_is_comment_moderation(client, city, staff):
    request = submit_pothole(city)
    resident = Contact.objects.create(name="Neighbour", email="n@example.org")
    comment = actions.add_update(request=request, text="Insults REDMARK", actor=resident)
    event = changes.redact(event=comment, actor=staff, reason="Abuse")
    comment.refresh_from_db()
    assert comment.hidden and comment.text == "Insults REDMARK"
    assert (event.kind, event.public, event.text) == (Event.Kind.COMMENT_HIDDEN, False, "Abuse")
    assert "REDMARK" not in everything_public(client, request)
    hidden = staff_hidden_comments(request)
    assert [(h.text, h.hidden_by, h.reason) for h in hidden] == [
        ("Insults REDMARK", "sam", "Abuse")
    ]
    # Shown again the moderators' way.
    admin = UserFactory(role="admin", jurisdictions=[city.jurisdiction])
    actions.restore_comment(comment=comment, actor=admin, reason="Misread")
    assert "Insults REDMARK" in public_page(client, request)


def test_redact_a_photo(client, city, staff):
    request = submit_pothole(city, photos=[(jpeg(), "before.jpg")])
    photo = Photo.objects.get(request=request)
    url = photo.image.url
    assert url in public_page(client, request)
    assert client.get(url).status_code == 200
    event = changes.redact(photo=photo, actor=staff, reason="A face")
    photo.refresh_from_db()
    assert photo.hidden
    assert event.data == {"target": "photo", "photo": photo.pk, "original": photo.image.name}
    public = everything_public(client, request)
    assert photo.image.name not in public
    assert client.get(url).status_code == 404
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(url).status_code == 200  # kept for staff


def test_redact_validation(city, staff):
    request = submit_pothole(city, photos=[(jpeg(), "before.jpg")])
    other = submit_pothole(city)
    photo = Photo.objects.get(request=request)
    internal = actions.add_update(request=request, text="Internal", actor=staff, public=False)
    status = actions.transition(
        request=request, to_status=Status.ACKNOWLEDGED, actor=staff, note="On it"
    )
    one_thing = {"target": ["Choose one thing to redact: the description, an update or a photo."]}
    cases = [
        ({"request": request}, one_thing),
        ({"description": "x"}, one_thing),
        ({"request": request, "description": "x", "photo": photo}, one_thing),
        (
            {"request": request, "text": "x", "photo": photo},
            {"text": ["Only an update's text can be replaced."]},
        ),
        ({"request": other, "photo": photo}, {"target": ["This belongs to another request."]}),
        (
            {"request": request, "description": "x", "reason": ""},
            {"reason": ["Give the reason; other staff will see it."]},
        ),
        (
            {"request": request, "description": "A pothole in the right lane"},
            {"description": ["Change the text to redact it."]},
        ),
        (
            {"event": internal, "text": "x"},
            {"event": ["Internal notes are never shown to the public; nothing to redact."]},
        ),
        (
            {"event": status},
            {"text": ["Only a comment can be hidden whole; give the text to show instead."]},
        ),
        (
            {"request": request, "description": "x" * 4001},
            {"description": ["Keep it under 4000 characters."]},
        ),
    ]
    for kwargs, errors in cases:
        kwargs = {"reason": "Privacy", **kwargs}
        with pytest.raises(ValidationError) as exc:
            changes.redact(actor=staff, **kwargs)
        assert exc.value.message_dict == errors, kwargs
    changes.redact(photo=photo, actor=staff, reason="A face")
    with pytest.raises(ValidationError) as exc:
        changes.redact(photo=photo, actor=staff, reason="A face")
    assert exc.value.message_dict == {"photo": ["This photo is hidden already."]}
    assert request.events.filter(kind=Event.Kind.REDACTED).count() == 1


def test_redact_authority(city, outsiders):
    request = submit_pothole(city, description="REDMARK")
    assert_refused_to_all(
        outsiders,
        lambda user: changes.redact(request=request, description="", actor=user, reason="x"),
        request,
    )
    assert ServiceRequest.objects.get(pk=request.pk).description == "REDMARK"
