"""Which model architectures run here: tested on a tiny model, not yet tested, or not supported.

`data/architectures.json` names the `config.model_type` of each task's five most downloaded
bundled models (written from the ids and tags, not read from the Hub). An architecture no
local engine runs is never a local candidate (`unsupported_reason`); one the engines run is
named with the test that runs it on a tiny random model saved in the Hub's layout.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from langchain_hugginggpt.catalog.card import ModelCard

__all__ = [
    "SUPPORTED",
    "UNSUPPORTED",
    "UNTESTED",
    "MatrixEntry",
    "matrix",
    "model_type",
    "status",
    "unsupported_reason",
]

_ENGINES = "tests/unit_tests/engines/"
_RUNS = _ENGINES + "test_architecture_runs.py::"
_LOCAL = _ENGINES + "test_local_engines.py::"
_CHAT = _ENGINES + "test_chat_models.py::"
_VISION = _ENGINES + "test_prompted_vision.py::"
_SPEECH = _ENGINES + "test_speech_models.py::"
_TRANSLATION = _ENGINES + "test_translation_languages.py::"

_DECODER_ONLY = _RUNS + "test_decoder_only_architectures"
_GPT2 = _CHAT + "test_decoder_only_models_generate_after_the_prompt"

SUPPORTED: dict[str, dict[str, str]] = {
    "audio-classification": {
        "wav2vec2": _RUNS + "test_audio_classifier_architectures",
        "audio-spectrogram-transformer": _RUNS + "test_audio_classifier_architectures",
    },
    "automatic-speech-recognition": {"wav2vec2": _LOCAL + "test_speech_recognition"},
    "conversational": {
        "blenderbot": _CHAT + "test_encoder_decoder_chat_models_run_as_sequence_to_sequence",
        "gpt2": _GPT2,
        "gptj": _DECODER_ONLY,
    },
    "depth-estimation": {
        "dpt": _ENGINES
        + "test_conditions.py::test_depth_condition_on_the_real_transformers_runner",
        "glpn": _RUNS + "test_glpn_estimates_depth",
    },
    "document-question-answering": {
        "layoutlm": _VISION + "test_layoutlm_answers_from_tesseract_word_boxes",
        "vision-encoder-decoder": (
            _VISION + "test_donut_without_an_answer_says_no_answer_found_and_runs_no_ocr"
        ),
    },
    "image-classification": {
        "vit": _LOCAL + "test_image_classification",
        "resnet": _RUNS + "test_image_classifier_architectures",
        "beit": _RUNS + "test_image_classifier_architectures",
    },
    "image-segmentation": {
        "clipseg": _VISION + "test_clipseg_segments_the_named_regions",
        "segformer": _RUNS + "test_segformer_segments",
    },
    "image-to-text": {
        "vision-encoder-decoder": _RUNS + "test_vision_encoder_decoder_captions",
        "blip": _RUNS + "test_blip_captions_and_answers",
    },
    "image-to-image": {
        "stable-diffusion": _LOCAL + "test_image_to_image_reuses_the_weights_folder"
    },
    "object-detection": {
        "owlvit": _VISION + "test_open_vocabulary_detectors_box_only_the_objects_the_request_names",
        "owlv2": _VISION + "test_open_vocabulary_detectors_box_only_the_objects_the_request_names",
        "yolos": _RUNS + "test_yolos_detects",
    },
    "question-answering": {
        name: _RUNS + "test_extractive_qa_architectures"
        for name in ("distilbert", "bert", "roberta")
    },
    "sentence-similarity": {
        name: _RUNS + "test_sentence_similarity_architectures" for name in ("bert", "mpnet")
    },
    "summarization": {
        "bart": _LOCAL + "test_summarization_and_translation_through_the_seq2seq_adapter"
    },
    "text-classification": {
        "bert": _LOCAL + "test_text_classification",
        **{
            name: _RUNS + "test_text_classifier_architectures"
            for name in ("distilbert", "roberta", "xlm-roberta")
        },
    },
    "text-generation": {
        "gpt2": _GPT2,
        "gptj": _DECODER_ONLY,
        "gpt_neo": _DECODER_ONLY,
        "bloom": _DECODER_ONLY,
    },
    "text-to-image": {"stable-diffusion": _LOCAL + "test_text_to_image_on_tiny_stable_diffusion"},
    "text-to-speech": {
        "speecht5": _SPEECH + "test_speecht5_speaks_through_the_vocoder_its_card_names",
        "vits": _SPEECH + "test_vits_speaks_without_vocoder_or_speaker",
        "bark": _SPEECH + "test_bark_generates_a_waveform_at_its_codec_rate",
    },
    "text-to-video": {
        "text-to-video-sd": _ENGINES + "test_editing_and_video.py::test_text_to_video_writes_an_mp4"
    },
    "text2text-generation": {
        name: _RUNS + "test_text2text_architectures" for name in ("t5", "m2m_100")
    },
    "token-classification": {
        name: _RUNS + "test_token_classifier_architectures"
        for name in ("distilbert", "bert", "camembert")
    },
    "translation": {
        "t5": _TRANSLATION + "test_t5_gets_its_prefix_and_refuses_korean",
        "marian": _TRANSLATION + "test_marian_translates_its_pair",
        "m2m_100": _TRANSLATION + "test_m2m100_through_the_engine",
    },
    "visual-question-answering": {
        "git": _VISION + "test_git_answers_visual_questions_by_generation",
        "blip": _RUNS + "test_blip_captions_and_answers",
        "vilt": _RUNS + "test_vilt_answers_visual_questions",
    },
}
"""Task -> model_type -> node id of the test that runs it through the task on a tiny model."""

_PIPELINE = "the task's pipeline accepts it, but no tiny-model test runs it yet"

UNTESTED: dict[str, dict[str, str]] = {
    "document-question-answering": {
        "layoutlmv3": "handed to the pipeline like LayoutLM (Tesseract word boxes); no tiny-model "
        "test runs it yet",
    },
    "image-segmentation": {"maskformer": _PIPELINE},
    "object-detection": {
        "detr": "the pipeline accepts it, but the Hub configs name a timm ResNet backbone and "
        "timm is not installed here; no tiny-model test runs it yet",
        "table-transformer": "as DETR: a timm ResNet backbone in the Hub config; no tiny-model "
        "test runs it yet",
    },
    "summarization": {
        "pegasus": "no tiny-model test: a Pegasus tokenizer built from `spiece.model` fails to "
        "load here (protobuf 6.33 is older than sentencepiece's generated code 7.36, so "
        "transformers falls back to a tiktoken reader that cannot parse it)",
    },
}
"""Task -> model_type -> why it stays a candidate without a test: the engine should run it."""

UNSUPPORTED: dict[str, str] = {
    "asteroid": "an Asteroid model; no engine here runs Asteroid",
    "espnet": "an ESPnet model; no engine here runs ESPnet",
    "fairseq": "a fairseq checkpoint; no engine here runs fairseq",
    "keras": "a Keras (TensorFlow) model; the engines here run PyTorch only",
    "layoutlmv2": "LayoutLMv2's visual backbone needs detectron2, which is not installed here",
    "modelscope": "the original ModelScope release, not a diffusers pipeline (its diffusers port "
    "is damo-vilab/text-to-video-ms-1.7b)",
    "pyannote": "a pyannote.audio pipeline (voice activity, diarization), not a transformers "
    "model; no engine here runs pyannote",
    "sklearn": "a scikit-learn model; no engine here runs tabular models",
    "speechbrain": "a SpeechBrain model; no engine here runs SpeechBrain",
    "StableDiffusionImageVariationPipeline": "conditioned on a CLIP image embedding with no "
    "text encoder; diffusers' AutoPipelineForImage2Image has no mapping for it",
    "swin2sr": "super-resolution: the transformers engine has no image-to-image runner and it "
    "is not a diffusers pipeline",
    "timm": "a timm model; timm is not installed here, and the engines run transformers and "
    "diffusers models only",
    "tune-a-video": "needs the Tune-A-Video project's own pipeline, which is not part of diffusers",
    "xgboost": "an XGBoost model; no engine here runs tabular models",
}
"""model_type -> why no local engine runs it: such models are never local candidates."""

_DATA = "architectures.json"


@dataclass(frozen=True)
class MatrixEntry:
    """One of a task's top bundled models, with its architecture as the data file names it."""

    id: str
    model_type: str | None
    note: str = ""


