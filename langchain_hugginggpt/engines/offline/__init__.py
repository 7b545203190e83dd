"""Engines keyed by the Hub's `library_name` for models that run without transformers."""

from langchain_hugginggpt.engines.offline.espeak_tts import EspeakEngine
from langchain_hugginggpt.engines.offline.llamacpp import LlamaCppEngine
from langchain_hugginggpt.engines.offline.ngram_summary import NgramSummaryEngine
from langchain_hugginggpt.engines.offline.piper_tts import PiperEngine
from langchain_hugginggpt.engines.offline.sbert import SentenceTransformersEngine
from langchain_hugginggpt.engines.offline.spacy_ner import SpacyEngine
from langchain_hugginggpt.engines.offline.tesseract_ocr import TesseractEngine
from langchain_hugginggpt.engines.offline.whisper import FasterWhisperEngine

__all__ = [
    "EspeakEngine",
    "FasterWhisperEngine",
    "LlamaCppEngine",
    "NgramSummaryEngine",
    "PiperEngine",
    "SentenceTransformersEngine",
    "SpacyEngine",
    "TesseractEngine",
]
