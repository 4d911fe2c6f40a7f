"""Load the demo city into an empty installation.

Everything comes from fixboard/demo/data (derived from the City of Los Angeles' published
data by derive.py). The jurisdiction, its areas and its requests go in through the same
functions as a real city's (create_jurisdiction, import_areas, import_requests); departments,
service types with their questions, and the demo accounts through the catalog's and
accounts' domain functions, as the admin saves them, on the audit log as DEMO.
"""

import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fixboard.accounts.actions import save_user
from fixboard.accounts.models import User
from fixboard.catalog.actions import (
    save_calendar,
    save_call_topic,
    save_department,
    save_service_type,
)
from fixboard.catalog.languages import default_language, language_codes
from fixboard.places.actions import (
    create_jurisdiction,
    import_areas,
    read_feature_collection,
    save_area,
)
from fixboard.places.models import Area, Jurisdiction
from fixboard.places.spatial import invalidate_area_index
from fixboard.reports.importing import import_requests, load_mapping, shipped_mapping

DATA = Path(__file__).resolve().parent / "data"
# (file, mapping): the last days of 2017 and the first days of 2020, as the city published them.
REQUEST_FILES = (
    ("MyLA311_Service_Request_Data_2017_Subset.csv", "la-2017"),
    ("la311_2020-01_requests.csv", "la-2020"),
)
SLUG = "los-angeles"
# Who the audit log says set up the demo city.
DEMO = "fixboard demo"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    description: str
    department: str = ""


# Published passwords: the demo is for evaluation on one's own machine, never for a live site.
ACCOUNTS = (
    DemoAccount("admin", "fixboard-admin", User.Role.ADMIN, gettext_lazy("city admin, superuser")),
    DemoAccount("agent", "fixboard-agent", User.Role.AGENT, gettext_lazy("311 call-taker")),
    DemoAccount(
        "staff", "fixboard-staff", User.Role.STAFF, gettext_lazy("Sanitation staff"), "bos"
    ),
    # The manager of the staff member's department: sees (and may change) the same work.
    DemoAccount(
        "manager", "fixboard-manager", User.Role.MANAGER, gettext_lazy("Sanitation manager"), "bos"
    ),
)


@dataclass
class DemoResult:
    jurisdiction: Jurisdiction
    areas: dict[str, int] = field(default_factory=dict)
    departments: int = 0
    service_types: int = 0
    requests: int = 0
    requests_skipped: Counter = field(default_factory=Counter)


Step = tuple[str, Callable[[], None]]


def demo_needed() -> bool:
    """True when the installation serves no jurisdiction yet, so the demo may be loaded."""
    return not Jurisdiction.objects.exists()


def load_demo(
    *, track: Callable[[Sequence[Step]], Iterable[Step]] = iter, progress: bool = False
) -> DemoResult | None:
    """Load Los Angeles (areas, catalog, accounts, requests); None if not needed.

    `track` wraps the (label, step) sequence, e.g. to show a progress bar; `progress` shows
    the request importer's own bar. The load is one transaction: it either completes or
    leaves the database as it was.
    """
    with transaction.atomic():
        if not demo_needed():
            return None
        result = DemoResult(
            jurisdiction=create_jurisdiction(
                slug=SLUG, name="Los Angeles", timezone="America/Los_Angeles"
            )
        )
        steps = (
            (_("Areas"), lambda: _load_areas(result)),
            (_("Departments and services"), lambda: _load_catalog(result)),
            (_("Demo accounts"), lambda: _create_accounts(result.jurisdiction)),
            (_("Service requests of 2017 and 2020"), lambda: _import_requests(result, progress)),
        )
        for _label, run in track(steps):
            run()
    return result


def _load_areas(result: DemoResult) -> None:
    for kind, filename in (
        ("council-district", "council-districts.geojson"),
        ("neighborhood-council", "neighborhood-councils.geojson"),
    ):
        imported = import_areas(
            jurisdiction=result.jurisdiction,
            features=read_feature_collection(DATA / filename),
            kind=kind,
            name_property="name",
            code_property="code",
        )
        result.areas[kind] = imported.created
    _translate_areas(result.jurisdiction)
    # The requests below are routed inside this same transaction, before the on-commit
    # refresh of the spatial index would run.
    invalidate_area_index()


def _translate_areas(jurisdiction: Jurisdiction) -> None:
    """Name the areas in each language that has an areas.<language>.toml: {kind: {code: name}}."""
    for code in language_codes():
        path = DATA / f"areas.{code}.toml"
        if code == default_language() or not path.exists():
            continue
        for kind, names in tomllib.loads(path.read_text(encoding="utf-8")).items():
            for area in Area.objects.filter(jurisdiction=jurisdiction, kind=kind, code__in=names):
                save_area(actor=DEMO, area=area, data={f"name_{code}": names[area.code]})


