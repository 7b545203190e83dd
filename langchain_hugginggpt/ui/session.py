"""One conversation with the graph, as a stream of UI updates (no web framework here).

`Sessions` bounds the page's conversations:

- expiry: a session idle for longer than `idle_s` is closed at the next visit of any session;
  its upload folder is deleted and its thread dropped from the checkpointer.
- cap: at most `max_sessions` live sessions. A new one evicts the session idle the longest; when
  every session is running a request, the new one is refused with `SessionLimitError` (its
  message is shown in the page) rather than cutting a run short.
- separation: each session's uploads are moved into a folder of its own, named by its
  unguessable id; `files` lists only that folder, and a session built with a run `context`
  runs with that folder as its only upload root, so its requests cannot name another's files.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.types import Command

from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.graph.respond import file_outputs
from langchain_hugginggpt.planning.request import request_with_inputs

__all__ = ["Session", "SessionLimitError", "Sessions", "Update"]

Clock = Callable[[], float]
_SID_RE = re.compile(r"[0-9a-f]{32}")


@dataclass
class Update:
    """What the page shows after an event: plan, task statuses, models, pause, answer, error.

    While the answer is being written, `answer` is its text so far (`done` is still False).
    """

    plan: list[dict[str, Any]] = field(default_factory=list)
    statuses: dict[int, str] = field(default_factory=dict)
    selections: dict[str, dict[str, Any]] = field(default_factory=dict)
    review: dict[str, Any] | None = None
    answer: str | None = None
    files: list[TaskOutput] = field(default_factory=list)
    error: str | None = None
    done: bool = False


class Session:
    """A thread of the graph (it must have a checkpointer): ask, then maybe decide, repeat."""

    def __init__(
        self,
        graph: Any,
        thread_id: str | None = None,
        *,
        uploads: Path | None = None,
        context: Any = None,
    ) -> None:
        """Talk to `graph` in thread `thread_id` (a new one by default).

        Args:
            graph: the compiled graph (with a checkpointer).
            thread_id: the conversation's thread; a new one by default.
            uploads: this session's own upload folder, if it has one.
            context: run settings passed as the graph's `context=` (None: the graph's own);
                with `uploads`, its `input_roots` is narrowed to that folder.
        """
        self.graph = graph
        self.config: dict[str, Any] = {"configurable": {"thread_id": thread_id or uuid.uuid4().hex}}
        self.view = Update()
        self.uploads = uploads
        self.context = context
        if context is not None and uploads is not None:
            # Only the upload root is this session's own; every other setting stays the graph's.
            narrow = getattr(context, "with_overrides", None)
            self.context = (
                narrow(input_roots=str(uploads))
                if callable(narrow)
                else replace(context, input_roots=str(uploads))
            )
        self.busy = False

    def ask(self, text: str, files: Sequence[str] = ()) -> Iterator[Update]:
        """Run a request (with uploaded files named by path); yield after each event."""
        if not text.strip() and not files:
            self.view.error = "Type a request first."
            yield self.view
            return
        request = request_with_inputs(
            text.strip() or "Describe this file.", [Path(f) for f in files]
        )
        self.view = Update()
        yield from self._run({"messages": [HumanMessage(content=request)]})

    def decide(self, decision: Any) -> Iterator[Update]:
        """Resume a run paused for plan approval with the user's decision."""
        self.view.review = None
        yield from self._run(Command(resume=decision))

    def close(self) -> None:
        """Forget the conversation: delete its upload folder and its saved thread."""
        if self.uploads is not None:
            shutil.rmtree(self.uploads, ignore_errors=True)
        delete = getattr(getattr(self.graph, "checkpointer", None), "delete_thread", None)
        if callable(delete):
            with contextlib.suppress(Exception):  # the thread is gone already, or cannot go
                delete(self.config["configurable"]["thread_id"])

    def _run(self, payload: Any) -> Iterator[Update]:
        self.busy = True
        try:
            yield from self._stream(payload)
        finally:
            self.busy = False

    def _stream(self, payload: Any) -> Iterator[Update]:
        view = self.view
        view.error, view.done = None, False
        extra = {} if self.context is None else {"context": self.context}
        streamed = ""
        try:
            for mode, chunk in self.graph.stream(
                payload, self.config, stream_mode=["custom", "values"], **extra
            ):
                if mode == "custom" and isinstance(chunk, dict):
                    if chunk.get("event") == "answer_token":
                        # The answer so far; the final state's answer replaces it at the end.
                        streamed += str(chunk.get("text", ""))
                        view.answer = streamed
                    self._event(chunk)
                    yield view
                elif mode == "values" and isinstance(chunk, dict):
                    self._state(chunk)
            pending = self.graph.get_state(self.config).interrupts
            view.review = pending[0].value if pending else None
        except Exception as exc:  # noqa: BLE001 - shown in the page as a message, not a trace
            view.error = f"{type(exc).__name__}: {exc}"
        view.done = view.review is None
        yield view

    def _event(self, event: dict[str, Any]) -> None:
        view = self.view
        kind = event.get("event")
        if kind == "plan":
            view.plan = event["tasks"]
            view.statuses = {t["id"]: "pending" for t in view.plan}
        elif kind == "selection":
            view.selections[str(event["task_id"])] = event
        elif kind == "task":
            status = event.get("status")
            view.statuses[event["task_id"]] = "running" if status == "start" else str(status)

    def _state(self, state: dict[str, Any]) -> None:
        view = self.view
        if state.get("plan"):
            view.plan = state["plan"]
        for key, sel in (state.get("selections") or {}).items():
            view.selections[key] = {**sel, "candidates": [c["id"] for c in sel["candidates"]]}
        for key, result in (state.get("results") or {}).items():
            view.statuses[int(key)] = result["status"]
        view.files = file_outputs(state.get("results"))
        messages = state.get("messages") or []
        if messages and messages[-1].type == "ai":
            view.answer = messages[-1].text
        if state.get("error"):
            view.error = str(state["error"])


