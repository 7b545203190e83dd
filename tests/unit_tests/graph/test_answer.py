"""Answers never misreport: facts come from the results, prose is bounded and loop-free."""

import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from langchain_hugginggpt import Catalog, create_hugginggpt_graph
from langchain_hugginggpt.graph.answer import (
    bound_prose,
    compose_facts,
    cut_repetition,
    failure_lines,
    task_label,
)
from tests.unit_tests.engines.tiny_models import write_wav
from tests.unit_tests.fakes import RecordingEngine, ScriptedChatModel, cards

LIAR = "The recording at {path} was transcribed using asr/a. The generated file is {path}."


def plan_json(*tasks: dict[str, Any]) -> str:
    return json.dumps({"tasks": list(tasks)})


def asr_then_tts(audio: str) -> str:
    return plan_json(
        {"id": 1, "task": "automatic-speech-recognition", "dep": [], "args": {"audio": audio}},
        {"id": 2, "task": "text-to-speech", "dep": [1], "args": {"text": "<GENERATED>-1"}},
    )


@pytest.fixture
def catalog() -> Catalog:
    return Catalog(
        cards=[
            *cards("automatic-speech-recognition", "asr/a"),
            *cards("text-to-speech", "tts/a"),
        ]
    )


def run(
    tmp_path: Path,
    catalog: Catalog,
    audio: str,
    style: str,
    *,
    answer: str = "",
    engine: type[RecordingEngine] = RecordingEngine,
) -> tuple[dict[str, Any], ScriptedChatModel]:
    """The run's final state, and the controller that planned it (and wrote its answer)."""
    script = [asr_then_tts(audio)] + ([answer.format(path=audio)] if style == "written" else [])
    llm = ScriptedChatModel(script=script)
    graph = create_hugginggpt_graph(
        llm,
        catalog=catalog,
        engines=[engine(media={"text-to-speech": (".wav", _wav_bytes(tmp_path))})],
        artifacts_dir=tmp_path / "runs",
        controller_tasks="",
        answer_style=style,
    )
    state = graph.invoke({"messages": [HumanMessage(f"transcribe {audio} and read it aloud")]})
    assert len(llm.calls) == len(script), "the facts answer asks the controller nothing"
    return state, llm


def _wav_bytes(tmp_path: Path) -> bytes:
    path = tmp_path / "speech-source.wav"
    write_wav(path, seconds=0.2)
    return path.read_bytes()


def answer_text(state: dict[str, Any]) -> str:
    return state["messages"][-1].content[0]["text"]


@pytest.fixture
def bad_inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[str, str]]:
    """Each bad input, and the words its refusal must contain."""
    inside = tmp_path / "work"
    inside.mkdir()
    monkeypatch.chdir(inside)
    (inside / "empty.wav").write_bytes(b"")
    (inside / "corrupt.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk")
    outside = tmp_path / "secret.wav"
    write_wav(outside, seconds=0.2)
    return {
        "empty": ("empty.wav", "is empty"),
        "corrupt": ("corrupt.wav", "not"),
        "outside": ("../secret.wav", "outside the allowed folders"),
        "private": ("http://127.0.0.1:9/x.wav", "private"),
    }


@pytest.mark.parametrize("style", ["facts", "written"])
@pytest.mark.parametrize("kind", ["empty", "corrupt", "outside", "private"])
def test_a_refused_input_is_reported_as_failed_with_its_reason(
    tmp_path: Path,
    catalog: Catalog,
    bad_inputs: dict[str, tuple[str, str]],
    kind: str,
    style: str,
) -> None:
    audio, reason = bad_inputs[kind]
    state, _ = run(tmp_path, catalog, audio, style, answer=LIAR)
    text = answer_text(state)
    assert state["results"]["1"]["status"] == "error"
    assert state["results"]["2"]["status"] == "skipped"
    assert "Automatic speech recognition (task 1) failed: bad input:" in text
    assert reason in text.split("(task 1) failed:", 1)[1].splitlines()[0]
    assert "Text to speech (task 2) was skipped" in text
    assert "Files:" not in text, "no file was made, so none is listed"
    if style == "facts":
        assert "transcribed" not in text and "generated file" not in text
        assert text.startswith("All 2 tasks failed or were skipped")


