"""Whatever a client sends, the answer is Open311: a result or an error body, never a 500."""

from xml.etree import ElementTree

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import submit_pothole

from .conftest import check_json

pytestmark = pytest.mark.django_db

TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=30)
TRICKY = st.sampled_from(
    [
        "",
        " ",
        "open",
        "closed,open",
        "2024-01-01T00:00:00Z",
        "2024-02-30",
        "1e309",
        "nan",
        "-0",
        "99999999999999999999",
        "pothole",
        "ward:1",
        "true",
        "<b>x</b>",
        "\x00",
        "7KQ2-M9XD",
        "a" * 5000,
    ]
)
VALUES = st.one_of(TEXT, TRICKY)
GET_PARAMS = [
    "service_request_id",
    "service_code",
    "status",
    "start_date",
    "end_date",
    "updated_after",
    "updated_before",
    "page",
    "page_size",
    "lat",
    "long",
    "radius",
    "area",
    "extensions",
    "jurisdiction_id",
]
POST_PARAMS = [
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "description",
    "media_url",
    "email",
    "first_name",
    "phone",
    "attribute[depth]",
    "attribute[depth][]",
    "attribute[other]",
    "jurisdiction_id",
]
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def parsed(response, fmt: str):
    assert response.status_code in (200, 400, 403, 404), response.content[:300]
    if fmt == "xml":
        root = ElementTree.fromstring(response.content).tag
        assert root in ("service_requests", "errors", "service_request_updates")
        return None
    data = orjson.loads(response.content)
    if response.status_code != 200:
        check_json("errors", data, error=True)
    return data


@pytest.fixture
def a_request(city):
    return submit_pothole(city)


@FUZZ
@given(params=st.dictionaries(st.sampled_from(GET_PARAMS), VALUES, max_size=5))
def test_any_query_gets_an_answer(client, a_request, params):
    for fmt in ("json", "xml"):
        data = parsed(client.get(f"/open311/v2/requests.{fmt}", params), fmt)
        if isinstance(data, list) and data and "service_request_id" in data[0]:
            check_json("requests", data)


@FUZZ
@given(fields=st.dictionaries(st.sampled_from(POST_PARAMS), VALUES, max_size=6))
def test_any_post_gets_an_answer(client, city, api_key, fields):
    data = {"api_key": api_key, "service_code": "pothole", **fields}
    parsed(client.post("/open311/v2/requests.json", data), "json")


@FUZZ
@given(
    fields=st.dictionaries(
        st.sampled_from(["service_request_id", "update_id", "status", "updated_datetime"]),
        VALUES,
        max_size=4,
    )
)
def test_any_update_gets_an_answer(client, city, api_key, fields):
    parsed(
        client.post("/open311/v2/servicerequestupdates.json", {"api_key": api_key, **fields}),
        "json",
    )
    parsed(client.get("/open311/v2/servicerequestupdates.xml", fields), "xml")


def test_unknown_paths_answer_in_open311_terms(client, city):
    for path, fmt in (("v2/nothing.json", "json"), ("v2/requests/a/b.xml", "xml"), ("v2/", "xml")):
        response = client.get(f"/open311/{path}")
        assert response.status_code == 404
        if fmt == "json":
            check_json("errors", orjson.loads(response.content), error=True)
        else:
            assert ElementTree.fromstring(response.content).tag == "errors"
