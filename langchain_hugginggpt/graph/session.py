"""Plan streaming, the execution side: a run's tasks started while its plan is still being written.

With a controller that streams, the plan node opens a `Session` for the run and offers it each
task as soon as the controller has written it and it validated on its own (`planning.stream`).
The session decides that task's model at once when no controller call is needed to decide it
(one runnable candidate, or none, or `selection_calls=none`: the ranking decides;
`select.decide_alone`) and starts it as soon as its dependencies are done, on the same worker
pool and under the same `max_concurrency` as the execute node.

**LLM calls stay at three** (plan, select, respond). A streamed task whose model the controller
must choose is not started: it is held until the plan ends and the select node runs, which asks
the controller about every such task, streamed or not, in its one call, exactly as without
streaming. Streaming only moves the start of the tasks that need no such call earlier.

When the plan ends it is repaired and validated as always. `settle` then keeps each streamed
task that the final plan has unchanged and whose dependencies are kept too; it retracts the
others (a result they gave, or still give, is dropped), and they run from the final plan with
the rest (`result["rerun"]` says why). The execute node joins the session (`take_session`),
gives it the selections of the held tasks, and waits for all of them; the results of tasks that
started during planning (`result["started_during_planning"]`) are written to the state by the
execute node like any others, and saved to the checkpointer by it, in the order they finished.

A session lives in this process only, in a registry keyed by the run's `run_id`. If the process
ends between the plan and execute nodes and the run resumes from a checkpoint, the execute node
finds no session and runs every task itself (nothing started during planning was saved). A
session nobody joins (the run failed in between) is dropped after `SESSION_TTL_S`.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from typing import Any, Protocol

from langgraph.errors import GraphBubbleUp

from langchain_hugginggpt.graph.events import Emit
from langchain_hugginggpt.graph.scheduler import DagRun
from langchain_hugginggpt.graph.workers import submit
from langchain_hugginggpt.plan.types import PlannedTask

__all__ = [
    "SESSION_TTL_S",
    "Decide",
    "Jobs",
    "Session",
    "find_session",
    "open_session",
    "take_session",
]

SESSION_TTL_S = 3600.0
"""Seconds a session waits for its execute node before it is dropped."""

Result = dict[str, Any]
Decide = Callable[[PlannedTask], "dict[str, Any] | None"]
"""A task's selection when no controller call is needed to decide it, else None."""


class Jobs(Protocol):
    """Starts one run's tasks (`graph.execute.Jobs`)."""

    def start(
        self, task: PlannedTask, done: Mapping[int, Result], selection: Mapping[str, Any] | None
    ) -> Future[Result] | Result:
        """Start `task` on `selection`'s ladder, its dependencies' results in `done`."""
        ...

    def finished(self, task: PlannedTask, result: Result) -> None:
        """Bookkeeping of a task's result (its name, its `skipped` event)."""
        ...


