"""Event-driven DAG scheduling: each task starts the moment its last dependency finishes.

No polling, no waves and no scheduling thread. A finished task is handled by the thread that
finished it (its worker): that thread records the result and starts the dependents that became
ready, up to a concurrency limit, and with `graph.workers` the first of them then runs on that
same worker, so in a chain a dependent starts with no thread handoff at all (not two: worker ->
scheduler -> worker). One thread at a time does this bookkeeping; the others leave their
completions to it. A task whose dependency failed or was skipped is skipped at once, with the
reason.

Tasks may arrive while the DAG runs (a plan still being written), may be held back until
released (a task whose model is not chosen yet), and may be retracted (a task the finished plan
changed: a result that arrives for it later is dropped). `close` says no more will come.
`wait(settle=...)` makes the waiting thread do the bookkeeping instead and call `settle` on
each task's result before its dependents start (a checkpointer saving results in order).

A slot is held only while a task's future is pending: a task whose engine call timed out frees
its slot as soon as its future resolves with the timeout error, whatever the abandoned call
still does in the background. A retracted task keeps its slot until its future resolves.
"""

from __future__ import annotations

import itertools
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from langchain_hugginggpt.plan.types import PlannedTask

__all__ = ["DagRun", "Finish", "Settle", "Start", "run_dag"]

Result = dict[str, Any]
Start = Callable[[PlannedTask, Mapping[int, Result]], "Future[Result] | Result"]
"""Start a task given the results so far: a future, or a result at once (e.g. bad inputs)."""
Finish = Callable[[PlannedTask, Result], None]
Settle = Callable[[PlannedTask, Result], None]
"""Called with each result a started task's future gave, before its dependents may start."""


@dataclass(frozen=True)
class _Outcome:
    """A task's outcome waiting to be applied; `token` None for results no start produced."""

    task_id: int
    token: int | None
    value: Future[Result] | Result


