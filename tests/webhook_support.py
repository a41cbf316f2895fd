"""A loopback webhook server (127.0.0.1, never the internet) that records what it is sent.

`Hook` holds what the server answers, in order (the last answer repeats), and the bodies
and paths it got; `serve(hook, path)` runs the server for a `with` block and gives its URL.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Hook:
    """What the server answers, in order (the last answer repeats), and what it got."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, dict[str, str]]] = [(200, {})]
        self.bodies: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.hold = threading.Event()  # while clear, answers wait (to provoke a timeout)
        self.hold.set()


@contextlib.contextmanager
def serve(state: Hook, path: str) -> Iterator[str]:
    """The server, for the block: yields its URL (http://127.0.0.1:PORT + path)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            state.bodies.append(json.loads(self.rfile.read(length)))
            state.paths.append(self.path)
            state.hold.wait(5)
            status, headers = state.answers[min(len(state.bodies), len(state.answers)) - 1]
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{path}"
    finally:
        state.hold.set()
        server.shutdown()
        server.server_close()
