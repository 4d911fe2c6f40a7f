"""The work view of one request (/queue/requests/<id>/): what staff see there and what each
of them may do, through the real HTTP client; refusals are clear pages, never 500s."""

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from fixboard.catalog.models import CannedResponse
from fixboard.reports.actions import (
    ContactDetails,
    add_update,
    assign,
    follow,
    hide_comment,
    merge,
    support,
    transition,
    upsert_contact,
)
from fixboard.reports.models import Event, ServiceRequest, Support
from tests.factories import INSIDE_EAST, UserFactory, make_city, submit_pothole

# The notify tests' real SMTP server, as the `mailbox` fixture (asked for by name below).
from tests.notify.conftest import mailbox  # noqa: F401

pytestmark = pytest.mark.django_db

REPORTER = "ana.reporter@example.org"
NOTE = "INTERNAL-MARKER-7Q"


def url(sr, action="", *args):
    name = f"work:request_{action}" if action else "work:request"
    return reverse(name, args=[sr.public_id, *args])


def jpeg(colour="red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def upload(name="after.jpg", colour="green"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, jpeg(colour), content_type="image/jpeg")


@pytest.fixture
def staff(city):
    return UserFactory(
        role="staff",
        username="sam",
        first_name="Sam",
        last_name="Streets",
        email="sam@city.example.gov",
        jurisdictions=[city.jurisdiction],
        departments=[city.streets],
    )


@pytest.fixture
def colleague(city):
    return UserFactory(
        role="staff",
        first_name="Cleo",
        last_name="Crew",
        jurisdictions=[city.jurisdiction],
        departments=[city.streets],
    )


@pytest.fixture
def parks_staff(city):
    return UserFactory(role="staff", jurisdictions=[city.jurisdiction], departments=[city.parks])


@pytest.fixture
def agent(city):
    return UserFactory(role="agent", first_name="Alex", jurisdictions=[city.jurisdiction])


@pytest.fixture
def sr(city):
    return submit_pothole(city, email=REPORTER)


def signed_in(client, user):
    client.force_login(user)
    return client


# --- Access ------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, sr):
    response = client.get(url(sr))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("work:login"))


def test_residents_are_refused(client, city, sr):
    resident = UserFactory(role="resident")
    response = signed_in(client, resident).get(url(sr))
    assert response.status_code == 403


def test_staff_of_another_city_get_404_so_ids_cannot_be_probed(client, sr):
    other = make_city()
    outsider = UserFactory(
        role="admin", jurisdictions=[other.jurisdiction], departments=[other.streets]
    )
    signed_in(client, outsider)
    assert client.get(url(sr)).status_code == 404
    assert client.post(url(sr, "update"), {"update-text": "hi"}).status_code == 404
    assert client.get(url(sr, "canned")).status_code == 404
    assert not Event.objects.filter(request=sr, kind=Event.Kind.INTERNAL_NOTE).exists()


def test_the_id_is_forgiven_as_typed(client, staff, sr):
    typed = sr.public_id.lower().replace("-", "")
    response = signed_in(client, staff).get(reverse("work:request", args=[typed]))
    assert response.status_code == 200


# --- What the page shows -----------------------------------------------------------------


