"""The OpenAPI document, its docs page, CORS, and property-based fuzzing with schemathesis."""

import re
from io import BytesIO

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fixboard.accounts.models import ApiClient
from fixboard.reports.actions import add_update
from tests.factories import UserFactory, submit_pothole


def test_openapi_document_lists_every_operation(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {
        "/api/v1/requests",
        "/api/v1/requests/nearby",
        "/api/v1/requests/{public_id}",
        "/api/v1/requests/multipart",
        "/api/v1/requests/{public_id}/support",
        "/api/v1/requests/{public_id}/follow",
        "/api/v1/requests/{public_id}/comments",
        "/api/v1/services",
        "/api/v1/areas",
        "/api/v1/areas/{area_id}",
        "/api/v1/jurisdictions",
    } <= set(paths)
    schemes = response.json()["components"]["securitySchemes"]
    assert {"in": "header", "name": "X-Api-Key", "type": "apiKey"}.items() <= schemes[
        "ApiKey"
    ].items()


def test_docs_page_loads_swagger_from_this_site_not_a_cdn(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    assert all(url.startswith("/") and not url.startswith("//") for url in assets), assets
    for url in assets:
        assert finders.find(url.removeprefix("/static/")), url


def test_reads_are_open_to_other_sites(client, db):
    response = client.get("/api/v1/services", headers={"Origin": "https://news.example"})
    assert response["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/api/v1/requests",
        headers={"Origin": "https://news.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "POST" not in preflight["Access-Control-Allow-Methods"]


def test_writes_and_other_pages_are_not_shared_with_other_sites(client, db):
    write = client.post("/api/v1/requests", {}, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in write
    preflight = client.options(
        "/api/v1/requests",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in preflight
    for url in ("/api/v1/csrf", "/admin/login/"):
        assert "Access-Control-Allow-Origin" not in client.get(
            url, headers={"Origin": "https://evil.example"}
        )


# Django is set up before collection and the document needs no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def wsgi_in_test_transaction():
    # Django's test client does the same: a real WSGI call closes "old" connections at its
    # start and end, which would close the test's transaction on PostgreSQL.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def known(city, wsgi_in_test_transaction) -> dict:
    """Real requests, area and service to aim at, and the key of an app allowed to write."""
    request = submit_pothole(city, email="ana@example.org")
    add_update(
        request=request,
        text="Crew booked",
        actor=UserFactory(role="staff", jurisdictions=[city.jurisdiction]),
    )
    submit_pothole(city, at=(34.0501, -118.2501))
    client = ApiClient(name="fuzzer", rate_limit_per_minute=1_000_000)
    key = client.set_new_key()
    client.save()
    client.jurisdictions.add(city.jurisdiction)
    return {
        "key": key,
        "path": {
            "public_id": request.public_id,
            "area_id": city.west.pk,
            "jurisdiction": city.jurisdiction.slug,
            "code": "pothole",
        },
        "body": {
            "service_code": "pothole",
            "jurisdiction": city.jurisdiction.slug,
            "lat": 34.05,
            "long": -118.25,
            "attributes": {"depth": "deep"},
        },
    }


CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    status_code_conformance,
]


def _aim(case, known: dict) -> None:
    """Point a generated case at real data, so it reaches past the 404s and into the domain."""
    for name in case.path_parameters or {}:
        case.path_parameters[name] = known["path"][name]
    if case.operation.path.endswith(("/support", "/follow", "/comments")):
        case.body = {
            **(case.body if isinstance(case.body, dict) else {}),
            "email": "fuzz@example.org",
        }
        return
    body = case.body.get("payload") if isinstance(case.body, dict) else None
    body = case.body if isinstance(case.body, dict) and "service_code" in case.body else body
    if isinstance(body, dict):
        body.update(known["body"])


def _photo() -> bytes:
    jpeg = BytesIO()
    Image.new("RGB", (8, 8), "gray").save(jpeg, "JPEG")
    return jpeg.getvalue()


def _valid_call(operation):
    """A plain valid call of the operation (aimed at the real data when made).

    Reaching every operation must not depend on the fuzzer's luck: its draws change with any
    string or number in fixboard's code (Hypothesis mixes the constants of the project's loaded
    modules into what it generates, even with derandomize=True), so a new literal in an
    unrelated module may leave an operation with only 422s (a multipart call needs real photos).
    """
    path, method = operation.path, operation.method.upper()
    params = {name: "" for name in re.findall(r"{(\w+)}", path)}
    if path.endswith("/multipart"):
        report = {"service_code": "pothole", "lat": 0, "long": 0}
        return operation.Case(
            path_parameters=params,
            body={"payload": report, "media": [_photo()]},
            media_type="multipart/form-data",
        )
    if method == "POST":
        body = {"service_code": "pothole", "lat": 0, "long": 0}
        if "{public_id}" in path:
            body = {"text": "Still there"} if path.endswith("/comments") else {}
        return operation.Case(path_parameters=params, body=body, media_type="application/json")
    if path.endswith("/nearby"):
        query = {"service_code": "pothole", "lat": 34.05, "long": -118.25}
        return operation.Case(path_parameters=params, query=query)
    return operation.Case(path_parameters=params)


def test_fuzzed_calls_never_fail_or_break_the_schema(known):
    # One test over every operation, so the data is set up once; bounded to keep CI quick.
    operations = [result.ok() for result in schema.get_all_operations()]
    called = set()
    for operation in operations:
        # Hypothesis makes the explicit example first, then the generated ones.
        @given(case=operation.as_strategy(), aimed=st.booleans())
        @example(case=_valid_call(operation), aimed=True)
        @settings(
            max_examples=12,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case, aimed):
            if aimed:
                _aim(case, known)
            # Writes carry the API key so they get past authentication to validation.
            headers = {"X-Api-Key": known["key"]} if case.method != "GET" else {}
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            called.add((case.method, case.operation.path, response.status_code))

        call()
    reached = {(method, path) for method, path, status in called if status < 300}
    # Unfollowing is for signed-in residents only, so an app's key always gets a 403 there.
    expected = {(op.method.upper(), op.path) for op in operations if op.method != "delete"}
    assert reached == expected
