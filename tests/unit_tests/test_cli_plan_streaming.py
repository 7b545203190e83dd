"""Plan streaming through the command, on an OpenAI-compatible server that streams."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from langchain_hugginggpt import cli
from tests.unit_tests.fake_openai import FakeOpenAIServer
from tests.unit_tests.fakes import RecordingEngine, scripted_cli_env

PLAN = json.dumps(
    {
        "tasks": [
            {"id": 1, "task": "summarization", "dep": [], "args": {"text": "a long story"}},
            {"id": 2, "task": "text-classification", "dep": [1], "args": {"text": "<GENERATED>-1"}},
        ]
    }
)
SELECT = json.dumps(
    {"selections": [{"id": 1, "model": "facebook/bart-large-cnn", "reason": "news"}]}
)
ANSWER = "The story is about a lighthouse keeper who retires."


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    scripted_cli_env(monkeypatch, tmp_path)
    monkeypatch.setattr(cli, "_default_engines", lambda: [RecordingEngine()])


def test_the_plan_streams_and_the_command_still_prints_only_the_answer_and_results(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeOpenAIServer([PLAN, SELECT, ANSWER]) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        assert cli.main(["summarise this story and classify it", "--llm", "openai:local"]) == 0
    out = capsys.readouterr().out
    plan_request = server.requests[0]["body"]
    assert plan_request.get("stream") is True
    # Asked for usage, so the streamed plan's tokens are counted like the others'.
    assert plan_request["stream_options"] == {"include_usage": True}
    assert len(server.requests) == 3  # plan, one selection call, answer
    assert out.splitlines()[0] == ANSWER
    assert '"tasks"' not in out and '"selections"' not in out
    assert "2. text-classification" in out


def test_the_json_state_counts_the_streamed_plan(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeOpenAIServer([PLAN, SELECT, ANSWER]) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        assert cli.main(["summarise this story", "--llm", "openai:local", "--json"]) == 0
    state = json.loads(capsys.readouterr().out)
    assert state["usage"]["plan"] == {
        "llm_calls": 1,
        "input_tokens": 11,
        "output_tokens": 7,
        "seconds": state["usage"]["plan"]["seconds"],
    }
    assert state["usage"]["total"]["llm_calls"] == 3
    assert state["results"]["2"]["status"] == "ok"
