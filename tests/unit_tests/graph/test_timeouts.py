"""Timeouts that free resources, end to end: a hung engine stalls neither other tasks nor other
runs, and nothing an engine or a task's start raises escapes the execute node.

Events order the threads; `task_timeout_s` is the behaviour under test and `GUARD_S` only a hang
guard. No test asserts how long anything took.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from langchain_hugginggpt import Catalog, create_hugginggpt_graph
from langchain_hugginggpt.engines.base import Engine
from langchain_hugginggpt.graph import execute
from langchain_hugginggpt.plan.types import PlannedTask
from tests.unit_tests.fakes import LoadingEngine, RecordingEngine, ScriptedChatModel, cards

GUARD_S = 20.0


@pytest.fixture
def catalog() -> Catalog:
    return Catalog(cards=[*cards("summarization", "sum/a"), *cards("text-classification", "cls/a")])


def plan(*tasks: tuple[int, str]) -> str:
    return json.dumps(
        {"tasks": [{"id": i, "task": name, "dep": [], "args": {"text": "t"}} for i, name in tasks]}
    )


def run(catalog: Catalog, engine: Engine, tmp_path: Path, *tasks: tuple[int, str], **ctx: Any):  # type: ignore[no-untyped-def]
    llm = ScriptedChatModel(script=[plan(*tasks), "done"])
    graph = create_hugginggpt_graph(
        llm,
        catalog=catalog,
        engines=[engine],
        artifacts_dir=tmp_path / "runs",
        controller_tasks="",
        **ctx,
    )
    return graph.invoke({"messages": [HumanMessage("x")]})["results"]


def hang(entered: threading.Event, release: threading.Event) -> Any:
    def action(*_: Any) -> None:
        entered.set()
        release.wait(GUARD_S)

    return action


def test_a_timed_out_task_frees_its_slot_at_once(
    catalog: Catalog, release: threading.Event, tmp_path: Path
) -> None:
    entered = threading.Event()
    seen_while_hung: list[bool] = []
    engine = RecordingEngine(
        behaviour={
            "sum/a": hang(entered, release),
            "cls/a": lambda r: seen_while_hung.append(entered.is_set() and not release.is_set()),
        }
    )
    results = run(
        catalog,
        engine,
        tmp_path,
        (1, "summarization"),
        (2, "text-classification"),
        max_concurrency=1,
        task_timeout_s=0.3,
    )
    assert results["1"]["status"] == "error"
    assert "sum/a timed out after 0.3 s" in results["1"]["error"]
    # One slot: task 2 ran only once task 1 gave it up, while task 1's call still hung.
    assert results["2"]["status"] == "ok" and seen_while_hung == [True]
    assert engine.calls_for("summarization")[0].end == 0.0  # still hung


@pytest.mark.parametrize("stage", ["run", "load"])
def test_a_hung_engine_does_not_stall_a_second_run(
    catalog: Catalog, release: threading.Event, tmp_path: Path, stage: str
) -> None:
    entered = threading.Event()
    engine = LoadingEngine(**{f"on_{stage}": {"sum/a": hang(entered, release)}})  # type: ignore[arg-type]
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(
            run, catalog, engine, tmp_path / "1", (1, "summarization"), task_timeout_s=0.3
        )
        assert entered.wait(GUARD_S)
        # Run 2 loads and runs another model on the same engine and cache while run 1 hangs.
        second = run(catalog, engine, tmp_path / "2", (1, "text-classification"))
        assert second["1"]["status"] == "ok" and not release.is_set()
        first_results = first.result(GUARD_S)
    assert "sum/a timed out after 0.3 s" in first_results["1"]["error"]
    assert engine.loads.count("sum/a") == 1 and "cls/a" in engine.loads
    assert not release.is_set()  # run 1 finished while its engine call was still hung


class Aborted(BaseException):
    """A BaseException that is not an Exception."""


@pytest.mark.parametrize("stage", ["run", "load"])
@pytest.mark.parametrize("error", [RuntimeError("boom"), Aborted("boom")])
def test_an_engine_error_fails_its_task_only(
    catalog: Catalog, tmp_path: Path, stage: str, error: BaseException
) -> None:
    def fail(*_: Any) -> None:
        raise error

    engine = LoadingEngine(**{f"on_{stage}": {"sum/a": fail}})  # type: ignore[arg-type]
    results = run(catalog, engine, tmp_path, (1, "summarization"), (2, "text-classification"))
    assert results["1"]["status"] == "error" and "boom" in results["1"]["error"]
    assert type(error).__name__ in results["1"]["error"]
    assert results["2"]["status"] == "ok"


def test_a_start_that_raises_fails_its_task_only(
    catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = execute.resolve_inputs

    def resolve(task: PlannedTask, done: Any) -> Any:
        if task.task == "summarization":
            raise RuntimeError("cannot start this one")
        return real(task, done)

    monkeypatch.setattr(execute, "resolve_inputs", resolve)
    results = run(
        catalog, RecordingEngine(), tmp_path, (1, "summarization"), (2, "text-classification")
    )
    assert results["1"]["status"] == "error"
    assert results["1"]["error"] == "could not start: RuntimeError: cannot start this one"
    assert results["2"]["status"] == "ok"


def test_a_job_that_crashes_outside_the_ladder_fails_its_task_only(
    catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = execute.run_ladder

    def ladder(task: Any, *args: Any, **kwargs: Any) -> Any:
        if task.name == "summarization":
            raise RuntimeError("ladder broke")
        return real(task, *args, **kwargs)

    monkeypatch.setattr(execute, "run_ladder", ladder)
    results = run(
        catalog, RecordingEngine(), tmp_path, (1, "summarization"), (2, "text-classification")
    )
    assert results["1"]["status"] == "error"
    assert results["1"]["error"] == "RuntimeError: ladder broke"
    assert results["2"]["status"] == "ok"
