"""The DAG run behind the scheduler: tasks that arrive while it runs, held, retracted, settled."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from langchain_hugginggpt.graph.scheduler import DagRun
from langchain_hugginggpt.plan import PlannedTask

GUARD_S = 10
"""Hang guard only: every wait below is released by an event, not by time."""


def T(i: int, *dep: int, text: str = "x") -> PlannedTask:
    return PlannedTask(i, "summarization", tuple(dep), {"text": text})


class Runner:
    """Runs each task's body on a pool and logs starts, ends and the threads involved."""

    def __init__(self, bodies: dict[Any, Callable[[], dict[str, Any]]] | None = None) -> None:
        self.pool = ThreadPoolExecutor(8)
        self.bodies = bodies or {}
        self.log: list[str] = []
        self.start_threads: dict[int, str] = {}
        self.run_threads: dict[int, str] = {}
        self.lock = threading.Lock()

    def start(self, task: PlannedTask, done: Mapping[int, Any]) -> Future[dict[str, Any]]:
        self.start_threads[task.id] = threading.current_thread().name

        def body() -> dict[str, Any]:
            self.run_threads[task.id] = threading.current_thread().name
            with self.lock:
                self.log.append(f"start {task.id} {task.args['text']}")
            body = self.bodies.get((task.id, task.args["text"])) or self.bodies.get(task.id)
            result = body() if body else {"status": "ok", "text": task.args["text"]}
            with self.lock:
                self.log.append(f"end {task.id} {task.args['text']}")
            return result

        return self.pool.submit(body)


def waits_for(event: threading.Event) -> Callable[[], dict[str, Any]]:
    def body() -> dict[str, Any]:
        assert event.wait(GUARD_S), "hang guard"
        return {"status": "ok"}

    return body


def test_a_task_added_while_the_dag_runs_starts_when_its_dependency_ends() -> None:
    go = threading.Event()
    runner = Runner({1: waits_for(go)})
    dag = DagRun(runner.start, max_concurrency=4)
    dag.add([T(1)])
    dag.add([T(2, 1)])
    dag.close()
    assert runner.log == ["start 1 x"]
    go.set()
    results = dag.wait()
    assert set(results) == {1, 2}
    assert runner.log == ["start 1 x", "end 1 x", "start 2 x", "end 2 x"]


def test_a_dependent_starts_on_the_thread_that_finished_its_dependency() -> None:
    """No scheduling thread in between: one handoff from a task's end to its dependent's start."""
    go = threading.Event()
    runner = Runner({1: waits_for(go)})
    dag = DagRun(runner.start, max_concurrency=4)
    dag.add([T(1), T(2, 1)])
    dag.close()
    go.set()
    dag.wait()
    assert runner.start_threads[2] == runner.run_threads[1]
    assert runner.start_threads[1] == threading.current_thread().name


def test_a_held_task_starts_only_once_released() -> None:
    runner = Runner()
    dag = DagRun(runner.start, max_concurrency=4)
    dag.add([T(1)], held=True)
    dag.add([T(2)])
    assert dag.started(2)
    assert not dag.started(1)
    dag.release([1])
    dag.close()
    assert set(dag.wait()) == {1, 2}


def test_a_retracted_task_keeps_its_slot_until_it_ends_and_its_result_is_dropped() -> None:
    old_may_end = threading.Event()
    runner = Runner({(1, "old"): waits_for(old_may_end)})
    dag = DagRun(runner.start, max_concurrency=1)
    dag.add([T(1, text="old")])
    assert dag.started(1)
    dag.retract([1])
    assert not dag.started(1)
    dag.add([T(1, text="new"), T(2, 1)])
    dag.close()
    assert runner.log == ["start 1 old"]  # the one slot is still taken by the old run
    old_may_end.set()
    results = dag.wait()
    assert results[1] == {"status": "ok", "text": "new"}
    assert runner.log[:3] == ["start 1 old", "end 1 old", "start 1 new"]
    assert runner.log.count("start 2 x") == 1