def _translations() -> dict[str, dict]:
    """{language: its catalog.<language>.toml}, for the languages other than the default."""
    found = {}
    for code in language_codes():
        path = DATA / f"catalog.{code}.toml"
        if code != default_language() and path.exists():
            found[code] = tomllib.loads(path.read_text(encoding="utf-8"))
    return found


def _translated(texts: dict[str, dict], *fields: str) -> dict:
    """`{name_es: …}` for each field one of the languages' `texts` (a dict each) has."""
    return {
        f"{field}_{code}": by_language[field]
        for code, by_language in texts.items()
        for field in fields
        if field in by_language
    }


def _question(order: int, attribute: dict, texts: dict[str, dict]) -> dict:
    question = {
        "order": order,
        "code": attribute["code"],
        "description": attribute["description"],
        "datatype": attribute["datatype"],
        "datatype_description": attribute.get("datatype_description", ""),
        "required": attribute.get("required", False),
        "values": attribute.get("values", []),
    }
    question.update(_translated(texts, "description", "datatype_description"))
    for code, by_language in texts.items():
        if names := by_language.get("values"):
            # The same keys in the same order; a choice left out keeps its default name.
            question[f"values_{code}"] = [
                {"key": v["key"], "name": names.get(v["key"], v["name"])}
                for v in question["values"]
            ]
    return question


def _texts_of(translations: dict[str, dict], *path: str) -> dict[str, dict]:
    """{language: the texts under `path` in its file} (`services`, `bulky-items`, …)."""
    found = {}
    for code, translation in translations.items():
        node = translation
        for key in path:
            node = node.get(key, {}) if isinstance(node, dict) else {}
        if node:
            found[code] = node
    return found


def _load_catalog(result: DemoResult) -> None:
    catalog = tomllib.loads((DATA / "catalog.toml").read_text(encoding="utf-8"))
    translations = _translations()
    if "calendar" in catalog:
        save_calendar(
            actor=DEMO,
            data={"jurisdiction": result.jurisdiction, **catalog["calendar"]},
            exceptions=catalog.get("calendar_exceptions", []),
        )
    departments = {
        d["code"]: save_department(
            actor=DEMO,
            data={
                "jurisdiction": result.jurisdiction,
                "code": d["code"],
                "name": d["name"],
                **{
                    f"name_{code}": names[d["code"]]
                    for code, names in _texts_of(translations, "departments").items()
                    if d["code"] in names
                },
            },
        )
        for d in catalog["departments"]
    }
    for service in catalog["services"]:
        texts = _texts_of(translations, "services", service["code"])
        save_service_type(
            actor=DEMO,
            data={
                "jurisdiction": result.jurisdiction,
                "code": service["code"],
                "name": service["name"],
                "group": service["group"],
                "description": service["description"],
                "keywords": service.get("keywords", ""),
                "call_script": service.get("call_script", ""),
                # A target as a value and a unit, or as sla_hours (calendar hours).
                "sla_value": service.get("sla_value", service.get("sla_hours")),
                "sla_unit": service.get("sla_unit", "calendar_hours"),
                "default_department": departments[service["department"]],
                **_translated(texts, "name", "group", "description"),
            },
            questions=[
                _question(
                    order,
                    attribute,
                    _texts_of(
                        translations, "services", service["code"], "attributes", attribute["code"]
                    ),
                )
                for order, attribute in enumerate(service.get("attributes", []), start=1)
            ],
        )
    for order, topic in enumerate(catalog.get("call_topics", []), start=1):
        save_call_topic(
            actor=DEMO,
            data={"jurisdiction": result.jurisdiction, "order": order, **topic},
        )
    result.departments = len(departments)
    result.service_types = len(catalog["services"])


def _create_accounts(jurisdiction: Jurisdiction) -> None:
    for account in ACCOUNTS:
        admin = account.role == User.Role.ADMIN
        departments = (
            [jurisdiction.departments.get(code=account.department)] if account.department else []
        )
        save_user(
            actor=DEMO,
            data={
                "username": account.username,
                "email": f"{account.username}@example.org",
                "role": account.role,
                "is_staff": admin,
                "is_superuser": admin,
                "jurisdictions": [jurisdiction],
                "departments": departments,
            },
            password=account.password,
        )


def _import_requests(result: DemoResult, progress: bool) -> None:
    for filename, mapping in REQUEST_FILES:
        imported = import_requests(
            path=DATA / filename,
            jurisdiction=result.jurisdiction,
            mapping=load_mapping(shipped_mapping(mapping)),
            progress=progress,
        )
        result.requests += imported.created
        result.requests_skipped.update(imported.skipped)