class Session:
    """The tasks of one run started while its plan streams in; see the module docstring."""

    def __init__(
        self, run_id: str, *, jobs: Jobs, decide: Decide, max_concurrency: int, emit: Emit
    ) -> None:
        """A session with no task yet; `jobs` starts tasks until the execute node joins."""
        self.run_id = run_id
        self.opened = time.monotonic()
        self._jobs = jobs
        self._decide = decide
        self._emit = emit
        self._lock = threading.Lock()
        self._selections: dict[int, dict[str, Any]] = {}
        self._streamed: dict[int, PlannedTask] = {}
        self._early: set[int] = set()
        self._reruns: dict[int, str] = {}
        self._queue: deque[PlannedTask] = deque()
        self._admitting = False
        self._admitted = threading.Event()
        self._admitted.set()
        self._planning = True
        self._cancelled = False
        self._dag = DagRun(
            self._start,
            max_concurrency=max_concurrency,
            on_finish=self._finished,
            passthrough=(GraphBubbleUp,),
        )

    @property
    def decided(self) -> dict[str, dict[str, Any]]:
        """The selections made during planning of the tasks kept, by task id (a string)."""
        with self._lock:
            return {str(i): s for i, s in self._selections.items() if i in self._streamed}

    def offer(self, task: PlannedTask) -> None:
        """Take a task just written (from the controller's stream; returns at once).

        Its model is decided and it is added on a worker, in the order offered, so that reading
        the stream never waits for the catalog.
        """
        with self._lock:
            if self._cancelled:
                return
            self._queue.append(task)
            if self._admitting:
                return
            self._admitting = True
            self._admitted.clear()
        submit(contextvars.copy_context(), self._admit_queued)

    def settle(self, final: Sequence[PlannedTask]) -> bool:
        """Reconcile with the plan as validated: keep what it has unchanged, redo the rest.

        Returns:
            False, doing nothing, when no task was streamed (the execute node runs them all).
        """
        self._admitted.wait()
        by_id = {t.id: t for t in final}
        with self._lock:
            self._planning = False
            streamed = dict(self._streamed)
        if not streamed:
            return False
        kept = {i for i, t in streamed.items() if by_id.get(i) == t}
        changed = True
        while changed:
            lost = {i for i in kept if any(d not in kept for d in by_id[i].dep)}
            kept -= lost
            changed = bool(lost)
        dropped = [i for i in streamed if i not in kept]
        rerun = self._dag.retract(dropped) & set(by_id)
        with self._lock:
            for task_id in dropped:
                del self._streamed[task_id]
                self._selections.pop(task_id, None)
            for task_id in rerun:
                self._reruns[task_id] = (
                    f"task {task_id} started while the plan was being written, but the "
                    "validated plan changed it or a task it depends on; its first result was "
                    "discarded and it ran again"
                )
        self._dag.add([t for t in final if t.id not in kept], held=True)
        self._emit(
            {
                "event": "plan_streamed",
                "kept": sorted(kept),
                "rerun": sorted(rerun),
                "dropped": sorted(i for i in dropped if i not in by_id),
            }
        )
        return True

    def join(self, selections: Mapping[str, Mapping[str, Any]], jobs: Jobs) -> DagRun:
        """The execute node's turn: every task's selection, its own `jobs`; no more tasks."""
        with self._lock:
            self._jobs = jobs
            held = [i for i in self._dag.task_ids() if i not in self._selections]
            for task_id in held:
                self._selections[task_id] = dict(selections.get(str(task_id)) or {})
        self._dag.release(held)
        self._dag.close()
        return self._dag

    def annotate(self, results: Mapping[int, Result]) -> None:
        """Mark the results of tasks started during planning, and of tasks run again."""
        with self._lock:
            for task_id, result in results.items():
                if task_id in self._reruns:
                    result["rerun"] = self._reruns[task_id]
                elif task_id in self._early:
                    result["started_during_planning"] = True

    def cancel(self) -> None:
        """Drop everything: nothing more starts, and results still to come are dropped."""
        with self._lock:
            self._cancelled = True
            self._queue.clear()
        self._admitted.wait()
        self._dag.retract(self._dag.task_ids())

    def _admit_queued(self) -> None:
        while True:
            with self._lock:
                if not self._queue or self._cancelled:
                    self._queue.clear()
                    self._admitting = False
                    self._admitted.set()
                    return
                task = self._queue.popleft()
            try:
                self._admit(task)
            except Exception:  # noqa: BLE001 - not admitted: it runs from the final plan
                continue

    def _admit(self, task: PlannedTask) -> None:
        try:
            selection = self._decide(task)
        except Exception:  # noqa: BLE001 - undecided: it waits for the select node
            selection = None
        if selection is not None:
            with self._lock:
                self._selections[task.id] = selection  # before it can start
        self._dag.add([task], held=selection is None)
        with self._lock:
            self._streamed[task.id] = task
        self._emit(
            {
                "event": "plan_task",
                **task.to_dict(),
                "model": selection.get("model") if selection else None,
                "waits_for_selection": selection is None,
            }
        )

    def _start(self, task: PlannedTask, done: Mapping[int, Result]) -> Future[Result] | Result:
        with self._lock:
            jobs, selection = self._jobs, self._selections.get(task.id)
            if self._planning:
                self._early.add(task.id)
        return jobs.start(task, done, selection)

    def _finished(self, task: PlannedTask, result: Result) -> None:
        with self._lock:
            jobs = self._jobs
        jobs.finished(task, result)


_OPEN: dict[str, Session] = {}
_OPEN_LOCK = threading.Lock()


def open_session(session: Session) -> None:
    """Register `session` under its run id, for the select and execute nodes of its run."""
    now = time.monotonic()
    with _OPEN_LOCK:
        stale = [s for s in _OPEN.values() if now - s.opened > SESSION_TTL_S]
        for old in stale:
            del _OPEN[old.run_id]
        _OPEN[session.run_id] = session
    for old in stale:
        old.cancel()


def find_session(run_id: str) -> Session | None:
    """The open session of the run, if any."""
    with _OPEN_LOCK:
        return _OPEN.get(run_id)


def take_session(run_id: str) -> Session | None:
    """The open session of the run, if any, no longer registered (the execute node joins it)."""
    with _OPEN_LOCK:
        return _OPEN.pop(run_id, None)
