"""The engine threads of the ladder: reused after an answer or an error, never after a timeout.

Events order the threads; the short timeouts are the behaviour under test and `GUARD_S` only a
hang guard. No test asserts how long anything took.
"""

from __future__ import annotations

import contextvars
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from langchain_hugginggpt.engines.base import EngineRequest, Engines
from langchain_hugginggpt.engines.ladder import (
    EngineAbortError,
    TaskTimeoutError,
    _Runner,
    _with_timeout,
    run_ladder,
)
from langchain_hugginggpt.tasks import TASKS
from tests.unit_tests.engines.test_timeouts import request as summary_request
from tests.unit_tests.fakes import LoadingEngine, cards

GUARD_S = 20.0
"""Only a hang guard: nothing here should ever wait this long."""

ASKED: contextvars.ContextVar[str] = contextvars.ContextVar("asked", default="unset")


def ladder(engine: LoadingEngine, tmp_path: Path, *models: str, timeout_s: float = GUARD_S) -> Any:
    return run_ladder(
        TASKS["summarization"],
        cards("summarization", *models),
        {"text": "some text"},
        engines=Engines([engine]),
        mode="local",
        run_dir=tmp_path,
        timeout_s=timeout_s,
    )


def request(tmp_path: Path) -> EngineRequest:
    return summary_request("sum/a", tmp_path)


def parked(ident: int | None) -> bool:
    with _Runner.lock:
        return any(r.thread.ident == ident for r in _Runner.idle)


def recorder(threads: dict[str, threading.Thread]) -> Any:
    def action(r: EngineRequest) -> None:
        threads[r.model.id] = threading.current_thread()

    return action


def test_an_engine_runs_off_the_callers_thread_which_is_parked_after(tmp_path: Path) -> None:
    threads: dict[str, threading.Thread] = {}
    engine = LoadingEngine(on_run={"sum/a": recorder(threads)})
    result = ladder(engine, tmp_path, "sum/a")
    assert result["status"] == "ok"
    assert threads["sum/a"] is not threading.current_thread()
    assert parked(threads["sum/a"].ident)  # ready for the next call, not ended


@pytest.mark.parametrize(
    ("error", "reported"),
    [
        (RuntimeError("boom"), "RuntimeError: boom"),
        (SystemExit(3), "EngineAbortError: the engine raised SystemExit: 3"),
    ],
)
def test_an_engine_thread_survives_what_the_engine_raises(
    error: BaseException, reported: str, tmp_path: Path
) -> None:
    threads: dict[str, threading.Thread] = {}

    def fail(r: EngineRequest) -> None:
        threads[r.model.id] = threading.current_thread()
        raise error

    engine = LoadingEngine(on_run={"sum/a": fail})
    result = ladder(engine, tmp_path, "sum/a", "sum/b")
    assert (result["status"], result["model"]) == ("ok", "sum/b")
    assert result["attempts"][0]["error"] == reported
    assert threads["sum/a"].is_alive() and parked(threads["sum/a"].ident)


def test_an_abandoned_thread_is_never_reused_and_ends_with_its_call(
    release: threading.Event, tmp_path: Path
) -> None:
    entered = threading.Event()
    threads: dict[str, threading.Thread] = {}
    record = recorder(threads)

    def hang(r: EngineRequest) -> None:
        record(r)
        entered.set()
        release.wait(GUARD_S)

    engine = LoadingEngine(on_run={"sum/a": hang, "sum/b": record})
    result = ladder(engine, tmp_path, "sum/a", "sum/b", timeout_s=0.2)
    assert (result["status"], result["model"]) == ("ok", "sum/b")
    assert result["attempts"][0]["error"] == "TaskTimeoutError: sum/a timed out after 0.2 s"
    hung = threads["sum/a"]
    assert entered.is_set() and hung.is_alive() and hung.name.endswith("sum/a (abandoned)")
    assert threads["sum/b"] is not hung and not parked(hung.ident)

    release.set()
    hung.join(GUARD_S)
    assert not hung.is_alive() and not parked(hung.ident)  # its late result was dropped


def test_each_call_runs_in_an_empty_context(tmp_path: Path) -> None:
    seen: list[str] = []

    def look(_: EngineRequest) -> None:
        seen.append(ASKED.get())
        ASKED.set("set by the engine")

    ASKED.set("set by the caller")
    for _ in range(2):
        _with_timeout(lambda r: look(r) or {"type": "text", "text": "x"}, request(tmp_path), 5.0)
    assert seen == ["unset", "unset"]  # neither the caller's value nor the last call's
    assert ASKED.get() == "set by the caller"


def test_a_base_exception_is_raised_as_engine_abort(tmp_path: Path) -> None:
    def stop(_: EngineRequest) -> Any:
        raise GeneratorExit("closed")

    with pytest.raises(EngineAbortError, match="the engine raised GeneratorExit: closed") as info:
        _with_timeout(stop, request(tmp_path), GUARD_S)
    assert isinstance(info.value.__cause__, GeneratorExit)


@pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(), reason="needs the main thread"
)
def test_ctrl_c_while_waiting_escapes_and_abandons_the_call(
    release: threading.Event, tmp_path: Path
) -> None:
    entered = threading.Event()
    threads: dict[str, threading.Thread] = {}

    def hang(r: EngineRequest) -> Any:
        threads["engine"] = threading.current_thread()
        entered.set()
        release.wait(GUARD_S)
        return {"type": "text", "text": "late"}

    interrupted = threading.Event()

    def interrupt() -> None:
        # Again until it lands: one sent just before the wait began would only be seen after it.
        if not entered.wait(GUARD_S):
            return
        while not interrupted.is_set():
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
            interrupted.wait(0.05)

    def on_sigint(*_: Any) -> None:
        if not interrupted.is_set():  # the first only: the others may land after `raises`
            interrupted.set()
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_sigint)
    interrupter = threading.Thread(target=interrupt, daemon=True)
    try:
        interrupter.start()
        with pytest.raises(KeyboardInterrupt):
            _with_timeout(hang, request(tmp_path), GUARD_S)
    finally:
        interrupted.set()
        interrupter.join(GUARD_S)
        signal.signal(signal.SIGINT, previous)
    # The user's Ctrl-C is not an attempt error: it escapes; the call it interrupted is given up.
    hung = threads["engine"]
    assert hung.name.endswith("(abandoned)") and not parked(hung.ident)
    release.set()
    hung.join(GUARD_S)
    assert not hung.is_alive()


def test_a_timeout_is_raised_while_the_call_still_runs(
    release: threading.Event, tmp_path: Path
) -> None:
    threads: dict[str, threading.Thread] = {}

    def hang(_: EngineRequest) -> Any:
        threads["engine"] = threading.current_thread()
        release.wait(GUARD_S)

    with pytest.raises(TaskTimeoutError, match=r"sum/a timed out after 0\.05 s"):
        _with_timeout(hang, request(tmp_path), 0.05)
    hung = threads["engine"]
    assert hung.is_alive() and hung.name == "engine-summarization-sum/a (abandoned)"


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin", reason="needs fork")
def test_a_forked_child_starts_its_own_engine_threads(tmp_path: Path) -> None:
    engine = LoadingEngine()
    assert ladder(engine, tmp_path, "sum/a")["status"] == "ok"  # the parent has a parked one
    with _Runner.lock:
        assert _Runner.idle
    pid = os.fork()
    if pid == 0:  # the child: the parent's parked threads do not exist here
        try:
            result = ladder(LoadingEngine(), tmp_path, "sum/a", timeout_s=GUARD_S / 2)
            os._exit(0 if result["status"] == "ok" else 1)
        finally:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
