"""The page's sessions are bounded: expiry, a cap, and uploads kept apart (an injected clock)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from langchain_hugginggpt import Catalog, Context, create_hugginggpt_graph
from langchain_hugginggpt.ui.app import page_sessions
from langchain_hugginggpt.ui.session import Session, SessionLimitError, Sessions
from tests.unit_tests.fakes import RecordingEngine, ScriptedChatModel, cards


class Clock:
    """Seconds that pass only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Checkpointer:
    """Records the threads deleted."""

    def __init__(self) -> None:
        self.deleted: list[str] = []

    def delete_thread(self, thread_id: str) -> None:
        self.deleted.append(thread_id)


class FakeGraph:
    """Stands in for the compiled graph where only the session bookkeeping is tested."""

    def __init__(self) -> None:
        self.checkpointer = Checkpointer()


def sid() -> str:
    return uuid.uuid4().hex


def store(tmp_path: Path, clock: Clock, **kwargs: Any) -> Sessions:
    graph = FakeGraph()
    return Sessions(
        lambda s, folder: Session(graph, s, uploads=folder),
        tmp_path / "uploads",
        clock=clock,
        **kwargs,
    )


def upload(tmp_path: Path, name: str, data: bytes = b"x") -> str:
    """A file as Gradio leaves it in its own cache, before the session adopts it."""
    folder = tmp_path / "gradio" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    (folder / name).write_bytes(data)
    return str(folder / name)


def test_idle_sessions_expire_and_their_uploads_are_deleted(tmp_path: Path) -> None:
    clock = Clock()
    sessions = store(tmp_path, clock, idle_s=60)
    a, b = sid(), sid()
    sessions.get(a)
    (kept,) = sessions.adopt(a, [upload(tmp_path, "cat.png")])
    clock.now += 50
    sessions.get(b)
    clock.now += 20  # a idle 70 s, b idle 20 s
    assert a not in sessions and b in sessions
    assert not Path(kept).exists() and not (tmp_path / "uploads" / a).exists()
    assert sessions.find(a) is None
    clock.now += 61
    assert sessions.expire() == [b] and len(sessions) == 0


def test_use_keeps_a_session_alive_and_a_running_one_never_expires(tmp_path: Path) -> None:
    clock = Clock()
    sessions = store(tmp_path, clock, idle_s=60)
    a, b = sid(), sid()
    sessions.get(a)
    sessions.get(b).busy = True  # in the middle of a run
    for _ in range(3):
        clock.now += 40
        assert sessions.find(a) is not None
    assert b in sessions
    sessions.find(b).busy = False  # type: ignore[union-attr]
    clock.now += 61
    assert b not in sessions


def test_expired_session_loses_its_thread(tmp_path: Path) -> None:
    clock = Clock()
    graph = FakeGraph()
    sessions = Sessions(
        lambda s, folder: Session(graph, s, uploads=folder), tmp_path, idle_s=1, clock=clock
    )
    a = sid()
    sessions.get(a)
    clock.now += 2
    sessions.expire()
    assert graph.checkpointer.deleted == [a]


def test_cap_evicts_the_session_idle_longest(tmp_path: Path) -> None:
    clock = Clock()
    sessions = store(tmp_path, clock, max_sessions=2, idle_s=3600)
    a, b, c = sid(), sid(), sid()
    sessions.get(a)
    clock.now += 1
    sessions.get(b)
    clock.now += 1
    sessions.get(a)  # now b is the one idle longest
    clock.now += 1
    sessions.get(c)
    assert a in sessions and c in sessions and b not in sessions
    assert len(sessions) == 2 and not (tmp_path / "uploads" / b).exists()


def test_cap_refuses_a_new_session_when_all_are_running(tmp_path: Path) -> None:
    clock = Clock()
    sessions = store(tmp_path, clock, max_sessions=2)
    a, b = sid(), sid()
    sessions.get(a).busy = True
    sessions.get(b).busy = True
    with pytest.raises(SessionLimitError, match="limit of 2 conversations"):
        sessions.get(sid())
    assert a in sessions and b in sessions
    sessions.find(a).busy = False  # type: ignore[union-attr]
    sessions.get(sid())
    assert a not in sessions and b in sessions


