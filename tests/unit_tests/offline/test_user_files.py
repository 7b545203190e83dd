"""The offline default on files a user brings: a sign, a screenshot, notes, a PDF, a scan.

Each runs the `hugginggpt` command end to end on the embedded default (no key, no network) and
checks what the user gets: the plan, which model ran, the text each task really produced, and
for spoken answers what faster-whisper hears in them.
"""

from __future__ import annotations

import json
import shutil
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest

from langchain_hugginggpt import cli
from langchain_hugginggpt.artifacts.language import detect_language
from langchain_hugginggpt.engines.checks import summary_problem
from langchain_hugginggpt.engines.offline.tesseract_ocr import tesseract_path
from langchain_hugginggpt.offline.sample import make_sample
from tests.unit_tests.offline.images import sign_photo, text_screenshot
from tests.unit_tests.offline.listen import hear, words

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        find_spec("llama_cpp") is None or find_spec("faster_whisper") is None,
        reason="needs the offline extra",
    ),
    pytest.mark.skipif(tesseract_path() is None, reason="needs Debian's tesseract-ocr"),
]

NOTES = """Meeting notes, 14 March.

Priya Raman from Northwind Analytics opened the meeting and presented the quarterly results.
Revenue grew by twelve percent, driven mostly by the new logistics dashboard that the team
shipped in January. Tom Becker said the Berlin office will hire four engineers before summer.
The group agreed that Contoso Bank remains the largest customer, but that its contract must be
renewed by June. Priya asked Tom to prepare a hiring plan and to meet the bank's procurement
team next week. Finally, the team discussed moving the weekly stand-up to Thursday mornings,
and everyone agreed to try it for a month.
"""
"""Written for this test: a user's meeting notes, 105 words, with people and organisations."""


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("HUGGINGGPT_LLM", "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def ask(capsys: pytest.CaptureFixture[str], request: str, *inputs: Path) -> dict[str, Any]:
    argv = [request, "--json", "-q"]
    for path in inputs:
        argv += ["--input", str(path)]
    code = cli.main(argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    state: dict[str, Any] = json.loads(out)
    assert {r["status"] for r in state["results"].values()} == {"ok"}, state["results"]
    return state


def by_task(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["task"]: r for r in state["results"].values()}


@pytest.mark.parametrize("kind", ["screenshot", "sign"])
def test_read_the_text_in_this_image_aloud(
    kind: str, capsys: pytest.CaptureFixture[str], env: Path
) -> None:
    if kind == "screenshot":
        sentence = "The library opens at nine and closes at six"
        image = text_screenshot(env / "note.png", [sentence], size=28)
        request = "read the text in this image aloud"
    else:
        sentence = "Please keep this door closed at all times"
        image = sign_photo(env / "sign.jpg", sentence.upper())
        request = "Please read the text on this sign aloud"
    state = ask(capsys, request, image)

    assert [t["task"] for t in state["plan"]] == ["image-to-text", "text-to-speech"]
    ocr, speech = by_task(state)["image-to-text"], by_task(state)["text-to-speech"]
    assert ocr["model"] == "tesseract-ocr/tesseract"
    read = ocr["output"]["text"]
    assert len(words(sentence) & words(read)) / len(words(sentence)) >= 0.8, read
    heard = hear(speech["output"]["path"], env)
    assert len(words(sentence) & words(heard)) / len(words(sentence)) >= 0.7, heard
    answer = state["answer"]
    assert answer.count(speech["output"]["path"]) == 1
    assert str(image) not in answer, "the user's own image is not presented as a result"


def test_summarise_notes_and_list_people_and_organisations(
    capsys: pytest.CaptureFixture[str], env: Path
) -> None:
    notes = env / "notes.txt"
    notes.write_text(NOTES, encoding="utf-8")
    state = ask(
        capsys,
        "Summarise notes.txt in one sentence and list the people and organisations in it",
        notes,
    )
    assert [t["task"] for t in state["plan"]] == ["summarization", "token-classification"]
    assert state["plan"][0]["args"]["text"] == str(notes), "the file, read when the task runs"
    summary = by_task(state)["summarization"]["output"]["text"]
    assert summary_problem(NOTES, summary) is None
    assert len(summary.split()) <= 0.6 * len(NOTES.split())
    assert "notes.txt" not in summary, "the document's text was summarised, not its name"
    found = {e["word"] for e in by_task(state)["token-classification"]["output"]["data"]}
    assert {"Priya Raman", "Tom Becker"} <= found
    assert {"Northwind Analytics", "Contoso Bank"} & found
    answer = state["answer"]
    assert answer.count("notes.txt") <= 1 and len(answer) < 2500


def test_summarise_a_pdf(capsys: pytest.CaptureFixture[str], env: Path) -> None:
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 6, " ".join(NOTES.split()))
    pdf.output(str(env / "minutes.pdf"))
    state = ask(capsys, "summarise this document in two sentences", env / "minutes.pdf")
    summary = by_task(state)["summarization"]["output"]["text"]
    assert summary_problem(NOTES, summary) is None
    assert len(words(summary) & words(NOTES)) >= 8, "sentences of the PDF, not of its name"


def test_a_scanned_page_is_read_through_ocr(capsys: pytest.CaptureFixture[str], env: Path) -> None:
    from PIL import Image

    lines = [
        "Priya Raman from Northwind Analytics presented the results.",
        "Tom Becker will hire four engineers in Berlin before summer.",
    ]
    page = text_screenshot(env / "page.png", lines, size=30)
    Image.open(page).convert("RGB").save(env / "scan.pdf")  # a scanner's image-only PDF
    state = ask(capsys, "list the people and organisations in scan.pdf", env / "scan.pdf")
    found = {e["word"] for e in by_task(state)["token-classification"]["output"]["data"]}
    assert {"Priya Raman", "Tom Becker"} <= found, found


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs Debian's espeak-ng")
def test_english_speech_to_a_spoken_chinese_summary(
    capsys: pytest.CaptureFixture[str], env: Path
) -> None:
    """HuggingGPT's worked example: English speech, a Chinese summary read aloud."""
    recording = make_sample(env / "news.wav")
    state = ask(
        capsys,
        "transcribe this recording, translate it into Chinese, summarise the translation "
        "and read the summary aloud",
        recording,
    )
    assert [t["task"] for t in state["plan"]] == [
        "automatic-speech-recognition",
        "translation",
        "summarization",
        "text-to-speech",
    ]
    assert state["plan"][1]["args"]["target_language"].lower() == "chinese"
    results = by_task(state)

    def serves_chinese(task: str) -> bool:
        selection = next(s for s in state["selections"].values() if s["task"] == task)
        card = next(c for c in selection["candidates"] if c["id"] == results[task]["model"])
        return not card["languages"] or bool({"zh", "multilingual"} & set(card["languages"]))

    assert results["translation"]["model"] == "controller-llm"  # Qwen2.5: Chinese and English
    assert detect_language(results["translation"]["output"]["text"]) == "zh"
    summary = results["summarization"]["output"]["text"]
    assert detect_language(summary) == "zh" and serves_chinese("summarization")
    assert summary_problem(results["translation"]["output"]["text"], summary) is None
    speech = results["text-to-speech"]
    assert speech["model"] == "espeak-ng/espeak-ng" and serves_chinese("text-to-speech")
    assert speech["output"]["data"]["language"] == "zh"
    assert speech["language"] == "zh", "the ladder saw Chinese text"
    assert state["selections"]["4"]["model"] == "rhasspy/piper-voices", "Piper stays first..."
    assert [a["model"] for a in speech["attempts"]] == ["espeak-ng/espeak-ng"], "...for English"