class DagRun:
    """One DAG being run: tasks added (possibly while it runs), started as they become ready.

    Thread-safe. `start` and `on_finish` are called by one thread at a time, in whichever thread
    is doing the bookkeeping (a worker finishing a task, or the caller); `start` must not block.
    """

    def __init__(
        self,
        start: Start,
        *,
        max_concurrency: int,
        on_finish: Finish | None = None,
        passthrough: tuple[type[BaseException], ...] = (),
    ) -> None:
        """A DAG with no tasks yet; `passthrough` exceptions abort it and escape `wait`."""
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1, got {max_concurrency}")
        self._start = start
        self._limit = max_concurrency
        self._on_finish = on_finish
        self._passthrough = passthrough
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._tasks: dict[int, PlannedTask] = {}
        self._waiting: dict[int, set[int]] = {}
        self._dependents: defaultdict[int, list[int]] = defaultdict(list)
        self._held: set[int] = set()
        self._ready: deque[int] = deque()
        self._live: dict[int, int] = {}
        """Started tasks whose outcome is pending: task id -> token of that start."""
        self._begun: set[int] = set()
        self._slots = 0
        self._results: dict[int, Result] = {}
        self._view = MappingProxyType(self._results)
        self._ran: list[int] = []
        """Tasks whose result came from their future, in the order they finished."""
        self._inbox: deque[_Outcome] = deque()
        self._busy = False
        self._poked = False
        self._driver: threading.Thread | None = None
        self._settle: Settle | None = None
        self._closed = False
        self._failure: BaseException | None = None
        self._finished = threading.Event()
        self._tokens = itertools.count(1)

    @property
    def results(self) -> Mapping[int, Result]:
        """The results so far, by task id (a read-only view)."""
        return self._view

    def task_ids(self) -> list[int]:
        """The ids of the tasks in the DAG."""
        with self._lock:
            return list(self._tasks)

    def started(self, task_id: int) -> bool:
        """Whether the task was started (it may have finished since)."""
        with self._lock:
            return task_id in self._begun

    def add(self, tasks: Iterable[PlannedTask], *, held: bool = False) -> None:
        """Add tasks; each starts once its dependencies are done (and, if `held`, released).

        Raises:
            ValueError: a task's id is already in the DAG.
            RuntimeError: the DAG is closed.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("the DAG is closed; no task can be added")
            for task in tasks:
                if task.id in self._tasks:
                    raise ValueError(f"task {task.id} is already in the DAG")
                self._tasks[task.id] = task
                if held:
                    self._held.add(task.id)
                self._admit(task)
        self._kick()

    def release(self, task_ids: Iterable[int]) -> None:
        """Let held tasks start once their dependencies are done."""
        with self._lock:
            for task_id in task_ids:
                if task_id not in self._held:
                    continue
                self._held.discard(task_id)
                if not self._waiting.get(task_id) and task_id not in self._results:
                    self._ready.append(task_id)
        self._kick()

    def retract(self, task_ids: Iterable[int]) -> set[int]:
        """Take tasks out: their results are forgotten, and a result still to come is dropped.

        Retract a task's dependents with it: a dependent left in would wait for it forever.

        Returns:
            The ids of the tasks retracted that had been started.
        """
        started: set[int] = set()
        with self._lock:
            for task_id in task_ids:
                task = self._tasks.pop(task_id, None)
                if task is None:
                    continue
                if task_id in self._begun:
                    started.add(task_id)
                for d in task.dep:
                    waiters = self._dependents.get(d, [])
                    if task_id in waiters:
                        waiters.remove(task_id)
                self._waiting.pop(task_id, None)
                self._held.discard(task_id)
                self._live.pop(task_id, None)
                self._begun.discard(task_id)
                if self._results.pop(task_id, None) is not None and task_id in self._ran:
                    self._ran.remove(task_id)
        return started

    def close(self) -> None:
        """No more tasks will be added; `wait` returns once every task has a result."""
        with self._lock:
            self._closed = True
        self._kick()

    def wait(self, settle: Settle | None = None) -> dict[int, Result]:
        """Block until every task has a result (the DAG must be closed); return them by id.

        With `settle`, this thread does the bookkeeping from now on and calls `settle` on each
        result a task's future gave, before that task's dependents start; first on those that
        finished before (in the order they finished).

        Raises:
            Whatever `passthrough` exception a task raised, and `KeyboardInterrupt` or
            `SystemExit` raised by `start`.
        """
        if settle is not None:
            self._drive(settle)
        self._finished.wait()
        if self._failure is not None:
            raise self._failure
        return dict(self._results)

    def _drive(self, settle: Settle) -> None:
        with self._lock:
            self._driver = threading.current_thread()
            while self._busy:
                self._wake.wait()
            self._busy = True
            backlog = [(self._tasks[i], self._results[i]) for i in self._ran]
        try:
            for task, result in backlog:
                settle(task, result)
        except BaseException as exc:  # noqa: BLE001 - raised again by `wait`
            self._fail(exc)
        with self._lock:
            self._settle = settle
        self._work()
        while True:
            with self._lock:
                while not (self._finished.is_set() or self._poked or self._inbox):
                    if self._startable():
                        break
                    self._wake.wait()
                if self._finished.is_set():
                    return
                self._poked = False
                self._busy = True
            self._work()

    def _admit(self, task: PlannedTask) -> None:
        """Place a new task: skipped, ready, or waiting for its dependencies (lock held)."""
        failed = next(
            (d for d in task.dep if d in self._results and self._results[d]["status"] != "ok"),
            None,
        )
        if failed is not None:
            skip = _skipped(self._tasks[failed], failed, self._results[failed])
            self._inbox.append(_Outcome(task.id, None, skip))
            return
        pending = {d for d in task.dep if d not in self._results}
        for d in pending:
            self._dependents[d].append(task.id)
        self._waiting[task.id] = pending
        if not pending and task.id not in self._held:
            self._ready.append(task.id)

    def _startable(self) -> bool:
        return bool(self._ready) and self._slots < self._limit

    def _kick(self) -> None:
        """Do the bookkeeping now, unless another thread is doing it or it is the driver's."""
        with self._lock:
            if self._driver not in (None, threading.current_thread()):
                self._poked = True
                self._wake.notify_all()
                return
            if self._busy or self._finished.is_set():
                self._wake.notify_all()
                return
            self._busy = True
        self._work()

    def _post(self, outcome: _Outcome) -> None:
        with self._lock:
            self._inbox.append(outcome)
        self._kick()

    def _work(self) -> None:
        """Apply outcomes and start ready tasks until neither is left (`_busy` is held).

        `_busy` is given up under the same hold of the lock as the last look that found nothing
        to do: an outcome posted after that look finds the bookkeeping free and does it itself,
        one posted before it is seen by it. (Giving it up later, under a second hold, stranded
        an outcome posted in between: its thread saw `_busy` and left it, and the run hung.)
        """
        me = threading.current_thread()
        released = False
        try:
            while True:
                with self._lock:
                    step = None
                    if not self._finished.is_set() and self._driver in (None, me):
                        step = self._next_step()
                        if step is None and not self._settled():
                            continue  # tasks were skipped: their outcomes are in the inbox
                    if step is None:
                        self._busy = False
                        self._wake.notify_all()
                        released = True
                        return
                if isinstance(step, _Outcome):
                    self._apply(step)
                else:
                    self._begin(*step)
        except BaseException as exc:  # noqa: BLE001 - handed to the thread in `wait`
            self._fail(exc)
        finally:
            if not released:
                with self._lock:
                    self._busy = False
                    self._wake.notify_all()

    def _next_step(self) -> _Outcome | tuple[PlannedTask, int] | None:
        """An outcome to apply, else a task to start (its slot taken), else None (lock held)."""
        if self._inbox:
            return self._inbox.popleft()
        while self._startable():
            task_id = self._ready.popleft()
            if task_id not in self._tasks or task_id in self._results or task_id in self._live:
                continue
            token = next(self._tokens)
            self._live[task_id] = token
            self._begun.add(task_id)
            self._slots += 1
            return self._tasks[task_id], token
        return None

    def _settled(self) -> bool:
        """Whether nothing is left to do now; sets `finished` when nothing ever will be (lock held).

        When the DAG is closed and nothing runs or can start, tasks still without a result
        (waiting for a dependency that never came, or never released) are skipped.
        """
        if not self._closed:
            return True
        if len(self._results) == len(self._tasks):  # every result is of a task in the DAG
            self._finished.set()
            return True
        if self._slots or self._ready:
            return True
        for task_id in self._tasks:
            if task_id not in self._results:
                why = (
                    "it was held and never released"
                    if task_id in self._held
                    else "its dependencies never finished"
                )
                self._inbox.append(_Outcome(task_id, None, {"status": "skipped", "error": why}))
        return False

    def _begin(self, task: PlannedTask, token: int) -> None:
        try:
            started = self._start(task, self.results)
        except self._passthrough:
            raise
        except Exception as exc:  # noqa: BLE001 - a task that cannot start fails alone
            started = _crashed("could not start: ", exc)
        if isinstance(started, Future):
            started.add_done_callback(lambda f: self._post(_Outcome(task.id, token, f)))
        else:
            with self._lock:
                self._inbox.append(_Outcome(task.id, token, started))

    def _apply(self, outcome: _Outcome) -> None:
        task_id, value = outcome.task_id, outcome.value
        with self._lock:
            if outcome.token is not None:
                self._slots -= 1
                if self._live.get(task_id) != outcome.token:
                    return  # retracted since it started: its result is not wanted
                del self._live[task_id]
            task = self._tasks.get(task_id)
            settle = self._settle
        if task is None:
            return
        ran = isinstance(value, Future)
        result = _outcome(value, self._passthrough) if isinstance(value, Future) else value
        if ran and settle is not None:
            settle(task, result)
        self._finish(task_id, result, ran=ran)

    def _finish(self, task_id: int, result: Result, *, ran: bool) -> None:
        finished: list[tuple[PlannedTask, Result]] = []
        with self._lock:
            stack = [(task_id, result)]
            while stack:
                current, outcome = stack.pop()
                task = self._tasks.get(current)
                if task is None or current in self._results:
                    continue
                self._results[current] = outcome
                if ran and current == task_id:
                    self._ran.append(current)
                finished.append((task, outcome))
                for child in self._dependents.pop(current, ()):
                    if child not in self._tasks or child in self._results:
                        continue
                    if outcome.get("status") != "ok":
                        stack.append((child, _skipped(task, current, outcome)))
                        continue
                    pending = self._waiting[child]
                    pending.discard(current)
                    if not pending and child not in self._held:
                        self._ready.append(child)
        if self._on_finish:
            for task, outcome in finished:
                self._on_finish(task, outcome)

    def _fail(self, exc: BaseException) -> None:
        with self._lock:
            if self._failure is None:
                self._failure = exc
            self._finished.set()
            self._wake.notify_all()


