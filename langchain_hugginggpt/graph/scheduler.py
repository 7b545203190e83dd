"""Event-driven DAG scheduling: each task starts the moment its last dependency finishes.

No polling and no waves: the loop blocks on `concurrent.futures.wait(FIRST_COMPLETED)` and, as
each task finishes, starts whichever dependents became ready, up to a concurrency limit. A task
whose dependency failed or was skipped is skipped at once, with the reason.

A slot is held only while a task's future is pending: a task whose engine call timed out frees
its slot as soon as its future resolves with the timeout error, whatever the abandoned call
still does in the background.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import Any

from langchain_hugginggpt.plan.types import PlannedTask

__all__ = ["Finish", "Start", "run_dag"]

Result = dict[str, Any]
Start = Callable[[PlannedTask, Mapping[int, Result]], "Future[Result] | Result"]
"""Start a task given the results so far: a future, or a result at once (e.g. bad inputs)."""
Finish = Callable[[PlannedTask, Result], None]


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
    if max_concurrency < 1:
        raise ValueError(f"max_concurrency must be at least 1, got {max_concurrency}")
    by_id = {t.id: t for t in tasks}
    waiting = {t.id: set(t.dep) for t in tasks}
    dependents: dict[int, list[int]] = {t.id: [] for t in tasks}
    for t in tasks:
        for d in t.dep:
            dependents[d].append(t.id)
    results: dict[int, Result] = {}
    ready = deque(t.id for t in tasks if not t.dep)
    running: dict[Future[Result], int] = {}

    def finish(task_id: int, result: Result) -> None:
        results[task_id] = result
        if on_finish:
            on_finish(by_id[task_id], result)
        for child in dependents[task_id]:
            if child in results:
                continue
            if result.get("status") != "ok":
                verb = "was skipped" if result.get("status") == "skipped" else "failed"
                finish(
                    child,
                    {
                        "status": "skipped",
                        "error": f"dependency task {task_id} ({by_id[task_id].task}) {verb}",
                    },
                )
                continue
            waiting[child].discard(task_id)
            if not waiting[child]:
                ready.append(child)

    while ready or running:
        while ready and len(running) < max_concurrency:
            task_id = ready.popleft()
            if task_id in results:
                continue
            started = _started(start, by_id[task_id], results, passthrough)
            if isinstance(started, Future):
                running[started] = task_id
            else:
                finish(task_id, started)
        if not running:
            continue
        done, _ = wait(list(running), return_when=FIRST_COMPLETED)
        for future in done:
            task_id = running.pop(future)
            finish(task_id, _outcome(future, passthrough))
    for t in tasks:
        if t.id not in results:
            finish(t.id, {"status": "skipped", "error": "its dependencies never finished"})
    return results


def _started(
    start: Start,
    task: PlannedTask,
    results: Mapping[int, Result],
    passthrough: tuple[type[BaseException], ...],
) -> Future[Result] | Result:
    """`start(task, results)`, or an `error` result when it raises."""
    try:
        return start(task, results)
    except passthrough:
        raise
    except Exception as exc:  # noqa: BLE001 - a task that cannot start fails alone
        return _crashed("could not start: ", exc)


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
