"""The n-gram summariser: extractive summaries of texts in any language, no weights."""

from pathlib import Path

import pytest

from langchain_hugginggpt.artifacts.language import detect_language
from langchain_hugginggpt.engines.base import EngineError, EngineRequest
from langchain_hugginggpt.engines.checks import summary_problem
from langchain_hugginggpt.engines.offline.extractive import count_words, split_sentences
from langchain_hugginggpt.engines.offline.ngram_summary import (
    NgramSummaryEngine,
    ngram_card,
    ngram_vectors,
)
from langchain_hugginggpt.tasks import TASKS
from tests.unit_tests.offline.test_extractive import NEWS, ZH

RU = (
    "Москва — столица России и крупнейший город страны. "
    "Город стоит на реке Москве и известен своим метро, которое открылось в 1935 году. "
    "Каждый день метро перевозит миллионы пассажиров, а многие станции украшены мозаикой. "
    "В центре города находятся Кремль и Красная площадь, которые посещают туристы со всего мира. "
    "Зимой в Москве холодно, но летом температура часто поднимается выше двадцати градусов. "
    "В последние годы в городе появилось много новых парков и велосипедных дорожек."
)
"""Written for this test: six Russian sentences about Moscow."""


def summarise(text: str, tmp_path: Path, request: str = "") -> dict:
    out = NgramSummaryEngine().run(
        EngineRequest(
            task=TASKS["summarization"],
            model=ngram_card(),
            inputs={"text": text},
            run_dir=tmp_path,
            timeout_s=30,
            extra={"request": request},
        )
    )
    return dict(out)


@pytest.mark.parametrize(("text", "language"), [(ZH, "zh"), (RU, "ru"), (NEWS, "en")])
def test_summary_in_the_texts_own_language(text: str, language: str, tmp_path: Path) -> None:
    out = summarise(text, tmp_path)
    summary = out["text"]
    assert detect_language(summary) == language
    assert summary_problem(text, summary) is None
    assert count_words(summary) <= 0.5 * count_words(text)
    assert set(split_sentences(summary)) <= set(split_sentences(text))
    assert out["data"]["method"] == "extractive"


def test_sentence_count_from_the_request(tmp_path: Path) -> None:
    out = summarise(ZH, tmp_path, request="把它总结成一句话 and summarise it in one sentence")
    assert len(split_sentences(out["text"])) == 1


def test_too_short_and_empty_are_refused(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="too short to summarise"):
        summarise("长城很长。", tmp_path)
    with pytest.raises(EngineError, match="needs argument 'text'"):
        summarise("  ", tmp_path)


def test_vectors_are_unit_length_and_similar_for_shared_ngrams() -> None:
    rows = ngram_vectors(["长城很长", "长城很高", "metro"])
    assert rows.shape[0] == 3
    assert all(abs(float(r @ r) - 1.0) < 1e-9 for r in rows)
    assert float(rows[0] @ rows[1]) > float(rows[0] @ rows[2])


def test_supports() -> None:
    engine, card = NgramSummaryEngine(), ngram_card()
    assert engine.supports(card, "local") and engine.supports(card, "auto")
    assert not engine.supports(card, "remote")
    other = card.__class__(id="x/y", task="summarization", library_name="transformers")
    assert not engine.supports(other, "local")
    assert card.languages == ("multilingual",)


def test_a_short_text_handed_back_is_not_a_summary() -> None:
    text = ZH[: len(ZH) // 2]  # about 65 characters: under the 80-word check
    assert count_words(text) < 80 and len(split_sentences(text)) >= 2
    assert "handed back" in (summary_problem(text, text) or "")
    assert summary_problem(text, split_sentences(text)[0]) is None