def test_header_reporter_and_timeline(client, city, staff, colleague, sr):
    contact = upsert_contact(
        ContactDetails(name="Ana Reyes", email=REPORTER, phone="+1 213 555 0101")
    )
    assert sr.reporter_id == contact.pk
    assign(request=sr, actor=staff, assignee=colleague)
    support(request=sr, actor=None, client_key="a")
    support(request=sr, actor=None, client_key="b")
    follow(request=sr, actor=upsert_contact(ContactDetails(email="f@example.org")))
    add_update(request=sr, text=NOTE, actor=staff, public=False)
    add_update(request=sr, text="Thanks, we will look", actor=staff)
    comment = add_update(
        request=sr, text="Rude words here", actor=upsert_contact(ContactDetails(email="x@e.org"))
    )
    moderator = UserFactory(role="agent", first_name="Mo", jurisdictions=[city.jurisdiction])
    hide_comment(comment=comment, actor=moderator, reason="Insults a neighbour")
    add_update(request=sr, text="Synced", actor="crm-bridge", public=False)
    ServiceRequest.objects.filter(pk=sr.pk).update(
        expected_at=timezone.now() - timedelta(hours=2), priority=3
    )
    duplicate = submit_pothole(city, at=INSIDE_EAST)
    merge(duplicate=duplicate, canonical=sr, actor=staff)

    response = signed_in(client, staff).get(url(sr))
    html = response.content.decode()
    assert response.status_code == 200
    for expected in (
        sr.public_id,
        "Pothole",
        "Streets",  # department
        "Cleo Crew",  # assignee
        "Overdue",
        "A pothole in the right lane",
        "How deep is it?",
        "Deeper than 5 cm",
        # Reporter: staff only
        "Ana Reyes",
        REPORTER,
        "+12135550101",
        # Timeline: who did what, internal and hidden marked
        NOTE,
        "Internal — not shown to the public",
        "by Sam Streets",
        "Hidden comment — not shown to the public",
        "Hidden by Mo",
        "Insults a neighbour",
        "by a resident",
        "by the system (crm-bridge)",
        "2 residents added their support",
        duplicate.public_id,  # duplicates merged in
        f'href="{sr.get_absolute_url()}"',  # the public page
    ):
        assert expected in html, expected
    sr.refresh_from_db()
    assert f"<dt>Supporters</dt><dd>{sr.support_count}</dd>" in html
    assert f"<dt>Followers</dt><dd>{sr.follow_count}</dd>" in html
    assert "<dt>Priority</dt><dd>3 · urgent</dd>" in html


def test_the_page_reads_in_a_bounded_number_of_queries(
    client, city, staff, colleague, agent, sr, canned, django_assert_max_num_queries
):
    """Whatever the length of the timeline: sessions, the user and their two-step device (3),
    their scope (3), the configuration version (read on every call in tests), the request,
    events, photos, canned responses, areas, answers, assignee names, and the forms' choices
    (people, departments, service types)."""
    signed_in(client, staff)
    client.get(url(sr))  # first-request costs (content types)
    with django_assert_max_num_queries(17):
        assert client.get(url(sr)).status_code == 200
    for n in range(40):
        add_update(request=sr, text=f"note {n}", actor=staff, public=n % 2 == 0)
        support(request=sr, actor=None, client_key=f"k{n}")
        add_update(
            request=sr, text=f"c {n}", actor=upsert_contact(ContactDetails(email=f"{n}@e.org"))
        )
    assign(request=sr, actor=staff, assignee=colleague)
    add_update(request=sr, text="with photo", actor=staff, photo=(jpeg(), "a.jpg"))
    with django_assert_max_num_queries(17):
        assert client.get(url(sr)).status_code == 200
    signed_in(client, agent)  # a moderator: the comments' report counts too
    client.get(url(sr))
    with django_assert_max_num_queries(17):
        assert client.get(url(sr)).status_code == 200


@pytest.mark.database("postgresql")
def test_the_forms_choices_are_read_without_server_side_cursors(client, staff, sr):
    """A cursor costs three round trips (DECLARE, FETCH, CLOSE) for a list of a few names."""
    signed_in(client, staff)
    client.get(url(sr))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url(sr)).status_code == 200
    assert not [q["sql"] for q in queries if q["sql"].startswith("DECLARE")]


# --- Notes and public updates ------------------------------------------------------------


def test_internal_note_stays_internal_everywhere(
    client, django_capture_on_commit_callbacks, request, staff, sr
):
    box = request.getfixturevalue("mailbox")
    signed_in(client, staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(sr, "update"), {"update-text": NOTE, "visibility": "internal"})
    assert response.status_code == 302
    assert response["Location"].startswith(url(sr))
    note = Event.objects.get(request=sr, kind=Event.Kind.INTERNAL_NOTE)
    assert (note.text, note.public, note.actor_user) == (NOTE, False, staff)
    page = client.get(response["Location"]).content.decode()
    assert "Internal note added (staff only)." in page
    assert box.received == []

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url(sr, "update"),
            {"update-text": "Crew booked for Tuesday", "visibility": "public"},
        )
    [mail] = box.to(REPORTER)
    assert "Crew booked for Tuesday" in mail.body
    assert NOTE not in mail.body and NOTE not in mail.html

    client.logout()
    public = client.get(sr.get_absolute_url()).content.decode()
    assert "Crew booked for Tuesday" in public
    assert NOTE not in public


