"""Seeded fuzzing of plans through parse -> repair -> validate -> execute, with figures.

Each generated plan is what a controller might return: JSON text (bare, fenced, in prose, with
Python quoting, cut short), TaskBench's `task_nodes`, LLMCompiler's numbered calls, or JSON
already decoded by structured output. Plans are random DAGs with faults mixed in: unknown tasks,
cycles, self and missing dependencies, wrong-typed and missing arguments, odd ids, hostile
strings (1 MB, NUL, control and bidi characters), traversal paths, `file://` and private URLs,
references to missing tasks and files.

Every plan goes through the product's own functions: `parse_plan`, `repair_plan` (as the free
planner does when `auto_repair` is on, for most plans), `validate_plan`, then the execute
stage's scheduler (`run_dag`), input resolution (`resolve_inputs`) and job runner (input checks
and the fallback ladder) on a recording engine that runs no model. Driving these directly rather
than the compiled graph keeps 10,000 plans to minutes; the graph adds the planner's prompt, the
selection and the respond stage around the same functions.

A plan passes when it ends in one of: a parse error or validation problems for the whole plan
(each with a message), or a result for every task whose failures each carry a message. Anything
raised out of these functions is a crash; a plan not finished within the guard is a hang.

    python -m benchmarks.fuzz --plans 10000 --seed 13
"""

from __future__ import annotations

import argparse
import json
import random
import struct
import tempfile
import threading
import time
import traceback
import wave
import zlib
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from langchain_hugginggpt.artifacts.types import OutputTypeError, TaskOutput
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import Engine, EngineRequest, Engines, InferenceMode
from langchain_hugginggpt.graph.execute import _run_job, resolve_inputs
from langchain_hugginggpt.graph.scheduler import run_dag
from langchain_hugginggpt.graph.services import Services
from langchain_hugginggpt.plan import PlannedTask, PlanParseError, parse_plan, validate_plan
from langchain_hugginggpt.plan.repair import repair_plan
from langchain_hugginggpt.tasks import TASKS

__all__ = ["Outcome", "RecordingEngine", "generate_plan", "main", "run", "run_plan"]

GUARD_S = 20.0
"""Seconds one plan may take before it counts as a hang."""
TASK_TIMEOUT_S = 10.0
MAX_CONCURRENCY = 4
MEGABYTE = 1 << 20

_NAMES = sorted(TASKS)
_UNKNOWN = ("fly", "", "RM -RF", "x" * 99, "Summarization ", "text_to_speech", "<GENERATED>-1")
_HOSTILE = (
    "../../etc/passwd",
    "/etc/passwd",
    "file:///etc/passwd",
    "file://otherhost/etc/shadow",
    "http://127.0.0.1/",
    "http://127.0.0.1:1/a.png",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/x.wav",
    "http://0.0.0.0/x.jpg",
    "http://10.0.0.1/a.csv",
    "https://192.168.1.1/a.mp4",
    "http://localhost/x.png",
    "http://2130706433/a.png",
    "gopher://127.0.0.1/",
    "javascript:alert(1)",
    "data:image/png;base64,!!!notbase64",
    "data:audio/wav;base64,UklGRg==",
    "data:,",
    "missing/file.png",
    "nowhere.wav",
    "ghost.mp4",
    "absent.csv",
    "lost.pdf",
    "gone.docx",
    "old.doc",
    "~/secret.txt",
    "<GENERATED>-999",
    "<GENERATED>-0",
    "<GENERATED>--1",
    "<resource-7>",
    "<generated>-1 and <GENERATED>-2",
    "$3",
    "${1}",
    "a\x00b.png",
    "nul\x00",
    "\x1b[31mred\x1b[0m",
    "\r\n\t\x0b\x0c",
    "\u202etxt.exe\u202c",
    "\u2066\u2067\u2068\u2069",
    "\ud800",
    "\ufeff\u200b",
    "%2e%2e%2fetc%2fpasswd",
    "C:\\Windows\\win.ini",
    "\\\\server\\share\\x.png",
    "{{7*7}}",
    "'; DROP TABLE plans; --",
    "",
    "   ",
)


def _tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _write_wav(path: Path) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 800)


