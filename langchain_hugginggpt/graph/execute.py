"""The execute node: runs the plan's tasks on their chosen models, walking the fallback ladder.

Tasks run on the process's worker pool (`graph.workers`), each the moment its dependencies have
finished (`graph.scheduler`). With a checkpointer, each finished task's result is saved through a
LangGraph `@task` (`save_result`) as it completes, and handed to LangGraph before its dependents
start, so a resumed run does not redo finished tasks. LangGraph writes it to the checkpointer in
the background (`put_writes` is submitted, not awaited), so a process killed in the milliseconds
between may redo that one task on resume; it is never lost. LangGraph matches a `@task` call to
its saved result by the order of calls within the node, not by the call's arguments, and results
are saved in completion order. So each saved result carries its plan task id, and a resumed node
first replays the saved results in order (`_saved_results`) before it starts anything. Without a
checkpointer nothing is saved and nothing is replayed.

Why the `@task` saves results and does not run them: it would cost the scheduling thread about
0.8 ms per task and a fresh thread per task each run (see `graph.workers`), and tasks started
while the plan is still being written (`graph.session`) run before this node exists.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import os
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from langchain_core.messages import AnyMessage
from langgraph._internal._constants import CONFIG_KEY_CHECKPOINTER
from langgraph._internal._runnable import RunnableCallable
from langgraph.config import get_config
from langgraph.errors import GraphBubbleUp
from langgraph.func import task as graph_task
from langgraph.runtime import Runtime

from langchain_hugginggpt.artifacts.inputs import (
    InputError,
    InputPolicy,
    default_roots,
    load_inputs,
)
from langchain_hugginggpt.artifacts.text_inputs import Ocr, names_text_file, read_text_input
from langchain_hugginggpt.artifacts.types import OutputTypeError, TaskOutput, as_input
from langchain_hugginggpt.engines.ladder import ladder_card, order_by_language, run_ladder
from langchain_hugginggpt.graph.context import Context
from langchain_hugginggpt.graph.events import Emit, emitter, stage_events
from langchain_hugginggpt.graph.scheduler import DagRun
from langchain_hugginggpt.graph.services import Services
from langchain_hugginggpt.graph.session import take_session
from langchain_hugginggpt.graph.state import State
from langchain_hugginggpt.graph.usage import StageMeter, with_stage
from langchain_hugginggpt.graph.workers import submit
from langchain_hugginggpt.plan.references import REFERENCE_RE, whole_reference
from langchain_hugginggpt.plan.types import PlannedTask
from langchain_hugginggpt.tasks import get_task

__all__ = ["Jobs", "make_execute_node", "resolve_inputs"]


_WAITERS = ThreadPoolExecutor(max_workers=256, thread_name_prefix="hugginggpt-execute")
"""Threads on which async runs wait for their tasks (see `make_execute_node`)."""

MAX_DOCUMENT_CHARS = 200_000
"""Most characters of a document's text passed to a task; longer documents are cut."""

