"""The threads that run tasks: one pool for the whole process, its threads reused by every run.

LangGraph's `@task` runs on an executor that each invocation creates afresh, so every run
started its task threads anew, one after another, on the thread that schedules: measured here,
each `@task` call cost that thread about 0.8 ms, so the last task of a 32-wide layer started
30 to 70 ms after the first. Threads kept for the process start nothing per run, and a
submission costs about 60 us. Each job runs in a copy of the context it is given, so LangGraph's
stream writer and run configuration (and so the `custom` events and the callbacks of LLM calls
inside a task) are the submitting node's.

A job's future is resolved on the worker that ran it, which runs its done callbacks there (the
scheduler's, which start the tasks that became ready). The first job such a callback submits
is not queued for another worker: it runs next on this one, once the callbacks have returned.
A dependent in a chain so starts with no thread hand-off at all (the hand-off to an idle worker
cost ~0.3 ms, several ms when the other core was asleep or busy); the other jobs submitted
there go to the pool as usual, so a layer still fans out. A done callback must therefore not
wait for a job it submits (the scheduler's `start` never waits).
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar, cast

__all__ = ["MAX_TASK_THREADS", "submit"]

MAX_TASK_THREADS = 256
"""Threads the pool may start, for all runs together; a run's `max_concurrency` is its own cap."""

_POOL = ThreadPoolExecutor(max_workers=MAX_TASK_THREADS, thread_name_prefix="hugginggpt-task")

T = TypeVar("T")


class _Local(threading.local):
    follow: list[_Job[Any]] | None = None
    """While this worker runs a finished job's done callbacks: the job to run next, if any."""


_LOCAL = _Local()


def submit(context: contextvars.Context, fn: Callable[..., T], *args: Any) -> Future[T]:
    """Run `fn(*args)` on the pool, inside a copy of `context`.

    Called from a done callback of a job finishing on this worker, the first such submission
    runs next on this worker (see the module docstring).
    """
    job = _Job(context.copy(), fn, args)
    follow = _LOCAL.follow
    if follow is not None and not follow:
        follow.append(job)
    else:
        _POOL.submit(_run, job)
    return job.future


def _run(job: _Job[Any] | None) -> None:
    """Run `job`, then each job its done callbacks chose to run next here."""
    while job is not None:
        job = job.run()


class _Job(Generic[T]):
    """`fn(*args)` in `context`, its outcome set on `future`."""

    __slots__ = ("args", "context", "fn", "future")

    def __init__(
        self, context: contextvars.Context, fn: Callable[..., T], args: tuple[Any, ...]
    ) -> None:
        self.context = context
        self.fn = fn
        self.args = args
        self.future: Future[T] = Future()

    def run(self) -> _Job[Any] | None:
        """Run the job and resolve its future; the job to run next on this worker, if any.

        Never raises: what `fn` raises, `BaseException`s included, is the future's exception
        (as in `ThreadPoolExecutor`), and a done callback that raises is logged by the future.
        """
        if not self.future.set_running_or_notify_cancel():
            return None
        error: BaseException | None = None
        value: T | None = None
        try:
            value = self.context.run(self.fn, *self.args)
        except BaseException as exc:  # noqa: BLE001 - the future's exception, as in the pool
            error = exc
        follow: list[_Job[Any]] = []
        _LOCAL.follow = follow
        try:
            if error is not None:
                self.future.set_exception(error)
            else:
                self.future.set_result(cast(T, value))
        finally:
            _LOCAL.follow = None
        return follow[0] if follow else None
