"""Guided planning's parts: steps, the skeleton (real MiniLM embeddings), links by type."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from langchain_hugginggpt.plan import validate_plan
from langchain_hugginggpt.planning.embed import TfIdfEmbedder
from langchain_hugginggpt.planning.sketch import Sketcher, Step, _Build
from langchain_hugginggpt.planning.steps import request_files, split_steps
from langchain_hugginggpt.tasks import TASKS


def texts(request: str) -> list[str]:
    return [s.text for s in split_steps(request)]


@pytest.mark.parametrize(
    ("request_", "steps"),
    [
        (
            "Transcribe call.wav, summarise it and then read the summary aloud.",
            ["Transcribe call.wav", "summarise it", "read the summary aloud."],
        ),
        (
            "Describe /data/street.jpg, translate the description to French and read it aloud.",
            ["Describe /data/street.jpg", "translate the description to French", "read it aloud."],
        ),
        (
            "How many people are in photo.png, and what does the sign in it say?",
            ["How many people are in photo.png", "what does the sign in it say?"],
        ),
        # quoted text and content after a label are not steps of their own
        (
            'Which team gets this? Ticket: "I was charged twice. Then it failed and crashed."',
            ['Which team gets this? Ticket: "I was charged twice. Then it failed and crashed."'],
        ),
        ("find the people and places", ["find the people and places"]),
        # the apostrophes of "I'm" and "it's" are not quotes: the sentences still split
        (
            "I'm back from a trip. Can you caption 'beach.jpg'? It's my favourite.",
            ["I'm back from a trip.", "Can you caption 'beach.jpg'? It's my favourite."],
        ),
        # every clause led by a verb is a step, whichever verb it is
        (
            "Could you transcribe the audio, produce a summary, and then tweak the image?",
            ["Could you transcribe the audio", "produce a summary", "tweak the image?"],
        ),
    ],
)
def test_split_steps(request_: str, steps: list[str]) -> None:
    assert texts(request_) == steps


def test_request_files_with_modalities() -> None:
    found = request_files("Compare a.wav with https://x.org/p/cat.jpg and notes.txt, then b.CSV")
    assert found == [
        ("a.wav", "audio"),
        ("https://x.org/p/cat.jpg", "image"),
        ("notes.txt", "text"),  # a document: read as text when the task runs
        ("b.CSV", "table"),
    ]


@pytest.fixture(scope="module")
def sketcher() -> Sketcher:
    # intent phrases on the packaged all-MiniLM-L6-v2 (offline extra); the step classifier
    # is tested in test_classifier.py and test_learned_plans.py
    return Sketcher(learned=False)


def shape(sketcher: Sketcher, request: str) -> list[tuple[str, list[int]]]:
    return [(t.task, t.dep) for t in sketcher.sketch(request)]


def test_chain_from_steps_and_types(sketcher: Sketcher) -> None:
    assert sketcher.embedder is None or sketcher.embedder.name == "all-MiniLM-L6-v2"
    skeleton = sketcher.sketch("Transcribe call.wav, summarise it and then read the summary aloud")
    assert [(t.task, t.dep) for t in skeleton] == [
        ("automatic-speech-recognition", []),
        ("summarization", [1]),
        ("text-to-speech", [2]),
    ]
    assert skeleton[0].args == {"audio": "call.wav"}
    assert skeleton[1].args == {"text": "<GENERATED>-1"} and skeleton[1].open_args == []
    assert validate_plan([t.planned() for t in skeleton]) == []


def test_missing_speech_recognition_is_inserted(sketcher: Sketcher) -> None:
    skeleton = sketcher.sketch("Summarise the recording standup.mp3")
    assert [(t.task, t.dep, t.inserted) for t in skeleton] == [
        ("automatic-speech-recognition", [], True),
        ("summarization", [1], False),
    ]


def test_independent_tasks_use_the_users_file(sketcher: Sketcher) -> None:
    """The second step's "it" is the photo, not the first task's annotated image."""
    assert shape(sketcher, "Detect the objects in garden.jpg and describe it in a sentence") == [
        ("object-detection", []),
        ("image-to-text", []),
    ]


def test_text_of_the_request_is_left_open(sketcher: Sketcher) -> None:
    (task,) = sketcher.sketch('Translate "Where is the station?" into German')
    assert task.task == "translation"
    assert task.open_args == ["text", "target_language"]


def test_nothing_recognised_gives_no_skeleton() -> None:
    sketcher = Sketcher(threshold=0.99, learned=False)
    assert sketcher.sketch("hello there") == []


def build(*steps: tuple[str, str, str]) -> list[tuple[str, list[int], dict[str, str]]]:
    b = _Build(TASKS, request_files(" ".join(text for _, text, _ in steps)))
    for name, text, _ in steps:
        b.add(name, Step(text=text, files=tuple(request_files(text))), 1.0)
    return [(t.task, t.dep, t.args) for t in b.tasks]


def test_controlnet_generation_from_a_photo_gets_its_condition_first() -> None:
    assert build(("canny-text-to-image", "draw a castle with the edges of tower.jpg", "")) == [
        ("canny-control", [], {"image": "tower.jpg"}),
        ("canny-text-to-image", [1], {"image": "<GENERATED>-1"}),
    ]


def test_text_to_image_fed_by_a_condition_map_becomes_that_conditions_generation() -> None:
    assert build(
        ("scribble-control", "turn rough.png into a scribble map", ""),
        ("text-to-image", "generate a cartoon castle from it", ""),
    ) == [
        ("scribble-control", [], {"image": "rough.png"}),
        ("scribble-text-to-image", [1], {"image": "<GENERATED>-1"}),
    ]


def test_generated_media_is_linked_over_the_users_file() -> None:
    assert build(
        ("text-to-image", "paint a red fox", ""),
        ("image-classification", "then classify that picture", ""),
    ) == [("text-to-image", [], {}), ("image-classification", [1], {"image": "<GENERATED>-1"})]


def test_tfidf_embedder_is_normalised_and_handles_unknown_words() -> None:
    embedder = TfIdfEmbedder(["read it aloud", "transcribe the audio"])
    vectors = embedder.encode(["read aloud", "zzz unknown"])
    assert np.isclose(np.linalg.norm(vectors[0]), 1.0)
    assert not vectors[1].any()
    sketcher = Sketcher(embedder=embedder, learned=False)
    assert max(sketcher.task_scores("read it aloud").items(), key=lambda kv: kv[1])[0] == (
        "text-to-speech"
    )


def test_input_file_lines_are_not_a_step(sketcher: Sketcher) -> None:
    """The CLI appends "Input file: PATH"; its file serves the steps that need one."""
    from langchain_hugginggpt.planning.request import request_with_inputs

    request = request_with_inputs(
        "transcribe this recording and list the people it mentions", [Path("/data/news.wav")]
    )
    assert texts(request) == ["transcribe this recording", "list the people it mentions"]
    assert shape(sketcher, request) == [
        ("automatic-speech-recognition", []),
        ("token-classification", [1]),
    ]
    assert sketcher.sketch(request)[0].args == {"audio": "/data/news.wav"}


def test_a_task_whose_media_nothing_provides_is_no_task() -> None:
    # No image is named and nothing makes one: the image steps are misreadings, not asks.
    sketch = Sketcher(learned=False).sketch(
        "Summarise 'The library opens at nine and closes at six on weekdays.' and then "
        "estimate the depth of the picture"
    )
    assert [t.task for t in sketch] == ["summarization"]
    assert [t.id for t in sketch] == [1]


def test_the_kind_of_result_asked_for_decides_the_direction(sketcher: Sketcher) -> None:
    """Audio "into written text" is speech recognition, never speech synthesis."""
    request = "Here is 'memo.wav'. Please change the speech into text."
    assert shape(sketcher, request) == [("automatic-speech-recognition", [])]
    undirected = Sketcher(embedder=sketcher.embedder, direction_penalty=0.0, learned=False)
    assert "text-to-speech" in [task for task, _ in shape(undirected, request)]
    assert shape(sketcher, "Please turn 'Good morning, everyone' into speech.") == [
        ("text-to-speech", [])
    ]


def test_a_controlnet_condition_is_used_only_when_the_request_names_it(sketcher: Sketcher) -> None:
    """Generating "an image of the text" names no condition: plain text-to-image."""
    plain = shape(sketcher, "Write a line about autumn and visualise it as an image")
    assert [task for task, _ in plain] == ["text-generation", "text-to-image"]
    edges = shape(sketcher, "Generate a castle from the canny edges of 'tower.jpg'")
    assert edges == [("canny-control", []), ("canny-text-to-image", [1])]


def test_a_condition_nothing_here_extracts_is_never_a_step(sketcher: Sketcher) -> None:
    """No engine here makes pose maps: the photo guides an image-to-image generation."""
    posed = shape(sketcher, "Generate a dancer in the same pose as the person in 'ref.jpg'")
    assert posed == [("image-to-image", [])]


def test_naming_the_same_file_again_is_the_same_task(sketcher: Sketcher) -> None:
    """One task per intent and input: a second mention of the file adds no second task."""
    request = (
        "I have this photograph that contains some writing. "
        "Can you decipher the text from the image, please? The image is named 'sign.jpg'."
    )
    assert shape(sketcher, request) == [("image-to-text", [])]
    both = shape(sketcher, "Caption 'a.jpg' and caption 'b.jpg'")
    assert both == [("image-to-text", []), ("image-to-text", [])]


def test_quoted_words_do_not_decide_the_task(sketcher: Sketcher) -> None:
    """The quotes ask to translate and turn pictures into music; the request compares them."""
    request = (
        "Are these two sentences saying the same thing: "
        "'Please translate this photo into a song' and 'Turn the picture into music'?"
    )
    (task,) = sketcher.sketch(request)
    assert task.task == "sentence-similarity"


def test_a_comparison_quoting_one_text_compares_it_with_a_result(sketcher: Sketcher) -> None:
    request = "Read the text on 'sign.jpg' and check how similar it is to 'Meeting at noon today'"
    assert [(t.task, t.dep, t.args, t.open_args) for t in sketcher.sketch(request)] == [
        ("image-to-text", [], {"image": "sign.jpg"}, []),
        ("sentence-similarity", [1], {"text": "<GENERATED>-1"}, ["text2"]),
    ]


def test_an_instruction_to_change_part_of_a_photo_is_image_editing(sketcher: Sketcher) -> None:
    """Instruction-guided editing is its own task; restyling the whole image is image-to-image."""
    for request in ("Change the colour of the door in 'house.jpg' to yellow",
                    "Remove the car from 'street.jpg'"):  # fmt: skip
        assert shape(sketcher, request) == [("image-editing", [])]
    assert shape(sketcher, "Turn 'house.jpg' into a watercolour painting") == [
        ("image-to-image", [])
    ]


def test_a_step_naming_what_an_earlier_one_did_takes_its_result(sketcher: Sketcher) -> None:
    """ "the detected objects": the detection's labels are the poem's text."""
    request = "Detect the objects in 'park.jpg' and write a short poem about the detected objects"
    assert [(t.task, t.dep, t.args) for t in sketcher.sketch(request)] == [
        ("object-detection", [], {"image": "park.jpg"}),
        ("text-generation", [1], {"text": "<GENERATED>-1"}),
    ]
