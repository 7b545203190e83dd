"""The threads that run tasks: one pool for the whole process, its threads reused by every run.

LangGraph's `@task` runs on an executor that each invocation creates afresh, so every run
started its task threads anew, one after another, on the thread that schedules: measured here,
each `@task` call cost that thread about 0.8 ms, so the last task of a 32-wide layer started
30 to 70 ms after the first. Threads kept for the process start nothing per run, and a
submission costs about 60 us. Each job runs in a copy of the context it is given, so LangGraph's
stream writer and run configuration (and so the `custom` events and the callbacks of LLM calls
inside a task) are the submitting node's.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

__all__ = ["MAX_TASK_THREADS", "submit"]

MAX_TASK_THREADS = 256
"""Threads the pool may start, for all runs together; a run's `max_concurrency` is its own cap."""

_POOL = ThreadPoolExecutor(max_workers=MAX_TASK_THREADS, thread_name_prefix="hugginggpt-task")

T = TypeVar("T")


def submit(context: contextvars.Context, fn: Callable[..., T], *args: Any) -> Future[T]:
    """Run `fn(*args)` on the pool, inside a copy of `context`."""
    return _POOL.submit(context.copy().run, fn, *args)
