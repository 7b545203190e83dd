"""`make demo`'s job, end to end on the embedded offline default: no key, no network.

The produced speech is transcribed back and must say what the summary says.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from langchain_hugginggpt import cli
from langchain_hugginggpt.engines.offline.extractive import split_sentences
from langchain_hugginggpt.offline.sample import make_sample
from tests.unit_tests.offline.listen import hear, words

DEMO_REQUEST = (
    "transcribe this recording, summarise it in two sentences, read the summary aloud, "
    "and list the people and places it mentions"
)


@pytest.mark.slow
def test_offline_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("HUGGINGGPT_LLM", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    sample = make_sample(tmp_path / "samples" / "news.wav")

    code = cli.main([DEMO_REQUEST, "--input", str(sample), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "no controller configured; using the embedded Qwen2.5-Coder-0.5B-Instruct" in err
    state = json.loads(out)
    assert sorted(t["task"] for t in state["plan"]) == [
        "automatic-speech-recognition",
        "summarization",
        "text-to-speech",
        "token-classification",
    ]
    by_task = {r["task"]: r for r in state["results"].values()}
    assert {r["status"] for r in by_task.values()} == {"ok"}

    transcript = by_task["automatic-speech-recognition"]["output"]["text"]
    assert len({"maria", "lopez", "london", "paris", "hospital", "berlin"} & words(transcript)) >= 5
    summary = by_task["summarization"]["output"]["text"]
    speech = by_task["text-to-speech"]["output"]["path"]
    assert Path(speech).is_file() and speech in state["files"]

    heard = hear(speech, tmp_path)
    said = words(summary)
    assert len(said & words(heard)) / len(said) >= 0.7, (summary, heard)

    # A real summary: the packaged extractive summariser, two of the transcript's sentences.
    assert by_task["summarization"]["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert len(split_sentences(summary)) == 2, summary
    assert len(summary.split()) <= 0.6 * len(transcript.split())

    people_places = {e["word"] for e in by_task["token-classification"]["output"]["data"]}
    assert {"London", "Paris", "Maria Lopez"} <= people_places
    answer = state["answer"]
    assert answer.count(speech) == 1 and summary in answer
    assert "Maria Lopez (PERSON)" in answer and "London (GPE)" in answer
    # Guided planning fixed every argument of this request from its steps and file, selection
    # took the ranking and the answer's facts come from the results: no LLM call at all.
    assert state["usage"]["total"]["llm_calls"] == 0