class SessionLimitError(RuntimeError):
    """No session can be opened now: every live session is running a request."""


@dataclass
class _Entry:
    session: Session
    last_used: float


class Sessions:
    """The page's live sessions, bounded in number and idle time, each with its own uploads."""

    def __init__(
        self,
        factory: Callable[[str, Path], Session],
        uploads_root: Path,
        *,
        max_sessions: int = 100,
        idle_s: float = 3600.0,
        clock: Clock = time.monotonic,
    ) -> None:
        """Open sessions with `factory(session_id, upload_folder)`, uploads under `uploads_root`.

        Args:
            factory: builds the session of an id, given its (created) upload folder.
            uploads_root: parent of the sessions' upload folders.
            max_sessions: most live sessions (see the module's docstring for what happens next).
            idle_s: seconds without use after which a session is closed.
            clock: monotonic seconds (tests pass their own).
        """
        if max_sessions < 1 or idle_s <= 0:
            raise ValueError("max_sessions must be at least 1 and idle_s positive")
        self.factory = factory
        self.uploads_root = Path(uploads_root)
        self.max_sessions = max_sessions
        self.idle_s = idle_s
        self.clock = clock
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.RLock()

    def __len__(self) -> int:
        """Return the number of live sessions."""
        return len(self._entries)

    def __contains__(self, sid: object) -> bool:
        """Whether `sid` is a live session (expired ones are not)."""
        with self._lock:
            self.expire()
            return sid in self._entries

    def get(self, sid: str) -> Session:
        """The live session `sid`, opened if new (see `SessionLimitError`); marks it used."""
        with self._lock:
            self.expire()
            entry = self._entries.get(_checked_sid(sid))
            if entry is None:
                self._make_room()
                folder = self.uploads_root / sid
                folder.mkdir(parents=True, exist_ok=True, mode=0o700)
                entry = _Entry(self.factory(sid, folder), self.clock())
                self._entries[sid] = entry
            entry.last_used = self.clock()
            return entry.session

    def find(self, sid: str) -> Session | None:
        """The live session `sid` (marked used), or None when it expired or never was."""
        with self._lock:
            self.expire()
            entry = self._entries.get(sid)
            if entry is not None:
                entry.last_used = self.clock()
            return entry.session if entry else None

    def expire(self) -> list[str]:
        """Close every session idle for longer than `idle_s`; return their ids."""
        with self._lock:
            now = self.clock()
            stale = [
                sid
                for sid, entry in self._entries.items()
                if not entry.session.busy and now - entry.last_used > self.idle_s
            ]
            for sid in stale:
                self._close(sid)
            return stale

    def adopt(self, sid: str, files: Sequence[str]) -> list[str]:
        """Move uploaded files into session `sid`'s own folder; return their new paths.

        A file already in another session's folder is left out: a session cannot take over
        another's uploads by naming them.
        """
        folder = self._folder(sid)
        root = self.uploads_root.resolve()
        moved: list[str] = []
        for name in files:
            source = Path(name).resolve()
            if source.is_relative_to(folder.resolve()):
                moved.append(str(source))
                continue
            if source.is_relative_to(root) or not source.is_file():
                continue
            target = _free_name(folder, source.name)
            shutil.move(str(source), target)
            moved.append(str(target))
        return moved

    def files(self, sid: str) -> list[Path]:
        """The files uploaded by session `sid`, and only those."""
        folder = self._folder(sid)
        return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []

    def close(self, sid: str) -> None:
        """Close session `sid` now, as expiry would."""
        with self._lock:
            if sid in self._entries:
                self._close(sid)

    def _folder(self, sid: str) -> Path:
        with self._lock:
            entry = self._entries.get(_checked_sid(sid))
        if entry is None or entry.session.uploads is None:
            raise KeyError(f"no live session {sid}")
        return entry.session.uploads

    def _make_room(self) -> None:
        if len(self._entries) < self.max_sessions:
            return
        idle = [(e.last_used, sid) for sid, e in self._entries.items() if not e.session.busy]
        if not idle:
            raise SessionLimitError(
                f"The page is serving its limit of {self.max_sessions} conversations and all "
                "are running; try again in a minute."
            )
        self._close(min(idle)[1])

    def _close(self, sid: str) -> None:
        self._entries.pop(sid).session.close()


def _checked_sid(sid: str) -> str:
    """A session id names a folder: only ids as the page makes them (32 hex digits) pass."""
    if not isinstance(sid, str) or not _SID_RE.fullmatch(sid):
        raise ValueError("invalid session id")
    return sid


def _free_name(folder: Path, name: str) -> Path:
    """`folder / name`, or `folder / "k-name"` for the first k not taken yet."""
    target = folder / name
    counter = 1
    while target.exists():
        target = folder / f"{counter}-{name}"
        counter += 1
    return target
