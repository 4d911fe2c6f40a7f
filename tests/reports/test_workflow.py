import pytest
from django.core.exceptions import ValidationError

from fixboard.reports import actions
from fixboard.reports.models import CloseReason, Contact, Event, Status
from tests.factories import UserFactory, submit_pothole

pytestmark = pytest.mark.django_db


def test_close_needs_a_reason_and_reopen_is_allowed(city):
    request = submit_pothole(city)
    staff = UserFactory(
        role="staff", jurisdictions=[city.jurisdiction], departments=[city.streets, city.parks]
    )
    with pytest.raises(ValidationError) as exc:
        actions.transition(request=request, to_status=Status.CLOSED, actor=staff)
    assert "close_reason" in exc.value.message_dict

    actions.transition(request=request, to_status=Status.ACKNOWLEDGED, actor=staff)
    actions.transition(
        request=request,
        to_status=Status.CLOSED,
        close_reason=CloseReason.FIXED,
        note="Patched today",
        actor=staff,
    )
    request.refresh_from_db()
    assert (request.status, request.close_reason, request.status_notes) == (
        Status.CLOSED,
        CloseReason.FIXED,
        "Patched today",
    )
    assert request.closed_at and request.acknowledged_at

    actions.transition(
        request=request, to_status=Status.IN_PROGRESS, actor=staff, note="Still broken"
    )
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS and request.closed_at is None
    kinds = list(request.events.values_list("kind", "from_status", "to_status"))
    assert kinds[1:] == [
        (Event.Kind.STATUS_CHANGED, "new", "acknowledged"),
        (Event.Kind.STATUS_CHANGED, "acknowledged", "closed"),
        (Event.Kind.STATUS_CHANGED, "closed", "in_progress"),
    ]


@pytest.mark.parametrize(
    ("start", "target", "message"),
    [
        ("new", "new", "already"),
        ("acknowledged", "new", "cannot go back"),
        ("new", "done", "Unknown"),
    ],
)
def test_invalid_transitions_are_rejected_without_writing(city, start, target, message):
    request = submit_pothole(city)
    if start != "new":
        actions.transition(request=request, to_status=start, actor=None)
    before = request.events.count()
    with pytest.raises(ValidationError) as exc:
        actions.transition(request=request, to_status=target, actor=None)
    assert message in exc.value.message_dict["status"][0]
    assert request.events.count() == before


def test_updates_public_and_internal(city):
    request = submit_pothole(city)
    actions.add_update(request=request, text="Crew scheduled", actor=None)
    actions.add_update(request=request, text="Needs a bigger truck", public=False, actor=None)
    public = list(request.events.filter(public=True).values_list("kind", "text"))
    assert (Event.Kind.PUBLIC_UPDATE, "Crew scheduled") in public
    assert request.events.get(public=False).kind == Event.Kind.INTERNAL_NOTE
    with pytest.raises(ValidationError):
        actions.add_update(request=request, text="  ", actor=None)


def test_assign_department_is_public_person_is_internal(city):
    request = submit_pothole(city)
    worker = UserFactory(
        role="staff", jurisdictions=[city.jurisdiction], departments=[city.streets, city.parks]
    )
    event = actions.assign(request=request, department=city.parks, actor=None)
    assert event.public and event.data == {"department": "Parks"}
    event = actions.assign(request=request, assignee=worker, actor=None)
    assert not event.public
    request.refresh_from_db()
    assert (request.department, request.assignee) == (city.parks, worker)


def test_support_and_follow_are_idempotent(city):
    request = submit_pothole(city)
    neighbour = Contact.objects.create(email="n@example.org")
    assert actions.support(request=request, actor=neighbour)
    assert not actions.support(request=request, actor=neighbour)
    assert actions.support(request=request, actor=None, client_key="abc")
    assert actions.follow(request=request, actor=neighbour)
    assert not actions.follow(request=request, actor=neighbour)
    request.refresh_from_db()
    assert (request.support_count, request.follow_count) == (2, 1)
    with pytest.raises(ValidationError):
        actions.support(request=request, actor=None)


def test_merge_moves_supporters_followers_and_reporter(city):
    canonical = submit_pothole(city)
    duplicate = submit_pothole(city, email="caller@example.org")
    supporter = Contact.objects.create(email="s@example.org")
    actions.support(request=duplicate, actor=supporter)
    actions.follow(request=duplicate, actor=supporter)

    result = actions.merge(duplicate=duplicate, canonical=canonical, actor=None)

    duplicate.refresh_from_db()
    assert result == canonical
    assert (duplicate.status, duplicate.close_reason, duplicate.duplicate_of) == (
        Status.CLOSED,
        CloseReason.DUPLICATE,
        canonical,
    )
    canonical.refresh_from_db()
    assert canonical.support_count == 2  # the supporter and the duplicate's reporter
    assert canonical.follow_count == 2
    assert canonical.events.filter(kind=Event.Kind.DUPLICATE_ADDED).exists()
    with pytest.raises(ValidationError):
        actions.merge(duplicate=duplicate, canonical=canonical, actor=None)
    with pytest.raises(ValidationError):
        actions.merge(duplicate=canonical, canonical=canonical, actor=None)


def test_updates_and_status_changes_keep_a_linked_photo(city):
    request = submit_pothole(city)
    photo = "https://crm.example.org/photos/4711.jpg"
    changed = actions.transition(
        request=request, to_status=Status.IN_PROGRESS, actor="crm", media_url=photo
    )
    assert changed.data == {"media_url": photo}
    # A linked photo alone makes an update.
    linked = actions.add_update(request=request, text="", actor="crm", media_url=photo)
    assert (linked.kind, linked.text, linked.data) == (Event.Kind.PUBLIC_UPDATE, "", changed.data)
    assert actions.add_update(request=request, text="No photo", actor=None).data == {}
    before = request.events.count()
    for bad in ("javascript:alert(1)", "ftp://example.org/a.jpg", "https://e.org/" + "x" * 500):
        with pytest.raises(ValidationError) as exc:
            actions.add_update(request=request, text="x", actor=None, media_url=bad)
        assert "media_url" in exc.value.message_dict
        with pytest.raises(ValidationError) as exc:
            actions.transition(
                request=request, to_status=Status.ACKNOWLEDGED, actor=None, media_url=bad
            )
        assert "media_url" in exc.value.message_dict
    assert request.events.count() == before
