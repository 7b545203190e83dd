"""The learned step classifier: clauses, training, saving, finding it, and planning with it."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import pytest

from langchain_hugginggpt.planning import classifier as classifier_module
from langchain_hugginggpt.planning import train as train_module
from langchain_hugginggpt.planning.classifier import (
    NONE,
    StepClassifier,
    classifier_dirs,
    classifier_key,
    clause_hint,
    default_step_classifier,
)
from langchain_hugginggpt.planning.request import request_with_inputs
from langchain_hugginggpt.planning.sketch import Sketcher
from langchain_hugginggpt.planning.steps import split_clauses
from langchain_hugginggpt.planning.train import (
    LABELS,
    Example,
    examples,
    label_rows,
    main,
    train_classifier,
)
from langchain_hugginggpt.tasks import TASKS
from tests.unit_tests.engines import tiny_models


def clauses(request: str) -> list[str]:
    return [s.text for s in split_clauses(request)]


def test_clauses_cut_background_sentences_and_ands() -> None:
    request = (
        "I've got this audio file named 'example.wav'. I can't make out the words. "
        "Could you transcribe it and then translate the text into French?"
    )
    assert clauses(request) == [
        "I've got this audio file named 'example.wav'.",
        "I can't make out the words.",
        "Could you transcribe it",
        "translate the text into French?",
    ]


def test_clauses_keep_files_quotes_and_one_word_pieces() -> None:
    # the dots of a file name and a quoted sentence are no sentence ends; a piece of one word
    # ("stop", "go") joins the clause before, with the words it was cut at
    found = split_clauses('Summarise notes.v2.txt: "It rained. We left." Then stop and go.')
    assert [s.text for s in found] == ['Summarise notes.v2.txt: "It rained. We left." stop and go.']
    assert found[0].files == (("notes.v2.txt", "text"),)


def test_clause_hint_blanks_quotes_and_names_file_kinds() -> None:
    assert clause_hint('translate "good morning to you"', []) == "translate the text"
    assert clause_hint("caption a.jpg with b.wav", ["image", "audio", "image"]) == (
        "caption a.jpg with b.wav [files: audio, image]"
    )


def test_packaged_labels_are_task_types() -> None:
    rows = label_rows()
    assert {r["set"] for r in rows} == {"taskbench-dev", "team-dev", "team-test"}
    assert all(set(r["labels"]) <= set(TASKS) for r in rows)
    # background clauses are labelled too (as no task)
    assert any(not r["labels"] for r in rows)


def test_examples_leave_out_requests_and_add_phrases() -> None:
    rows = [
        {"request": "a", "text": "transcribe call.wav", "labels": ["automatic-speech-recognition"]},
        {"request": "b", "text": "I love my cat", "labels": []},
    ]
    found = examples(rows, without={"a"})
    assert Example("I love my cat", (NONE,)) in found
    assert not any(e.hint.startswith("transcribe call.wav") for e in found)
    # every task type has examples from its intent phrases and description
    assert {label for e in found for label in e.labels} == set(LABELS)


def test_examples_refuse_a_label_that_is_no_task_type() -> None:
    rows = [{"request": "a", "text": "do it", "labels": ["image-wizardry"]}]
    with pytest.raises(ValueError, match=r"image-wizardry.*not a task type"):
        examples(rows)


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random BERT with its tokenizer: a base to train on in a second."""
    return tiny_models.text_classifier(tmp_path_factory.mktemp("tiny-base"))


def tiny_data() -> list[Example]:
    return [
        Example("the movie was good", ("text-classification",)),
        Example("the movie was bad", ("summarization",)),
        Example("good", (NONE,)),
    ]


def test_train_saves_a_classifier_that_loads_and_scores(tiny_base: Path, tmp_path: Path) -> None:
    folder = train_classifier(tiny_data(), tmp_path / "clf", base=tiny_base, epochs=1, key="k1")
    meta = json.loads((folder / "classifier.json").read_text())
    assert meta["labels"] == LABELS and meta["key"] == "k1" and meta["examples"] == 3
    # safetensors only: no pickled weights are written
    assert (folder / "model.safetensors").is_file() and (folder / "head.safetensors").is_file()
    assert not list(folder.glob("*.bin"))
    assert not list(tmp_path.glob(".clf.*"))  # the work folder was renamed into place
    loaded = StepClassifier(folder)
    scores = loaded.scores(["the movie was good", "bad"])
    assert len(scores) == 2
    assert set(scores[0]) == set(LABELS)
    assert sum(scores[0].values()) == pytest.approx(1.0, abs=1e-5)
    assert loaded.scores([]) == []


