"""A stand-in for a city's CRM on loopback: an Open311 server with the faults real ones
have, to be told what to do with each next call.

It serves POST requests (tokens for batch services, resolved after some polls), GET
requests (filtered by requested time, by updated time with the v2.1 draft's
updated_after/updated_before unless told to ignore them as v2 servers do, and by service;
attributes with extensions=true; paged), GET tokens and GET servicerequestupdates, in JSON
or XML (is_array roots, times without zones, as some servers write them), by a clock that
may run ahead of or behind ours. `faults` is a list the next POSTs pop from.
"""

import json
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

# What a POST may be made to suffer (popped from `faults`, one per POST):
#   "refuse_body"   - HTTP 503 with an HTML page, nothing created
#   "500_after"     - created, then HTTP 500 (the CRM failed after writing)
#   "timeout_after" - created, then no answer before the client gives up
#   "timeout"       - no answer in time and nothing created
#   "malformed"     - created, then a truncated XML answer
#   "drop"          - created, then the connection closed without an answer
#   "slow"          - created and answered, a little slower than usual (under the timeout)
FAULTS = ("refuse_body", "500_after", "timeout_after", "timeout", "malformed", "drop", "slow")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _xml_value(name, value) -> str:
    if value is None:
        return f"<{name}/>"
    if isinstance(value, list):
        inner = "".join(_xml_value("attribute", v) for v in value)
        return f"<{name}>{inner}</{name}>"
    if isinstance(value, dict):
        return f"<{name}>" + "".join(_xml_value(k, v) for k, v in value.items()) + f"</{name}>"
    return f"<{name}>{escape(str(value))}</{name}>"


def to_xml(root: str, item: str, records: list[dict]) -> bytes:
    body = "".join(_xml_value(item, r) for r in records)
    return f'<?xml version="1.0" encoding="utf-8"?><{root} is_array="true">{body}</{root}>'.encode()


class Crm:
    """The CRM's state and its behaviour; thread-safe."""

    def __init__(self, *, hang: float = 2.0, token_polls: int = 0, batch: bool = False):
        self.lock = threading.Lock()
        self.requests: dict[str, dict] = {}
        self.updates: list[dict] = []
        self.tokens: dict[str, dict] = {}  # token → {"polls": n, "id": id or None}
        self.faults: list[str] = []
        self.hang = hang  # how long a "timeout" hangs: longer than the client waits
        self.token_polls = token_polls
        self.batch = batch
        self.posts = 0
        self.naive_times = False  # write times without a zone, as some servers do
        self.naive_zone = UTC  # the zone of those times (the city's, for most such servers)
        self.clock = timedelta()  # how far its clock is ahead of ours (negative: behind)
        self.knows_updated_after = True  # False: a v2 server, which ignores the filter
        self.gets: list[dict] = []  # the query of every GET requests, in order
        self.seen_keys: list[str] = []
        self.unknown_codes: set[str] = set()  # service codes it answers 400 for
        self.after_create = None  # called with the record, before the answer is written
        self.get_faults: list[str] = []  # "500", "malformed", "timeout", "html" for next GETs

    # the CRM's own staff

    def change_status(self, request_id: str, status: str, description: str = "", code=""):
        with self.lock:
            update = {
                "update_id": f"u{len(self.updates) + 1}",
                "service_request_id": request_id,
                "status": status,
                "external_status_code": code or None,
                "updated_datetime": self._now(),
                "description": description,
                "media_url": None,
            }
            self.updates.append(update)
            record = self.requests[request_id]
            record["status"] = status
            record["external_status_code"] = code or None
            record["status_notes"] = description or None
            record["updated_datetime"] = update["updated_datetime"]
            return update

    def touch(self, request_id: str):
        """Its staff save the request without changing what the public sees."""
        with self.lock:
            self.requests[request_id]["updated_datetime"] = self._now()

    def created_for(self, fixboard_id: str) -> list[dict]:
        return [
            r for r in self.requests.values() if r["attributes"].get("fixboard_id") == fixboard_id
        ]

    def _now(self) -> str:
        now = (datetime.now(UTC) + self.clock).replace(microsecond=0)
        if self.naive_times:
            return now.astimezone(self.naive_zone).replace(tzinfo=None).isoformat()
        return now.isoformat()

    def read_time(self, value: str | None) -> datetime | None:
        """A time as this CRM reads one (its own, or a query's)."""
        if not value:
            return None
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=self.naive_zone)

    def create(self, form: dict) -> dict:
        with self.lock:
            request_id = f"CRM-{len(self.requests) + 1:05d}"
            attributes = {
                k[len("attribute[") : -1]: v[0]
                for k, v in form.items()
                if k.startswith("attribute[") and not k.endswith("[]")
            }
            record = {
                "service_request_id": request_id,
                "service_code": form.get("service_code", [""])[0],
                "description": form.get("description", [""])[0],
                "status": "open",
                "requested_datetime": self._now(),
                "updated_datetime": self._now(),
                "lat": form.get("lat", [None])[0],
                "long": form.get("long", [None])[0],
                "attributes": attributes,
            }
            self.requests[request_id] = record
            if not self.batch:
                return {"service_request_id": request_id}
            token = f"T{len(self.tokens) + 1}"
            self.tokens[token] = {"polls": 0, "id": request_id}
            return {"token": token}