Result = dict[str, Any]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Jobs:
    """Starts one run's tasks on the worker pool: each task's job built, then submitted.

    `context` is the node's (the run's stream writer and configuration), so the jobs' progress
    events and the callbacks of LLM calls inside them belong to that node.
    """

    services: Services
    fields: Mapping[str, Any]
    """Job fields every task of the run shares (settings, request, input policy, folder)."""
    context: contextvars.Context
    emit: Emit

    @classmethod
    def of(cls, services: Services, ctx: Context, messages: list[AnyMessage], run_id: str) -> Jobs:
        """The jobs of a run, started from the calling node's context."""
        fields = {
            "controller": ctx.controller,
            "request": messages[-1].text if messages else "",
            "policy": _policy(ctx, services),
            "run_dir": str(services.run_dir(run_id)),
            "timeout_s": ctx.task_timeout_s,
            "mode": ctx.inference_mode,
        }
        return cls(services, fields, contextvars.copy_context(), emitter())

    def start(
        self, t: PlannedTask, done: Mapping[int, Result], selection: Mapping[str, Any] | None
    ) -> Future[Result] | Result:
        """Start `t` down `selection`'s ladder, or return its error at once (nothing to run)."""
        base = {"task": t.task, "model": None, "engine": None}
        try:
            ladder = (selection or {}).get("candidates") or []
            if not ladder:
                reason = (selection or {}).get("reason") or "no model was selected"
                return {**base, "status": "error", "error": reason, "seconds": 0.0}
            try:
                inputs, user_media = resolve_inputs(t, done)
            except (OutputTypeError, KeyError, ValueError) as exc:
                return {
                    **base,
                    "status": "error",
                    "error": f"cannot prepare inputs: {exc}",
                    "seconds": 0.0,
                }
            job = {
                **self.fields,
                "task_id": t.id,
                "task": t.task,
                "inputs": inputs,
                "user_media": user_media,
                "ladder": ladder,
            }
            return submit(self.context, _pooled_job, job, self.services)
        except GraphBubbleUp:
            raise
        except Exception as exc:  # noqa: BLE001 - a task that cannot start fails alone
            error = f"could not start: {type(exc).__name__}: {exc}"
            return {**base, "status": "error", "error": error, "seconds": 0.0}

    def finished(self, t: PlannedTask, result: Result) -> None:
        """Name the task in its result; report a skipped task (a started one reports itself)."""
        result.setdefault("task", t.task)
        if result["status"] == "skipped":
            self.emit(
                {
                    "event": "task",
                    "task_id": t.id,
                    "task": t.task,
                    "status": "skipped",
                    "error": result.get("error"),
                }
            )


def make_execute_node(services: Services) -> RunnableCallable:
    """Build the execute node over the graph's services.

    The node waits for its tasks. Run synchronously (`invoke`), the waiting happens on the
    caller's thread. Run asynchronously (an Agent Server, `ainvoke`), a synchronous node would
    wait on a thread of the runtime's pool, which also runs the `save_result` tasks, and as many
    concurrent runs as the pool has threads would hold them all while their saves wait for one:
    a deadlock (measured: 6 concurrent `ainvoke` calls hung on 2 cores). So the async node waits
    on a thread of its own (`_WAITERS`), with the run's context copied to it.
    """

    def save_result(payload: dict[str, Any]) -> dict[str, Any]:
        return dict(payload.get("result", payload))

    # The task's name (the function's) keys its saved results in the checkpointer.
    saver = graph_task(save_result)

    def execute(state: State, *, runtime: Runtime[Context]) -> dict[str, Any]:
        ctx = services.context(runtime)
        emit = emitter()
        meter = StageMeter()
        selections = state.get("selections", {})
        tasks = [_planned(t) for t in state.get("plan", [])]
        run_id = state.get("run_id", "")
        jobs = Jobs.of(services, ctx, state.get("messages", []), run_id)
        session = take_session(run_id)
        durable = _checkpointed()
        saved = _saved_results(saver) if tasks and durable else {}

        def save(t: PlannedTask, result: Result) -> None:
            saver({"result": result}).result()

        def start(t: PlannedTask, done: Mapping[int, Result]) -> Future[Result] | Result:
            if t.id in saved:
                emit(_task_event(t.id, saved[t.id], restored=True))
                return saved[t.id]
            return jobs.start(t, done, selections.get(str(t.id)))

        with stage_events(emit, "execute"), meter.timed():
            if session is not None:
                dag = session.join(selections, jobs)
            else:
                dag = DagRun(
                    start,
                    max_concurrency=ctx.max_concurrency,
                    on_finish=jobs.finished,
                    passthrough=(GraphBubbleUp,),
                )
                dag.add(tasks)
                dag.close()
            results = dag.wait(save if durable else None) if tasks else {}
        if session is not None:
            session.annotate(results)
        for result in results.values():
            meter.add(result.get("llm_usage", {}))
        stats: dict[str, float] = meter.as_dict()
        stats["engine_seconds"] = round(sum(r.get("seconds") or 0.0 for r in results.values()), 4)
        return {
            "results": {str(k): results[k] for k in sorted(results)},
            "usage": with_stage(state.get("usage"), "execute", stats),
        }

    async def aexecute(state: State, *, runtime: Runtime[Context]) -> dict[str, Any]:
        context = contextvars.copy_context()
        body = functools.partial(context.run, execute, state, runtime=runtime)
        result: dict[str, Any] = await asyncio.get_running_loop().run_in_executor(_WAITERS, body)
        return result

    return RunnableCallable(execute, aexecute, name="execute")


