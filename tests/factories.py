"""Test data built through the domain functions, on a small square city."""

import uuid
from dataclasses import dataclass

import factory
from shapely.geometry import box, mapping

from fixboard.accounts.models import User
from fixboard.catalog.models import AttributeDefinition, Department, ServiceType
from fixboard.places.actions import create_jurisdiction, import_areas
from fixboard.places.models import Area, Jurisdiction
from fixboard.reports.actions import ContactDetails, submit_request

# Testville: a 0.2° × 0.1° rectangle near Los Angeles, split into a west and an east ward.
WEST = box(-118.30, 34.00, -118.20, 34.10)
EAST = box(-118.20, 34.00, -118.10, 34.10)
INSIDE_WEST = (34.05, -118.25)
INSIDE_EAST = (34.05, -118.15)
OUTSIDE = (40.71, -74.00)


def feature(name: str, code: str, geom) -> dict:
    return {
        "type": "Feature",
        "properties": {"name": name, "code": code},
        "geometry": mapping(geom),
    }


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"dept-{n}")
    name = factory.Sequence(lambda n: f"Department {n}")


class ServiceTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceType

    code = factory.Sequence(lambda n: f"service-{n}")
    name = factory.Sequence(lambda n: f"Service {n}")
    requires_confirmation = False


class AttributeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AttributeDefinition

    code = factory.Sequence(lambda n: f"q{n}")
    description = factory.Sequence(lambda n: f"Question {n}?")
    datatype = AttributeDefinition.Datatype.STRING
    order = factory.Sequence(lambda n: n + 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True  # the jurisdictions hook writes only its own rows

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery")

    @factory.post_generation
    def jurisdictions(self, create, extracted, **kwargs):
        """`UserFactory(jurisdictions=[...])`: where city staff work (accounts.scope)."""
        if create and extracted:
            self.jurisdictions.set(extracted)

    @factory.post_generation
    def departments(self, create, extracted, **kwargs):
        """`UserFactory(departments=[...])`: whose requests staff and managers change."""
        if create and extracted:
            self.departments.set(extracted)


@dataclass
class City:
    jurisdiction: Jurisdiction
    west: Area
    east: Area
    streets: Department
    parks: Department
    pothole: ServiceType
    bulky: ServiceType


def make_city(slug: str | None = None) -> City:
    """A jurisdiction with two wards, two departments and two service types with questions."""
    jurisdiction = create_jurisdiction(
        slug=slug or f"testville-{uuid.uuid4().hex[:6]}",
        name="Testville",
        timezone="America/Los_Angeles",
    )
    import_areas(
        jurisdiction=jurisdiction,
        features=[feature("West Ward", "1", WEST), feature("East Ward", "2", EAST)],
        kind="ward",
        name_property="name",
        code_property="code",
    )
    streets = DepartmentFactory(jurisdiction=jurisdiction, code="streets", name="Streets")
    parks = DepartmentFactory(jurisdiction=jurisdiction, code="parks", name="Parks")
    pothole = ServiceTypeFactory(
        jurisdiction=jurisdiction,
        code="pothole",
        name="Pothole",
        default_department=streets,
        sla_value=72,
        group="Streets",
    )
    AttributeFactory(
        service_type=pothole,
        code="depth",
        description="How deep is it?",
        datatype=AttributeDefinition.Datatype.SINGLEVALUELIST,
        required=True,
        values=[{"key": "shallow", "name": "Shallow"}, {"key": "deep", "name": "Deeper than 5 cm"}],
    )
    bulky = ServiceTypeFactory(
        jurisdiction=jurisdiction,
        code="bulky-items",
        name="Bulky Items",
        default_department=streets,
    )
    AttributeFactory(
        service_type=bulky,
        code="items",
        description="How many items?",
        datatype=AttributeDefinition.Datatype.NUMBER,
        required=True,
    )
    west, east = Area.objects.filter(jurisdiction=jurisdiction).order_by("code")
    return City(jurisdiction, west, east, streets, parks, pothole, bulky)


def submit_pothole(city: City, *, at=INSIDE_WEST, email: str = "", **kwargs):
    return submit_request(
        service_type=city.pothole,
        lat=at[0],
        long=at[1],
        attributes=kwargs.pop("attributes", {"depth": "deep"}),
        description=kwargs.pop("description", "A pothole in the right lane"),
        reporter=ContactDetails(name="Ana Reyes", email=email) if email else None,
        actor=kwargs.pop("actor", None),
        **kwargs,
    )


def translate_to_spanish(city: City) -> None:
    """Spanish texts for the pothole (name, group, question, answers) and the Streets
    department, through the catalog's domain functions; Bulky Items stays untranslated."""
    from fixboard.catalog import actions as catalog_actions
    from fixboard.catalog import questions as question_rules

    catalog_actions.save_department(
        actor="test", data={"name_es": "Calles"}, department=city.streets
    )
    (depth,) = city.pothole.attributes.all()
    question = {"id": depth.pk, **{f: getattr(depth, f) for f in question_rules.STORED}}
    question["description_es"] = "¿Qué profundidad tiene?"
    question["values_es"] = [
        {"key": "shallow", "name": "Poco profundo"},
        {"key": "deep", "name": "Más de 5 cm"},
    ]
    catalog_actions.save_service_type(
        actor="test",
        data={"name_es": "Bache", "group_es": "Calles", "description_es": "Un hoyo en la calle"},
        questions=[question],
        service_type=city.pothole,
    )
    city.pothole.refresh_from_db()
    city.streets.refresh_from_db()