def test_a_comment_awaiting_its_authors_confirmation_is_marked_for_staff(client, staff, sr):
    resident = Client()
    resident.post(
        sr.get_absolute_url() + "comment/",
        {"comment-text": "Still there", "comment-email": "neighbour@example.org"},
    )
    assert Event.objects.get(request=sr, text="Still there").awaiting_confirmation
    html = signed_in(client, staff).get(url(sr)).content.decode()
    assert "Still there" in html
    assert "Awaiting the commenter's e-mail confirmation" in html


def test_a_note_with_a_photo_shows_it_to_staff_only(client, staff, sr):
    signed_in(client, staff)
    client.post(
        url(sr, "update"),
        {"update-text": "Photo of the crack", "visibility": "internal", "update-photo": upload()},
    )
    photo = sr.photos.get()
    staff_url = url(sr, "photo", photo.pk)
    html = client.get(url(sr)).content.decode()
    assert staff_url in html
    assert html.count("Internal — not shown to the public") == 2  # the note and its photo
    response = client.get(staff_url)
    assert response.status_code == 200
    assert (
        response["Cache-Control"].startswith("private") or "no-store" in response["Cache-Control"]
    )
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    client.logout()
    assert client.get(photo.image.url).status_code == 404  # public media: internal photo
    assert client.get(staff_url).status_code == 302  # staff URL: sign in first


