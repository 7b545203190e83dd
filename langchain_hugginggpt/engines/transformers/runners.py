"""Per task type: how a transformers model is loaded and how its output becomes a `TaskOutput`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from langchain_hugginggpt.artifacts.outputs import (
    audio_array_output,
    entities_output,
    labels_output,
    pil_image_output,
    text_output,
)
from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.engines.base import EngineError, EngineRequest
from langchain_hugginggpt.engines.media_io import open_image, read_audio
from langchain_hugginggpt.engines.transformers.adapters import (
    CaptionAdapter,
    ExtractiveQAAdapter,
    Seq2SeqAdapter,
)
from langchain_hugginggpt.engines.transformers.chat import ChatModel
from langchain_hugginggpt.engines.transformers.document_qa import answer_document, load_document_qa
from langchain_hugginggpt.engines.transformers.git_vqa import answer_visual_question, load_vqa
from langchain_hugginggpt.engines.transformers.loading import LoadOptions, load_pipeline
from langchain_hugginggpt.engines.transformers.prompted import (
    detect,
    load_detector,
    load_segmenter,
    segment,
)
from langchain_hugginggpt.engines.transformers.speech import SpeechModel

__all__ = ["RUNNERS", "Runner"]

Loader = Callable[[str, LoadOptions], Any]


@dataclass(frozen=True)
class Runner:
    """How one task type runs: `kind` keys the model cache (tasks sharing it share a load)."""

    kind: str
    load: Loader
    run: Callable[[Any, EngineRequest], TaskOutput]


def _arg(request: EngineRequest, name: str) -> str:
    value = request.inputs.get(name, "")
    if not value.strip():
        raise EngineError(f"{request.task.name} needs argument '{name}'")
    return value


def _pipe(task: str, **kwargs: Any) -> Loader:
    return lambda ref, options: load_pipeline(task, ref, options, **kwargs)


def _audio(pipe: Any, request: EngineRequest) -> dict[str, Any]:
    rate = getattr(getattr(pipe, "feature_extractor", None), "sampling_rate", 16000)
    samples, rate = read_audio(_arg(request, "audio"), target_rate=rate)
    return {"raw": samples, "sampling_rate": rate}


def _text_classification(pipe: Any, r: EngineRequest) -> TaskOutput:
    result = pipe(_arg(r, "text"), top_k=None, truncation=True)
    return labels_output(result[0] if result and isinstance(result[0], list) else result)


def _zero_shot(pipe: Any, r: EngineRequest) -> TaskOutput:
    labels = [x.strip() for x in _arg(r, "labels").split(",") if x.strip()]
    result = pipe(_arg(r, "text"), candidate_labels=labels)
    return labels_output(
        [
            {"label": lab, "score": s}
            for lab, s in zip(result["labels"], result["scores"], strict=True)
        ]
    )


def _similarity(pipe: Any, r: EngineRequest) -> TaskOutput:
    import numpy as np

    def embed(text: str) -> Any:
        vector = np.asarray(pipe(text, truncation=True)[0]).mean(axis=0)
        return vector / (np.linalg.norm(vector) or 1.0)

    score = float(embed(_arg(r, "text")) @ embed(_arg(r, "text2")))
    return text_output(f"cosine similarity {score:.3f}", data={"similarity": round(score, 4)})


def _generate(chat: ChatModel, r: EngineRequest) -> TaskOutput:
    return text_output(chat(_arg(r, "text")))


def _seq2seq(task: str) -> Callable[[Any, EngineRequest], TaskOutput]:
    def run(adapter: Seq2SeqAdapter, r: EngineRequest) -> TaskOutput:
        return text_output(
            adapter(
                _arg(r, "text"),
                task,
                target=r.inputs.get("target_language"),
                source=r.inputs.get("source_language"),
            )
        )

    return run


def _qa(adapter: ExtractiveQAAdapter, r: EngineRequest) -> TaskOutput:
    answer, score = adapter(_arg(r, "question"), _arg(r, "context"))
    return text_output(answer, data={"answer": answer, "score": round(score, 4)})


def _image_labels(pipe: Any, r: EngineRequest) -> TaskOutput:
    return labels_output(pipe(open_image(_arg(r, "image")), top_k=5))


def _depth(pipe: Any, r: EngineRequest) -> TaskOutput:
    result = pipe(open_image(_arg(r, "image")))
    return pil_image_output(r.run_dir, result["depth"], "depth map (brighter is nearer)")


def _caption(adapter: CaptionAdapter, r: EngineRequest) -> TaskOutput:
    return text_output(adapter(open_image(_arg(r, "image"))))


def _speak(speech: SpeechModel, r: EngineRequest) -> TaskOutput:
    speaker = r.inputs.get("speaker_embedding", "").strip() or None
    samples, rate = speech(_arg(r, "text"), r.model, speaker=speaker, timeout_s=r.timeout_s)
    return audio_array_output(r.run_dir, samples, rate, "speech")


def _transcribe(pipe: Any, r: EngineRequest) -> TaskOutput:
    audio = _audio(pipe, r)
    long = len(audio["raw"]) / audio["sampling_rate"] > 30
    result = pipe(audio, chunk_length_s=30) if long else pipe(audio)
    return text_output(str(result["text"]).strip())


def _audio_labels(pipe: Any, r: EngineRequest) -> TaskOutput:
    return labels_output(pipe(_audio(pipe, r), top_k=5))


RUNNERS: dict[str, Runner] = {
    "text-classification": Runner(
        "text-classification", _pipe("text-classification"), _text_classification
    ),
    "zero-shot-classification": Runner(
        "zero-shot-classification", _pipe("zero-shot-classification"), _zero_shot
    ),
    "token-classification": Runner(
        "token-classification",
        _pipe("token-classification", aggregation_strategy="simple"),
        lambda p, r: entities_output(p(_arg(r, "text"))),
    ),
    "sentence-similarity": Runner("feature-extraction", _pipe("feature-extraction"), _similarity),
    "text-generation": Runner("text-generation", ChatModel.load, _generate),
    "conversational": Runner("text-generation", ChatModel.load, _generate),
    "summarization": Runner("seq2seq", Seq2SeqAdapter.load, _seq2seq("summarization")),
    "translation": Runner("seq2seq", Seq2SeqAdapter.load, _seq2seq("translation")),
    "text2text-generation": Runner(
        "seq2seq", Seq2SeqAdapter.load, _seq2seq("text2text-generation")
    ),
    "question-answering": Runner("extractive-qa", ExtractiveQAAdapter.load, _qa),
    "image-classification": Runner(
        "image-classification", _pipe("image-classification"), _image_labels
    ),
    "object-detection": Runner("object-detection", load_detector, detect),
    "image-segmentation": Runner("image-segmentation", load_segmenter, segment),
    "depth-estimation": Runner("depth-estimation", _pipe("depth-estimation"), _depth),
    "image-to-text": Runner("captioning", CaptionAdapter.load, _caption),
    "visual-question-answering": Runner("vqa", load_vqa, answer_visual_question),
    "document-question-answering": Runner(
        "document-question-answering", load_document_qa, answer_document
    ),
    "text-to-speech": Runner("text-to-speech", SpeechModel.load, _speak),
    "automatic-speech-recognition": Runner(
        "automatic-speech-recognition", _pipe("automatic-speech-recognition"), _transcribe
    ),
    "audio-classification": Runner(
        "audio-classification", _pipe("audio-classification"), _audio_labels
    ),
}
"""Every task type this engine runs. Not here: audio-to-audio and tabular-classification
(their catalog models are speechbrain/asteroid/sklearn, not transformers) and image generation
(the diffusers engine's)."""
