"""A stand-in for a map app's short-link service on loopback: each path redirects where it
is told (per method, as some refuse HEAD), or answers a status, or hangs."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ShortLinks:
    def __init__(self):
        # path → (status, Location) for every method, or {method: (status, Location)};
        # a status of None hangs for `hang` seconds.
        self.routes: dict[str, object] = {}
        self.asked: list[str] = []  # "HEAD /path", in order
        self.hang = 1.0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        links = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _serve(self):
                links.asked.append(f"{self.command} {self.path}")
                route = links.routes.get(self.path, (404, None))
                if isinstance(route, dict):
                    route = route.get(self.command, (405, None))
                status, location = route
                if status is None:
                    time.sleep(links.hang)
                    status = 404
                body = b"" if self.command == "HEAD" else b"<html><body>Moved</body></html>"
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_HEAD = _serve

        return Handler