def test_an_empty_note_is_refused_next_to_the_field(client, staff, sr):
    response = signed_in(client, staff).post(
        url(sr, "update"), {"update-text": "  ", "visibility": "internal"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_update-text_errors"' in html
    assert "Write the update." in html


def test_a_bad_photo_is_refused_next_to_the_photo_field(client, staff, sr):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("x.jpg", b"not a picture", content_type="image/jpeg")
    response = signed_in(client, staff).post(
        url(sr, "update"), {"update-text": "x", "visibility": "internal", "update-photo": bad}
    )
    assert response.status_code == 400
    assert 'id="id_update-photo_errors"' in response.content.decode()
    assert not Event.objects.filter(request=sr, kind=Event.Kind.INTERNAL_NOTE).exists()


def test_another_departments_staff_read_and_add_notes_only(client, parks_staff, sr):
    signed_in(client, parks_staff)
    html = client.get(url(sr)).content.decode()
    assert "you can read it and add internal notes, not change it" in html
    assert "Add internal note" in html
    for absent in ("Post public update", url(sr, "assign"), url(sr, "status"), url(sr, "merge")):
        assert absent not in html

    assert (
        client.post(url(sr, "update"), {"update-text": "FYI", "visibility": "internal"}).status_code
        == 302
    )
    refused = client.post(url(sr, "update"), {"update-text": "Hi all", "visibility": "public"})
    assert refused.status_code == 403
    assert "Only the request&#x27;s department posts public updates" in refused.content.decode()
    assert not Event.objects.filter(request=sr, kind=Event.Kind.PUBLIC_UPDATE).exists()

    refused = client.post(url(sr, "status"), {"status-to_status": "acknowledged"})
    assert refused.status_code == 403
    assert "belongs to another department" in refused.content.decode()
    refused = client.post(url(sr, "assign"), {"assign-department": ""})
    assert refused.status_code == 403
    refused = client.post(url(sr, "merge"), {"merge-canonical": sr.public_id})
    assert refused.status_code == 403
    sr.refresh_from_db()
    assert sr.status == "new"


def test_call_takers_post_notes_and_updates_but_change_nothing(client, agent, sr):
    signed_in(client, agent)
    html = client.get(url(sr)).content.decode()
    assert "Post public update" in html
    assert url(sr, "status") not in html
    assert (
        client.post(
            url(sr, "update"), {"update-text": "Caller adds: deep", "visibility": "public"}
        ).status_code
        == 302
    )
    refused = client.post(url(sr, "status"), {"status-to_status": "acknowledged"})
    assert refused.status_code == 403
    assert "Call-takers add notes and callers" in refused.content.decode()


# --- Canned responses --------------------------------------------------------------------


@pytest.fixture
def canned(city):
    mine = CannedResponse.objects.create(
        jurisdiction=city.jurisdiction,
        service_type=city.pothole,
        title="Acknowledge pothole",
        text="We have {service} {id} on our list for {department}.",
    )
    other = CannedResponse.objects.create(
        jurisdiction=city.jurisdiction,
        service_type=city.bulky,
        title="Bulky pickup booked",
        text="Pickup booked.",
    )
    return mine, other


def test_canned_responses_of_the_service_type_fill_the_update(client, staff, sr, canned):
    mine, other = canned
    signed_in(client, staff)
    html = client.get(url(sr)).content.decode()
    assert "Acknowledge pothole" in html
    assert "Bulky pickup booked" not in html

    filled = f"We have Pothole {sr.public_id} on our list for Streets."
    # Without JavaScript: the page again, the text in the field.
    html = client.get(url(sr), {"canned": mine.pk}).content.decode()
    assert f"{filled}</textarea>" in html
    # With htmx: the field alone.
    part = client.get(url(sr, "canned"), {"canned": mine.pk}).content.decode()
    assert f"{filled}</textarea>" in part
    assert 'id="canned-text"' in part
    # Another service type's response is not filled in.
    part = client.get(url(sr, "canned"), {"canned": other.pk}).content.decode()
    assert "Pickup booked" not in part


# --- Assign ------------------------------------------------------------------------------


def test_assign_to_a_person_of_the_department_or_to_a_team(
    client, city, staff, colleague, parks_staff, sr
):
    signed_in(client, staff)
    html = client.get(url(sr)).content.decode()
    assert "Cleo Crew" in html  # listed: a person of the department
    response = client.post(url(sr, "assign"), {"assign-assignee": colleague.pk})
    assert response.status_code == 302
    assert "Assigned to" in client.get(url(sr)).content.decode()
    sr.refresh_from_db()
    assert sr.assignee == colleague

    response = client.post(url(sr, "assign"), {"assign-department": city.parks.pk})
    assert response.status_code == 302
    sr.refresh_from_db()
    assert sr.department == city.parks
    # Now Parks' request: Streets staff may no longer change it.
    assert client.post(url(sr, "assign"), {"assign-department": city.streets.pk}).status_code == 403


def test_assign_errors_are_shown_by_the_form(client, city, staff, sr):
    signed_in(client, staff)
    response = client.post(url(sr, "assign"), {})
    assert response.status_code == 400
    assert "Choose a department or a person." in response.content.decode()
    stranger = UserFactory(role="staff", departments=[city.streets])
    response = client.post(url(sr, "assign"), {"assign-assignee": stranger.pk})
    assert response.status_code == 400
    assert 'id="id_assign-assignee_errors"' in response.content.decode()


# --- Status ------------------------------------------------------------------------------


def test_change_status_and_close_with_a_reason(client, staff, sr):
    signed_in(client, staff)
    response = client.post(url(sr, "status"), {"status-to_status": "acknowledged"})
    assert response.status_code == 302
    assert "Status changed to acknowledged." in client.get(url(sr)).content.decode()

    response = client.post(url(sr, "status"), {"status-to_status": "closed"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Say why it is closed" in html
    assert 'id="id_status-close_reason_errors"' not in html or "errorlist" in html

    response = client.post(
        url(sr, "status"),
        {"status-to_status": "closed", "status-close_reason": "fixed", "status-note": "Patched"},
    )
    assert response.status_code == 302
    sr.refresh_from_db()
    assert (sr.status, sr.close_reason, sr.status_notes) == ("closed", "fixed", "Patched")


def test_a_status_not_offered_is_refused_with_a_message(client, staff, sr):
    response = signed_in(client, staff).post(url(sr, "status"), {"status-to_status": "new"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


# --- Merge -------------------------------------------------------------------------------


def test_merge_previews_then_moves_supporters_and_followers_and_tells_the_reporter(
    client, city, staff, django_capture_on_commit_callbacks, request
):
    box = request.getfixturevalue("mailbox")
    canonical = submit_pothole(city, description="The first report")
    duplicate = submit_pothole(city, at=INSIDE_EAST, email=REPORTER)
    support(request=duplicate, actor=None, client_key="neighbour")
    follow(request=duplicate, actor=upsert_contact(ContactDetails(email="fol@example.org")))
    signed_in(client, staff)

    preview = client.get(url(duplicate, "merge_preview"), {"merge-canonical": canonical.public_id})
    assert "The first report" in preview.content.decode()
    # Without JavaScript, "Preview" shows the page with the other request's card.
    page = client.post(
        url(duplicate, "merge"), {"merge-canonical": canonical.public_id, "preview": "1"}
    )
    assert page.status_code == 200
    assert "The first report" in page.content.decode()
    assert ServiceRequest.objects.get(pk=duplicate.pk).duplicate_of is None

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url(duplicate, "merge"), {"merge-canonical": canonical.public_id.lower()}
        )
    assert response.status_code == 302
    duplicate.refresh_from_db()
    canonical.refresh_from_db()
    assert duplicate.duplicate_of == canonical
    assert (duplicate.status, duplicate.close_reason) == ("closed", "duplicate")
    assert Support.objects.filter(request=canonical, client_key="neighbour").exists()
    assert canonical.follows.filter(contact__email="fol@example.org", active=True).exists()
    assert canonical.follows.filter(contact__email=REPORTER).exists()
    [mail] = box.to(REPORTER)
    assert "duplicate" in mail.subject
    assert canonical.public_id in mail.body
    page = client.get(url(canonical)).content.decode()
    assert duplicate.public_id in page


def test_merge_errors_read_next_to_the_id(client, city, staff, sr):
    signed_in(client, staff)
    response = client.post(url(sr, "merge"), {"merge-canonical": "ZZZZ-ZZZZ"})
    assert response.status_code == 400
    assert "No request ZZZZ-ZZZZ in your jurisdictions." in response.content.decode()
    response = client.post(url(sr, "merge"), {"merge-canonical": sr.public_id})
    assert response.status_code == 400
    assert "cannot be a duplicate of itself" in response.content.decode()
    closed = submit_pothole(city)
    transition(request=closed, to_status="closed", close_reason="fixed", actor=staff)
    response = client.post(url(sr, "merge"), {"merge-canonical": closed.public_id})
    assert response.status_code == 400
    assert "reopen it before merging into it" in response.content.decode()
    other = make_city()
    elsewhere = submit_pothole(other)
    response = client.post(url(sr, "merge"), {"merge-canonical": elsewhere.public_id})
    assert response.status_code == 400
    assert "in your jurisdictions" in response.content.decode()


# --- Comment moderation ------------------------------------------------------------------


def test_moderators_hide_and_restore_comments_with_a_reason(client, agent, staff, sr):
    comment = add_update(
        request=sr, text="Spam spam", actor=upsert_contact(ContactDetails(email="s@e.org"))
    )
    signed_in(client, staff)  # department staff do not moderate
    assert "Hide this comment" not in client.get(url(sr)).content.decode()
    assert (
        client.post(
            url(sr, "hide_comment", comment.pk), {f"moderate-{comment.pk}-reason": "spam"}
        ).status_code
        == 403
    )

    signed_in(client, agent)
    response = client.post(url(sr, "hide_comment", comment.pk), {})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    response = client.post(
        url(sr, "hide_comment", comment.pk), {f"moderate-{comment.pk}-reason": "Advertising"}
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.hidden
    html = client.get(url(sr)).content.decode()
    assert "Hidden comment — not shown to the public" in html
    assert "Show this comment again" in html
    client.logout()
    assert "Spam spam" not in client.get(sr.get_absolute_url()).content.decode()

    signed_in(client, agent)
    response = client.post(
        url(sr, "restore_comment", comment.pk), {f"moderate-{comment.pk}-reason": "Mistake"}
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert not comment.hidden


# --- htmx --------------------------------------------------------------------------------


def test_with_htmx_the_action_answers_with_the_page_to_swap(client, staff, sr):
    signed_in(client, staff)
    response = client.post(
        url(sr, "update"),
        {"update-text": "via htmx", "visibility": "internal"},
        HTTP_HX_REQUEST="true",
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="main"' in html and "via htmx" in html
    assert "Internal note added (staff only)." in html
    errors = client.post(
        url(sr, "update"), {"update-text": "", "visibility": "internal"}, HTTP_HX_REQUEST="true"
    )
    assert errors.status_code == 400  # swapped too (htmx-config on the page)
    assert '"code":"40[03]","swap":true' in html


# --- Closing rules, service type, location, priority ---------------------------------------


def test_closing_as_fixed_needs_the_after_photo_where_the_service_type_asks(
    client, city, staff, sr
):
    city.pothole.after_photo_required = True
    city.pothole.save()
    signed_in(client, staff)
    assert "this service type asks for an after-photo" in client.get(url(sr)).content.decode()
    response = client.post(
        url(sr, "status"), {"status-to_status": "closed", "status-close_reason": "fixed"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_status-photo_errors"' in html
    assert "add the after-photo" in html

    response = client.post(
        url(sr, "status"),
        {
            "status-to_status": "closed",
            "status-close_reason": "fixed",
            "status-note": "Filled and rolled",
            "status-photo": upload(),
        },
    )
    assert response.status_code == 302
    sr.refresh_from_db()
    assert (sr.status, sr.close_reason) == ("closed", "fixed")
    closing = Event.objects.get(request=sr, kind=Event.Kind.STATUS_CHANGED)
    after = closing.photos.get()
    assert url(sr, "photo", after.pk) in client.get(url(sr)).content.decode()
    client.logout()
    public = client.get(sr.get_absolute_url()).content.decode()
    assert after.image.url in public


def test_referring_names_the_agency(client, staff, sr):
    signed_in(client, staff)
    response = client.post(
        url(sr, "status"), {"status-to_status": "closed", "status-close_reason": "referred"}
    )
    assert response.status_code == 400
    assert 'id="id_status-referred_to_errors"' in response.content.decode()
    response = client.post(
        url(sr, "status"),
        {
            "status-to_status": "closed",
            "status-close_reason": "referred",
            "status-referred_to": "Caltrans",
        },
    )
    assert response.status_code == 302
    html = client.get(url(sr)).content.decode()
    assert "Closed: referred to Caltrans" in html
    # A closed request's reason can be corrected.
    response = client.post(url(sr, "close_reason"), {"close_reason-close_reason": "not_actionable"})
    assert response.status_code == 302
    sr.refresh_from_db()
    assert (sr.close_reason, sr.referred_to) == ("not_actionable", "")


def test_change_service_type_location_and_priority(client, city, staff, sr):
    signed_in(client, staff)
    response = client.post(url(sr, "service_type"), {"service_type-service_type": city.bulky.pk})
    assert response.status_code == 302
    sr.refresh_from_db()
    assert sr.service_type == city.bulky
    html = client.get(url(sr)).content.decode()
    assert "Service type changed from Pothole to Bulky Items" in html

    response = client.post(
        url(sr, "location"),
        {
            "location-lat": INSIDE_EAST[0],
            "location-long": INSIDE_EAST[1],
            "location-address": "9 East St",
        },
    )
    assert response.status_code == 302
    sr.refresh_from_db()
    assert (sr.lat, sr.long, sr.address) == (*INSIDE_EAST, "9 East St")
    assert "Moved to 9 East St" in client.get(url(sr)).content.decode()

    response = client.post(url(sr, "location"), {"location-lat": 40.7, "location-long": -74.0})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_location-lat_errors"' in html
    assert "outside Testville" in html

    response = client.post(
        url(sr, "priority"), {"priority-priority": "2", "priority-reason": "School"}
    )
    assert response.status_code == 302
    sr.refresh_from_db()
    assert sr.priority == 2
    assert "Priority changed from 0 to 2" in client.get(url(sr)).content.decode()
    response = client.post(url(sr, "priority"), {"priority-priority": "2"})
    assert response.status_code == 400
    assert "The priority is already 2" in response.content.decode()
    response = client.post(url(sr, "priority"), {"priority-priority": "9"})
    assert response.status_code == 400
    assert 'id="id_priority-priority_errors"' in response.content.decode()


def test_the_public_page_shows_public_steps_only(client, city, staff, sr):
    signed_in(client, staff)
    client.post(url(sr, "update"), {"update-text": NOTE, "visibility": "internal"})
    client.post(url(sr, "priority"), {"priority-priority": "3", "priority-reason": NOTE + "-P"})
    client.post(
        url(sr, "status"), {"status-to_status": "acknowledged", "status-note": "On our list"}
    )
    client.logout()
    public = client.get(sr.get_absolute_url()).content.decode()
    assert "On our list" in public
    assert NOTE not in public


# --- Redaction ---------------------------------------------------------------------------


def test_redact_description_update_text_and_photo_keeping_originals_for_staff(
    client, city, staff, parks_staff
):
    sr = submit_pothole(
        city, description="Call me at 555-0199, Ana", photos=[(jpeg(), "p.jpg")], email=REPORTER
    )
    update = add_update(request=sr, text="Neighbour Bob Smith did it", actor=staff)
    photo = sr.photos.get()
    signed_in(client, staff)
    # The page's "Redact" links open the form, filled with the text as it is.
    html = client.get(url(sr), {"redact": update.pk}).content.decode()
    assert 'id="redact"' in html
    assert "Neighbour Bob Smith did it</textarea>" in html
    assert f'href="?redact={update.pk}#redact"' in client.get(url(sr)).content.decode()
    html = client.get(url(sr), {"redact": "description"}).content.decode()
    assert "Call me at 555-0199, Ana</textarea>" in html

    response = client.post(url(sr, "redact_description"), {"redact-description-text": "A pothole"})
    assert response.status_code == 400
    assert 'id="id_redact-description-reason_errors"' in response.content.decode()
    response = client.post(
        url(sr, "redact_description"),
        {"redact-description-text": "A pothole", "redact-description-reason": "Phone number"},
    )
    assert response.status_code == 302
    response = client.post(
        url(sr, "redact_event", update.pk),
        {
            f"redact-event-{update.pk}-text": "A neighbour did it",
            f"redact-event-{update.pk}-reason": "A name",
            "mode": "text",
        },
    )
    assert response.status_code == 302
    response = client.post(
        url(sr, "redact_photo", photo.pk), {f"redact-photo-{photo.pk}-reason": "A face"}
    )
    assert response.status_code == 302

    html = client.get(url(sr)).content.decode()
    for shown in ("Description redacted", "Call me at 555-0199, Ana", "Neighbour Bob Smith"):
        assert shown in html  # the originals, for staff
    assert "Original, staff only:" in html
    assert url(sr, "photo", photo.pk) in html

    client.logout()
    public = client.get(sr.get_absolute_url()).content.decode()
    assert "555-0199" not in public and "Bob Smith" not in public
    assert "A neighbour did it" in public
    assert photo.image.url not in public
    assert client.get(photo.image.url).status_code == 404

    # Another department reads, but may not redact.
    signed_in(client, parks_staff)
    refused = client.post(
        url(sr, "redact_description"),
        {"redact-description-text": "x", "redact-description-reason": "y"},
    )
    assert refused.status_code == 403


def test_redaction_hides_a_comment_whole_and_refuses_internal_notes(client, staff, sr):
    comment = add_update(
        request=sr, text="Nasty words", actor=upsert_contact(ContactDetails(email="n@e.org"))
    )
    note = add_update(request=sr, text=NOTE, actor=staff, public=False)
    signed_in(client, staff)
    response = client.post(
        url(sr, "redact_event", comment.pk),
        {f"redact-event-{comment.pk}-reason": "Abuse", "mode": "hide"},
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.hidden
    response = client.post(
        url(sr, "redact_event", note.pk),
        {
            f"redact-event-{note.pk}-text": "x",
            f"redact-event-{note.pk}-reason": "y",
            "mode": "text",
        },
    )
    assert response.status_code == 400
    assert "Internal notes are never shown to the public" in response.content.decode()
