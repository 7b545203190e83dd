"""The default guided planner with the step classifier `make install` trains (real weights).

The requests here are written for these tests, in the chatty first-person way users (and
TaskBench) write: none of them is in the label file the classifier was trained on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from langchain_hugginggpt.planning.classifier import default_step_classifier
from langchain_hugginggpt.planning.request import request_with_inputs
from langchain_hugginggpt.planning.sketch import Sketcher
from langchain_hugginggpt.planning.train import label_rows


@pytest.fixture(scope="module")
def sketcher() -> Sketcher:
    if default_step_classifier() is None:
        pytest.fail(
            "no trained step classifier: run `make install` (or python -m "
            "langchain_hugginggpt.planning.train)"
        )
    return Sketcher()


def shape(sketcher: Sketcher, request: str) -> list[tuple[str, list[int]]]:
    return [(t.task, t.dep) for t in sketcher.sketch(request)]


REQUESTS = {
    "demo": request_with_inputs(
        "transcribe this recording, summarise it in two sentences, read the summary aloud, and "
        "list the people and places it mentions",
        [Path("/data/news.wav")],
    ),
    "sign": "I took a photo of a shop sign in Lisbon, 'sign.jpg'. I can't read Portuguese. "
    "Could you pull out the text on it and translate it into English for me?",
    "voice memo": "My grandmother left me a voice message, 'nana.wav'. Her line was "
    "terrible. Could you turn it into written text so I can keep it?",
}


def test_the_requests_are_not_in_the_training_labels() -> None:
    texts = {row["text"] for row in label_rows()}
    for request in REQUESTS.values():
        assert not any(text in request for text in texts if len(text) > 25), request


def test_the_scorer_is_the_trained_classifier(sketcher: Sketcher) -> None:
    assert sketcher.scorer.startswith("step classifier ")


def test_demo_request(sketcher: Sketcher) -> None:
    assert shape(sketcher, REQUESTS["demo"]) == [
        ("automatic-speech-recognition", []),
        ("summarization", [1]),
        ("text-to-speech", [2]),
        ("token-classification", [1]),
    ]


def test_background_sentences_are_no_tasks(sketcher: Sketcher) -> None:
    # "My grandmother left me ...", "Her line was terrible" ask for nothing
    plan = sketcher.sketch(REQUESTS["voice memo"])
    assert {t.step for t in plan} == {"Could you turn it into written text so I can keep it?"}
    assert (plan[0].task, plan[0].args) == ("automatic-speech-recognition", {"audio": "nana.wav"})


def test_text_in_a_photo_is_read_before_it_is_translated(sketcher: Sketcher) -> None:
    plan = sketcher.sketch(REQUESTS["sign"])
    (reader,) = [t for t in plan if t.task == "image-to-text"]
    (translation,) = [t for t in plan if t.task == "translation"]
    assert reader.args == {"image": "sign.jpg"}
    assert translation.dep == [reader.id]
    # "pull out the text on it" asks for no speech (the classifier alone would add it).
    assert "text-to-speech" not in [t.task for t in plan]


def test_a_request_that_asks_for_nothing_gets_no_tasks(sketcher: Sketcher) -> None:
    assert sketcher.sketch("I spent last weekend hiking with my brother.") == []
