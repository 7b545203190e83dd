import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from langchain_hugginggpt.graph.scheduler import run_dag
from langchain_hugginggpt.plan import PlannedTask


def T(i: int, *dep: int) -> PlannedTask:
    return PlannedTask(i, "summarization", tuple(dep), {"text": "x"})


class Runner:
    """Starts tasks on a thread pool; each task's body is given per id."""

    def __init__(self, bodies: dict[int, Any] | None = None) -> None:
        self.pool = ThreadPoolExecutor(8)
        self.bodies = bodies or {}
        self.events: list[tuple[str, int, float]] = []
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0

    def start(self, task: PlannedTask, done: Any) -> Future:
        def body() -> dict:
            with self.lock:
                self.events.append(("start", task.id, time.monotonic()))
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                result = self.bodies.get(task.id, lambda: {"status": "ok"})()
            finally:
                with self.lock:
                    self.in_flight -= 1
                    self.events.append(("end", task.id, time.monotonic()))
            return result

        return self.pool.submit(body)

    def at(self, kind: str, task_id: int) -> float:
        return next(t for k, i, t in self.events if k == kind and i == task_id)


def test_independent_tasks_overlap() -> None:
    barrier = threading.Barrier(2, timeout=5)

    def meet() -> dict:
        barrier.wait()  # raises BrokenBarrierError unless both run at the same time
        time.sleep(0.05)
        return {"status": "ok"}

    runner = Runner({1: meet, 2: meet})
    results = run_dag([T(1), T(2)], runner.start, max_concurrency=4)
    assert results == {1: {"status": "ok"}, 2: {"status": "ok"}}
    assert runner.at("start", 2) < runner.at("end", 1) and runner.at("start", 1) < runner.at(
        "end", 2
    )


def test_dependent_starts_when_its_dependency_ends_not_when_the_wave_ends() -> None:
    b_started, c_started = threading.Event(), threading.Event()

    def a() -> dict:
        assert c_started.wait(timeout=5), "C did not start while A was running"
        return {"status": "ok"}

    def slow_c() -> dict:
        c_started.set()
        # C only finishes once B has started: a level-by-level scheduler would deadlock here.
        assert b_started.wait(timeout=5), "B did not start while C was running"
        return {"status": "ok"}

    def b() -> dict:
        b_started.set()
        return {"status": "ok"}

    runner = Runner({1: a, 2: b, 3: slow_c})
    results = run_dag([T(1), T(2, 1), T(3)], runner.start, max_concurrency=4)
    assert {k: v["status"] for k, v in results.items()} == {1: "ok", 2: "ok", 3: "ok"}
    assert runner.at("start", 3) < runner.at("end", 1)  # C ran alongside A
    assert runner.at("start", 2) >= runner.at("end", 1)  # B waited for A only
    assert runner.at("start", 2) < runner.at("end", 3)  # ... and not for C


def test_concurrency_limit_is_respected() -> None:
    def work() -> dict:
        time.sleep(0.05)
        return {"status": "ok"}

    runner = Runner(dict.fromkeys(range(1, 7), work))
    run_dag([T(i) for i in range(1, 7)], runner.start, max_concurrency=2)
    assert runner.max_in_flight == 2


def test_failure_skips_dependents_transitively_but_not_siblings() -> None:
    runner = Runner({1: lambda: {"status": "error", "error": "boom"}})
    seen: list[tuple[int, str]] = []
    results = run_dag(
        [T(1), T(2, 1), T(3, 2), T(4)],
        runner.start,
        max_concurrency=2,
        on_finish=lambda t, r: seen.append((t.id, r["status"])),
    )
    assert results[2] == {"status": "skipped", "error": "dependency task 1 (summarization) failed"}
    assert results[3] == {
        "status": "skipped",
        "error": "dependency task 2 (summarization) was skipped",
    }
    assert results[4]["status"] == "ok"
    assert {i for i, _ in seen} == {1, 2, 3, 4}
    assert [i for k, i, _ in runner.events if k == "start"].count(2) == 0  # never started


def test_task_that_raises_becomes_an_error_result() -> None:
    def crash() -> dict:
        raise RuntimeError("engine exploded")

    results = run_dag([T(1), T(2, 1)], Runner({1: crash}).start, max_concurrency=1)
    assert results[1] == {"status": "error", "error": "RuntimeError: engine exploded"}
    assert results[2]["status"] == "skipped"


def test_start_may_return_a_result_at_once() -> None:
    def start(task: PlannedTask, done: Any) -> Any:
        return {"status": "error", "error": "no model"} if task.id == 1 else {"status": "ok"}

    results = run_dag([T(1), T(2, 1), T(3)], start, max_concurrency=1)
    assert [results[i]["status"] for i in (1, 2, 3)] == ["error", "skipped", "ok"]


def test_results_of_dependencies_are_visible_to_start() -> None:
    seen: dict[int, list[int]] = {}

    def start(task: PlannedTask, done: Any) -> Any:
        seen[task.id] = sorted(done)
        return {"status": "ok"}

    run_dag([T(1), T(2), T(3, 1, 2)], start, max_concurrency=1)
    assert set(seen[3]) >= {1, 2}


def test_invalid_concurrency() -> None:
    with pytest.raises(ValueError, match="max_concurrency must be at least 1"):
        run_dag([T(1)], Runner().start, max_concurrency=0)
