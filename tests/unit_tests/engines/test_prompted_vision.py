"""Text-prompted vision on tiny random models: OWL-ViT, CLIPSeg, GIT VQA, LayoutLM and Donut."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import EngineError, EngineRequest
from langchain_hugginggpt.engines.cache import ModelCache
from langchain_hugginggpt.engines.offline.tesseract_ocr import tesseract_path
from langchain_hugginggpt.engines.transformers import TransformersEngine, document_qa, prompted
from langchain_hugginggpt.engines.transformers.labels import prompt_labels
from langchain_hugginggpt.engines.transformers.loading import LoadOptions
from langchain_hugginggpt.tasks import TASKS
from tests.unit_tests.engines import tiny_models
from tests.unit_tests.engines.tiny_models import write_png

needs_tesseract = pytest.mark.skipif(tesseract_path() is None, reason="tesseract not installed")


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("prompted-models")


@pytest.fixture(scope="module")
def engine() -> TransformersEngine:
    return TransformersEngine(device="cpu", cache=ModelCache(max_items=8))


def run(
    engine: TransformersEngine,
    task: str,
    model: Path,
    tmp_path: Path,
    said: str = "",
    **inputs: str,
) -> dict[str, Any]:
    card = ModelCard(
        id=f"local/{model.name}",
        task=task,
        source="local",
        path=str(model),
        library_name="transformers",
    )
    request = EngineRequest(
        task=TASKS[task],
        model=card,
        inputs=inputs,
        run_dir=tmp_path / "run",
        timeout_s=60,
        extra={"request": said},
    )
    return dict(engine.run(request))


def text_page(path: Path) -> Path:
    """A white page with one line of large black text Tesseract reads."""
    from PIL import Image, ImageDraw, ImageFont

    page = Image.new("RGB", (640, 200), "white")
    ImageDraw.Draw(page).text(
        (20, 60), "the red cat is good", fill="black", font=ImageFont.load_default(size=48)
    )
    page.save(path)
    return path


# -- labels ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("inputs", "request_text", "expected"),
    [
        ({"labels": "cat, dog"}, "find the bird", ["cat", "dog"]),
        ({"text": "detect every person or car."}, "", ["person", "car"]),
        ({}, "Find the cats and the red ball in /tmp/a.jpg", ["cats", "red ball"]),
        ({}, 'please segment "traffic light" in x.png', ["traffic light"]),
        ({}, "what is in this picture?", []),
        ({}, "detect objects in image.jpg", []),
        ({}, "don't find it's shadow in a.png", ["it's shadow"]),
    ],
)
def test_prompt_labels_come_from_task_args_then_the_request(
    inputs: dict[str, str], request_text: str, expected: list[str]
) -> None:
    assert prompt_labels(inputs, request_text) == expected


# -- OWL-ViT -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("family", "build"),
    [("owlvit", tiny_models.owlvit_detector), ("owlv2", tiny_models.owlv2_detector)],
)
def test_open_vocabulary_detectors_box_only_the_objects_the_request_names(
    family: str,
    build: Any,
    engine: TransformersEngine,
    root: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = build(root / family)
    assert prompted.model_type(str(model), LoadOptions()) == family
    # Random weights score low: keep every box so the labels can be checked.
    monkeypatch.setattr(prompted, "DETECTION_THRESHOLD", 0.0)
    image = write_png(tmp_path / "in.png", size=32)
    out = run(
        engine,
        "object-detection",
        model,
        tmp_path,
        "find the cat and the dog in it",
        image=str(image),
    )
    assert out["type"] == "image" and Path(out["path"]).is_file()
    assert out["data"], "every box is kept at threshold 0"
    assert {box["label"] for box in out["data"]} <= {"cat", "dog"}
    assert "found" in out["text"]
    out = run(
        engine, "object-detection", model, tmp_path, "find a dog", labels="square", image=str(image)
    )
    assert {box["label"] for box in out["data"]} == {"square"}


def test_owlvit_without_named_objects_says_what_to_do(
    engine: TransformersEngine, root: Path, tmp_path: Path
) -> None:
    model = tiny_models.owlvit_detector(root / "owl-unnamed")
    image = write_png(tmp_path / "in.png", size=32)
    with pytest.raises(EngineError, match="none was named: say what to look for"):
        run(engine, "object-detection", model, tmp_path, "what is in this?", image=str(image))
    with pytest.raises(EngineError, match="needs argument 'image'"):
        run(engine, "object-detection", model, tmp_path, "find the cat")


def test_closed_set_detectors_still_run_their_own_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded: list[str] = []

    def load_pipeline(task: str, ref: str, options: LoadOptions) -> str:
        loaded.append(task)
        return "pipe"

    monkeypatch.setattr(prompted, "model_type", lambda ref, options: "detr")
    monkeypatch.setattr(prompted, "load_pipeline", load_pipeline)
    assert prompted.load_detector("x", LoadOptions()) == "pipe"
    assert prompted.load_segmenter("x", LoadOptions()) == "pipe"
    assert loaded == ["object-detection", "image-segmentation"]


# -- CLIPSeg -----------------------------------------------------------------------------------


def test_clipseg_segments_the_named_regions(
    engine: TransformersEngine, root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = tiny_models.clipseg_segmenter(root / "seg")
    image = write_png(tmp_path / "in.png", size=40)
    monkeypatch.setattr(prompted, "_MASK_THRESHOLD", 0.0)  # every pixel belongs: one per label
    out = run(
        engine,
        "image-segmentation",
        model,
        tmp_path,
        "segment the cat and the dog",
        image=str(image),
    )
    assert out["type"] == "image"
    assert [seg["label"] for seg in out["data"]] == ["cat", "dog"]
    assert out["text"] == "2 segments: cat, dog"
    from PIL import Image

    with Image.open(out["path"]) as overlay:
        assert overlay.size == (40, 40)


def test_clipseg_with_nothing_above_threshold_says_no_segments_found(
    engine: TransformersEngine, root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = tiny_models.clipseg_segmenter(root / "seg-empty")
    image = write_png(tmp_path / "in.png", size=40)
    monkeypatch.setattr(prompted, "_MASK_THRESHOLD", 1.01)  # no pixel can reach it
    out = run(engine, "image-segmentation", model, tmp_path, "segment the cat", image=str(image))
    assert out["type"] == "image" and out["text"] == "no segments found" and out["data"] == []
    with pytest.raises(EngineError, match="none was named"):
        run(engine, "image-segmentation", model, tmp_path, "split this up", image=str(image))


def test_a_closed_set_segmenter_finding_nothing_says_no_segments_found(tmp_path: Path) -> None:
    image = write_png(tmp_path / "in.png", size=16)
    card = ModelCard(id="x/seg", task="image-segmentation")
    request = EngineRequest(
        task=TASKS["image-segmentation"],
        model=card,
        inputs={"image": str(image)},
        run_dir=tmp_path / "run",
        timeout_s=10,
    )
    out = prompted.segment(lambda image: [], request)
    assert out["text"] == "no segments found" and out["data"] == []


# -- GIT ---------------------------------------------------------------------------------------


def test_git_answers_visual_questions_by_generation(
    engine: TransformersEngine, root: Path, tmp_path: Path
) -> None:
    model = tiny_models.git_vqa(root / "git")
    image = write_png(tmp_path / "in.png", size=32)
    out = run(
        engine,
        "visual-question-answering",
        model,
        tmp_path,
        image=str(image),
        question="what colour is the cat?",
    )
    assert out["type"] == "text" and out["text"].strip()
    assert out["data"] == {"answer": out["text"], "score": None}
    assert not out["text"].startswith("what colour"), "the question is not part of the answer"
    with pytest.raises(EngineError, match="needs argument 'question'"):
        run(engine, "visual-question-answering", model, tmp_path, image=str(image))


def test_an_empty_generated_answer_is_an_error(tmp_path: Path) -> None:
    from langchain_hugginggpt.engines.transformers.git_vqa import answer_visual_question

    image = write_png(tmp_path / "in.png", size=16)
    request = EngineRequest(
        task=TASKS["visual-question-answering"],
        model=ModelCard(id="x/vqa", task="visual-question-answering"),
        inputs={"image": str(image), "question": "what?"},
        run_dir=tmp_path / "run",
        timeout_s=10,
    )
    with pytest.raises(EngineError, match="no answer"):
        answer_visual_question(lambda image, question: ("", None), request)


# -- document question answering ---------------------------------------------------------------


@needs_tesseract
def test_layoutlm_answers_from_tesseract_word_boxes(
    engine: TransformersEngine, root: Path, tmp_path: Path
) -> None:
    page = text_page(tmp_path / "page.png")
    boxes = document_qa.word_boxes(page, 640, 200, timeout_s=60)
    words = [word for word, _ in boxes]
    assert "cat" in words and "red" in words
    assert all(0 <= v <= 1000 for _, box in boxes for v in box)
    assert all(box[0] < box[2] and box[1] < box[3] for _, box in boxes)
    model = tiny_models.layoutlm_document_qa(root / "layoutlm")
    out = run(
        engine,
        "document-question-answering",
        model,
        tmp_path,
        image=str(page),
        question="what colour is the cat?",
    )
    assert out["type"] == "json" and out["text"]
    # The answer is a span of the words Tesseract read: pytesseract played no part.
    assert set(out["text"].split()) <= set(words)
    assert set(out["data"]) >= {"answer", "score"}


@needs_tesseract
def test_layoutlm_on_a_page_without_text_says_so(
    engine: TransformersEngine, root: Path, tmp_path: Path
) -> None:
    blank = write_png(tmp_path / "blank.png", size=64, colour="white")
    model = tiny_models.layoutlm_document_qa(root / "layoutlm-blank")
    with pytest.raises(EngineError, match="no text found in the document"):
        run(
            engine,
            "document-question-answering",
            model,
            tmp_path,
            image=str(blank),
            question="what?",
        )


def test_layoutlm_without_tesseract_names_the_package(
    engine: TransformersEngine, root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUGGINGGPT_TESSERACT", str(tmp_path / "no-such-tesseract"))
    page = write_png(tmp_path / "page.png", size=32)
    model = tiny_models.layoutlm_document_qa(root / "layoutlm-no-ocr")
    with pytest.raises(EngineError, match=r"reads the page.s words with Tesseract: install"):
        run(
            engine,
            "document-question-answering",
            model,
            tmp_path,
            image=str(page),
            question="what?",
        )


def test_donut_without_an_answer_says_no_answer_found_and_runs_no_ocr(
    engine: TransformersEngine, root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_ocr(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("Donut reads pixels; OCR must not run")

    monkeypatch.setattr(document_qa, "ocr_image", no_ocr)
    page = write_png(tmp_path / "page.png", size=32)
    model = tiny_models.donut_document_qa(root / "donut")
    # A random Donut never writes <s_answer>...</s_answer>: the pipeline's answer is None.
    with pytest.raises(EngineError, match=r"^no answer found in the document$"):
        run(
            engine,
            "document-question-answering",
            model,
            tmp_path,
            image=str(page),
            question="what?",
        )


def test_document_answers_none_or_blank_are_no_answer(tmp_path: Path) -> None:
    class Pipe:
        model = type("M", (), {"config": type("C", (), {"is_encoder_decoder": True})()})()

        def __init__(self, answer: Any) -> None:
            self.answer = answer

        def __call__(self, **kwargs: Any) -> Any:
            return {"answer": self.answer}

    page = write_png(tmp_path / "page.png", size=16)
    request = EngineRequest(
        task=TASKS["document-question-answering"],
        model=ModelCard(id="x/doc", task="document-question-answering"),
        inputs={"image": str(page), "question": "total?"},
        run_dir=tmp_path / "run",
        timeout_s=10,
    )
    for answer in (None, "", "  "):
        with pytest.raises(EngineError, match="no answer found"):
            document_qa.answer_document(Pipe(answer), request)
    out = document_qa.answer_document(Pipe(" 42 "), request)
    assert out["text"] == "42"
    with pytest.raises(EngineError, match="needs argument 'question'"):
        document_qa.answer_document(
            Pipe("x"), EngineRequest(**{**request.__dict__, "inputs": {"image": str(page)}})
        )
