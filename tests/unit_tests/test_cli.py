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
    {
        "selections": [
            {"id": 1, "model": "facebook/bart-large-cnn", "reason": "news-style summaries"},
            {"id": 2, "model": "ProsusAI/finbert", "reason": "finance"},
        ]
    }
)


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    scripted_cli_env(monkeypatch, tmp_path)


def test_json_output_has_plan_selections_results_usage_and_answer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "_default_engines", lambda: [RecordingEngine()])
    with FakeOpenAIServer([PLAN, SELECT, "It is neutral."]) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        code = cli.main(["summarise and classify this", "--llm", "openai:local", "--json"])
    out, err = capsys.readouterr()
    assert code == 0
    state = json.loads(out)
    assert [t["id"] for t in state["plan"]] == [1, 2]
    assert state["selections"]["1"]["model"] == "facebook/bart-large-cnn"
    assert state["results"]["2"]["status"] == "ok"
    assert {"started_at", "ended_at", "seconds"} <= set(state["results"]["1"])
    assert state["usage"]["total"]["llm_calls"] == 3
    assert state["usage"]["plan"]["input_tokens"] == 11
    assert state["answer"] == "It is neutral."
    assert "[plan] 1. summarization" in err and "[select] task 1: facebook/bart-large-cnn" in err
    assert "[task 2] text-classification ok" in err


def test_plan_only_prints_the_plan(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeOpenAIServer([PLAN]) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        code = cli.main(["summarise", "--llm", "openai:local", "--plan-only", "-q"])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    assert [t["task"] for t in json.loads(out)] == ["summarization", "text-classification"]
    assert len(server.requests) == 1


def test_failed_task_gives_exit_1_and_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "_default_engines", lambda: [])
    with FakeOpenAIServer([PLAN, "Nothing could run."]) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        code = cli.main(["summarise", "--llm", "openai:local", "-q"])
    out, err = capsys.readouterr()
    assert code == 1
    assert out.startswith("Nothing could run.")
    assert err.strip().splitlines() == [
        "hugginggpt: task 1 (summarization) failed: no model for summarization can run here "
        "(inference mode auto); register a local model or allow remote inference"
    ]


def test_no_controller_and_no_offline_extra_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "offline_controller_factory", lambda: None)
    code = cli.main(["hello"])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("hugginggpt: no controller LLM is configured: ")
    assert err.count("\n") == 1


def test_bad_setting_is_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    code = cli.main(["hello", "--top-k", "0", "--llm", "openai:m"])
    _, err = capsys.readouterr()
    assert code == 2 and "top_k must be at least 1, got 0" in err


def test_missing_input_file_is_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = cli.main(["describe it", "--input", str(tmp_path / "nope.png"), "--llm", "openai:m"])
    _, err = capsys.readouterr()
    assert code == 2 and err == f"hugginggpt: input file not found: {tmp_path / 'nope.png'}\n"


def test_inputs_are_named_in_the_request_and_their_folder_allowed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    photo = tmp_path / "pics" / "cat.png"
    photo.parent.mkdir()
    photo.write_bytes(b"\x89PNG\r\n\x1a\n")
    assert cli.request_with_inputs("describe it", [photo]) == f"describe it\n\nInput file: {photo}"
    with FakeOpenAIServer([json.dumps({"tasks": []}), "ok"]) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        code = cli.main(["describe it", "--input", str(photo), "--llm", "openai:m", "-q"])
    assert code == 0
    sent = server.requests[0]["body"]["messages"][-1]["content"]
    assert sent.endswith(f"Input file: {photo}")


def test_plain_output_lists_every_task_result(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "_default_engines", lambda: [RecordingEngine()])
    with FakeOpenAIServer([PLAN, SELECT, "It is neutral."]) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        assert cli.main(["summarise and classify", "--llm", "openai:local", "-q"]) == 0
    out, _ = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == "It is neutral." and "Results:" in lines
    assert lines[-2].startswith(
        "1. summarization on facebook/bart-large-cnn: ok. [summarization by"
    )
    assert lines[-1].startswith("2. text-classification on ProsusAI/finbert: ok.")


def test_a_task_without_its_runtime_names_the_extra_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As on a bare install (no torch): the reason in the results and the answer names `local`."""
    from langchain_hugginggpt.engines import availability

    monkeypatch.setattr(availability, "find_spec", lambda name: None)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HUGGING_FACE_HUB_TOKEN", raising=False)
    monkeypatch.setattr(cli, "_default_engines", lambda: [])
    with FakeOpenAIServer([PLAN, "Nothing could run."]) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        code = cli.main(["summarise", "--llm", "openai:local", "--json"])
    out, _ = capsys.readouterr()
    assert code == 1
    errors = [r["error"] for r in json.loads(out)["results"].values()]
    hint = "install langchain-hugginggpt[local] to run summarization on this machine"
    assert any(hint in e and e.count(hint) == 1 for e in errors)
    assert "or set HF_TOKEN to run it on Inference Providers" in errors[0]