def test_settle_sees_each_result_first_and_earlier_results_in_the_order_they_finished() -> None:
    first_may_end, second_finished = threading.Event(), threading.Event()
    runner = Runner({1: waits_for(first_may_end)})

    def finished(task: PlannedTask, result: dict[str, Any]) -> None:
        if task.id == 2:
            second_finished.set()

    dag = DagRun(runner.start, max_concurrency=4, on_finish=finished)
    dag.add([T(1), T(2)])
    assert second_finished.wait(GUARD_S)  # 2 has finished before anyone settles
    dag.add([T(3, 1)])
    dag.close()
    settled: list[str] = []

    def settle(task: PlannedTask, result: dict[str, Any]) -> None:
        settled.append(f"settle {task.id}")
        with runner.lock:
            runner.log.append(f"settle {task.id}")
        if task.id == 2:
            first_may_end.set()

    dag.wait(settle)
    assert settled == ["settle 2", "settle 1", "settle 3"]
    assert runner.log.index("settle 1") < runner.log.index("start 3 x")


def test_a_settle_that_fails_fails_the_wait() -> None:
    dag = DagRun(Runner().start, max_concurrency=1)
    dag.add([T(1)])
    dag.close()

    def settle(task: PlannedTask, result: dict[str, Any]) -> None:
        raise RuntimeError("checkpointer down")

    with pytest.raises(RuntimeError, match="checkpointer down"):
        dag.wait(settle)


def test_a_closed_dag_skips_what_can_never_run() -> None:
    dag = DagRun(Runner().start, max_concurrency=2)
    dag.add([T(1), T(2, 9)])
    dag.add([T(3)], held=True)
    dag.close()
    results = dag.wait()
    assert results[1]["status"] == "ok"
    assert results[2] == {"status": "skipped", "error": "its dependencies never finished"}
    assert results[3] == {"status": "skipped", "error": "it was held and never released"}


def test_a_task_added_after_its_dependency_failed_is_skipped_at_once() -> None:
    runner = Runner({1: lambda: {"status": "error", "error": "boom"}})
    dag = DagRun(runner.start, max_concurrency=1)
    dag.add([T(1)])
    dag.add([T(2, 1)])
    dag.close()
    assert dag.wait()[2] == {
        "status": "skipped",
        "error": "dependency task 1 (summarization) failed",
    }
    assert "start 2 x" not in runner.log


def test_a_task_is_added_once_and_never_after_close() -> None:
    dag = DagRun(Runner().start, max_concurrency=1)
    dag.add([T(1)])
    with pytest.raises(ValueError, match="task 1 is already in the DAG"):
        dag.add([T(1)])
    dag.close()
    with pytest.raises(RuntimeError, match="closed"):
        dag.add([T(2)])
    assert set(dag.wait()) == {1}


class _PausingLock:
    """A lock that, once armed, runs `pause` right after its next release (lock free again)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.pause: Callable[[], None] | None = None

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        return self._lock.acquire(blocking, timeout)

    def release(self) -> None:
        self._lock.release()
        pause, self.pause = self.pause, None
        if pause is not None:
            pause()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def test_an_outcome_posted_as_the_bookkeeper_stops_is_not_stranded() -> None:
    """A task finishing just as the thread doing the bookkeeping found nothing left to do.

    That thread's last look and its giving up the bookkeeping must be one step: a completion
    posted between them saw the bookkeeping taken and left its outcome to it, which never came
    (the run waited forever).
    """
    futures = {1: Future[dict[str, Any]](), 2: Future[dict[str, Any]]()}
    dag = DagRun(lambda t, done: futures[t.id], max_concurrency=2)
    lock = _PausingLock()
    dag._lock = lock  # type: ignore[assignment]
    dag._wake = threading.Condition(lock)  # type: ignore[arg-type]
    dag.add([T(1), T(2)])
    dag.close()
    settled = dag._settled

    def last_look() -> bool:
        nothing_left = settled()
        if nothing_left and not dag._finished.is_set():
            # Task 2 finishes on another thread right after this look, lock released.
            lock.pause = lambda: _in_thread(lambda: futures[2].set_result({"status": "ok"}))
        return nothing_left

    dag._settled = last_look  # type: ignore[method-assign]
    futures[1].set_result({"status": "ok"})  # this thread does the bookkeeping of task 1
    waiter = threading.Thread(target=dag.wait, daemon=True)
    waiter.start()
    waiter.join(GUARD_S)
    assert not waiter.is_alive(), "task 2's outcome was stranded: the run never finished"
    assert dict(dag.results) == {1: {"status": "ok"}, 2: {"status": "ok"}}


def _in_thread(fn: Callable[[], None]) -> None:
    thread = threading.Thread(target=fn)
    thread.start()
    thread.join(GUARD_S)
