"""The phone line panel: calls the on-hold menu sent online, per day, over the last 7 and
30 days and per line, for the managers and admins of the city, in their language."""

import re
import zoneinfo
from datetime import timedelta

import pytest
from django.utils import timezone

from fixboard.accounts.models import User
from fixboard.channels.deflections import deflect_call
from fixboard.channels.models import Deflection
from tests.factories import UserFactory, make_city

from .conftest import CITY_NUMBER, signed_post
from .test_voice import call_fields

pytestmark = pytest.mark.django_db
URL = "/phone-line/"
OTHER_LINE = "+13235550199"


def called(city, n: int, *, days_ago: int = 0, line: str = CITY_NUMBER) -> None:
    for _ in range(n):
        count = Deflection.objects.count()
        deflection = deflect_call(
            jurisdiction=city.jurisdiction,
            call_sid=f"CA{count:032d}",
            phone=f"+1323555{2000 + count}",  # callers, each texted once
            language="en",
            line=line,
        )
        Deflection.objects.filter(pk=deflection.pk).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )


@pytest.fixture
def calls(city, client):
    # One caller presses 1 on hold, as the provider posts it; the others are counted alike.
    path = f"/voice/{city.jurisdiction.slug}/hold/key/"
    assert signed_post(client, path, call_fields(Digits="1")).status_code == 200
    called(city, 1)
    called(city, 1, days_ago=3)
    called(city, 1, days_ago=10)
    called(city, 1, days_ago=40)  # older than the panel
    called(city, 1, days_ago=20, line=OTHER_LINE)
    called(make_city(), 4)  # another city's


def figure(html: str, name: str) -> int:
    return int(re.search(rf'data-figure="{name}">(\d+)<', html).group(1))


def row(html: str, attribute: str) -> list[str]:
    found = re.search(rf"<tr {re.escape(attribute)}>(.*?)</tr>", html)
    return re.findall(r">([^<>]+)</t[hd]>", found.group(1))


def manager_of(city, role=User.Role.MANAGER):
    return UserFactory(role=role, jurisdictions=[city.jurisdiction])


def test_a_manager_sees_the_calls_sent_online_per_period_line_and_day(city, client, calls):
    client.force_login(manager_of(city))
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert (figure(html, "today"), figure(html, "last-7"), figure(html, "last-30")) == (2, 3, 5)
    assert row(html, f'data-line="{CITY_NUMBER}"') == ["(323) 555-0100", "3", "4"]
    assert row(html, f'data-line="{OTHER_LINE}"') == ["(323) 555-0199", "0", "1"]
    today = timezone.localdate(timezone.now(), zoneinfo.ZoneInfo(city.jurisdiction.timezone))
    three_days_ago = (today - timedelta(days=3)).isoformat()
    assert row(html, f'data-day="{three_days_ago}"')[1] == "1"
    assert html.count("data-day=") == 30
    # The chart above the table: a bar a day, oldest first, the busiest day full height.
    bars = re.findall(r'data-bar="([\d-]+)"[^>]*><span style="height:([\d.]+)%"', html)
    assert len(bars) == 30 and bars[-1] == (today.isoformat(), "100.0")
    assert dict(bars)[three_days_ago] == "50.0"
    for phone in Deflection.objects.values_list("phone", flat=True):  # callers' stay private
        assert phone not in html and f"555-{phone[-4:]}" not in html
    # Where the manager looks: the staff pages' menu leads here.
    assert 'href="/phone-line/"' in client.get("/queue/").content.decode()


def test_the_panel_speaks_spanish(city, client, calls):
    client.force_login(manager_of(city))
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Línea telefónica" in html and "Últimos 7 días" in html and "Por línea" in html
    assert "Llamadas por día" in html


def test_only_the_city_managers_and_admins_see_it(city, client, calls):
    assert client.get(URL).status_code == 302, "strangers are sent to sign in"
    client.force_login(UserFactory(role=User.Role.RESIDENT))
    assert client.get(URL).status_code == 403
    for role in (User.Role.AGENT, User.Role.STAFF):
        client.force_login(manager_of(city, role))
        assert client.get(URL).status_code == 403
        assert 'href="/phone-line/"' not in client.get("/queue/").content.decode()
    client.force_login(manager_of(city, User.Role.ADMIN))
    assert client.get(URL).status_code == 200

    elsewhere = make_city()
    client.force_login(manager_of(elsewhere))
    html = client.get(URL).content.decode()
    assert f'id="phone-line-{elsewhere.jurisdiction.slug}"' in html
    assert f'id="phone-line-{city.jurisdiction.slug}"' not in html
    assert client.get(URL, {"jurisdiction": city.jurisdiction.slug}).status_code == 403
    assert client.get(URL, {"jurisdiction": "nowhere"}).status_code == 404

    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    html = client.get(URL).content.decode()
    assert f'id="phone-line-{city.jurisdiction.slug}"' in html
    assert f'id="phone-line-{elsewhere.jurisdiction.slug}"' in html
