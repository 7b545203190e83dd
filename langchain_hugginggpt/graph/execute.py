"""The execute node: runs the plan's tasks on their chosen models, walking the fallback ladder.

Each task runs as a LangGraph `@task`, so tasks run concurrently and every finished task's
result is saved by the checkpointer as soon as it completes (a resumed run does not redo it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from langgraph.func import task as graph_task
from langgraph.runtime import Runtime

from langchain_hugginggpt.artifacts.types import OutputTypeError, TaskOutput, as_input
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import EngineRequest
from langchain_hugginggpt.graph.context import Context
from langchain_hugginggpt.graph.events import Emit, emitter, stage_events
from langchain_hugginggpt.graph.scheduler import run_dag
from langchain_hugginggpt.graph.services import Node, Services
from langchain_hugginggpt.graph.state import State
from langchain_hugginggpt.graph.usage import StageMeter, with_stage
from langchain_hugginggpt.plan.references import REFERENCE_RE, whole_reference
from langchain_hugginggpt.plan.types import PlannedTask
from langchain_hugginggpt.tasks import get_task

__all__ = ["TaskTimeoutError", "make_execute_node", "resolve_inputs"]


class TaskTimeoutError(TimeoutError):
    """A model did not finish within the task timeout."""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def make_execute_node(services: Services) -> Node:
    """Build the execute node over the graph's services."""

    def run_model_task(job: dict[str, Any]) -> dict[str, Any]:
        return _run_job(job, services, emitter())

    # The task's name (the function's) keys its saved results in the checkpointer.
    model_task = graph_task(run_model_task)

    def execute(state: State, *, runtime: Runtime[Context]) -> dict[str, Any]:
        ctx = services.context(runtime)
        emit = emitter()
        meter = StageMeter()
        selections = state.get("selections", {})
        tasks = [_planned(t) for t in state.get("plan", [])]
        run_dir = services.artifacts_root / state.get("run_id", "run")

        def start(t: PlannedTask, done: Mapping[int, dict[str, Any]]) -> Any:
            selection = selections.get(str(t.id)) or {}
            ladder = selection.get("candidates") or []
            base = {"task": t.task, "model": None, "engine": None}
            if not ladder:
                reason = selection.get("reason") or "no model was selected"
                return {**base, "status": "error", "error": reason, "seconds": 0.0}
            try:
                inputs = resolve_inputs(t, done)
            except (OutputTypeError, KeyError, ValueError) as exc:
                return {
                    **base,
                    "status": "error",
                    "error": f"cannot prepare inputs: {exc}",
                    "seconds": 0.0,
                }
            job = {
                "task_id": t.id,
                "task": t.task,
                "inputs": inputs,
                "ladder": ladder,
                "run_dir": str(run_dir),
                "timeout_s": ctx.task_timeout_s,
                "mode": ctx.inference_mode,
            }
            future: Future[dict[str, Any]] = model_task(job)
            return future

        def on_finish(t: PlannedTask, result: dict[str, Any]) -> None:
            result.setdefault("task", t.task)
            if result["status"] == "skipped":
                emit(
                    {
                        "event": "task",
                        "task_id": t.id,
                        "task": t.task,
                        "status": "skipped",
                        "error": result.get("error"),
                    }
                )

        with stage_events(emit, "execute"), meter.timed():
            results = (
                run_dag(tasks, start, max_concurrency=ctx.max_concurrency, on_finish=on_finish)
                if tasks
                else {}
            )
        stats: dict[str, float] = meter.as_dict()
        stats["engine_seconds"] = round(sum(r.get("seconds") or 0.0 for r in results.values()), 4)
        return {
            "results": {str(k): results[k] for k in sorted(results)},
            "usage": with_stage(state.get("usage"), "execute", stats),
        }

    return execute


def _planned(task: Mapping[str, Any]) -> PlannedTask:
    return PlannedTask(
        id=int(task["id"]),
        task=task["task"],
        dep=tuple(task.get("dep", ())),
        args=dict(task.get("args", {})),
    )


def resolve_inputs(task: PlannedTask, done: Mapping[int, Mapping[str, Any]]) -> dict[str, str]:
    """Replace `<GENERATED>-k` in the task's arguments by task k's output.

    An argument that is only a reference gets the output in the argument's modality (a file path
    for media); a reference inside a longer text gets the output's text.
    """
    spec = get_task(task.task)
    inputs: dict[str, str] = {}
    for name, value in task.args.items():
        arg = spec.arg(name)
        modality = arg.modality if arg else "text"
        ref = whole_reference(value)
        if ref is not None:
            inputs[name] = as_input(_output_of(ref, done), modality)
        else:
            inputs[name] = REFERENCE_RE.sub(
                lambda m: _output_of(int(m.group(1)), done).get("text", ""), value
            )
    return inputs