def _write_fixtures(folder: Path) -> list[str]:
    """Real inputs inside the allowed folder, so some plans load files successfully."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pic.png").write_bytes(_tiny_png())
    _write_wav(folder / "talk.wav")
    (folder / "data.csv").write_text("a,b\n1,2\n3,4\n")
    (folder / "note.txt").write_text("A short note about cats.\n")
    (folder / "fake.png").write_bytes(b"not an image at all")
    return [str(folder / name) for name in ("pic.png", "talk.wav", "data.csv", "note.txt")] + [
        str(folder / "fake.png")
    ]


@dataclass
class RecordingEngine(Engine):
    """Runs no model: records each call and returns an output of the task's kind."""

    name: str = "fuzz-recording"
    calls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def supports(self, model: ModelCard, mode: InferenceMode) -> bool:
        """Claim every model."""
        return True

    def run(self, request: EngineRequest) -> TaskOutput:
        """Write a tiny file for media tasks; echo a bounded view of the inputs for the rest."""
        with self.lock:
            self.calls += 1
        kind = request.task.output
        if kind == "image":
            return self._file(request, ".png", _tiny_png(), "image/png")
        if kind == "audio":
            path = request.run_dir / f"out-{time.perf_counter_ns()}.wav"
            _write_wav(path)
            return {"type": "audio", "text": "audio", "path": str(path), "mime_type": "audio/wav"}
        if kind == "table":
            return self._file(request, ".csv", b"x,y\n1,2\n", "text/csv")
        if kind == "video":
            return self._file(request, ".mp4", b"\x00\x00\x00\x18ftypmp42", "video/mp4")
        shown = " | ".join(f"{k}={v[:200]}" for k, v in sorted(request.inputs.items()))
        return {"type": "text", "text": f"[{request.task.name}] {shown}"}

    def _file(self, request: EngineRequest, suffix: str, data: bytes, mime: str) -> TaskOutput:
        path = request.run_dir / f"out-{time.perf_counter_ns()}{suffix}"
        path.write_bytes(data)
        kind = request.task.output
        return {"type": kind, "text": f"a {kind} file", "path": str(path), "mime_type": mime}


# Generation.


def _hostile_string(rng: random.Random, files: list[str]) -> str:
    roll = rng.random()
    if roll < 0.01:
        return rng.choice(["x", "\x00", "\u202e", "<GENERATED>-1 "]) * MEGABYTE
    if roll < 0.15:
        return rng.choice(files)
    if roll < 0.65:
        return rng.choice(_HOSTILE)
    alphabet = "ab <>-GENRATD$.{}/\\\x00\x07\u202e\u05d0\U0001f600"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))


def _wrong_value(rng: random.Random, files: list[str]) -> Any:
    options: list[Any] = [
        rng.randint(-5, 5),
        3.5,
        True,
        None,
        [],
        ["a", "b"],
        [1, {"x": 2}],
        {"nested": {"deep": [None]}},
        float("1e308"),
        _hostile_string(rng, files),
    ]
    return rng.choice(options)


def _odd_id(rng: random.Random, index: int) -> Any:
    options: list[Any] = [
        -index,
        0,
        float(index),
        index + 0.5,
        str(index),
        f" {index} ",
        "one",
        None,
        True,
        [index],
        10**12,
        -1,
    ]
    return rng.choice(options)


def _arg_value(
    rng: random.Random, task_id: int, earlier: list[int], files: list[str], faulty: bool
) -> Any:
    roll = rng.random()
    if earlier and roll < 0.45:
        return f"<GENERATED>-{rng.choice(earlier)}"
    if not faulty:
        return _hostile_string(rng, files) if roll < 0.7 else "a plain sentence about a cat."
    if roll < 0.55:
        return f"<GENERATED>-{rng.choice([task_id, 999, -3, 0])}"
    if roll < 0.65 and earlier:
        return f"use <GENERATED>-{rng.choice(earlier)} and more"
    if roll < 0.85:
        return _hostile_string(rng, files)
    if roll < 0.92:
        return _wrong_value(rng, files)
    return "a plain sentence about a cat."


