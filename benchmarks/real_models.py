"""Benchmarks on the real packaged models, each in a fresh process.

- `warm_over_cold`: a four-task plan (speech recognition, named entities, speech synthesis,
  sentence similarity) run twice in one process with an instant scripted controller. The first
  run loads the models; the second finds them in the process-wide model cache. The figure is the
  second execute stage's seconds over the first's; peak memory is the process's maximum RSS.
- `offline_demo_seconds`: the README's main job (`make demo`) end to end with the embedded
  controller, split by stage.
- `time_to_first_answer_token` (`demo`): the same job, printing its answer as it comes; seconds
  from the command's start to the first byte of the answer on its stdout. The embedded
  controller's answer is composed by code (no LLM call), so it arrives whole, at once.

    python -m benchmarks.real_models warm-cold SAMPLE.wav   # the worker, prints JSON
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["DEMO_REQUEST", "first_answer_token", "offline_demo", "warm_cold"]

ROOT = Path(__file__).resolve().parents[1]
DEMO_REQUEST = (
    "transcribe this recording, summarise it in two sentences, read the summary aloud, and "
    "list the people and places it mentions"
)


def _env(cache: Path) -> dict[str, str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HUGGINGGPT_CACHE": str(cache)}
    for name in ("HUGGINGGPT_LLM", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        env.pop(name, None)
    return env


def _sample(path: Path, cache: Path) -> Path:
    if not path.is_file():
        subprocess.run(
            [sys.executable, "-m", "langchain_hugginggpt.offline.sample", str(path)],
            check=True,
            env=_env(cache),
        )
    return path


def warm_cold(work: Path) -> dict[str, Any]:
    """Run the worker in a fresh process; return its figures."""
    sample = _sample(work / "news.wav", work / "cache")
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.real_models", "warm-cold", str(sample)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(work / "cache"),
    )
    figures: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def _warm_cold_worker(sample: str) -> dict[str, Any]:
    from langchain_core.messages import HumanMessage

    from benchmarks.sim import SimulatedController
    from langchain_hugginggpt import create_hugginggpt_graph

    plan = [
        {"id": 1, "task": "automatic-speech-recognition", "dep": [], "args": {"audio": sample}},
        {"id": 2, "task": "token-classification", "dep": [1], "args": {"text": "<GENERATED>-1"}},
        {
            "id": 3,
            "task": "text-to-speech",
            "dep": [],
            "args": {"text": "The library opens at nine."},
        },
        {
            "id": 4,
            "task": "sentence-similarity",
            "dep": [],
            "args": {"text": "The library opens at nine.", "text2": "Doors open at 9 am."},
        },
    ]
    graph = create_hugginggpt_graph(
        SimulatedController(plan=plan),
        controller_tasks="",
        input_roots=str(Path(sample).parent),
    )
    runs = []
    for _ in range(2):
        state = graph.invoke({"messages": [HumanMessage("run the benchmark plan")]})
        failed = {k: r.get("error") for k, r in state["results"].items() if r["status"] != "ok"}
        if failed:
            raise RuntimeError(f"tasks failed: {failed}")
        runs.append(
            {
                "execute_seconds": state["usage"]["execute"]["seconds"],
                "tasks": {
                    r["task"]: {"model": r["model"], "seconds": r["seconds"]}
                    for r in state["results"].values()
                },
            }
        )
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "cold": runs[0],
        "warm": runs[1],
        "warm_over_cold": round(runs[1]["execute_seconds"] / runs[0]["execute_seconds"], 4),
        "peak_rss_mb": round(peak_kb / 1024, 1),
    }


def offline_demo(work: Path) -> dict[str, Any]:
    """The main job with the embedded controller, via the CLI, split by stage."""
    sample = _sample(work / "news.wav", work / "cache")
    start = time.perf_counter()
    command = [sys.executable, "-m", "langchain_hugginggpt.cli", DEMO_REQUEST]
    out = subprocess.run(
        [*command, "--input", str(sample), "--json", "-q"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(work / "cache"),
        check=False,
    )
    wall = time.perf_counter() - start
    if out.returncode not in (0, 1):
        raise RuntimeError(f"the demo failed to run: {out.stderr[-2000:]}")
    state = json.loads(out.stdout)
    usage = state["usage"]
    stages = {s: round(usage[s]["seconds"], 2) for s in usage if s != "total"}
    return {
        "total": round(wall, 2),
        "by_stage": stages,
        "outside_stages": round(wall - sum(stages.values()), 2),
        "stage_models": _stage_models(state),
        "llm_calls": usage["total"]["llm_calls"],
        "tasks": [
            {"task": r["task"], "model": r["model"], "status": r["status"], "seconds": r["seconds"]}
            for r in state["results"].values()
        ],
        "exit_code": out.returncode,
        "includes": "process start, model loading and the one-time join of the controller weights",
    }


def _stage_models(state: dict[str, Any]) -> dict[str, str]:
    """Which models each stage's time went to, with the controller's tokens, from the run's own
    usage and results."""
    out = {}
    for stage in ("plan", "select", "respond"):
        u = state["usage"].get(stage, {})
        if u.get("llm_calls"):
            out[stage] = (
                f"controller: {u['llm_calls']} call(s), {u.get('input_tokens', 0)} prompt and "
                f"{u.get('output_tokens', 0)} generated tokens"
            )
        else:
            out[stage] = "no controller call"
    out["execute"] = "; ".join(
        f"{r['task']}: {r['model']} {r['seconds']:.2f} s" for r in state["results"].values()
    )
    return out


def first_answer_token(work: Path) -> dict[str, Any]:
    """The demo job via the CLI, answer streamed: when its first byte reaches stdout."""
    sample = _sample(work / "news.wav", work / "cache")
    start = time.perf_counter()
    command = [sys.executable, "-m", "langchain_hugginggpt.cli", DEMO_REQUEST, "-i", str(sample)]
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        env=_env(work / "cache"),
    ) as proc:
        assert proc.stdout is not None
        first = proc.stdout.read1(65536)  # returns as soon as the command writes anything
        first_at = time.perf_counter() - start
        rest = proc.stdout.read()
        code = proc.wait()
    total = time.perf_counter() - start
    out = (first + rest).decode(errors="replace")
    if code not in (0, 1) or not first:
        raise RuntimeError(f"the demo failed to stream its answer (exit {code}): {out[-2000:]}")
    return {
        "seconds": round(first_at, 2),
        "total": round(total, 2),
        "first_bytes": first.decode(errors="replace")[:80],
        "exit_code": code,
        "answer": "composed by code (embedded controller): sent whole as one piece",
        "includes": "process start, model loading, plan, select and execute",
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["warm-cold"]:
        print(json.dumps(_warm_cold_worker(sys.argv[2])))
    else:
        raise SystemExit("usage: python -m benchmarks.real_models warm-cold SAMPLE.wav")