@pytest.mark.parametrize("style", ["facts", "written"])
def test_a_run_where_everything_worked_is_not_described_as_failed(
    tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch, style: str
) -> None:
    monkeypatch.chdir(tmp_path)
    write_wav(tmp_path / "talk.wav", seconds=0.2)
    state, _ = run(tmp_path, catalog, "talk.wav", style, answer="Your recording, read aloud.")
    text = answer_text(state)
    assert {r["status"] for r in state["results"].values()} == {"ok"}
    for word in ("fail", "skipped", "Not done", "error"):
        assert word not in text
    spoken = state["results"]["2"]["output"]["path"]
    assert text.count(spoken) == 1, "each file is named once"
    if style == "facts":
        assert text.startswith("Done: 2 tasks ran.")
        assert "[automatic-speech-recognition by asr/a]" in text  # the real output, quoted
    else:
        assert text.startswith("Your recording, read aloud.")
        assert text.endswith(f"Files:\n- {spoken}")


def test_the_embedded_controller_gets_the_facts_answer_by_default(
    tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    from langchain_hugginggpt.graph.context import Context
    from langchain_hugginggpt.graph.respond import _facts_only
    from langchain_hugginggpt.offline.chat_model import ChatLlamaCpp

    embedded = ChatLlamaCpp.model_construct(model_path=str(tmp_path / "never-loaded.gguf"))
    assert _facts_only(Context(), embedded)
    assert not _facts_only(Context(), ScriptedChatModel(script=[]))
    assert not _facts_only(Context(answer_style="written"), embedded)
    assert _facts_only(Context(answer_style="facts"), ScriptedChatModel(script=[]))


def test_a_written_answer_that_loops_is_cut_and_bounded(
    tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_wav(tmp_path / "talk.wav", seconds=0.2)
    looping = "Here is the summary. " + "The file is notes.txt. " * 65
    state, _ = run(tmp_path, catalog, "talk.wav", "written", answer=looping)
    text = answer_text(state)
    assert text.count("notes.txt") == 1
    assert text.startswith("Here is the summary. The file is notes.txt.\n\nFiles:")


def test_an_unknown_answer_style_is_refused() -> None:
    from langchain_hugginggpt.graph.context import Context

    with pytest.raises(ValueError, match="answer_style must be auto, facts or written"):
        Context(answer_style="poetic")


# The pieces.


def test_compose_facts_names_each_result_and_each_failure() -> None:
    plan = [
        {"id": 1, "task": "image-to-text", "dep": [], "args": {"image": "sign.png"}},
        {"id": 2, "task": "text-to-speech", "dep": [1], "args": {"text": "<GENERATED>-1"}},
        {"id": 3, "task": "token-classification", "dep": [], "args": {"text": "Ada"}},
    ]
    results = {
        "1": {"status": "ok", "model": "ocr/x", "output": {"type": "text", "text": "EXIT ONLY"}},
        "2": {"status": "error", "model": "tts/x", "error": "every candidate failed (tts/x: boom)"},
        "3": {"status": "skipped", "error": "task 9 failed"},
    }
    text = compose_facts(plan, results)
    assert text.splitlines()[0] == "1 of 3 tasks finished; 2 did not (see below)."
    assert "- Image to text (task 1, on ocr/x): EXIT ONLY" in text
    assert "- Text to speech (task 2) failed: every candidate failed (tts/x: boom)" in text
    assert "- Token classification (task 3) was skipped: task 9 failed" in text
    assert "sign.png" not in text, "an input is never described as a result"


def test_compose_facts_gives_media_their_path_and_marks_the_method() -> None:
    plan = [{"id": 1, "task": "summarization", "dep": [], "args": {"text": "x"}}]
    results = {
        "1": {
            "status": "ok",
            "model": "m/x",
            "output": {"type": "text", "text": "Short.", "data": {"method": "extractive"}},
        }
    }
    assert "Summarization (task 1, on m/x, extractive): Short." in compose_facts(plan, results)
    results["1"]["output"] = {"type": "audio", "text": "speech (2.0 s)", "path": "/r/a.wav"}
    assert "speech (2.0 s), saved as /r/a.wav" in compose_facts(plan, results)


def test_compose_facts_of_no_task_and_of_a_task_never_run() -> None:
    assert compose_facts([], {}) == "Nothing was run: the request asked for no task."
    plan = [{"id": 1, "task": "summarization", "dep": [], "args": {"text": "x"}}]
    assert failure_lines(plan, {}) == ["Summarization (task 1) did not run"]


def test_long_outputs_are_clipped_in_the_facts() -> None:
    plan = [{"id": 1, "task": "summarization", "dep": [], "args": {"text": "x"}}]
    results = {"1": {"status": "ok", "model": "m", "output": {"type": "text", "text": "w " * 900}}}
    line = compose_facts(plan, results, max_chars=100).splitlines()[-1]
    assert line.endswith("...") and len(line) < 160


def test_cut_repetition() -> None:
    assert cut_repetition("Yes. No. Yes. Fine.") == "Yes. No. Yes. Fine."
    said = "The cat sat down. It was warm. The cat sat down. Done."
    assert cut_repetition(said) == "The cat sat down. It was warm."
    assert cut_repetition("Files: x.txt\nFiles: x.txt\nFiles: x.txt") == "Files: x.txt"
    looped = "The answer is " + "very " * 40 + "long."
    assert cut_repetition(looped) == "The answer is very ..."
    phrase = "It said " + "and then the model " * 10
    assert cut_repetition(phrase) == "It said and then the model ..."
    assert cut_repetition("no no no") == "no no no", "a short repeat is language, not a loop"


def test_bound_prose_ends_at_a_boundary() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(200))
    bounded = bound_prose(text, 300)
    assert len(bounded) <= 306 and bounded.endswith("here. [...]")


def test_task_label() -> None:
    assert task_label("automatic-speech-recognition") == "Automatic speech recognition"


UNSURE = "the model was unsure of this transcript; the recording may be unclear"


class _UnsureEngine(RecordingEngine):
    """Transcribes with a caution, as the faster-whisper engine does for unclear recordings."""

    def run(self, request: Any) -> Any:
        out = super().run(request)
        if request.task.name == "automatic-speech-recognition":
            out["data"] = {"language": "en", "caution": UNSURE}
        return out


@pytest.mark.parametrize("style", ["facts", "written"])
def test_a_result_the_model_was_unsure_of_says_so(
    tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch, style: str
) -> None:
    monkeypatch.chdir(tmp_path)
    write_wav(tmp_path / "talk.wav", seconds=0.2)
    state, llm = run(
        tmp_path, catalog, "talk.wav", style, answer="She says hello.", engine=_UnsureEngine
    )
    text = answer_text(state)
    if style == "facts":
        line = next(x for x in text.splitlines() if x.startswith("- Automatic speech"))
        assert line.endswith(f"(caution: {UNSURE})")
        assert text.count("caution") == 1, "the speech made from it carries no caution"
    else:
        # The controller saw the caution in the record, and the system lists it under the answer.
        assert f'"caution": "{UNSURE}"' in str(llm.calls[-1][0].content)
        assert f"\n\nCaution:\n- Automatic speech recognition (task 1): {UNSURE}" in text


def test_caution_lines_only_for_finished_results() -> None:
    from langchain_hugginggpt.graph.answer import caution_lines

    plan = [
        {"id": 1, "task": "image-to-text", "dep": [], "args": {}},
        {"id": 2, "task": "translation", "dep": [1], "args": {}},
    ]
    unsure = {"type": "text", "text": "EXIT", "data": {"caution": "hard to read"}}
    results = {
        "1": {"status": "ok", "output": unsure},
        "2": {"status": "error", "error": "x", "output": unsure},
    }
    assert caution_lines(plan, results) == ["Image to text (task 1): hard to read"]
    results["1"]["output"] = {**unsure, "data": {"caution": " "}}
    assert caution_lines(plan, results) == []
