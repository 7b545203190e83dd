"""Many concurrent async runs (as an Agent Server makes them) all finish."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

from langchain_core.messages import HumanMessage

from langchain_hugginggpt import Catalog, create_hugginggpt_graph
from tests.unit_tests.fakes import RecordingEngine, ScriptedChatModel, cards

PLAN = json.dumps(
    {
        "tasks": [
            {"id": 1, "task": "summarization", "dep": [], "args": {"text": "a"}},
            {"id": 2, "task": "summarization", "dep": [], "args": {"text": "b"}},
        ]
    }
)


def test_more_concurrent_async_runs_than_pool_threads_all_finish(tmp_path: Path) -> None:
    """A run waiting for its tasks must not hold a thread its tasks need.

    asyncio's default pool has `min(32, cores + 4)` threads; with the execute node waiting on
    one of them, that many concurrent runs deadlocked. The guard is a hang guard only.
    """
    runs = min(32, (os.cpu_count() or 1) + 4) * 2
    llm = ScriptedChatModel(script=[PLAN] * (3 * runs))
    engine = RecordingEngine()
    graph = create_hugginggpt_graph(
        llm,
        catalog=Catalog(cards=[*cards("summarization", "sum/a")]),
        engines=[engine],
        controller_tasks="",
        planner="free",
        artifacts_dir=tmp_path,
    )

    async def all_runs() -> list[dict[str, object]]:
        calls = [graph.ainvoke({"messages": [HumanMessage(f"run {i}")]}) for i in range(runs)]
        return list(await asyncio.wait_for(asyncio.gather(*calls), timeout=120))

    states = asyncio.run(all_runs())
    assert len(states) == runs
    for state in states:
        results = state["results"]
        assert isinstance(results, dict)
        assert {k: r["status"] for k, r in results.items()} == {"1": "ok", "2": "ok"}
    assert len(engine.calls) == 2 * runs
