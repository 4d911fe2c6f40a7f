"""An Open311 client for a city's CRM, tolerant of what real servers send.

It says how a call failed, because a retry depends on it: a refused connection sent
nothing (post again); a timeout, a dropped connection or a 5xx may have created the request
(look it up first); a 4xx is the CRM refusing what we sent (retrying will not help).
"""

from datetime import datetime

import requests
from django.conf import settings

from fixboard.core.open311_answers import Unreadable, parse_answer, text


class CrmError(Exception):
    """A call that did not get a usable answer."""

    def __init__(self, message: str, *, uncertain: bool = False, permanent: bool = False):
        super().__init__(message)
        self.uncertain = uncertain  # the CRM may have acted on it
        self.permanent = permanent  # the CRM refused it: a retry would be refused too


def _errors(data) -> str:
    """The descriptions of an Open311 <errors> answer, or ""."""
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        return ""
    return "; ".join(
        " ".join(text(e.get(k)) for k in ("code", "description") if text(e.get(k)))
        for e in data
        if isinstance(e, dict)
    )


def _records(data) -> list[dict]:
    """The records of a list answer: JSON array or XML root (with or without is_array),
    or a lone object where a server returns one."""
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise CrmError(f"expected a list, got {type(data).__name__}")
    return [item for item in data if isinstance(item, dict)]


class Client:
    def __init__(self, endpoint, *, timeout: float | None = None):
        self.endpoint = endpoint
        self.base = endpoint.base_url.rstrip("/")
        self.timeout = timeout or settings.CRM_TIMEOUT_SECONDS
        self.session = requests.Session()

    def _params(self, extra: dict) -> dict:
        params = {k: v for k, v in extra.items() if v not in (None, "")}
        if self.endpoint.remote_jurisdiction_id:
            params["jurisdiction_id"] = self.endpoint.remote_jurisdiction_id
        return params

    def call(self, method: str, resource: str, *, params=None, data=None, headers=None):
        url = f"{self.base}/{resource}.{self.endpoint.format}"
        try:
            answer = self.session.request(
                method,
                url,
                params=self._params(params or {}),
                data=data,
                headers=headers,
                timeout=(min(5.0, self.timeout), self.timeout),
            )
        except (requests.ConnectTimeout, requests.exceptions.InvalidURL) as exc:
            raise CrmError(f"cannot reach {url}: {exc}") from exc
        except requests.ConnectionError as exc:
            refused = "NewConnectionError" in repr(exc) or "Connection refused" in str(exc)
            raise CrmError(f"{url}: {exc}", uncertain=not refused) from exc
        except requests.RequestException as exc:  # read timeout and the like
            raise CrmError(f"{url}: no answer in time ({exc})", uncertain=True) from exc
        return self._read(answer, url)

    def _read(self, answer: requests.Response, url: str):
        try:
            data = parse_answer(answer.content)
        except Unreadable as exc:
            data, unreadable = None, str(exc)
        else:
            unreadable = ""
        if answer.status_code >= 500 or answer.status_code == 429:
            raise CrmError(
                f"HTTP {answer.status_code} from {url}: {_errors(data) or unreadable}"[:500],
                uncertain=True,
            )
        if answer.status_code >= 400:
            detail = _errors(data) or unreadable or answer.reason
            raise CrmError(f"HTTP {answer.status_code} from {url}: {detail}", permanent=True)
        if unreadable:
            raise CrmError(f"unreadable answer from {url}: {unreadable}", uncertain=True)
        return data

    # The resources

    def post_request(self, fields: list[tuple[str, str]], *, key: str = "") -> dict:
        """POST requests; the answer's record (service_request_id and/or token)."""
        data = [*fields]
        if self.endpoint.api_key:
            data.append(("api_key", self.endpoint.api_key))
        # Servers that honour it (Fixboard does) answer a repeat with the first answer.
        headers = {"Idempotency-Key": key} if key else None
        records = _records(self.call("POST", "requests", data=data, headers=headers))
        if not records:
            raise CrmError("the CRM's answer names no request", uncertain=True)
        return records[0]

    def token(self, token: str) -> dict | None:
        """GET tokens/{token}: the record once it names a request, else None."""
        try:
            records = _records(self.call("GET", f"tokens/{token}"))
        except CrmError as exc:
            if exc.permanent and "404" in str(exc):  # not processed yet (Merton's answer)
                return None
            raise
        for record in records:
            if text(record.get("service_request_id")):
                return record
        return None

    def requests(self, **params) -> list[dict]:
        return _records(self.call("GET", "requests", params=params))

    def updates(self, start: datetime, end: datetime, **params) -> list[dict]:
        params.update(start_date=start.isoformat(), end_date=end.isoformat())
        if self.endpoint.api_key:
            params["api_key"] = self.endpoint.api_key
        return _records(self.call("GET", "servicerequestupdates", params=params))

    def services(self) -> list[dict]:
        return _records(self.call("GET", "services"))

    def definition(self, code: str) -> dict:
        data = self.call("GET", f"services/{code}")
        if not isinstance(data, dict):
            raise CrmError(f"service definition of {code} is not an object")
        return data
