"""The scheduler turns a `start` that raises, or a future that raises, into that task's error."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future
from typing import Any

import pytest

from langchain_hugginggpt.graph.scheduler import run_dag
from langchain_hugginggpt.plan.types import PlannedTask


def T(i: int, *dep: int) -> PlannedTask:
    return PlannedTask(id=i, task="summarization", dep=tuple(dep), args={})


class Interrupt(Exception):
    """Stands in for a framework's interrupt signal."""


class Aborted(BaseException):
    """A BaseException that is not an Exception."""


def failed(exc: BaseException) -> Future[dict[str, Any]]:
    future: Future[dict[str, Any]] = Future()
    future.set_exception(exc)
    return future


def test_a_start_that_raises_fails_its_task_and_skips_its_dependents_only() -> None:
    def start(t: PlannedTask, done: Mapping[int, Any]) -> Any:
        if t.id == 1:
            raise RuntimeError("no inputs")
        return {"status": "ok"}

    results = run_dag([T(1), T(2, 1), T(3)], start, max_concurrency=1)
    assert results[1] == {"status": "error", "error": "could not start: RuntimeError: no inputs"}
    assert results[2]["status"] == "skipped" and results[3] == {"status": "ok"}


def test_a_future_raising_a_base_exception_fails_its_task_only() -> None:
    def start(t: PlannedTask, done: Mapping[int, Any]) -> Any:
        return failed(Aborted("gone")) if t.id == 1 else {"status": "ok"}

    results = run_dag([T(1), T(2)], start, max_concurrency=1)
    assert results == {1: {"status": "error", "error": "Aborted: gone"}, 2: {"status": "ok"}}


@pytest.mark.parametrize("via", ["start", "future"])
def test_passthrough_exceptions_escape(via: str) -> None:
    def start(t: PlannedTask, done: Mapping[int, Any]) -> Any:
        if via == "start":
            raise Interrupt("pause")
        return failed(Interrupt("pause"))

    with pytest.raises(Interrupt):
        run_dag([T(1)], start, max_concurrency=1, passthrough=(Interrupt,))


def test_keyboard_interrupt_from_start_is_not_swallowed() -> None:
    def start(t: PlannedTask, done: Mapping[int, Any]) -> Any:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_dag([T(1)], start, max_concurrency=1)
