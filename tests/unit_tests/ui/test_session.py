"""The web page's parts without a browser: the plan drawing, the models table, the session."""

from __future__ import annotations

import itertools
import json
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from langchain_hugginggpt import Catalog, create_hugginggpt_graph
from langchain_hugginggpt.cli import main as cli_main
from langchain_hugginggpt.ui.app import models_rows, with_partial_answer
from langchain_hugginggpt.ui.plan_svg import plan_svg
from langchain_hugginggpt.ui.session import Session, Update
from tests.unit_tests.fakes import (
    RecordingEngine,
    ScriptedChatModel,
    StreamingScriptedModel,
    cards,
    word_pieces,
)

PLAN = json.dumps(
    {
        "tasks": [
            {"id": 1, "task": "summarization", "dep": [], "args": {"text": "a long text"}},
            {"id": 2, "task": "translation", "dep": [1], "args": {"text": "<GENERATED>-1"}},
        ]
    }
)


def test_plan_svg_draws_nodes_edges_and_statuses() -> None:
    assert "No plan yet" in plan_svg([], {})
    plan = [
        {"id": 1, "task": "summarization", "dep": []},
        {"id": 2, "task": "text-to-speech<script>", "dep": [1]},
    ]
    svg = plan_svg(plan, {1: "ok", 2: "running"}, {1: "org/sum"})
    assert svg.count('class="plan-node"') == 2 and svg.count('class="plan-edge"') == 1
    assert 'data-task="1" data-status="ok"' in svg and 'data-status="running"' in svg
    assert "org/sum" in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_models_rows_link_hub_models_only() -> None:
    view = Update(
        plan=[{"id": 1, "task": "summarization"}, {"id": 2, "task": "translation"}],
        selections={
            "1": {"model": "org/sum", "reason": "best", "candidates": ["org/sum", "local/x"]},
            "2": {"model": "controller-llm", "reason": "me", "candidates": ["controller-llm"]},
        },
    )
    assert models_rows(view) == [
        ["1. summarization", "[org/sum](https://huggingface.co/org/sum)", "best", "local/x"],
        ["2. translation", "controller-llm", "me", ""],
    ]


def _graph(tmp_path: Path, llm: Any, **settings: Any) -> Any:
    catalog = Catalog(cards=[*cards("summarization", "sum/a"), *cards("translation", "tr/a")])
    return create_hugginggpt_graph(
        llm,
        catalog=catalog,
        engines=[RecordingEngine()],
        checkpointer=InMemorySaver(),
        artifacts_dir=tmp_path / "runs",
        controller_tasks="",
        planner="free",
        **settings,
    )


def test_session_streams_live_statuses_then_the_answer(tmp_path: Path) -> None:
    session = Session(_graph(tmp_path, ScriptedChatModel(script=[PLAN, "Done."])))
    seen: list[dict[int, str]] = []
    for view in session.ask("summarise and translate"):
        seen.append(dict(view.statuses))
    assert {1: "running", 2: "pending"} in seen  # the page saw task 1 run before task 2
    assert seen[-1] == {1: "ok", 2: "ok"}
    assert session.view.done and session.view.answer == "Done." and session.view.error is None


def test_empty_request_and_failures_are_messages(tmp_path: Path) -> None:
    session = Session(_graph(tmp_path, ScriptedChatModel(script=[RuntimeError("down")])))
    (view,) = list(session.ask("   "))
    assert view.error == "Type a request first."
    *_, view = session.ask("summarise")
    assert view.error is not None and "down" in view.error and "Traceback" not in view.error


def test_session_pauses_for_approval_and_resumes(tmp_path: Path) -> None:
    llm = ScriptedChatModel(script=[PLAN, "Done."])
    session = Session(_graph(tmp_path, llm, approve_plan=True))
    *_, view = session.ask("summarise and translate")
    assert view.review is not None and not view.done
    assert [t["model"] for t in view.review["tasks"]] == ["sum/a", "tr/a"]
    *_, view = session.decide({"action": "approve"})
    assert view.done and view.answer == "Done." and view.statuses == {1: "ok", 2: "ok"}


def test_ui_command_without_gradio_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "gradio", None)  # import gradio raises ImportError
    assert cli_main(["ui", "--port", "9"]) == 2
    assert 'pip install "langchain-hugginggpt[ui]"' in capsys.readouterr().err


def test_session_shows_the_answer_growing_as_the_controller_writes_it(tmp_path: Path) -> None:
    answer = "Both texts were summarised and then translated into French."
    pieces = word_pieces(answer)
    partial_seen = threading.Event()
    log: list[tuple[str, object]] = []
    replies: list[str] = []

    def on_piece(index: int, piece: str) -> None:
        if index == 0:
            replies.append(piece)
        if replies[-1] != pieces[0]:
            return  # the plan's pieces: it streams too (plan streaming)
        if index == len(pieces) - 1:
            # The controller holds its last word until the page has shown an earlier one.
            log.append(("waited", partial_seen.wait(30.0)))
        log.append(("generated", index))

    llm = StreamingScriptedModel(script=[PLAN, answer], on_piece=on_piece)
    session = Session(_graph(tmp_path, llm))
    shown: list[str] = []
    for view in session.ask("summarise and translate"):
        if view.answer and not view.done:
            shown.append(view.answer)
            log.append(("shown", view.answer))
            partial_seen.set()
    assert ("waited", True) in log
    assert log.index(("shown", pieces[0])) < log.index(("generated", len(pieces) - 1))
    assert shown[0] == pieces[0] and len(shown) >= 2
    assert all(later.startswith(earlier) for earlier, later in itertools.pairwise(shown))
    assert len(set(shown)) >= 3 and shown[-1] == answer, "the answer grew a word at a time"
    assert session.view.done and session.view.answer == answer
    # The page shows the partial answer as the chat's last message, the final one once done.
    partial = Update(answer=pieces[0])
    assert with_partial_answer(partial, [])[-1] == {"role": "assistant", "content": pieces[0]}
    assert with_partial_answer(session.view, []) == []