def test_uploads_are_kept_apart(tmp_path: Path) -> None:
    clock = Clock()
    sessions = store(tmp_path, clock)
    a, b = sid(), sid()
    sessions.get(a)
    sessions.get(b)
    (mine,) = sessions.adopt(a, [upload(tmp_path, "cat.png", b"a's cat")])
    (theirs,) = sessions.adopt(b, [upload(tmp_path, "cat.png", b"b's cat")])
    assert Path(mine).parent == tmp_path / "uploads" / a
    assert Path(theirs).parent == tmp_path / "uploads" / b
    assert Path(mine).read_bytes() == b"a's cat" and Path(theirs).read_bytes() == b"b's cat"
    assert sessions.files(a) == [Path(mine)] and sessions.files(b) == [Path(theirs)]
    # Naming another session's upload does not take it over.
    assert sessions.adopt(a, [theirs]) == []
    assert sessions.files(a) == [Path(mine)] and Path(theirs).exists()
    # The same name twice in one session: both kept.
    sessions.adopt(a, [upload(tmp_path, "cat.png", b"again")])
    assert len(sessions.files(a)) == 2


@pytest.mark.parametrize("bad", ["../etc", "", "x" * 32, "A" * 32, "/tmp", "0" * 31])
def test_session_ids_cannot_name_other_folders(tmp_path: Path, bad: str) -> None:
    sessions = store(tmp_path, Clock())
    with pytest.raises(ValueError, match="invalid session id"):
        sessions.get(bad)
    with pytest.raises(ValueError):
        sessions.files(bad)


def _graph(tmp_path: Path, llm: Any, engine: RecordingEngine) -> Any:
    catalog = Catalog(cards=[*cards("image-to-text", "cap/a")])
    return create_hugginggpt_graph(
        llm,
        catalog=catalog,
        engines=[engine],
        checkpointer=InMemorySaver(),
        artifacts_dir=tmp_path / "runs",
        controller_tasks="",
        planner="free",
        input_roots=str(tmp_path / "uploads"),
    )


def _caption(path: str) -> str:
    task = {"id": 1, "task": "image-to-text", "dep": [], "args": {"image": path}}
    return json.dumps({"tasks": [task]})


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_a_session_runs_with_only_its_own_uploads_readable(tmp_path: Path) -> None:
    a, b = sid(), sid()
    paths: dict[str, str] = {}
    llm = ScriptedChatModel(
        script=[
            lambda _: _caption(paths["theirs"]),
            "No.",
            lambda _: _caption(paths["mine"]),
            "A pixel.",
        ]
    )
    engine = RecordingEngine()
    sessions = page_sessions(
        _graph(tmp_path, llm, engine),  # its own input_roots allow every upload
        context=Context(controller_tasks="", planner="free"),
        uploads_root=tmp_path / "uploads",
    )
    sessions.get(b)
    (paths["theirs"],) = sessions.adopt(b, [upload(tmp_path, "secret.png", PNG)])
    session = sessions.get(a)
    (paths["mine"],) = sessions.adopt(a, [upload(tmp_path, "mine.png", PNG)])
    *_, view = session.ask("what is in the other session's picture?")
    assert view.statuses == {1: "error"} and not engine.calls
    results = session.graph.get_state(session.config).values["results"]
    assert "outside the allowed folders" in results["1"]["error"]
    *_, view = session.ask("what is in my picture?", [paths["mine"]])
    assert view.statuses == {1: "ok"} and engine.calls[0].inputs["image"] == paths["mine"]
    sessions.close(a)  # as expiry does: the thread and the uploads go
    assert not session.graph.get_state(session.config).values
    assert not Path(paths["mine"]).exists() and Path(paths["theirs"]).exists()


def test_a_session_narrows_only_its_upload_root(tmp_path: Path) -> None:
    """As `hugginggpt ui` builds them: every setting but the upload root stays the graph's."""
    sessions = page_sessions(object(), context=Context(), uploads_root=tmp_path / "uploads")
    session = sessions.get(sid())
    assert session.context.explicit_fields == {"input_roots"}
    assert session.context.input_roots == str(session.uploads)
