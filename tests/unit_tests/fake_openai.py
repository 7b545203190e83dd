"""A loopback server speaking the OpenAI chat-completions protocol, answering from a script."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def _sse_events(content: str, body: dict[str, Any], ident: str) -> list[dict[str, Any]]:
    """A streamed reply's events: the role, one per word, the stop, then usage if asked for."""
    from tests.unit_tests.fakes import word_pieces

    def event(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": 0,
            "model": body.get("model", "m"),
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    events = [event({"role": "assistant", "content": ""})]
    events += [event({"content": piece}) for piece in word_pieces(content)]
    events.append(event({}, "stop"))
    if (body.get("stream_options") or {}).get("include_usage"):
        usage = {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}
        events.append({**event({}), "choices": [], "usage": usage})
    return events


class FakeOpenAIServer:
    """Serves `/v1/chat/completions` with scripted contents; records each request body.

    A request with `"stream": true` is answered as server-sent events, a word per event;
    `on_event(index)` (if given) runs before each event is sent.
    """

    def __init__(
        self,
        replies: list[str],
        *,
        refuse_response_format: bool = False,
        route: Callable[[dict[str, Any]], str] | None = None,
        on_event: Callable[[int], None] | None = None,
    ) -> None:
        """Answer from `replies` in order, or, with `route`, from `route(request body)`."""
        self.replies = list(replies)
        self.on_event = on_event
        self.route = route
        self.refuse_response_format = refuse_response_format
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(
                    {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
                )
                if server.refuse_response_format and "response_format" in body:
                    self.send_response(400)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"error": {"message": "response_format is not supported"}}')
                    return
                if server.route is not None and self.path.endswith("/chat/completions"):
                    server.replies.append(server.route(body))
                if not self.path.endswith("/chat/completions") or not server.replies:
                    self.send_response(404 if server.replies else 500)
                    self.end_headers()
                    self.wfile.write(b'{"error": {"message": "no scripted reply"}}')
                    return
                content = server.replies.pop(0)
                if body.get("stream"):
                    self._stream(_sse_events(content, body, f"chatcmpl-{len(server.requests)}"))
                    return
                payload = {
                    "id": f"chatcmpl-{len(server.requests)}",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body.get("model", "m"),
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": content},
                        }
                    ],
                    "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
                }
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, events: list[dict[str, Any]]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                for index, event in enumerate(events):
                    if server.on_event is not None:
                        server.on_event(index)
                    self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAIServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
