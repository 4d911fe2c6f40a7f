import pytest
from django.core.exceptions import ValidationError

from fixboard.catalog.models import AttributeDefinition
from fixboard.reports.attributes import clean_attributes
from tests.factories import AttributeFactory, ServiceTypeFactory

pytestmark = pytest.mark.django_db
Datatype = AttributeDefinition.Datatype


@pytest.fixture
def service(city):
    service = ServiceTypeFactory(jurisdiction=city.jurisdiction, code="tree", name="Tree")
    AttributeFactory(
        service_type=service,
        code="when",
        datatype=Datatype.DATETIME,
        description="When did it fall?",
    )
    AttributeFactory(
        service_type=service,
        code="parts",
        datatype=Datatype.MULTIVALUELIST,
        values=[{"key": "trunk", "name": "Trunk"}, {"key": "branch", "name": "Branch"}],
    )
    AttributeFactory(service_type=service, code="notes", datatype=Datatype.TEXT)
    AttributeFactory(service_type=service, code="notice", variable=False, description="FYI only")
    return service


def test_each_datatype_is_cleaned(service):
    cleaned = clean_attributes(
        service,
        {"when": "2024-05-01T14:30:00-07:00", "parts": ["trunk", "branch"], "notes": " big "},
    )
    assert cleaned == {
        "when": "2024-05-01T14:30:00-07:00",
        "parts": ["trunk", "branch"],
        "notes": "big",
    }


def test_errors_are_per_question(service):
    with pytest.raises(ValidationError) as exc:
        clean_attributes(
            service,
            {"when": "yesterday", "parts": ["leaf"], "notes": "x" * 4001, "notice": "hi"},
        )
    errors = exc.value.message_dict
    assert "Enter a date and time" in errors["attribute[when]"][0]
    assert "leaf is not one of the choices (trunk, branch)" in errors["attribute[parts]"][0]
    assert "under 4000 characters" in errors["attribute[notes]"][0]
    assert "no question notice" in errors["attribute[notice]"][0]


def test_single_value_list_takes_one(city):
    with pytest.raises(ValidationError) as exc:
        clean_attributes(city.pothole, {"depth": ["shallow", "deep"]})
    assert exc.value.message_dict == {"attribute[depth]": ["Choose only one."]}


@pytest.mark.parametrize("value", ["abc", "nan", "inf"])
def test_numbers_must_be_finite(city, value):
    with pytest.raises(ValidationError) as exc:
        clean_attributes(city.bulky, {"items": value})
    assert exc.value.message_dict == {"attribute[items]": ["Enter a number."]}