@cache
def _load() -> dict[str, tuple[MatrixEntry, ...]]:
    data = resources.files("langchain_hugginggpt.catalog").joinpath("data", _DATA)
    tasks = json.loads(data.read_text(encoding="utf-8"))["tasks"]
    return {
        task: tuple(
            MatrixEntry(row["id"], row.get("model_type"), row.get("note", "")) for row in rows
        )
        for task, rows in tasks.items()
    }


@cache
def _by_id() -> dict[str, str]:
    return {
        entry.id: entry.model_type
        for entries in _load().values()
        for entry in entries
        if entry.model_type is not None
    }


def matrix() -> dict[str, tuple[MatrixEntry, ...]]:
    """Task -> its top-5 bundled models by downloads, as `data/architectures.json` lists them."""
    return dict(_load())


def model_type(card: ModelCard) -> str | None:
    """The card's architecture: `extra["model_type"]` when set, else the data file's, else None."""
    given = card.extra.get("model_type")
    if isinstance(given, str) and given:
        return given
    return _by_id().get(card.id)


def unsupported_reason(card: ModelCard) -> str | None:
    """Why no local engine runs `card`'s architecture, or None (supported, or not known)."""
    kind = model_type(card)
    if kind is None or kind not in UNSUPPORTED:
        return None
    return f"{kind}: {UNSUPPORTED[kind]}"


def status(task: str, kind: str | None) -> tuple[str, str]:
    """The matrix status of architecture `kind` for `task` and its detail.

    Returns:
        `("tested", test node id)`, `("untested", reason)`, `("unsupported", reason)` or
        `("unknown", "")` (no architecture known, or none of the three lists names it).
    """
    if kind is None:
        return "unknown", ""
    if kind in SUPPORTED.get(task, {}):
        return "tested", SUPPORTED[task][kind]
    if kind in UNSUPPORTED:
        return "unsupported", UNSUPPORTED[kind]
    if kind in UNTESTED.get(task, {}):
        return "untested", UNTESTED[task][kind]
    return "unknown", ""