def test_training_is_deterministic(tiny_base: Path, tmp_path: Path) -> None:
    one = train_classifier(tiny_data(), tmp_path / "one", base=tiny_base, epochs=1)
    two = train_classifier(tiny_data(), tmp_path / "two", base=tiny_base, epochs=1)
    hint = ["the movie was good"]
    assert StepClassifier(one).scores(hint) == StepClassifier(two).scores(hint)


@pytest.mark.parametrize(
    ("data", "epochs", "problem"),
    [([], 1, "no training examples"), (tiny_data(), 0, "epochs must be at least 1")],
)
def test_train_refuses_bad_input(
    tiny_base: Path, tmp_path: Path, data: list[Example], epochs: int, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        train_classifier(data, tmp_path / "x", base=tiny_base, epochs=epochs)
    assert not (tmp_path / "x").exists()


def test_a_failed_save_leaves_no_folder(
    tiny_base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import safetensors.torch

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safetensors.torch, "save_file", full_disk)
    with pytest.raises(OSError, match="No space left"):
        train_classifier(tiny_data(), tmp_path / "clf", base=tiny_base, epochs=1)
    assert list(tmp_path.iterdir()) == []


def test_a_head_that_does_not_fit_the_labels_is_refused(tiny_base: Path, tmp_path: Path) -> None:
    folder = train_classifier(tiny_data(), tmp_path / "clf", base=tiny_base, epochs=1)
    meta = json.loads((folder / "classifier.json").read_text())
    meta["labels"] = meta["labels"][:-1]
    (folder / "classifier.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="not one per label"):
        StepClassifier(folder)


def test_key_changes_with_the_labels(tiny_base: Path) -> None:
    assert classifier_key(tiny_base) == classifier_key(tiny_base)
    assert classifier_key(tiny_base, b"other labels") != classifier_key(tiny_base)


def test_planner_dir_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HUGGINGGPT_PLANNER_DIR", str(tmp_path))
    assert classifier_dirs() == [tmp_path]
    monkeypatch.delenv("HUGGINGGPT_PLANNER_DIR")
    monkeypatch.setenv("HUGGINGGPT_CACHE", str(tmp_path / "cache"))
    assert classifier_dirs()[-1] == tmp_path / "cache" / "planner"


def test_default_classifier_found_by_key_else_none_with_a_warning(
    tiny_base: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("HUGGINGGPT_PLANNER_DIR", str(tmp_path))
    monkeypatch.setattr(classifier_module, "base_model_dir", lambda: tiny_base)
    default_step_classifier.cache_clear()
    try:
        with caplog.at_level(logging.WARNING):
            assert default_step_classifier() is None
        assert "python -m langchain_hugginggpt.planning.train" in caplog.text
        assert Sketcher(cache_dir=None).scorer == "intent phrases"
        key = classifier_key(tiny_base)
        train_classifier(tiny_data(), tmp_path / key, base=tiny_base, epochs=1, key=key)
        default_step_classifier.cache_clear()
        found = default_step_classifier()
        assert found is not None and found.folder == tmp_path / key
        # a broken classifier is reported and not used
        (tmp_path / key / "head.safetensors").write_bytes(b"not safetensors")
        default_step_classifier.cache_clear()
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            assert default_step_classifier() is None
        assert "could not be loaded" in caplog.text
    finally:
        default_step_classifier.cache_clear()


def test_train_command(
    tiny_base: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(train_module, "base_model_dir", lambda: None)
    assert main(["--out", str(tmp_path)]) == 2
    assert "install langchain-hugginggpt[offline]" in capsys.readouterr().err
    monkeypatch.setattr(train_module, "base_model_dir", lambda: tiny_base)
    monkeypatch.setattr(train_module, "label_rows", lambda: [])
    assert main(["--out", str(tmp_path), "--epochs", "1"]) == 0
    key = classifier_key(tiny_base)
    assert (tmp_path / key / "classifier.json").is_file()
    assert "trained" in capsys.readouterr().out
    assert main(["--out", str(tmp_path)]) == 0
    assert "already trained" in capsys.readouterr().out
    blocked = tmp_path / "file"
    blocked.write_text("a file, not a folder")
    assert main(["--out", str(blocked / "sub")]) == 1
    assert "is writable" in capsys.readouterr().err


class Scripted:
    """A step-classifier stand-in: the probabilities each clause gets, keyed by a word in it."""

    folder = Path("scripted")

    def __init__(self, by_word: dict[str, dict[str, float]]) -> None:
        self.by_word = by_word

    def scores(self, hints: Sequence[str]) -> list[dict[str, float]]:
        out = []
        for hint in hints:
            probs = next((p for w, p in self.by_word.items() if w in hint), {NONE: 1.0})
            out.append({label: probs.get(label, 0.0) for label in LABELS})
        return out


def test_sketch_takes_a_clause_second_type_and_skips_none() -> None:
    scripted = Scripted(
        {
            "cat": {NONE: 0.9, "image-classification": 0.1},
            "Caption": {"image-to-text": 0.55, "text-to-speech": 0.35, "translation": 0.1},
            "mood": {"text-classification": 0.25, NONE: 0.75},
        }
    )
    sketcher = Sketcher(classifier=scripted, cache_dir=None)  # type: ignore[arg-type]
    assert sketcher.scorer == "step classifier scripted"
    skeleton = sketcher.sketch(
        "I love my cat photo 'cat.jpg'. Caption it in a spoken voice. Is the mood nice?"
    )
    # the background clause is no task; the caption clause is two; 0.25 is below the threshold
    assert [(t.task, t.dep) for t in skeleton] == [("image-to-text", []), ("text-to-speech", [1])]
    assert skeleton[0].args == {"image": "cat.jpg"}


def test_a_file_on_the_input_line_gets_the_likeliest_task_that_takes_it() -> None:
    # No clause is sure of anything, and the likeliest types take no image; the file comes
    # only from the CLI's "Input file:" line, not from a clause.
    scripted = Scripted(
        {
            "took": {NONE: 0.5, "text-to-image": 0.26, "image-to-text": 0.2},
            "label": {NONE: 0.6, "zero-shot-classification": 0.25, "image-to-text": 0.1},
        }
    )
    sketcher = Sketcher(classifier=scripted, cache_dir=None)  # type: ignore[arg-type]
    request = "I took this photo of a board. What does the white label on it say?"
    skeleton = sketcher.sketch(request_with_inputs(request, [Path("/data/board.jpg")]))
    assert [(t.task, t.args) for t in skeleton] == [("image-to-text", {"image": "/data/board.jpg"})]
    # Without a file, nothing is sure enough to be a task.
    assert sketcher.sketch(request) == []


def test_a_question_about_a_text_document_is_question_answering() -> None:
    # Document question answering reads page images; a PDF or Word file is read as text.
    scripted = Scripted({"end": {"document-question-answering": 0.42, NONE: 0.25}})
    sketcher = Sketcher(classifier=scripted, cache_dir=None)  # type: ignore[arg-type]
    (task,) = sketcher.sketch("According to report.pdf, when does the project end?")
    assert (task.task, task.args, task.open_args) == (
        "question-answering",
        {"context": "report.pdf"},
        ["question"],
    )
    (scan,) = sketcher.sketch("According to scan.png, when does the project end?")
    assert (scan.task, scan.args) == ("document-question-answering", {"image": "scan.png"})


def test_speech_is_made_only_when_a_step_speaks_of_sound() -> None:
    # "pull out the text on it" scores as text-to-speech on the trained classifier; a step
    # asking for speech says so ("aloud", "voice", "read it back to me").
    scripted = Scripted(
        {
            "pull out": {"text-to-speech": 0.52, "image-to-text": 0.4, NONE: 0.08},
            "back to me": {"text-to-speech": 0.6, NONE: 0.4},
        }
    )
    sketcher = Sketcher(classifier=scripted, cache_dir=None)  # type: ignore[arg-type]
    plan = sketcher.sketch("Could you pull out the text on it? 'sign.jpg'")
    assert [t.task for t in plan] == ["image-to-text"]
    plan = sketcher.sketch("Transcribe 'memo.wav'. Then read it back to me")
    assert [t.task for t in plan][-1] == "text-to-speech"
    # What counts as spoken for adding speech after a text task counts here too.
    scripted.by_word["read it out"] = {"text-to-speech": 0.7, NONE: 0.3}
    plan = sketcher.sketch("Transcribe 'memo.wav'. Then read it out")
    assert [t.task for t in plan][-1] == "text-to-speech"


def test_sketch_without_classifier_uses_intent_phrases() -> None:
    sketcher = Sketcher(learned=False, cache_dir=None)
    assert sketcher.scorer == "intent phrases"
    assert [t.task for t in sketcher.sketch("Transcribe call.wav")] == [
        "automatic-speech-recognition"
    ]
