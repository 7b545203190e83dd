"""The process's worker pool: a job started by a finishing job's callback runs next on its thread.

Events order the threads; `GUARD_S` is only a hang guard. No test asserts how long anything
took.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Mapping
from concurrent.futures import Future, wait
from typing import Any

import pytest

from langchain_hugginggpt.graph.scheduler import DagRun
from langchain_hugginggpt.graph.workers import submit
from langchain_hugginggpt.plan.types import PlannedTask

GUARD_S = 20.0

VALUE: contextvars.ContextVar[str] = contextvars.ContextVar("value", default="unset")


def here() -> int:
    return threading.get_ident()


def ctx() -> contextvars.Context:
    return contextvars.copy_context()


class Aborted(BaseException):
    """A BaseException that is not an Exception."""


@pytest.fixture(autouse=True)
def idle_workers() -> None:
    """At least four idle workers, so a job sent to the pool could run on another thread."""
    together = threading.Barrier(4)
    jobs = [submit(ctx(), together.wait, GUARD_S) for _ in range(4)]
    for job in jobs:
        job.result(GUARD_S)


def test_the_first_job_a_done_callback_submits_runs_next_on_that_worker() -> None:
    go, second_started, returned = threading.Event(), threading.Event(), threading.Event()
    later: list[Future[tuple[int, bool]]] = []

    def block() -> int:
        go.wait(GUARD_S)  # its callback is added before it finishes, so its worker runs it
        return here()

    def first_kept() -> tuple[int, bool]:
        # The second job is not queued behind this one on this worker: it runs meanwhile.
        assert second_started.wait(GUARD_S)
        return here(), returned.is_set()

    def second() -> tuple[int, bool]:
        seen = returned.is_set()
        second_started.set()
        return here(), seen

    def chain(f: Future[int]) -> None:
        later.append(submit(ctx(), first_kept))  # runs next on this worker
        later.append(submit(ctx(), second))  # goes to the pool
        # Time for an idle worker to take the first job, were it queued (it must not be).
        second_started.wait(GUARD_S)
        returned.set()

    head = submit(ctx(), block)
    head.add_done_callback(chain)
    go.set()
    worker = head.result(GUARD_S)
    assert returned.wait(GUARD_S)  # `result` may return before the callbacks ran
    assert worker != here()
    assert later[0].result(GUARD_S) == (worker, True)  # on this worker, once callbacks returned
    other, callbacks_returned = later[1].result(GUARD_S)
    assert other != worker and not callbacks_returned  # on another worker, meanwhile


def test_a_chain_started_from_callbacks_runs_on_one_worker() -> None:
    go = threading.Event()
    threads: list[int] = []
    finished = threading.Event()

    def step(n: int) -> int:
        threads.append(here())
        return n

    def then(f: Future[int]) -> None:
        n = f.result()
        if n == 5:
            finished.set()
            return
        submit(ctx(), step, n + 1).add_done_callback(then)

    def first() -> int:
        go.wait(GUARD_S)  # its callback is added before it finishes, so the worker runs it
        return step(0)

    head = submit(ctx(), first)
    head.add_done_callback(then)
    go.set()
    assert finished.wait(GUARD_S)
    assert len(threads) == 6 and len(set(threads)) == 1 and threads[0] != here()


def test_a_job_waiting_inside_its_body_for_a_job_it_submits_does_not_deadlock() -> None:
    def outer() -> str:
        return submit(ctx(), lambda: "inner").result(GUARD_S)

    assert submit(ctx(), outer).result(GUARD_S) == "inner"


def test_a_job_kept_for_next_and_cancelled_before_it_runs_never_runs() -> None:
    go, cancelled = threading.Event(), threading.Event()
    ran: list[str] = []
    kept: list[Future[None]] = []

    def block() -> None:
        go.wait(GUARD_S)

    def keep_then_cancel(f: Future[None]) -> None:
        job = submit(ctx(), lambda: ran.append("kept"))
        job.cancel()  # not started yet: it would run only after this callback returns
        kept.append(job)
        cancelled.set()

    head = submit(ctx(), block)
    head.add_done_callback(keep_then_cancel)
    go.set()
    assert cancelled.wait(GUARD_S)
    # `wait` counts a cancelled future only once the worker that holds it has passed it over.
    done, _ = wait(kept, timeout=GUARD_S)
    assert done == set(kept) and kept[0].cancelled() and ran == []
    assert submit(ctx(), lambda: "the pool goes on").result(GUARD_S) == "the pool goes on"


@pytest.mark.parametrize("error", [RuntimeError("boom"), Aborted("gone"), KeyboardInterrupt()])
def test_what_a_job_raises_is_its_futures_exception_and_the_worker_goes_on(
    error: BaseException,
) -> None:
    def fail() -> None:
        raise error

    failed = submit(ctx(), fail)
    with pytest.raises(type(error)):
        failed.result(GUARD_S)
    assert submit(ctx(), lambda: "next").result(GUARD_S) == "next"


def test_a_raising_done_callback_does_not_lose_the_job_kept_for_next() -> None:
    go, submitted = threading.Event(), threading.Event()
    kept: list[Future[str]] = []

    def block() -> None:
        go.wait(GUARD_S)

    def start_next(f: Future[None]) -> None:
        kept.append(submit(ctx(), lambda: "ran"))
        submitted.set()

    def broken(f: Future[None]) -> None:
        raise RuntimeError("a callback bug")

    head = submit(ctx(), block)
    head.add_done_callback(start_next)
    head.add_done_callback(broken)  # logged by the future, not raised into the worker
    go.set()
    assert submitted.wait(GUARD_S)
    assert kept[0].result(GUARD_S) == "ran"


def test_a_job_runs_in_a_copy_of_the_given_context() -> None:
    VALUE.set("the node's")
    context = ctx()

    def read_and_write() -> str:
        seen = VALUE.get()
        VALUE.set("the job's")
        return seen

    assert submit(context, read_and_write).result(GUARD_S) == "the node's"
    assert context.run(VALUE.get) == "the node's"  # the job's change stayed in its copy


def T(i: int, *dep: int) -> PlannedTask:
    return PlannedTask(id=i, task="summarization", dep=tuple(dep), args={})


def test_a_dag_chain_runs_each_task_on_the_worker_that_finished_its_dependency() -> None:
    go = threading.Event()
    threads: dict[int, int] = {}

    def job(task_id: int) -> dict[str, Any]:
        if task_id == 1:
            go.wait(GUARD_S)  # finishes after the scheduler added its callback
        threads[task_id] = here()
        return {"status": "ok"}

    def start(t: PlannedTask, done: Mapping[int, Any]) -> Future[dict[str, Any]]:
        return submit(ctx(), job, t.id)

    dag = DagRun(start, max_concurrency=2)
    dag.add([T(1), T(2, 1), T(3, 2), T(4, 3)])  # starts task 1
    dag.close()
    go.set()
    results = dag.wait()
    assert all(r["status"] == "ok" for r in results.values())
    # Each dependent was started by the callback of the task before it, on that task's worker,
    # and ran there next: the whole chain on one thread, none on the caller's.
    assert len(set(threads.values())) == 1 and threads[1] != here()