def _task_item(
    rng: random.Random, task_id: int, made: dict[int, str], files: list[str], faulty: bool
) -> dict[str, Any]:
    """One task; `made` is what each earlier task outputs, so sound plans link fitting kinds."""
    name = rng.choice(_NAMES) if not faulty or rng.random() > 0.06 else rng.choice(_UNKNOWN)
    spec = TASKS.get(name)
    earlier = list(made)
    dep = rng.sample(earlier, k=min(len(earlier), rng.randint(0, 2)))
    args: dict[str, Any] = {}
    for arg in spec.args if spec else []:
        fitting = [e for e in earlier if made[e] == arg.modality]
        if rng.random() < 0.9 or arg.required:
            args[arg.name] = _arg_value(
                rng, task_id, fitting if not faulty else earlier, files, faulty
            )
    if faulty and rng.random() < 0.1:
        args[rng.choice(["bogus", "image_url", "src", "\x00"])] = _arg_value(
            rng, task_id, earlier, files, faulty
        )
    for ref in _whole_refs(args):
        if ref in earlier and ref not in dep and (not faulty or rng.random() < 0.8):
            dep.append(ref)
    item: dict[str, Any] = {"id": task_id, "task": name, "dep": dep or [-1], "args": args}
    return _mutate_item(rng, item, task_id, earlier, files) if faulty else item


def _whole_refs(args: Mapping[str, Any]) -> list[int]:
    refs = []
    for value in args.values():
        if isinstance(value, str) and value.startswith("<GENERATED>-"):
            tail = value.removeprefix("<GENERATED>-")
            if tail.isdigit():
                refs.append(int(tail))
    return refs


def _mutate_item(
    rng: random.Random, item: dict[str, Any], task_id: int, earlier: list[int], files: list[str]
) -> dict[str, Any]:
    roll = rng.random()
    if roll < 0.04:
        item["id"] = _odd_id(rng, task_id)
    elif roll < 0.08:
        item["dep"] = rng.choice([[task_id], [task_id + 1], [999], "1, 2", -1, None, [1.5], ["x"]])
    elif roll < 0.11:
        item["args"] = _wrong_value(rng, files)
    elif roll < 0.13:
        del item["args"]
    elif roll < 0.14:
        item.pop("task")
    elif roll < 0.15:
        item["task"] = _wrong_value(rng, files)
    elif roll < 0.16:
        return cast(dict[str, Any], rng.choice([[1, 2], "task", 7, None]))
    return item


def _tasks(rng: random.Random, files: list[str], faulty: bool) -> list[dict[str, Any]]:
    count = rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 12]) if rng.random() > 0.01 else 70
    items: list[dict[str, Any]] = []
    made: dict[int, str] = {}
    for task_id in range(1, count + 1):
        item = _task_item(rng, task_id, made, files, faulty)
        items.append(item)
        spec = TASKS.get(str(item.get("task"))) if isinstance(item, dict) else None
        made[task_id] = spec.output if spec else "text"
    if not faulty:
        return items
    if len(items) >= 2 and rng.random() < 0.08:  # a cycle: the first depends on the last
        first = items[0]
        if isinstance(first, dict):
            first["dep"] = [len(items)]
    if len(items) >= 2 and rng.random() < 0.04:  # a duplicate id
        second = items[1]
        if isinstance(second, dict):
            second["id"] = 1
    if items and rng.random() < 0.05:  # numbered from 0, as JARVIS does
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("id"), int):
                item["id"] -= 1
    return items


def _taskbench(items: list[dict[str, Any]]) -> dict[str, Any]:
    nodes = [
        {"task": i.get("task"), "arguments": list((i.get("args") or {}).values())}
        if isinstance(i, dict) and isinstance(i.get("args"), dict)
        else {"task": "x", "arguments": i}
        for i in items
    ]
    links = [{"source": "x", "target": n.get("task")} for n in nodes[1:]]
    return {"task_nodes": nodes, "task_links": links}


def _llmcompiler(items: list[dict[str, Any]]) -> str:
    lines = ["Thought: plan it."]
    for i, item in enumerate(items, 1):
        args = item.get("args") if isinstance(item, dict) else None
        pairs = args.items() if isinstance(args, dict) else []
        inner = ", ".join(f"{k}={json.dumps(v)[:300]}" for k, v in pairs)
        task = str(item.get("task") if isinstance(item, dict) else "x").replace("-", "_")
        lines.append(f"{i}. {task}({inner})")
    lines.append(f"{len(items) + 1}. join()")
    return "\n".join(lines)


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, allow_nan=True)


