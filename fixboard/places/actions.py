"""Writes to places: jurisdictions and their areas."""

import json
import logging
import uuid
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import get_resolver
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.validation import explain_validity

from fixboard.audit import log
from fixboard.core.languages import columns, default_language, saving

from .models import Area, Jurisdiction
from .spatial import invalidate_area_index

logger = logging.getLogger(__name__)


def reserved_slugs() -> set[str]:
    """First path segments the site's own pages use, which a jurisdiction slug would shadow."""
    segments = set()

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern).lstrip("^")
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, route)
            first = route.split("/", 1)[0]
            if first and not first.startswith(("<", "(")):
                segments.add(first.rstrip("$"))

    walk(get_resolver().url_patterns)
    return segments | {settings.STATIC_URL.strip("/").split("/")[0]}


def create_jurisdiction(*, slug: str, name: str, timezone: str) -> Jurisdiction:
    """Create a jurisdiction, checking that its slug and time zone are usable."""
    errors = {}
    if slugify(slug) != slug:
        errors["slug"] = [
            _("Use lower-case letters, digits and hyphens, e.g. %(s)s.") % {"s": slugify(slug)}
        ]
    elif slug in reserved_slugs():
        errors["slug"] = [
            _("%(slug)s is taken by one of the site's own pages; choose another.") % {"slug": slug}
        ]
    elif Jurisdiction.objects.filter(slug=slug).exists():
        errors["slug"] = [_("A jurisdiction %(slug)s already exists.") % {"slug": slug}]
    if not name.strip():
        errors["name"] = [_("Give the jurisdiction a name.")]
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = [
            _("Unknown time zone %(tz)s; use an IANA name such as America/Los_Angeles.")
            % {"tz": timezone}
        ]
    if errors:
        raise ValidationError(errors)
    return Jurisdiction.objects.create(
        slug=slug, name=name.strip(), timezone=timezone, areas_version=uuid.uuid4().hex
    )


@dataclass
class AreaImportResult:
    created: int = 0
    updated: int = 0
    repaired: list[str] = field(default_factory=list)
    boundary_set: bool = False


