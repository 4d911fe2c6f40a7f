"""`fixboard demo`: Los Angeles with its real areas, catalog, requests and one account per role."""

import csv
import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.http import HttpRequest

from fixboard.accounts.models import User
from fixboard.audit.models import AuditEntry
from fixboard.catalog.models import ServiceType
from fixboard.demo.loader import DATA
from fixboard.places.models import Area, Jurisdiction
from fixboard.reports.models import ServiceRequest

pytestmark = pytest.mark.django_db


def demo(**options) -> str:
    out = io.StringIO()
    call_command("demo", stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def city_labels() -> dict[str, tuple[str, str]]:
    """srnumber → (council district, neighborhood council) as the city labelled them."""
    with open(DATA / "la311_2020-01_requests.csv", encoding="utf-8") as file:
        return {row["srnumber"]: (row["cd"], row["nc"]) for row in csv.DictReader(file)}


def area_codes(kind: str) -> dict[str, str]:
    return dict(
        ServiceRequest.objects.filter(areas__kind=kind).values_list("source_id", "areas__code")
    )


@pytest.mark.slow
def test_demo_loads_los_angeles_once(client):
    out = demo()
    assert "Loaded Los Angeles: 15 council districts, 99 neighborhood councils" in out
    la = Jurisdiction.objects.get(slug="los-angeles")
    assert la.timezone == "America/Los_Angeles"
    # order_by(): areas have names per language, whose default ordering would be grouped on.
    kinds = dict(la.areas.order_by().values_list("kind").annotate(n=Count("id")))
    assert kinds == {"council-district": 15, "neighborhood-council": 99}
    assert la.requests.count() >= 10_000

    # Routed like the city routed them: each request in the district and neighbourhood
    # council the city's own data names (the published agreement is ≥ 98.5%).
    labels = city_labels()
    districts, councils = area_codes("council-district"), area_codes("neighborhood-council")
    in_2020 = [sr for sr in labels if sr in districts]
    assert len(in_2020) > 9_900
    same_cd = sum(districts[sr] == labels[sr][0] for sr in in_2020)
    same_nc = sum(councils.get(sr) == labels[sr][1] for sr in in_2020)
    assert same_cd / len(in_2020) > 0.99
    assert same_nc / len(in_2020) > 0.98

    # Each request went to the department that owns its service (Graffiti → OCB).
    graffiti = ServiceRequest.objects.filter(service_type__name="Graffiti Removal")
    assert set(graffiti.values_list("department__code", flat=True)) == {"ocb"}
    assert not ServiceRequest.objects.filter(department__isnull=True).exists()

    # Every service has a group, an SLA and at least one question.
    for service in ServiceType.objects.filter(jurisdiction=la):
        assert service.group and service.sla_value and service.default_department
        assert service.attributes.exists(), service.name
    bulky = ServiceType.objects.get(jurisdiction=la, code="bulky-items")
    count = bulky.attributes.get(code="item-count")
    assert (count.datatype, count.required) == ("number", True)
    assert bulky.attributes.get(code="item-types").datatype == "multivaluelist"

    # The printed logins work, each account with its role.
    for username, password, role in (
        ("admin", "fixboard-admin", "admin"),
        ("agent", "fixboard-agent", "agent"),
        ("staff", "fixboard-staff", "staff"),
        ("manager", "fixboard-manager", "manager"),
    ):
        assert f"  {username:<8} {password}" in out
        # django-axes needs the request a sign-in comes with.
        assert client.login(request=HttpRequest(), username=username, password=password)
        user = User.objects.get(username=username)
        assert user.role == role and list(user.jurisdictions.all()) == [la]
    assert list(User.objects.get(username="staff").departments.values_list("code", flat=True)) == [
        "bos"
    ]
    client.login(request=HttpRequest(), username="admin", password="fixboard-admin")
    assert client.get("/admin/reports/servicerequest/").status_code == 200

    # The catalog and the accounts went in through their domain functions: on the audit
    # log, as the demo, with no password in it.
    made = AuditEntry.objects.filter(actor="fixboard demo", action="created")
    kinds = Counter(made.values_list("content_type__model", flat=True))
    assert kinds["servicetype"] == ServiceType.objects.filter(jurisdiction=la).count()
    assert kinds["user"] == 4 and kinds["department"] > 0
    admin_entry = made.get(object_repr="admin")
    assert admin_entry.changes["password"] == ["[hidden]", "[hidden]"]
    assert admin_entry.changes["is_superuser"] == [None, True]

    # A second run changes nothing, and still prints the logins.
    total = ServiceRequest.objects.count()
    again = demo()
    assert "A jurisdiction already exists, so the demo was not loaded." in again
    assert "admin    fixboard-admin" in again
    assert ServiceRequest.objects.count() == total
    assert Area.objects.count() == 114


def test_demo_leaves_an_installation_in_use_alone(city):
    out = demo()
    assert "A jurisdiction already exists, so the demo was not loaded." in out
    assert not Jurisdiction.objects.filter(slug="los-angeles").exists()
    assert not User.objects.filter(username="admin").exists()
    assert "Demo logins" not in out


def test_no_logins_printed_once_a_password_changed(city):
    User.objects.create_user(username="admin", password="a new secret passphrase")
    assert "fixboard-admin" not in demo()


def test_demo_refuses_a_public_site(settings):
    settings.ALLOWED_HOSTS = ["311.example.gov", "localhost"]
    with pytest.raises(CommandError, match="answers to 311.example.gov"):
        demo()
    assert not Jurisdiction.objects.exists()