def _checkpointed() -> bool:
    """Whether the run has a checkpointer: only then are results saved, and replayed."""
    try:
        config = get_config()
    except RuntimeError:
        return False
    return config.get("configurable", {}).get(CONFIG_KEY_CHECKPOINTER) is not None


def _pooled_job(job: Mapping[str, Any], services: Services) -> dict[str, Any]:
    """`_guarded_job` on a worker thread, reporting on the run's stream."""
    return _guarded_job(job, services, emitter())


def _saved_results(model_task: Any) -> dict[int, dict[str, Any]]:
    """The results of tasks that finished before this node was interrupted, by plan task id.

    Calls the task function with a fresh marker until a call actually runs: LangGraph answers
    each call that matches a saved one (by position) with the saved value instead of running it.
    Markers saved by earlier resumes are skipped. A fresh run costs one trivial call.
    """
    marker = uuid.uuid4().hex
    saved: dict[int, dict[str, Any]] = {}
    while True:
        value = model_task({"replay": marker}).result()
        if value.get("replay") == marker:
            return saved
        if "replay" not in value and "task_id" in value:
            saved[int(value["task_id"])] = value


def _task_event(
    task_id: int, result: Mapping[str, Any], *, restored: bool = False
) -> dict[str, Any]:
    event = {
        "event": "task",
        "task_id": task_id,
        "task": result.get("task"),
        "status": result["status"],
        "model": result.get("model"),
        "engine": result.get("engine"),
        "seconds": result.get("seconds"),
        "error": result.get("error"),
    }
    if restored:
        event["restored"] = True
    return event


def _planned(task: Mapping[str, Any]) -> PlannedTask:
    return PlannedTask(
        id=int(task["id"]),
        task=task["task"],
        dep=tuple(task.get("dep", ())),
        args=dict(task.get("args", {})),
    )


def resolve_inputs(
    task: PlannedTask, done: Mapping[int, Mapping[str, Any]]
) -> tuple[dict[str, str], dict[str, str]]:
    """Replace `<GENERATED>-k` in the task's arguments by task k's output.

    An argument that is only a reference gets the output in the argument's modality (a file path
    for media); a reference inside a longer text gets the output's text.

    Returns:
        The inputs, and the files the user named (paths or URLs still to be checked and
        loaded), as `{argument: modality}`; a text argument naming a document or an image to
        read has modality "document".
    """
    spec = get_task(task.task)
    inputs: dict[str, str] = {}
    user_media: dict[str, str] = {}
    for name, value in task.args.items():
        arg = spec.arg(name)
        modality = arg.modality if arg else "text"
        ref = whole_reference(value)
        if ref is not None:
            inputs[name] = as_input(_output_of(ref, done), modality)
            continue
        inputs[name] = REFERENCE_RE.sub(
            lambda m: _output_of(int(m.group(1)), done).get("text", ""), value
        )
        if modality != "text" and inputs[name].strip():
            user_media[name] = modality
        elif modality == "text" and names_text_file(value):
            user_media[name] = "document"
    return inputs, user_media


def _output_of(ref: int, done: Mapping[int, Mapping[str, Any]]) -> TaskOutput:
    result = done.get(ref)
    if not result or result.get("status") != "ok":
        raise ValueError(f"task {ref} has no output")
    output: TaskOutput = result["output"]
    return output


def _policy(ctx: Context, services: Services) -> dict[str, Any]:
    """The input policy of a run, JSON-ready so it travels inside the task's saved arguments."""
    extra = [p for p in ctx.input_roots.split(os.pathsep) if p.strip()]
    roots = default_roots([*extra, services.artifacts_root])
    return {
        "roots": [str(r) for r in roots],
        "max_bytes": int(ctx.max_input_mb * 1024 * 1024),
        "allow_private_urls": ctx.allow_private_urls,
    }


