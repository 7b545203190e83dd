"""The CLI's plan approval (`--approve`), threads (`--thread`, `--db`) and `--resume`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from langchain_hugginggpt import cli
from tests.unit_tests.fake_openai import FakeOpenAIServer
from tests.unit_tests.fakes import RecordingEngine, scripted_cli_env
from tests.unit_tests.test_cli import PLAN, SELECT


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    scripted_cli_env(monkeypatch, tmp_path)


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> RecordingEngine:
    recording = RecordingEngine()
    monkeypatch.setattr(cli, "_default_engines", lambda: [recording])
    return recording


def answers(monkeypatch: pytest.MonkeyPatch, *lines: str | type[BaseException]) -> list[str]:
    """Feed `input()`; an exception class is raised when reached; EOF after the last."""
    prompts: list[str] = []
    queue: Iterator[str | type[BaseException]] = iter(lines)

    def fake_input(prompt: str) -> str:
        prompts.append(prompt)
        item = next(queue, EOFError)
        if isinstance(item, type):
            raise item()
        return item

    monkeypatch.setattr("builtins.input", fake_input)
    return prompts


def test_approve_shows_the_review_and_runs_after_yes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], engine: RecordingEngine
) -> None:
    prompts = answers(monkeypatch, "", "?", "a")
    with FakeOpenAIServer([PLAN, SELECT, "Done."]) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        code = cli.main(["summarise and classify", "--llm", "openai:local", "--approve"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert len(prompts) == 3
    assert "[approve] the plan, before anything runs:" in err
    assert "model facebook/bart-large-cnn on recording: news-style summaries" in err
    assert "estimate: 2 tasks, longest chain 2, 1 more LLM call(s), 2 model(s)" in err
    assert "m TASK MODEL" in err  # the help, after "?"
    assert out.startswith("Done.")
    assert [c.model for c in engine.calls] == ["facebook/bart-large-cnn", "ProsusAI/finbert"]


def test_approve_with_a_model_change(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], engine: RecordingEngine
) -> None:
    answers(monkeypatch, "m 2 no/such-model", "a", "m 2 ProsusAI/finbert", "a")
    with FakeOpenAIServer([PLAN, SELECT, "Done."]) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        code = cli.main(["summarise and classify", "--llm", "openai:local", "--approve"])
    _, err = capsys.readouterr()
    assert code == 0, err
    assert "problem: task 2: 'no/such-model' is not a text-classification model" in err
    assert engine.calls[-1].model == "ProsusAI/finbert"


def test_approve_end_of_input_cancels(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], engine: RecordingEngine
) -> None:
    answers(monkeypatch)
    with FakeOpenAIServer([PLAN, SELECT]) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        code = cli.main(["summarise and classify", "--llm", "openai:local", "--approve"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "cancelled" in out
    assert engine.calls == []
    assert "no answer (end of input): cancelling" in err
    assert err.strip().endswith("hugginggpt: cancelled by the user before anything ran")


def test_approve_with_a_plan_file(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    engine: RecordingEngine,
    tmp_path: Path,
) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps([{"id": 1, "task": "summarization", "args": {"text": "x"}}]))
    answers(monkeypatch, f"p {tmp_path / 'missing.json'}", f"p {plan}", "a")
    select = json.dumps({"selections": [{"id": 1, "model": "facebook/bart-large-cnn"}]})
    with FakeOpenAIServer([PLAN, SELECT, select, "Done."]) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        code = cli.main(["summarise and classify", "--llm", "openai:local", "--approve"])
    _, err = capsys.readouterr()
    assert code == 0, err
    assert "cannot read" in err and "missing.json" in err
    assert [c.task for c in engine.calls] == ["summarization"]


def test_thread_follow_up_sees_the_earlier_turn(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    engine: RecordingEngine,
    tmp_path: Path,
) -> None:
    db = tmp_path / "threads.sqlite"
    empty = json.dumps({"tasks": []})
    with FakeOpenAIServer([empty, "Paris is the capital.", empty, "About 2 million."]) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        base = ["--llm", "openai:local", "--thread", "trip", "--db", str(db), "-q"]
        assert cli.main(["what is the capital of France?", *base]) == 0
        assert cli.main(["how many people live there?", *base]) == 0
    out, _ = capsys.readouterr()
    assert "About 2 million." in out
    planned = server.requests[2]["body"]["messages"][-1]["content"]
    assert "User: what is the capital of France?\nAssistant: Paris is the capital." in planned
    assert planned.endswith("The request to plan now: how many people live there?")


def test_resume_continues_an_interrupted_approval(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    engine: RecordingEngine,
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "t.sqlite")
    answers(monkeypatch, KeyboardInterrupt)
    with FakeOpenAIServer([PLAN, SELECT, "Done."]) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        base = ["--llm", "openai:local", "--thread", "t1", "--db", db, "--approve"]
        assert cli.main(["summarise and classify", *base]) == 130
        assert engine.calls == []
        answers(monkeypatch, "a")
        assert cli.main(["--resume", *base]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("Done.")
    assert len(engine.calls) == 2
    assert len(server.requests) == 3  # plan and select were not asked again


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (["--resume"], "--resume needs --thread ID"),
        (["hi", "--resume", "--thread", "x"], "give no new request with it"),
        ([], "give a request"),
        (["  "], "give a request"),
        (["hi", "--db", "x.sqlite"], "--db is used with --thread"),
    ],
)
def test_usage_problems_are_exit_2(
    argv: list[str], problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == 2
    _, err = capsys.readouterr()
    assert problem in err


def test_resume_of_a_finished_thread_is_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    code = cli.main(["--resume", "--thread", "nope", "--db", str(tmp_path / "t.sqlite")])
    _, err = capsys.readouterr()
    assert code == 2 and "thread 'nope' has no unfinished run" in err


def test_db_that_is_a_directory_is_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    code = cli.main(["hi", "--thread", "x", "--db", str(tmp_path), "--llm", "openai:m"])
    _, err = capsys.readouterr()
    assert code == 2 and "is a directory" in err
