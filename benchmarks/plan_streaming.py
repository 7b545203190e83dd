"""`plan_streaming`: end-to-end seconds with and without plan streaming, for 2 to 16 tasks.

A simulated controller writes its plan at `tokens_per_s` (`sim.StreamingController`, a token
being 4 characters), through the real graph: with streaming, each task starts as soon as it is
written and its dependencies are done; without (`plan_streaming=False`), after the whole plan.
Each simulated task takes `task_seconds`. The plans are layered DAGs two deep (`dags`): half the
tasks use the output of one or two of the other half. Every task has one candidate model, so
no selection call is made; the controller makes two calls either way (plan, answer).

By default `task_seconds` is set so that the 8-task plan takes as long to run (two layers, at
the default `max_concurrency` of 4) as to write: the case the target (`speedup_at_8` at least
1.25) is stated for. `python -m benchmarks.plan_streaming` prints the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage

from benchmarks.dags import layered_plan
from benchmarks.sim import SimulatedEngine, StreamingController, token_pieces
from langchain_hugginggpt import Catalog, ModelCard, create_hugginggpt_graph

__all__ = ["SIZES", "TARGET_AT_8", "main", "measure", "plan_seconds"]

SIZES = (2, 4, 8, 12, 16)
TARGET_AT_8 = 1.25


def _plan(tasks: int) -> list[dict[str, Any]]:
    return layered_plan(max(1, tasks // 2), 2, seed=tasks)


def plan_seconds(tasks: int, tokens_per_s: float) -> float:
    """Seconds the simulated controller takes to write the plan of `tasks` tasks."""
    return len(token_pieces(json.dumps({"tasks": _plan(tasks)}))) / tokens_per_s


def _run(
    plan: list[dict[str, Any]],
    work: Path,
    *,
    streaming: bool,
    tokens_per_s: float,
    task_seconds: float,
    max_concurrency: int,
) -> tuple[float, int]:
    """One run's seconds, and how many of its tasks started while the plan was written."""
    llm = StreamingController(plan=plan, tokens_per_s=tokens_per_s)
    graph = create_hugginggpt_graph(
        llm,
        catalog=Catalog(cards=[ModelCard(id="sum/0", task="summarization", downloads=1)]),
        engines=[SimulatedEngine(durations={f"task-{t['id']}": task_seconds for t in plan})],
        artifacts_dir=work,
        controller_tasks="",
        planner="free",
        plan_demos=0,
        max_concurrency=max_concurrency,
        plan_streaming=streaming,
    )
    start = time.perf_counter()
    state = graph.invoke({"messages": [HumanMessage("run the benchmark plan")]})
    seconds = time.perf_counter() - start
    bad = [r for r in state["results"].values() if r["status"] != "ok"]
    if state.get("error") or bad or len(state["results"]) != len(plan):
        raise RuntimeError(f"benchmark run failed: {state.get('error') or bad}")
    if llm.calls != ["plan", "respond"]:
        raise RuntimeError(f"expected a plan and an answer call, got {llm.calls}")
    early = sum(1 for r in state["results"].values() if r.get("started_during_planning"))
    return seconds, early


def measure(
    work: Path | None = None,
    *,
    sizes: Sequence[int] = SIZES,
    tokens_per_s: float = 200.0,
    task_seconds: float | None = None,
    max_concurrency: int = 4,
    repeats: int = 3,
) -> dict[str, Any]:
    """Median seconds with and without plan streaming for each plan size, and the speedups.

    Args:
        work: folder for the runs' files (default: a temporary folder).
        sizes: plan sizes (tasks); include 8 for `speedup_at_8`.
        tokens_per_s: the simulated controller's writing speed.
        task_seconds: each task's duration; None: half the 8-task plan's writing time (its
            two layers then take as long to run as the plan to write).
        max_concurrency: tasks at once (the graph's default).
        repeats: runs per size and mode; the median is kept.
    """
    if work is None:
        with tempfile.TemporaryDirectory() as tmp:
            return measure(
                Path(tmp),
                sizes=sizes,
                tokens_per_s=tokens_per_s,
                task_seconds=task_seconds,
                max_concurrency=max_concurrency,
                repeats=repeats,
            )
    if task_seconds is None:
        task_seconds = round(plan_seconds(8, tokens_per_s) / 2, 3)
    rows = []
    for tasks in sizes:
        plan = _plan(tasks)
        timing: dict[bool, list[float]] = {True: [], False: []}
        early = 0
        for _ in range(repeats):
            for streaming in (False, True):
                seconds, started = _run(
                    plan,
                    work / "runs",
                    streaming=streaming,
                    tokens_per_s=tokens_per_s,
                    task_seconds=task_seconds,
                    max_concurrency=max_concurrency,
                )
                timing[streaming].append(seconds)
                early = max(early, started) if streaming else early
        without, with_ = statistics.median(timing[False]), statistics.median(timing[True])
        rows.append(
            {
                "tasks": len(plan),
                "plan_seconds": round(plan_seconds(tasks, tokens_per_s), 3),
                "without": round(without, 3),
                "with": round(with_, 3),
                "speedup": round(without / with_, 3),
                "started_during_planning": early,
            }
        )
    at_8 = next((r["speedup"] for r in rows if r["tasks"] == 8), None)
    return {
        "speedup_at_8": at_8,
        "target_at_8": TARGET_AT_8,
        "tokens_per_s": tokens_per_s,
        "task_seconds": task_seconds,
        "max_concurrency": max_concurrency,
        "repeats": repeats,
        "rows": rows,
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Print `measure()` as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens-per-s", type=float, default=200.0)
    parser.add_argument("--task-seconds", type=float, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    figures = measure(
        tokens_per_s=args.tokens_per_s, task_seconds=args.task_seconds, repeats=args.repeats
    )
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
