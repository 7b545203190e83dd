"""The command prints the answer as the controller makes it, and nothing else while it does."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from langchain_hugginggpt import cli
from tests.unit_tests.fake_openai import FakeOpenAIServer
from tests.unit_tests.fakes import RecordingEngine, scripted_cli_env, word_pieces

PLAN = json.dumps(
    {"tasks": [{"id": 1, "task": "summarization", "dep": [], "args": {"text": "a long story"}}]}
)
SELECT = json.dumps(
    {"selections": [{"id": 1, "model": "facebook/bart-large-cnn", "reason": "news"}]}
)
ANSWER = "The story is about a lighthouse keeper who retires."
WAIT_S = 30.0  # only so a broken stream fails the test instead of hanging it


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    scripted_cli_env(monkeypatch, tmp_path)
    # The server's events are counted from the answer's first; a streamed plan would come
    # before it (plan streaming through the command: test_cli_plan_streaming.py).
    monkeypatch.setenv("HUGGINGGPT_PLAN_STREAMING", "0")
    monkeypatch.setattr(cli, "_default_engines", lambda: [RecordingEngine()])


class Terminal:
    """Stands in for stdout: logs each write, and says when the answer's first word is out."""

    def __init__(self, log: list[tuple[str, object]]) -> None:
        self.log = log
        self.text = ""
        self.first_word_out = threading.Event()

    def write(self, text: str) -> int:
        self.log.append(("printed", text))
        self.text += text
        if self.text.startswith(word_pieces(ANSWER)[0]):
            self.first_word_out.set()
        return len(text)

    def flush(self) -> None:
        pass


def test_the_answer_is_printed_before_the_controller_has_finished_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log: list[tuple[str, object]] = []
    terminal = Terminal(log)
    last_word_event = len(word_pieces(ANSWER))  # event 0 is the role, then a word each

    def on_event(index: int) -> None:
        if index == last_word_event:
            # The controller holds its last word until the first one is on the terminal.
            log.append(("waited", terminal.first_word_out.wait(WAIT_S)))
        log.append(("generated", index))

    monkeypatch.setattr("sys.stdout", terminal)
    with FakeOpenAIServer([PLAN, SELECT, ANSWER], on_event=on_event) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        code = cli.main(["summarise this story", "--llm", "openai:local"])
    assert code == 0
    assert ("waited", True) in log, "the first word reached stdout while the last was held"
    first_print = log.index(("printed", word_pieces(ANSWER)[0]))
    assert first_print < log.index(("generated", last_word_event))
    # Only the answer streamed (no planning or selection JSON), then the results as before.
    assert terminal.text.startswith(ANSWER + "\n")
    assert '"tasks"' not in terminal.text and '"selections"' not in terminal.text
    lines = terminal.text.splitlines()
    assert lines[0] == ANSWER and lines.count(ANSWER) == 1
    assert "Results:" in lines and lines[-1].startswith("1. summarization on facebook/bart")
    assert server.requests[-1]["body"].get("stream") is True


def test_json_and_quiet_print_the_answer_once_at_the_end(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeOpenAIServer([PLAN, SELECT, ANSWER, PLAN, SELECT, ANSWER]) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        assert cli.main(["summarise this story", "--llm", "openai:local", "--json"]) == 0
        state = json.loads(capsys.readouterr().out)
        assert state["answer"] == ANSWER
        # The streamed answer's tokens are still counted (the server reports usage when asked).
        assert state["usage"]["respond"]["input_tokens"] == 11
        assert server.requests[2]["body"]["stream_options"] == {"include_usage": True}
        assert cli.main(["summarise this story", "--llm", "openai:local", "-q"]) == 0
        out, err = capsys.readouterr()
    assert out.splitlines()[0] == ANSWER and err == ""


def test_the_streamed_answer_ends_with_what_the_final_answer_adds() -> None:
    log: list[tuple[str, object]] = []
    terminal = Terminal(log)
    live = cli.AnswerStream(terminal)  # type: ignore[arg-type]
    for piece in word_pieces("It is neutral."):
        live.piece(piece)
    live.end_line()  # a progress line came
    live.finish("It is neutral.\n\nFiles:\n- out.wav")
    assert terminal.text == "It is neutral.\n\nFiles:\n- out.wav\n"

    cut = Terminal([])
    live = cli.AnswerStream(cut)  # type: ignore[arg-type]
    live.piece("Yes yes. Yes yes. Yes yes.")
    live.finish("Yes yes.")
    assert cut.text.endswith("\n[the answer as kept]\nYes yes.\n")

    whole = Terminal([])
    live = cli.AnswerStream(whole)  # type: ignore[arg-type]
    live.piece("Done: 1 task ran.")
    live.finish("Done: 1 task ran.")
    assert whole.text == "Done: 1 task ran.\n"
