"""A question over a long document gets the passages that bear on it, within the window."""

from __future__ import annotations

from pathlib import Path

import pytest

from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import EngineRequest
from langchain_hugginggpt.engines.controller import (
    CHARS_PER_TOKEN,
    DEFAULT_CONTEXT_CHARS,
    context_chars,
    run_text_task,
)
from langchain_hugginggpt.engines.passages import relevant_passages
from langchain_hugginggpt.offline.chat_model import ChatLlamaCpp
from langchain_hugginggpt.tasks import TASKS
from tests.unit_tests.fakes import ScriptedChatModel

FILLER = [
    f"Section {i}. The committee reviewed the quarterly figures and agreed to meet again. "
    "Minutes were circulated to every member before the next session."
    for i in range(60)
]
ANSWER = "The archive is kept in the basement of the Leeds office, in room 14."


def document() -> str:
    paragraphs = list(FILLER)
    paragraphs.insert(41, ANSWER)
    return "\n\n".join(paragraphs)


def test_a_text_that_fits_is_handed_on_whole() -> None:
    got = relevant_passages("Short text.", "Where?", 100)
    assert (got.text, got.kept, got.total, got.whole) == ("Short text.", 1, 1, True)


def test_the_passage_that_answers_is_kept_and_order_is_the_texts() -> None:
    text = document()
    got = relevant_passages(text, "Where is the archive kept?", 1000)
    assert not got.whole and got.total == 61
    assert ANSWER in got.text
    assert len(got.text) <= 1000
    kept = got.text.split("\n\n[...]\n\n")
    assert kept == sorted(kept, key=text.index), "passages stay in the document's order"


def test_no_shared_word_keeps_the_beginning() -> None:
    got = relevant_passages(document(), "zzz qqq?", 400)
    assert got.text.startswith("Section 0.")


def test_a_paragraph_without_sentence_ends_is_cut_hard() -> None:
    got = relevant_passages("x" * 5000, "x?", 900)
    assert got.total == 7 and got.kept == 1 and got.text == "x" * 800


def test_a_budget_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="budget_chars must be at least 1"):
        relevant_passages("text", "q", 0)


def test_the_window_comes_from_the_model() -> None:
    llama = ChatLlamaCpp.model_construct(model_path="never-loaded.gguf", n_ctx=4096, max_tokens=768)
    assert context_chars(llama) == int((4096 - 768 - 64) * CHARS_PER_TOKEN)
    assert context_chars(ScriptedChatModel(script=[])) == DEFAULT_CONTEXT_CHARS


def _qa(question: str, context: str, tmp_path: Path) -> EngineRequest:
    return EngineRequest(
        task=TASKS["question-answering"],
        model=ModelCard(id="controller-llm", task="question-answering", source="controller"),
        inputs={"question": question, "context": context},
        run_dir=tmp_path,
        timeout_s=60,
    )


class _SmallWindow(ScriptedChatModel):
    """A scripted model that says its window, as llama.cpp models do."""

    n_ctx: int = 1024
    max_tokens: int = 256


def test_a_long_context_is_cut_to_the_window_and_the_answer_says_so(tmp_path: Path) -> None:
    llm = _SmallWindow(script=["In room 14."])
    out = run_text_task(llm, _qa("Where is the archive kept?", document(), tmp_path))
    prompt = str(llm.calls[0][0].content) + str(llm.calls[0][1].content)
    assert ANSWER in prompt
    assert len(prompt) <= context_chars(llm) == int((1024 - 256 - 64) * CHARS_PER_TOKEN)
    assert out["text"] == "In room 14."
    method = out["data"]["method"]
    assert method.startswith("from the ")
    assert method.endswith(" of 61 passages of the context most related to the question")


def test_a_context_that_fits_is_not_cut_nor_marked(tmp_path: Path) -> None:
    llm = ScriptedChatModel(script=["Leeds."])
    out = run_text_task(llm, _qa("Where?", ANSWER, tmp_path))
    assert ANSWER in str(llm.calls[0][1].content)
    assert "data" not in out
