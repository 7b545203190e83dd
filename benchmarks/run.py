"""Run every benchmark and write `benchmarks/results/latest.json`, `latest.md` and plots.

python -m benchmarks.run                   # everything (about an hour on 2 cores)
python -m benchmarks.run --skip planning   # leave out the planning evaluation
python -m benchmarks.run --planning-limit 5  # first 5 dev requests of each shape
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from benchmarks import (
    answer_stream,
    controller_speed,
    fuzz,
    load,
    plan_streaming,
    real_models,
    scheduling,
)
from benchmarks.planning.evaluate import evaluate as evaluate_planning
from benchmarks.planning.evaluate import load_items
from benchmarks.planning.evaluate import markdown as planning_markdown
from benchmarks.report import write_markdown, write_plots

RESULTS = Path(__file__).resolve().parent / "results"
PARTS = (
    "llm_calls",
    "critical_path",
    "scheduler",
    "warm_cold",
    "demo",
    "first_token",
    "controller_speed",
    "plan_streaming",
    "planning",
    "fuzz",
    "load",
)


def machine() -> dict[str, Any]:
    """Where the figures come from."""
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration, ValueError):
        mem_kb = 0

    def ver(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kb / 1024**2, 1),
        "gpu": False,
        "python": platform.python_version(),
        "os": platform.platform(),
        "torch": ver("torch"),
        "langgraph": ver("langgraph"),
        "llama_cpp_python": ver("llama-cpp-python"),
    }


def _commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip", default="", help=f"comma-separated parts of {', '.join(PARTS)}")
    parser.add_argument("--planning-limit", type=int, default=0)
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args(argv)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    unknown = skip - set(PARTS)
    if unknown:
        parser.error(f"unknown parts to skip: {', '.join(sorted(unknown))}")
    os.environ["HF_HUB_OFFLINE"] = "1"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "commit": _commit(),
        "machine": machine(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        # The user's own cache: the llama.cpp wheels (one per build, minutes to make) and the
        # joined 1.5B weights that `controller_speed` reuses; everything else starts empty.
        user_cache = os.environ.get("HUGGINGGPT_CACHE", "")
        os.environ["HUGGINGGPT_CACHE"] = str(work / "cache")
        steps = {
            "llm_calls": lambda: scheduling.llm_calls(work / "runs"),
            "critical_path": lambda: scheduling.critical_path_ratio(work / "runs"),
            "scheduler": lambda: scheduling.scheduler_overhead(work / "runs"),
            "warm_cold": lambda: real_models.warm_cold(work),
            "demo": lambda: real_models.offline_demo(work),
            "first_token": lambda: _first_token(work),
            "controller_speed": lambda: _with_cache(
                user_cache, lambda: controller_speed.measure(work / "controller")
            ),
            "plan_streaming": lambda: plan_streaming.measure(work / "streaming"),
            "planning": lambda: _planning(args.planning_limit),
            "fuzz": _fuzz,
            "load": lambda: load.measure(work / "load"),
        }
        keys = {
            "llm_calls": "llm_calls",
            "critical_path": "critical_path_ratio",
            "scheduler": "scheduler_overhead_us_per_task",
            "warm_cold": "warm_over_cold",
            "demo": "offline_demo_seconds",
            "first_token": "time_to_first_answer_token",
            "controller_speed": "controller_speed",
            "plan_streaming": "plan_streaming",
            "planning": "planning",
            "fuzz": "fuzz",
            "load": "load",
        }
        for part, run in steps.items():
            if part in skip:
                continue
            start = time.perf_counter()
            print(f"[bench] {part} ...", file=sys.stderr, flush=True)
            results[keys[part]] = run()
            print(f"[bench] {part} done in {time.perf_counter() - start:.0f}s", file=sys.stderr)
    if skip:
        results["skipped"] = sorted(skip)
    (out / "latest.json").write_text(json.dumps(results, indent=1) + "\n")
    write_markdown(results, out / "latest.md")
    write_plots(results, out)
    print((out / "latest.md").read_text())
    return 0


def _with_cache(root: str, measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`measure()` with `HUGGINGGPT_CACHE` set back to `root` (unset when empty)."""
    saved = os.environ.get("HUGGINGGPT_CACHE")
    if root:
        os.environ["HUGGINGGPT_CACHE"] = root
    else:
        os.environ.pop("HUGGINGGPT_CACHE", None)
    try:
        return measure()
    finally:
        if saved is not None:
            os.environ["HUGGINGGPT_CACHE"] = saved


def _first_token(work: Path) -> dict[str, Any]:
    """Seconds to the answer's first piece, for the demo job and a simulated written answer.

    The demo's answer is composed by code and sent whole; the written one streams from a
    simulated controller (`benchmarks.answer_stream`).
    """
    return {
        "demo": real_models.first_answer_token(work),
        "simulated_written": answer_stream.simulated_written(work),
    }


def _fuzz() -> dict[str, Any]:
    """10,000 seeded faulty plans through parse, validate and execute (`benchmarks.fuzz`)."""
    return fuzz.run(plans=10_000, seed=13)


# The team's own sets (written here) and TaskBench's dev requests (written elsewhere).
PLANNING_SETS = {"dev": "dev.jsonl", "test": "test.jsonl", "taskbench-dev": "taskbench"}
PLANNERS = {
    "copy-nearest": "copy the nearest demonstration's plan (no LLM)",
    "sketch": "the guided skeleton alone, words by rule (no LLM)",
    "offline:0.5b": "the embedded Qwen2.5-Coder-0.5B, planner auto (guided)",
}


def _planning(limit: int) -> dict[str, Any]:
    """Every planner on the dev set (used while building) and the held-out test set."""
    here = Path(__file__).resolve().parent / "planning"
    figures: dict[str, Any] = {}
    for name, file in PLANNING_SETS.items():
        items = load_items(file if file == "taskbench" else here / file, limit=limit)
        figures[name] = {}
        for controller in PLANNERS:
            # The step classifier was trained on these sets' requests: each request is scored
            # by one trained without it (TaskBench 5-fold; a team set left out whole).
            # Copying the nearest demonstration learns nothing.
            folds = min(5, len(items)) if name == "taskbench-dev" else 1
            kfold = 0 if controller == "copy-nearest" else folds
            result = evaluate_planning(controller, items, kfold=kfold)
            figures[name][controller] = {k: v for k, v in result.items() if k != "rows"}
            slug = controller.replace(":", "-")
            detail = RESULTS / f"planning-{name}-{slug}.json"
            detail.write_text(json.dumps(result, indent=1))
            detail.with_suffix(".md").write_text(planning_markdown(result))
    return figures


if __name__ == "__main__":
    raise SystemExit(main())