def read_feature_collection(path: Path) -> list[dict]:
    """The features of a GeoJSON file, or a ValidationError saying what is wrong with it."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValidationError({"file": [_("No such file: %(p)s") % {"p": path}]}) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError(
            {"file": [_("%(p)s is not valid JSON: %(e)s") % {"p": path, "e": exc}]}
        ) from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValidationError(
            {"file": [_("%(p)s is not a GeoJSON FeatureCollection.") % {"p": path}]}
        )
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise ValidationError({"file": [_("%(p)s has no features.") % {"p": path}]})
    return features


def _polygonal(feature: dict, number: int, label: str) -> tuple[shapely.Geometry, bool]:
    """The feature's (Multi)Polygon, repaired if invalid; second value says if it was."""
    try:
        geom = shape(feature["geometry"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValidationError(
            {
                "geometry": [
                    _("Feature %(n)d (%(l)s) has no readable geometry: %(e)s")
                    % {"n": number, "l": label, "e": exc}
                ]
            }
        ) from exc
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValidationError(
            {
                "geometry": [
                    _("Feature %(n)d (%(l)s) is a %(t)s; areas must be polygons.")
                    % {"n": number, "l": label, "t": geom.geom_type}
                ]
            }
        )
    if geom.is_valid:
        return geom, False
    logger.warning(
        "Area %s is invalid (%s); repaired with make_valid", label, explain_validity(geom)
    )
    repaired = shapely.make_valid(geom)
    polygons = [
        g for g in shapely.get_parts(repaired) if g.geom_type in ("Polygon", "MultiPolygon")
    ]
    return shapely.union_all(polygons), True


def _property(props: dict, name: str, number: int, what: str) -> str:
    value = props.get(name)
    if value is None or str(value).strip() == "":
        available = ", ".join(sorted(props)) or _("none")
        raise ValidationError(
            {
                what: [
                    _("Feature %(n)d has no property %(p)s (its properties: %(a)s).")
                    % {"n": number, "p": name, "a": available}
                ]
            }
        )
    return str(value).strip()


def import_areas(
    *,
    jurisdiction: Jurisdiction,
    features: list[dict],
    kind: str,
    name_property: str,
    code_property: str | None = None,
    as_boundary: bool = False,
) -> AreaImportResult:
    """Create or update the jurisdiction's areas of one kind from GeoJSON features.

    Invalid polygons are repaired and listed in the result. The union of the areas becomes
    the jurisdiction's boundary when `as_boundary` is set, when it has no boundary yet (the
    first kind imported), or when its boundary was made from this kind before.
    Nothing is written when any feature is unusable.
    """
    if slugify(kind) != kind:
        raise ValidationError(
            {"kind": [_("Use a slug for the kind, e.g. %(s)s.") % {"s": slugify(kind)}]}
        )
    result = AreaImportResult()
    parsed = []
    for number, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        name = _property(props, name_property, number, "name_property")
        code = (
            _property(props, code_property, number, "code_property")
            if code_property
            else slugify(name)
        )
        geom, repaired = _polygonal(feature, number, name)
        if repaired:
            result.repaired.append(name)
        parsed.append((code, name, geom, props))
    codes = [p[0] for p in parsed]
    if len(set(codes)) != len(codes):
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        raise ValidationError(
            {"code_property": [_("Codes repeat: %(c)s.") % {"c": ", ".join(dupes)}]}
        )
    # The file's names are the default language's, whatever language the admin speaks; an
    # area's names in other languages stay as they were.
    with transaction.atomic(), saving():
        for code, name, geom, props in parsed:
            min_long, min_lat, max_long, max_lat = geom.bounds
            _area, created = Area.objects.update_or_create(
                jurisdiction=jurisdiction,
                kind=kind,
                code=code,
                defaults=dict(
                    name=name,
                    geometry_wkb=shapely.to_wkb(geom),
                    properties=props,
                    min_lat=min_lat,
                    min_long=min_long,
                    max_lat=max_lat,
                    max_long=max_long,
                    repaired=name in result.repaired,
                    active=True,
                ),
            )
            result.created += created
            result.updated += not created
        if as_boundary or not jurisdiction.boundary_wkb or jurisdiction.boundary_kind == kind:
            set_boundary(jurisdiction, shapely.union_all([p[2] for p in parsed]), kind=kind)
            result.boundary_set = True
        else:
            _touch(jurisdiction)
    return result


def area_fields() -> tuple[str, ...]:
    """What `save_area` changes: the name in each language (`name_en`, `name_es`…) and
    whether the area is active."""
    return (*columns("name"), "active")


def save_area(*, actor: log.Actor, area: Area, data: dict) -> Area:
    """Change an area's names (by language column; a plain `name` is the default
    language's) or whether it is active. Its outline and code come from its GeoJSON file.

    An empty name in a language other than the default one falls back to the default one's.
    """
    unknown = set(data) - {*area_fields(), "name"}
    if unknown:
        raise ValueError(f"save_area cannot change {', '.join(sorted(unknown))}")
    default_column = columns("name")[0]
    data = {default_column if key == "name" else key: value for key, value in data.items()}
    names = {key: (value or "").strip() for key, value in data.items() if key != "active"}
    if default_column in names and not names[default_column]:
        language = translation.get_language_info(default_language())["name_translated"]
        raise ValidationError(
            {default_column: [_("Give the area a name in %(l)s.") % {"l": language}]}
        )
    with transaction.atomic(), saving():
        current = Area.objects.select_for_update().get(pk=area.pk)
        before = log.state(current, area_fields())
        for column, name in names.items():
            setattr(current, column, name or None)
        if default_column in names:
            current.name = names[default_column]  # the plain column, read by unlocalised queries
        if "active" in data:
            current.active = bool(data["active"])
        after = log.state(current, area_fields())
        changed = [field for field in area_fields() if before[field] != after[field]]
        if not changed:
            return current
        plain = ["name"] if default_column in changed else []
        current.save(update_fields=[*changed, *plain, "updated_at"])
        log.record_change(
            actor=actor, obj=current, before=before, after=after, jurisdiction=current.jurisdiction
        )
        if "active" in changed:
            # Every process's spatial index must see the area appear or disappear.
            _touch(current.jurisdiction)
    return current


def set_boundary(jurisdiction: Jurisdiction, geom: shapely.Geometry, *, kind: str = "") -> None:
    """Make `geom` the jurisdiction's boundary (kind: the area kind it was built from)."""
    geom = geom if geom.is_valid else shapely.make_valid(geom)
    min_long, min_lat, max_long, max_lat = geom.bounds
    jurisdiction.boundary_wkb = shapely.to_wkb(geom)
    jurisdiction.boundary_kind = kind
    jurisdiction.min_lat, jurisdiction.min_long = min_lat, min_long
    jurisdiction.max_lat, jurisdiction.max_long = max_lat, max_long
    jurisdiction.save(
        update_fields=[
            "boundary_wkb",
            "boundary_kind",
            "min_lat",
            "min_long",
            "max_lat",
            "max_long",
        ]
    )
    _touch(jurisdiction)


def import_boundary(*, jurisdiction: Jurisdiction, features: list[dict]) -> list[str]:
    """Set the boundary from the union of all features; returns the names of repaired ones."""
    geoms, repaired = [], []
    for number, feature in enumerate(features, start=1):
        geom, was_repaired = _polygonal(feature, number, f"#{number}")
        geoms.append(geom)
        if was_repaired:
            repaired.append(f"#{number}")
    with transaction.atomic():
        set_boundary(jurisdiction, shapely.union_all(geoms))
    return repaired


def _touch(jurisdiction: Jurisdiction) -> None:
    jurisdiction.areas_version = uuid.uuid4().hex
    jurisdiction.save(update_fields=["areas_version"])
    transaction.on_commit(invalidate_area_index)