Encoder = Callable[[random.Random, list[dict[str, Any]]], Any]
_ENCODERS: tuple[tuple[float, Encoder], ...] = (
    (0.25, lambda r, t: _json({"tasks": t})),
    (0.10, lambda r, t: _json(t)),
    (0.10, lambda r, t: f"Sure! Here is the plan:\n```json\n{_json(t)}\n```\nDone."),
    (0.05, lambda r, t: repr(t)),
    (0.05, lambda r, t: _json(t)[: r.randint(0, max(1, len(_json(t))))]),
    (0.05, lambda r, t: _json(_taskbench(t))),
    (0.05, lambda r, t: _llmcompiler(t)),
    (0.25, lambda r, t: {"tasks": t} if r.random() < 0.5 else t),
    (0.03, lambda r, t: r.choice([None, "", "   ", "no plan", "[", "{}", "[[[[[[", "null"])),
    (0.03, lambda r, t: r.choice([{"plan": t}, {"steps": "x"}, {"task": "summarization"}, 7])),
    (0.04, lambda r, t: "[" * r.randint(1, 5000) + "]" * r.randint(0, 5000)),
)


def generate_plan(rng: random.Random, files: list[str]) -> Any:
    """One controller output: text or decoded JSON, mostly a plan, half of them faulty.

    A sound plan (well-formed DAG, known tasks) still carries hostile values and file names,
    and is written in a format `parse_plan` reads; a faulty one breaks rules of every kind.
    """
    faulty = rng.random() < 0.5
    tasks = _tasks(rng, files, faulty)
    if not faulty:
        return _json({"tasks": tasks}) if rng.random() < 0.5 else {"tasks": tasks}
    roll, total = rng.random(), 0.0
    for weight, encode in _ENCODERS:
        total += weight
        if roll < total:
            return encode(rng, tasks)
    return _json(tasks)


# Running.


@dataclass
class Outcome:
    """How one plan ended: `parse_error`, `invalid`, `executed`, `crash` or `hang`."""

    kind: str
    tasks: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    problem: str = ""
    """What broke the contract (a crash's traceback, a failure without a message)."""


class Harness:
    """What the execute stage needs, built once: engines, input policy, a job pool."""

    def __init__(self, work: Path) -> None:
        """Write the fixture files under `work` and allow only that folder as an input root."""
        self.work = work
        self.files = _write_fixtures(work / "inputs")
        self.engine = RecordingEngine()
        self.services = cast(Services, SimpleNamespace(engines=Engines([self.engine])))
        self.policy = {
            "roots": [str((work / "inputs").resolve())],
            "max_bytes": 2 * MEGABYTE,
            "allow_private_urls": False,
        }
        self.pool = ThreadPoolExecutor(max_workers=MAX_CONCURRENCY, thread_name_prefix="fuzz")
        self.runs = 0

    def close(self) -> None:
        """Stop the job pool without waiting for abandoned jobs."""
        self.pool.shutdown(wait=False, cancel_futures=True)

    def execute(self, tasks: list[PlannedTask]) -> dict[int, dict[str, Any]]:
        """Run a valid plan as the execute node does, one candidate model per task."""
        self.runs += 1
        run_dir = self.work / "runs" / f"run-{self.runs}"

        def start(t: PlannedTask, done: Mapping[int, dict[str, Any]]) -> Any:
            base = {"task": t.task, "model": None, "engine": None}
            try:
                inputs, user_media = resolve_inputs(t, done)
            except (OutputTypeError, KeyError, ValueError) as exc:
                return {**base, "status": "error", "error": f"cannot prepare inputs: {exc}"}
            job = {
                "task_id": t.id,
                "task": t.task,
                "inputs": inputs,
                "user_media": user_media,
                "controller": "",
                "request": "fuzz",
                "policy": self.policy,
                "ladder": [ModelCard(id=f"fuzz/{t.task}", task=t.task).to_dict()],
                "run_dir": str(run_dir),
                "timeout_s": TASK_TIMEOUT_S,
                "mode": "local",
            }
            future: Future[dict[str, Any]] = self.pool.submit(
                _run_job, job, self.services, lambda event: None
            )
            return future

        return run_dag(tasks, start, max_concurrency=MAX_CONCURRENCY)


