"""Progress events sent on the `custom` stream, so callers see each stage and task as it happens."""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from langgraph.config import get_stream_writer

__all__ = ["Emit", "emitter", "stage_events"]

Emit = Callable[[dict[str, Any]], None]


def emitter() -> Emit:
    """Return the run's stream writer, or a no-op outside a streaming run.

    LangGraph's writer looks up the run's configuration when it is called, so it only works in
    the run's context. The one returned here carries that context with it: a worker thread
    (which finishes a task and then records its dependents as skipped) may call it too.
    """
    try:
        writer = get_stream_writer()
    except RuntimeError:
        return lambda _event: None
    context = contextvars.copy_context()

    def emit(event: dict[str, Any]) -> None:
        context.copy().run(writer, event)

    return emit


@contextmanager
def stage_events(emit: Emit, stage: str) -> Iterator[None]:
    """Emit `{"event": "stage", "status": "start"|"end"}` around a stage, with its seconds."""
    start = time.perf_counter()
    emit({"event": "stage", "stage": stage, "status": "start"})
    try:
        yield
    finally:
        seconds = round(time.perf_counter() - start, 4)
        emit({"event": "stage", "stage": stage, "status": "end", "seconds": seconds})
