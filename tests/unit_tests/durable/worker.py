"""A HuggingGPT run in its own process, for the kill-and-resume test.

Usage: `python -m tests.unit_tests.durable.worker DB LOG start|resume THREAD`; DB is a SQLite
file, or a `postgresql://` URL for the PostgreSQL checkpointer.
`start` runs a four-task plan (1 -> 3, 2 -> 4) whose task 3 hangs (the test kills the process
there). Task 1 is slow, so 2 and 4 finish first: the tasks are called in an order that differs
from the plan's, which is what a resume must cope with;
`resume` continues the thread from the database and prints the final results as JSON.
Every engine call appends `start <task>` / `end <task>` to LOG, flushed at once.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from langchain_core.messages import HumanMessage

from langchain_hugginggpt import Catalog, create_hugginggpt_graph
from langchain_hugginggpt.engines import EngineRequest
from langchain_hugginggpt.graph.durable import postgres_checkpointer, sqlite_checkpointer
from tests.unit_tests.fakes import RecordingEngine, ScriptedChatModel, cards

PLAN = json.dumps(
    {
        "tasks": [
            {"id": 1, "task": "summarization", "dep": [], "args": {"text": "a long report"}},
            {"id": 2, "task": "translation", "dep": [], "args": {"text": "a short note"}},
            {"id": 3, "task": "text-classification", "dep": [1], "args": {"text": "<GENERATED>-1"}},
            {"id": 4, "task": "text-to-speech", "dep": [2], "args": {"text": "<GENERATED>-2"}},
        ]
    }
)


def main(db: str, log: str, phase: str, thread: str) -> None:
    def write(line: str) -> None:
        with open(log, "a", encoding="utf-8") as f:
            f.write(line + "\n")
            f.flush()
            os.fsync(f.fileno())

    def logged(request: EngineRequest) -> None:
        write(f"start {request.task.name}")
        if phase == "start" and request.task.name == "summarization":
            time.sleep(1.0)
        if phase == "start" and request.task.name == "text-classification":
            time.sleep(600)  # killed here by the test

    tasks = ("summarization", "translation", "text-classification", "text-to-speech")
    engine = RecordingEngine(behaviour={t: logged for t in tasks})
    catalog = Catalog(cards=[c for t in tasks for c in cards(t, f"{t}/only")])
    script = [PLAN] if phase == "start" else ["Done: all four tasks ran."]
    graph = create_hugginggpt_graph(
        ScriptedChatModel(script=script),
        catalog=catalog,
        engines=[engine],
        checkpointer=(
            postgres_checkpointer(db) if db.startswith("postgresql://") else sqlite_checkpointer(db)
        ),
        artifacts_dir=Path(log).parent / "runs",
        controller_tasks="",
        max_concurrency=2,
    )
    config = {"configurable": {"thread_id": thread}}
    if phase == "start":
        request = HumanMessage(content="summarise and classify; translate and read aloud")
        graph.invoke({"messages": [request]}, config)
        return
    state = graph.invoke(None, config)
    print(json.dumps({"results": state["results"], "answer": state["messages"][-1].text}))


if __name__ == "__main__":
    main(*sys.argv[1:])
