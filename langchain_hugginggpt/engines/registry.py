"""The default engines: every engine whose runtime is installed here, in priority order."""

from __future__ import annotations

from importlib.util import find_spec

from langchain_hugginggpt.engines.base import Engine

__all__ = ["default_engines"]


def default_engines() -> list[Engine]:
    """Local engines first (free, private), then Inference Providers.

    The engines for packaged models (llama.cpp, faster-whisper, Piper, sentence-transformers,
    spaCy) come with the offline extra; Tesseract and eSpeak NG are Debian programs, used when
    installed; transformers and diffusers with the local extra. Each
    claims only models of its own `library_name`. Inference Providers needs only huggingface_hub
    and claims models only when `HF_TOKEN` is set and the mode allows remote.
    """
    from langchain_hugginggpt.engines.offline import (
        EspeakEngine,
        FasterWhisperEngine,
        LlamaCppEngine,
        NgramSummaryEngine,
        PiperEngine,
        SentenceTransformersEngine,
        SpacyEngine,
        TesseractEngine,
    )
    from langchain_hugginggpt.engines.remote import InferenceProvidersEngine

    # The offline engines check their runtime in supports(), so listing them costs nothing.
    engines: list[Engine] = [
        LlamaCppEngine(),
        FasterWhisperEngine(),
        PiperEngine(),
        SentenceTransformersEngine(),
        SpacyEngine(),
        TesseractEngine(),
        EspeakEngine(),
        NgramSummaryEngine(),
    ]
    # Condition maps: computed with OpenCV, or depth by the transformers engine's runner.
    from langchain_hugginggpt.engines.conditions import ConditionEngine

    transformers_engine: Engine | None = None
    if find_spec("torch") and find_spec("transformers"):
        from langchain_hugginggpt.engines.transformers import TransformersEngine

        transformers_engine = TransformersEngine()
    engines.append(ConditionEngine(delegate=transformers_engine))
    if transformers_engine is not None:
        engines.append(transformers_engine)
    if find_spec("torch") and find_spec("diffusers"):
        from langchain_hugginggpt.engines.diffusion import DiffusersEngine

        engines.append(DiffusersEngine())
    engines.append(InferenceProvidersEngine())
    return engines