def _output_of(ref: int, done: Mapping[int, Mapping[str, Any]]) -> TaskOutput:
    result = done.get(ref)
    if not result or result.get("status") != "ok":
        raise ValueError(f"task {ref} has no output")
    output: TaskOutput = result["output"]
    return output


def _card(data: Mapping[str, Any]) -> ModelCard:
    fields = dict(data)
    fields["tags"] = tuple(fields.get("tags") or ())
    fields["languages"] = tuple(fields.get("languages") or ())
    return ModelCard(**fields)


def _run_job(job: Mapping[str, Any], services: Services, emit: Emit) -> dict[str, Any]:
    """Run one task down its fallback ladder; always return a result, never raise."""
    spec = get_task(job["task"])
    started_at, t0 = _now(), time.perf_counter()
    attempts: list[dict[str, Any]] = []
    emit(
        {
            "event": "task",
            "task_id": job["task_id"],
            "task": job["task"],
            "status": "start",
            "model": job["ladder"][0]["id"],
            "at": started_at,
        }
    )
    run_dir = Path(job["run_dir"])
    for data in job["ladder"]:
        card = _card(data)
        engine = services.engines.for_model(card, job["mode"])
        if engine is None:
            attempts.append(
                {
                    "model": card.id,
                    "engine": None,
                    "status": "error",
                    "error": "no engine can run this model here",
                    "seconds": 0.0,
                }
            )
            continue
        a0 = time.perf_counter()
        request = EngineRequest(
            task=spec,
            model=card,
            inputs=dict(job["inputs"]),
            run_dir=run_dir,
            timeout_s=float(job["timeout_s"]),
        )
        try:
            run_dir.mkdir(parents=True, exist_ok=True)
            output = _check_output(_with_timeout(engine.run, request, request.timeout_s))
        except Exception as exc:
            attempts.append(
                {
                    "model": card.id,
                    "engine": engine.name,
                    "status": "error",
                    "error": f"{type(exc).__name__}: {exc}",
                    "seconds": round(time.perf_counter() - a0, 4),
                }
            )
            continue
        attempts.append(
            {
                "model": card.id,
                "engine": engine.name,
                "status": "ok",
                "seconds": round(time.perf_counter() - a0, 4),
            }
        )
        result = {
            "status": "ok",
            "task": job["task"],
            "model": card.id,
            "engine": engine.name,
            "output": output,
        }
        break
    else:
        failures = "; ".join(f"{a['model']}: {a['error']}" for a in attempts)
        result = {
            "status": "error",
            "task": job["task"],
            "model": attempts[-1]["model"] if attempts else None,
            "engine": attempts[-1]["engine"] if attempts else None,
            "error": f"every candidate failed ({failures})",
        }
    seconds = round(time.perf_counter() - t0, 4)
    result.update(started_at=started_at, ended_at=_now(), seconds=seconds, attempts=attempts)
    emit(
        {
            "event": "task",
            "task_id": job["task_id"],
            "task": job["task"],
            "status": result["status"],
            "model": result["model"],
            "engine": result["engine"],
            "seconds": seconds,
            "error": result.get("error"),
        }
    )
    return result


def _check_output(output: Any) -> TaskOutput:
    if (
        not isinstance(output, dict)
        or "type" not in output
        or not isinstance(output.get("text"), str)
    ):
        raise TypeError(
            f"engine returned {type(output).__name__}, not a TaskOutput with type and text"
        )
    checked: TaskOutput = output  # type: ignore[assignment]
    return checked


def _with_timeout(
    fn: Callable[[EngineRequest], TaskOutput], request: EngineRequest, timeout_s: float
) -> TaskOutput:
    """Run `fn` in a watchdog thread; give up after `timeout_s`.

    Python cannot stop a thread, so a model that hangs keeps its thread until it returns; the run
    goes on without it and its late result is dropped.
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn(request)
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=target, name=f"engine-{request.task.name}", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        raise TaskTimeoutError(f"{request.model.id} gave no result within {timeout_s:g} s")
    if "error" in box:
        raise box["error"]
    value: TaskOutput = box["value"]
    return value
