"""Fixtures for catalog tests: a local stand-in for the Hub's `/api/models`, model dirs."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from huggingface_hub import HfApi, constants

from langchain_hugginggpt.catalog.hub import HubListing

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_models(pipeline_tag: str) -> list[dict[str, Any]]:
    """Return the recorded `/api/models` body for `pipeline_tag` (`[]` when none)."""
    path = FIXTURES / f"api-models-{pipeline_tag}.json"
    return json.loads(path.read_text()) if path.exists() else []


@dataclass
class HubState:
    """What one test's slice of the fake Hub answers, and what it was asked."""

    mode: str = "ok"
    """`ok`, `error500`, `error400`, `hang` (hold the request until released) or `gone`."""
    delay_s: float = 0.0
    requests: list[dict[str, list[str]]] = field(default_factory=list)
    hung: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def count(self) -> int:
        """Number of `/api/models` requests received so far."""
        with self.lock:
            return len(self.requests)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    states: dict[str, HubState]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        prefix, _, rest = self.path.lstrip("/").partition("/")
        url = urlsplit("/" + rest)
        state = self.server.states.get(prefix)
        if state is None or url.path != "/api/models":
            self._send(404, {"error": "not found"})
            return
        with state.lock:
            state.requests.append(parse_qs(url.query))
            mode = state.mode
        if mode == "hang":
            state.hung.set()
            state.release.wait()
            mode = state.mode
        if state.delay_s:
            time.sleep(state.delay_s)
        if mode == "ok":
            pipeline_tag = parse_qs(url.query).get("pipeline_tag", [""])[0]
            self._send(200, fixture_models(pipeline_tag))
        elif mode == "error500":
            self._send(500, {"error": "Internal Error - We're working hard to fix this"})
        elif mode == "error400":
            self._send(400, {"error": "Invalid request"})
        else:
            # After its test, a slice answers 404, which huggingface_hub does not retry, so
            # requests left over from a timed-out call end quickly and quietly.
            self._send(404, {"error": "gone"})

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


@pytest.fixture(scope="session")
def hub_server() -> Iterator[_Server]:
    """One loopback HTTP server for the session; each test gets its own URL prefix."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.states = {}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    for state in server.states.values():
        state.mode = "gone"
        state.release.set()
    server.shutdown()
    server.server_close()


_prefixes = itertools.count()


@dataclass
class FakeHub:
    """A test's endpoint on the fake Hub and the state behind it."""

    endpoint: str
    state: HubState

    def api(self) -> HfApi:
        """Return a client whose requests go to this fake Hub."""
        return HfApi(endpoint=self.endpoint, token=False)


@pytest.fixture
def online(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make sure no offline switch, read now or at import, is set for the test."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)


@pytest.fixture
def fake_hub(hub_server: _Server, online: None) -> Iterator[FakeHub]:
    """A fresh slice of the fake Hub (own URL prefix, own request log)."""
    prefix = f"hub{next(_prefixes)}"
    state = HubState()
    hub_server.states[prefix] = state
    host, port = hub_server.server_address[:2]
    yield FakeHub(f"http://{host!s}:{port}/{prefix}", state)
    with state.lock:
        state.mode = "gone"
    state.release.set()


@pytest.fixture
def make_listing(fake_hub: FakeHub, tmp_path: Path) -> Callable[..., HubListing]:
    """Build a `HubListing` on the fake Hub, caching under the test's tmp dir."""

    def make(**kwargs: Any) -> HubListing:
        kwargs.setdefault("cache_dir", tmp_path / "cache")
        kwargs.setdefault("timeout_s", 10.0)
        return HubListing(fake_hub.api(), **kwargs)

    return make


@pytest.fixture
def model_dir(tmp_path: Path) -> Callable[..., Path]:
    """Create a model directory holding the given (empty) files."""

    def make(*files: str, name: str = "my-model") -> Path:
        directory = tmp_path / name
        directory.mkdir()
        for filename in files:
            (directory / filename).write_text("{}")
        return directory

    return make