def _load_user_media(job: Mapping[str, Any], run_dir: Path) -> dict[str, str]:
    """Check and load the files and URLs the user named.

    Returns:
        The inputs with local paths for media, and the text they hold for documents and
        images of text.
    """
    inputs = dict(job["inputs"])
    raw = job["policy"]
    policy = InputPolicy(
        roots=tuple(Path(r) for r in raw["roots"]),
        max_bytes=raw["max_bytes"],
        allow_private_urls=raw["allow_private_urls"],
    )
    named = dict(job.get("user_media", {}))
    documents = [name for name, kind in named.items() if kind == "document"]
    for name in documents:
        del named[name]
        inputs[name] = read_text_input(
            inputs[name],
            policy=policy,
            dest_dir=run_dir / "inputs",
            ocr=_ocr(),
            max_chars=MAX_DOCUMENT_CHARS,
        )
    return load_inputs(inputs, named, policy=policy, dest_dir=run_dir / "inputs")


def _ocr() -> Ocr | None:
    """Tesseract, to read scanned PDFs and images named as text, when it is installed."""
    from langchain_hugginggpt.engines.offline.tesseract_ocr import ocr_image, tesseract_path

    if tesseract_path() is None:
        return None
    return lambda path: ocr_image(path).text


def _guarded_job(job: Mapping[str, Any], services: Services, emit: Emit) -> dict[str, Any]:
    """`_run_job`, with anything it raises as the task's error.

    A LangGraph task that raises is raised again when the execute node ends, failing the run.
    """
    try:
        return _run_job(job, services, emit)
    except GraphBubbleUp:
        raise
    except Exception as exc:  # noqa: BLE001 - one task's crash is that task's error
        return {
            "status": "error",
            "task": job.get("task"),
            "task_id": job.get("task_id"),
            "model": None,
            "engine": None,
            "error": f"{type(exc).__name__}: {exc}",
            "attempts": [],
            "seconds": 0.0,
        }


def _run_job(job: Mapping[str, Any], services: Services, emit: Emit) -> dict[str, Any]:
    """Check the task's inputs, then run it down its fallback ladder; never raise."""
    started_at, t0 = _now(), time.perf_counter()
    task = get_task(job["task"])
    ladder = [ladder_card(data) for data in job["ladder"]]

    def started(model: str | None) -> None:
        emit(
            {
                "event": "task",
                "task_id": job["task_id"],
                "task": job["task"],
                "status": "start",
                "model": model,
                "at": started_at,
            }
        )

    run_dir = Path(job["run_dir"])
    meter = StageMeter()
    try:
        inputs = _load_user_media(job, run_dir)
    except Exception as exc:  # noqa: BLE001 - a file that cannot be read fails its task only
        started(ladder[0].id)
        reason = str(exc) if isinstance(exc, InputError) else f"{type(exc).__name__}: {exc}"
        result: dict[str, Any] = {
            "status": "error",
            "task": job["task"],
            "model": None,
            "engine": None,
            "error": f"bad input: {reason}",
            "attempts": [],
        }
    else:
        # The model tried first may not be the ladder's first: see `order_by_language`.
        started(order_by_language(task.name, ladder, inputs)[0][0].id)
        result = run_ladder(
            task,
            ladder,
            inputs,
            engines=services.engines,
            mode=job["mode"],
            run_dir=run_dir,
            timeout_s=float(job["timeout_s"]),
            extra={"controller": job.get("controller", ""), "request": job.get("request", "")},
            callbacks=(meter,),
        )
    if meter.llm_calls:
        result["llm_usage"] = meter.as_dict()
    seconds = round(time.perf_counter() - t0, 4)
    result.update(task_id=job["task_id"], started_at=started_at, ended_at=_now(), seconds=seconds)
    emit(_task_event(job["task_id"], result))
    return result
