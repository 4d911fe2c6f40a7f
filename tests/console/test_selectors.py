from datetime import timedelta

import pytest
from django.utils import timezone, translation

from fixboard.catalog.actions import save_service_type
from fixboard.console.actions import end_call, start_call
from fixboard.console.selectors import find_service_types, my_day, status_sentence
from fixboard.console.spelling import spell_id
from fixboard.reports.actions import transition
from fixboard.reports.models import CloseReason, Status
from tests.factories import submit_pothole

pytestmark = pytest.mark.django_db


def test_an_id_is_spelled_for_the_phone():
    assert spell_id("7KQ2-M9XD") == "seven, K, Q, two — M, nine, X, D"
    assert spell_id("7KQ2-M9XD", nato=True).startswith("seven, K as in Kilo, Q as in Quebec")
    with translation.override("es"):
        assert spell_id("12AB-0000").split(",")[0] in ("uno", "one")


def test_the_status_is_read_in_plain_words(city, agent):
    request = submit_pothole(city, address="1900 E 4th St")
    with timezone.override("America/Los_Angeles"):
        sentence = status_sentence(request)
        day = timezone.localtime(request.requested_at).strftime("%B %-d")
    assert sentence.startswith(f"Your Pothole report at 1900 E 4th St from {day} is with Streets")
    assert "expected by" in sentence
    transition(request=request, to_status=Status.IN_PROGRESS, actor=staff(city))
    request.refresh_from_db()
    assert "is in progress with Streets" in status_sentence(request)
    transition(
        request=request,
        to_status=Status.CLOSED,
        close_reason=CloseReason.FIXED,
        note="Filled",
        actor=staff(city),
    )
    request.refresh_from_db()
    assert "was closed on" in status_sentence(request)


def staff(city):
    from tests.factories import UserFactory

    return UserFactory(role="admin", jurisdictions=[city.jurisdiction])


def test_services_are_found_by_name_and_by_keyword(city):
    save_service_type(actor="test", data={"keywords": "couch, sofa"}, service_type=city.bulky)
    assert find_service_types(city.jurisdiction, "pot") == [city.pothole]
    assert find_service_types(city.jurisdiction, "sofa") == [city.bulky]
    assert find_service_types(city.jurisdiction, "bulky ite") == [city.bulky]
    assert find_service_types(city.jurisdiction, "zebra") == []


def test_my_day_counts_calls_and_the_median_handle_time(city, agent, monkeypatch):
    now = timezone.now()
    for seconds in (30, 90, 60):
        call = start_call(agent=agent, jurisdiction=city.jurisdiction)
        monkeypatch.setattr(timezone, "now", lambda s=seconds: now + timedelta(seconds=s))
        call.started_at = now
        call.save(update_fields=["started_at"])
        end_call(call=call)
        monkeypatch.setattr(timezone, "now", lambda: now)
    start_call(agent=agent, jurisdiction=city.jurisdiction)  # still on
    assert (my_day(agent).calls, my_day(agent).median_seconds) == (4, 60)
