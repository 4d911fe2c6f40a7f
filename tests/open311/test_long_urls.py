"""Long URLs: the documented 1,000 ids fit through `fixboard run`'s gunicorn, and a query
longer than any Open311 call needs gets a 414 in Open311's format."""

import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from tests.demo.test_run import env, server, wait_until_serving  # noqa: F401 - fixtures

from .conftest import check_json, check_xml


def _fetch(url: str):
    try:
        with urllib.request.urlopen(url, timeout=60) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_a_thousand_ids_in_one_url_through_fixboard_run(env, server):  # noqa: F811
    made = subprocess.run(
        [
            sys.executable, "-m", "fixboard", "shell", "-c",
            "from tests.factories import make_city, submit_pothole;"
            "print(submit_pothole(make_city()).public_id)",
        ],
        env=env, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    public_id = made.stdout.split()[-1]
    process, port, log = server
    wait_until_serving(process, port, log)
    # 999 ids as long as an imported request's source id (Bloomington's are 24 characters).
    ids = [public_id] + [f"4fbd3beeb1fe2c9f5c{n:06d}" for n in range(999)]
    url = f"http://127.0.0.1:{port}/open311/v2/requests.json?service_request_id={','.join(ids)}"
    assert len(url) > 25_000
    status, headers, body = _fetch(url)
    assert status == 200, body[:300]
    data = json.loads(body)
    check_json("requests", data)
    assert [r["service_request_id"] for r in data] == [public_id]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_query_longer_than_any_call_needs_is_a_414_in_open311s_format(client, city, fmt):
    response = client.get(f"/open311/v2/requests.{fmt}?service_request_id={'A' * 140_000}")
    assert response.status_code == 414
    if fmt == "json":
        body = json.loads(response.content)
        check_json("errors", body, error=True)
        assert body[0]["code"] == 414 and "keep it under 131072" in body[0]["description"]
    else:
        tree = check_xml(response.content, "errors", "error")
        assert tree.find("error/code").text == "414"
