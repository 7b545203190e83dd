"""Document question answering: LayoutLM reads Tesseract's words, Donut reads the pixels.

The LayoutLM family answers with a span of the document's words, so it needs the words and
their boxes. The transformers pipeline would get them through pytesseract, which this project
does not use: the words come from the project's own Tesseract expert (`ocr_image`, the system
binary) and are handed to the pipeline as `word_boxes`. Donut needs no OCR; when it finds no
answer its pipeline returns None, which is reported as such rather than as the text "None".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_hugginggpt.artifacts.outputs import json_output
from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.engines.base import EngineError, EngineRequest
from langchain_hugginggpt.engines.media_io import open_image
from langchain_hugginggpt.engines.offline.tesseract_ocr import ocr_image, tesseract_path
from langchain_hugginggpt.engines.transformers.loading import LoadOptions, load_pipeline

__all__ = [
    "NEEDS_TESSERACT",
    "NO_ANSWER",
    "NO_WORDS",
    "answer_document",
    "load_document_qa",
    "word_boxes",
]

NO_ANSWER = "no answer found in the document"
NEEDS_TESSERACT = (
    "LayoutLM document question answering reads the page's words with Tesseract: install the "
    "Debian packages tesseract-ocr tesseract-ocr-eng (or run `make system-packages`)"
)
NO_WORDS = "no text found in the document (Tesseract read no words), so LayoutLM cannot answer"


def load_document_qa(ref: str, options: LoadOptions) -> Any:
    """The document-question-answering pipeline; LayoutLMv3's own OCR (pytesseract) is off."""
    pipe = load_pipeline("document-question-answering", ref, options)
    processor = getattr(pipe, "image_processor", None)
    if processor is not None and getattr(processor, "apply_ocr", False):
        processor.apply_ocr = False  # the words come from `word_boxes`
    return pipe


def word_boxes(path: Path, width: int, height: int, timeout_s: float) -> list[Any]:
    """Tesseract's words of the image, each with its box normalised to 0-1000 as LayoutLM wants.

    Raises:
        EngineError: Tesseract is missing or fails, or it reads no words.
    """
    if tesseract_path() is None:
        raise EngineError(NEEDS_TESSERACT)
    result = ocr_image(path, timeout_s=timeout_s)
    if not result.words:
        raise EngineError(NO_WORDS)

    def scaled(value: float, size: int) -> int:
        return min(1000, max(0, round(1000 * value / max(size, 1))))

    return [
        (
            word["text"],
            [
                scaled(word["left"], width),
                scaled(word["top"], height),
                scaled(word["left"] + word["width"], width),
                scaled(word["top"] + word["height"], height),
            ],
        )
        for word in result.words
    ]


def _needs_words(pipe: Any) -> bool:
    """Whether the model reads OCR words (LayoutLM family) rather than pixels alone (Donut)."""
    return not getattr(pipe.model.config, "is_encoder_decoder", False)


def answer_document(pipe: Any, request: EngineRequest) -> TaskOutput:
    """Answer the question about the document image; no answer is an `EngineError`."""
    path = request.inputs.get("image", "").strip()
    question = request.inputs.get("question", "").strip()
    for name, value in (("image", path), ("question", question)):
        if not value:
            raise EngineError(f"{request.task.name} needs argument '{name}'")
    image = open_image(path)
    kwargs: dict[str, Any] = {}
    if _needs_words(pipe):
        kwargs["word_boxes"] = word_boxes(Path(path), image.width, image.height, request.timeout_s)
    result = pipe(image=image, question=question, **kwargs)
    best = result[0] if isinstance(result, list) and result else result
    answer = best.get("answer") if isinstance(best, dict) else None
    if answer is None or not str(answer).strip():
        raise EngineError(NO_ANSWER)
    data = {k: v for k, v in best.items() if k in ("answer", "score", "start", "end")}
    if "score" in data:
        data["score"] = round(float(data["score"]), 4)
    return json_output(data, text=str(answer).strip())