def _plan_stage(output: Any, rng: random.Random) -> tuple[list[PlannedTask], Outcome | None]:
    try:
        tasks = parse_plan(output)
    except PlanParseError as exc:
        return [], Outcome("parse_error", problem="" if str(exc).strip() else "empty message")
    if rng.random() < 0.8:  # `auto_repair`, the default
        tasks, _ = repair_plan(tasks)
    problems = validate_plan(tasks)
    if problems:
        silent = [p for p in problems if not isinstance(p, str) or not p.strip()]
        return tasks, Outcome("invalid", len(tasks), problem="empty problem" if silent else "")
    return tasks, None


def _executed(tasks: list[PlannedTask], results: Mapping[int, Mapping[str, Any]]) -> Outcome:
    outcome = Outcome("executed", len(tasks))
    missing = {t.id for t in tasks} - set(results)
    if missing:
        outcome.problem = f"no result for tasks {sorted(missing)}"
    for task_id, result in results.items():
        status = str(result.get("status"))
        outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
        if status not in ("ok", "error", "skipped"):
            outcome.problem = f"task {task_id} has status {status!r}"
        elif status != "ok" and not str(result.get("error") or "").strip():
            outcome.problem = f"task {task_id} {status} without a message"
    return outcome


def run_plan(output: Any, harness: Harness, rng: random.Random) -> Outcome:
    """Parse, repair, validate and execute one controller output; never raise."""
    try:
        tasks, outcome = _plan_stage(output, rng)
        if outcome is not None:
            return outcome
        return _executed(tasks, harness.execute(tasks))
    except Exception:  # noqa: BLE001 - an escaping exception is exactly what is counted
        return Outcome("crash", problem=traceback.format_exc(limit=12))


def _guarded(output: Any, harness: Harness, rng: random.Random, guard_s: float) -> Outcome:
    box: list[Outcome] = []
    worker = threading.Thread(
        target=lambda: box.append(run_plan(output, harness, rng)), name="fuzz-plan", daemon=True
    )
    worker.start()
    worker.join(guard_s)
    if worker.is_alive() or not box:
        return Outcome("hang", problem=f"not finished within {guard_s:g} s")
    return box[0]


def _describe(output: Any) -> str:
    text = output if isinstance(output, str) else repr(output)
    return text[:300] + (f"... ({len(text):,} characters)" if len(text) > 300 else "")


def run(plans: int = 10_000, seed: int = 13, *, guard_s: float = GUARD_S) -> dict[str, Any]:
    """Fuzz `plans` generated plans from `seed`; return the figures and the first failures.

    Returns:
        `plans`, `crashes`, `hangs`, `contract_violations` (a plan that ended without a message
        for a failure, or without a result for a task), `seconds`, the count of each outcome,
        task statuses, engine calls, and up to 5 `examples` of each kind of failure.
    """
    rng = random.Random(seed)
    counts: dict[str, int] = {}
    statuses: dict[str, int] = {}
    examples: list[dict[str, Any]] = []
    violations = 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hugginggpt-fuzz-") as tmp:
        harness = Harness(Path(tmp))
        try:
            for index in range(plans):
                output = generate_plan(rng, harness.files)
                outcome = _guarded(output, harness, random.Random(rng.random()), guard_s)
                counts[outcome.kind] = counts.get(outcome.kind, 0) + 1
                for status, n in outcome.statuses.items():
                    statuses[status] = statuses.get(status, 0) + n
                if outcome.problem:
                    violations += outcome.kind not in ("crash", "hang")
                    if len(examples) < 15:
                        examples.append(
                            {
                                "plan": index,
                                "kind": outcome.kind,
                                "problem": outcome.problem,
                                "output": _describe(output),
                            }
                        )
        finally:
            harness.close()
        engine_calls = harness.engine.calls
    return {
        "plans": plans,
        "seed": seed,
        "crashes": counts.get("crash", 0),
        "hangs": counts.get("hang", 0),
        "contract_violations": violations,
        "seconds": round(time.perf_counter() - started, 1),
        "outcomes": dict(sorted(counts.items())),
        "task_statuses": dict(sorted(statuses.items())),
        "engine_calls": engine_calls,
        "guard_s": guard_s,
        "examples": examples,
    }


def main(argv: list[str] | None = None) -> int:
    """Print the figures of one campaign as JSON; exit 1 when anything crashed or hung."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    figures = run(args.plans, args.seed)
    print(json.dumps(figures, indent=1, ensure_ascii=True))
    return 1 if figures["crashes"] or figures["hangs"] or figures["contract_violations"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
