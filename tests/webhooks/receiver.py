"""A stand-in for an integrator's endpoint on loopback: it verifies each delivery's
signature as docs/webhooks.md tells integrators to, drops replays by their delivery id,
and answers with the statuses it is told to (then 200)."""

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300


def verify(secret: str, header: str, body: bytes, now: float | None = None) -> bool:
    """The docs' verifier: the signed time is recent and the HMAC matches."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        signed_at = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - signed_at) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(
        secret.encode(), f"{signed_at}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


class Receiver:
    def __init__(self):
        self.secret = ""
        self.statuses: list[int] = []  # what the next calls answer, popped; then 200
        self.calls: list[dict] = []  # every call: headers, body, verified
        self.accepted: list[dict] = []  # the payloads taken, once per delivery id
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def _take(self, headers, body: bytes) -> int:
        with self.lock:
            ok = verify(self.secret, headers.get("Fixboard-Signature", ""), body)
            self.calls.append({"headers": dict(headers), "body": body, "verified": ok})
            if not ok:
                return 400
            status = self.statuses.pop(0) if self.statuses else 200
            seen = {p["id"] for p in self.accepted}
            payload = json.loads(body)
            if status == 200 and headers["Fixboard-Delivery"] not in seen:
                self.accepted.append(payload)
            return status

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver._take(self.headers, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        return Handler