def run_dag(
    tasks: Sequence[PlannedTask],
    start: Start,
    *,
    max_concurrency: int,
    on_finish: Finish | None = None,
    passthrough: tuple[type[BaseException], ...] = (),
) -> dict[int, Result]:
    """Run a validated, acyclic plan; return each task's result by id.

    A result is a dict with at least `status` (`ok`, `error` or `skipped`). A `start` that
    raises an `Exception`, and a future that raises anything but `KeyboardInterrupt` or
    `SystemExit`, become that task's `error` result and the other tasks go on; nothing raised by
    a task escapes, except the `passthrough` types (e.g. a framework's interrupt signal).
    """
    dag = DagRun(
        start, max_concurrency=max_concurrency, on_finish=on_finish, passthrough=passthrough
    )
    dag.add(tasks)
    dag.close()
    return dag.wait()


def _skipped(task: PlannedTask, task_id: int, result: Mapping[str, Any]) -> Result:
    verb = "was skipped" if result.get("status") == "skipped" else "failed"
    return {"status": "skipped", "error": f"dependency task {task_id} ({task.task}) {verb}"}


def _outcome(future: Future[Result], passthrough: tuple[type[BaseException], ...]) -> Result:
    """A finished future's result, or an `error` result when it raised.

    `BaseException`s other than `KeyboardInterrupt` and `SystemExit` count too: a future's
    exception was raised in a worker thread, by the task's own code.
    """
    try:
        return future.result()
    except passthrough:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - a crashed task is an error result
        return _crashed("", exc)


def _crashed(prefix: str, exc: BaseException) -> Result:
    return {"status": "error", "error": f"{prefix}{type(exc).__name__}: {exc}"}
