"""A loopback stand-in for the HF Inference API: plays back canned answers, records requests."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Recorded:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    """Header names lower-cased."""
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    """What the server answers on one path."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    hang: bool = False
    """Hold the request without answering until the server closes."""


@dataclass
class _State:
    replies: dict[str, Reply] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    release: threading.Event = field(default_factory=threading.Event)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        state = self.server.state
        with state.lock:
            state.requests.append(
                Recorded("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            reply = state.replies.get(self.path)
        if reply is None:
            reply = Reply(404, json.dumps({"error": f"no route for {self.path}"}).encode())
        if reply.hang:
            state.release.wait(30)
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


class InferenceServer:
    """A server on 127.0.0.1 answering POSTs by path; unknown paths get a JSON 404."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = _State()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def requests(self) -> list[Recorded]:
        with self._server.state.lock:
            return list(self._server.state.requests)

    def reply_json(self, path: str, body: Any, status: int = 200) -> None:
        self.reply(path, Reply(status, json.dumps(body).encode()))

    def reply(self, path: str, reply: Reply) -> None:
        with self._server.state.lock:
            self._server.state.replies[path] = reply

    def close(self) -> None:
        self._server.state.release.set()
        self._server.shutdown()
        self._server.server_close()