def _handler(crm: Crm):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _answer(self, status: int, body: bytes, kind: str = "application/json"):
            self.send_response(status)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _records(self, fmt: str, root: str, item: str, records: list[dict]):
            if fmt == "xml":
                self._answer(200, to_xml(root, item, records), "text/xml")
            else:
                self._answer(200, json.dumps(records).encode())

        def _split(self):
            parts = urlsplit(self.path)
            path = parts.path.strip("/").removeprefix("open311/v2/")
            resource, _, fmt = path.rpartition(".")
            return resource, fmt, {k: v[0] for k, v in parse_qs(parts.query).items()}

        def do_POST(self):
            resource, fmt, _ = self._split()
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
            if resource != "requests":
                return self._answer(404, b"[]")
            with crm.lock:
                crm.posts += 1
                fault = crm.faults.pop(0) if crm.faults else ""
                crm.seen_keys.append(self.headers.get("Idempotency-Key", ""))
            if form.get("service_code", [""])[0] in crm.unknown_codes:
                return self._answer(400, b'[{"code":400,"description":"unknown service_code"}]')
            if fault == "refuse_body":
                return self._answer(
                    503, b"<html><body>Service Unavailable</body></html>", "text/html"
                )
            if fault == "timeout":
                time.sleep(crm.hang)
                return self._answer(500, b"[]")
            if fault == "slow":
                time.sleep(crm.hang / 5)
            record = crm.create(form)
            if crm.after_create is not None and crm.after_create(record):
                return self._answer(500, b"[]")
            if fault == "500_after":
                return self._answer(500, b'[{"code":500,"description":"database busy"}]')
            if fault == "timeout_after":
                time.sleep(crm.hang)
            if fault == "malformed":
                return self._answer(200, b"<service_requests><request><service_req", "text/xml")
            if fault == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return None
            return self._records(fmt, "service_requests", "request", [record])

        def do_GET(self):
            resource, fmt, query = self._split()
            with crm.lock:
                fault = crm.get_faults.pop(0) if crm.get_faults else ""
            if fault == "500":
                return self._answer(500, b"[]")
            if fault == "html":
                return self._answer(502, b"<html><body>Bad Gateway</body></html>", "text/html")
            if fault == "malformed":
                return self._answer(200, b"<service_request_updates><request_upd", "text/xml")
            if fault == "timeout":
                time.sleep(crm.hang)
            if resource == "requests":
                return self._records(fmt, "service_requests", "request", self._find(query))
            if resource.startswith("tokens/"):
                return self._token(fmt, resource.split("/", 1)[1])
            if resource == "servicerequestupdates":
                return self._records(
                    fmt, "service_request_updates", "request_update", self._updates(query)
                )
            return self._answer(404, b'[{"code":404,"description":"not found"}]')

        def _page(self, records, query):
            size = min(int(query.get("page_size", 50)), 50)  # pages of 50, as Chicago's
            page = int(query.get("page", 1))
            return records[(page - 1) * size : page * size]

        def _find(self, query):
            with crm.lock:
                records = sorted(crm.requests.values(), key=lambda r: r["service_request_id"])
                crm.gets.append(query)
            start = crm.read_time(query.get("start_date"))
            after, before = (None, None)
            if crm.knows_updated_after:
                after = crm.read_time(query.get("updated_after"))
                before = crm.read_time(query.get("updated_before"))
            found = []
            for record in records:
                if start and crm.read_time(record["requested_datetime"]) < start:
                    continue
                updated = crm.read_time(record["updated_datetime"])
                if (after and updated <= after) or (before and updated >= before):
                    continue
                if query.get("service_code") and record["service_code"] != query["service_code"]:
                    continue
                shown = dict(record)
                attributes = shown.pop("attributes")
                if query.get("extensions") == "true":
                    shown["attributes"] = [{"code": k, "value": v} for k, v in attributes.items()]
                found.append(shown)
            return self._page(found, query)

        def _token(self, fmt, token):
            with crm.lock:
                entry = crm.tokens.get(token)
                if entry is None:
                    return self._answer(404, b'[{"code":404,"description":"no such token"}]')
                entry["polls"] += 1
                ready = entry["polls"] > crm.token_polls
            record = {"token": token, "service_request_id": entry["id"] if ready else None}
            return self._records(fmt, "service_requests", "request", [record])

        def _updates(self, query):
            start = crm.read_time(query.get("start_date"))
            end = crm.read_time(query.get("end_date"))
            with crm.lock:
                updates = list(crm.updates)
            found = [
                u
                for u in updates
                if (not start or crm.read_time(u["updated_datetime"]) >= start)
                and (not end or crm.read_time(u["updated_datetime"]) <= end)
            ]
            return self._page(found, query)

    return Handler


class Running:
    """The stand-in listening on a free loopback port until `stop()`."""

    def __init__(self, crm: Crm):
        self.crm = crm
        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(crm))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/open311/v2"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def since(minutes: int) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()


class Canned(Running):
    """A server answering each path with a saved answer: {path: (status, type, body)}."""

    def __init__(self, answers: dict[str, tuple[int, str, bytes]]):
        self.answers = answers
        self.asked: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _serve(self):
                path = urlsplit(self.path).path.removeprefix("/open311/v2/")
                outer.asked.append(f"{self.command} {self.path}")
                status, kind, body = outer.answers.get(path, (404, "text/plain", b"no"))
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _serve

        self.crm = None
        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
