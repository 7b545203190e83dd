"""Each architecture of the matrix's top candidates runs through its task on a tiny model.

The models are random and saved in the Hub's folder layout; the engine loads them back from
disk exactly as it would a downloaded snapshot (`langchain_hugginggpt.catalog.architectures`
names these tests).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import EngineRequest
from langchain_hugginggpt.engines.cache import ModelCache
from langchain_hugginggpt.engines.transformers import TransformersEngine
from langchain_hugginggpt.tasks import TASKS
from tests.unit_tests.engines import tiny_architectures as tiny
from tests.unit_tests.engines.tiny_models import WORDS, write_png, write_wav


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tiny-architectures")


@pytest.fixture
def engine() -> TransformersEngine:
    return TransformersEngine(device="cpu", cache=ModelCache(max_items=2))


def run(
    engine: TransformersEngine, task: str, path: Path, tmp_path: Path, **inputs: str
) -> TaskOutput:
    card = ModelCard(id=f"local/{path.name}", task=task, source="local", path=str(path))
    assert engine.supports(card, "local")
    return engine.run(
        EngineRequest(
            task=TASKS[task], model=card, inputs=inputs, run_dir=tmp_path / "run", timeout_s=60
        )
    )


@pytest.mark.parametrize("model_type", ["distilbert", "roberta", "xlm-roberta"])
def test_text_classifier_architectures(
    model_type: str, engine: TransformersEngine, root: Path, tmp_path: Path
) -> None:
    path = tiny.encoder(root, model_type, "AutoModelForSequenceClassification")
    out = run(engine, "text-classification", path, tmp_path, text="the movie was great")
    assert out["type"] == "labels"
    assert {x["label"] for x in out["data"]} == {"POSITIVE", "NEGATIVE"}


@pytest.mark.parametrize("model_type", ["distilbert", "bert", "camembert"])
def test_token_classifier_architectures(
    model_type: str, engine: TransformersEngine, root: Path, tmp_path: Path
) -> None:
    path = tiny.encoder(root, model_type, "AutoModelForTokenClassification")
    out = run(engine, "token-classification", path, tmp_path, text="the cat love the dog")
    assert isinstance(out["text"], str)


@pytest.mark.parametrize("model_type", ["distilbert", "bert", "roberta"])
def test_extractive_qa_architectures(
    model_type: str, engine: TransformersEngine, root: Path, tmp_path: Path
) -> None:
    path = tiny.encoder(root, model_type, "AutoModelForQuestionAnswering")
    context = "the cat is red and the dog is good"
    out = run(engine, "question-answering", path, tmp_path, question="is the cat", context=context)
    assert out["type"] == "text" and out["data"]["answer"] in context  # a span of the context


@pytest.mark.parametrize("model_type", ["bert", "mpnet"])
def test_sentence_similarity_architectures(
    model_type: str, engine: TransformersEngine, root: Path, tmp_path: Path
) -> None:
    path = tiny.encoder(root, model_type, "AutoModel")
    same = run(engine, "sentence-similarity", path, tmp_path, text="the cat", text2="the cat")
    assert same["data"]["similarity"] == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize(
    ("model_type", "task"),
    [
        ("gptj", "text-generation"),
        ("gptj", "conversational"),
        ("gpt_neo", "text-generation"),
        ("bloom", "text-generation"),
    ],
)
def test_decoder_only_architectures(
    model_type: str, task: str, engine: TransformersEngine, root: Path, tmp_path: Path
) -> None:
    path = root / f"tiny-{model_type}"
    if not path.exists():
        tiny.causal_lm(root, model_type)
    reply = run(engine, task, path, tmp_path, text="the cat is good")["text"]
    # 2 to 6 new words of the vocabulary; an echo of the 4-word prompt would be longer.
    assert 2 <= len(reply.split()) <= 6 and set(reply.split()) <= set(WORDS)


@pytest.mark.parametrize("model_type", ["resnet", "beit"])
def test_image_classifier_architectures(
    model_type: str, engine: TransformersEngine, root: Path, tmp_path: Path
) -> None:
    path = tiny.vision_classifier(root, model_type)
    image = write_png(tmp_path / "red.png", size=32)
    out = run(engine, "image-classification", path, tmp_path, image=str(image))
    assert out["type"] == "labels" and {x["label"] for x in out["data"]} == {"cat", "dog", "car"}


@pytest.mark.parametrize("model_type", ["t5", "m2m_100"])
def test_text2text_architectures(
    model_type: str, engine: TransformersEngine, root: Path, tmp_path: Path
) -> None:
    from tests.unit_tests.engines import tiny_models
    from tests.unit_tests.engines.test_translation_languages import tiny_t5

    folder = root / f"text2text-{model_type}"
    path = tiny_t5(folder) if model_type == "t5" else tiny_models.m2m100(folder)
    out = run(engine, "text2text-generation", path, tmp_path, text="the cat is good")
    assert out["type"] == "text" and out["text"].strip()


def test_segformer_segments(engine: TransformersEngine, root: Path, tmp_path: Path) -> None:
    image = write_png(tmp_path / "red.png", size=32)
    out = run(engine, "image-segmentation", tiny.segformer(root), tmp_path, image=str(image))
    assert isinstance(out["text"], str) and out["text"]


def test_glpn_estimates_depth(engine: TransformersEngine, root: Path, tmp_path: Path) -> None:
    image = write_png(tmp_path / "red.png", size=32)
    out = run(engine, "depth-estimation", tiny.glpn(root), tmp_path, image=str(image))
    assert out["type"] == "image" and Path(out["path"]).is_file()


def test_yolos_detects(engine: TransformersEngine, root: Path, tmp_path: Path) -> None:
    image = write_png(tmp_path / "red.png", size=32)
    out = run(engine, "object-detection", tiny.yolos(root), tmp_path, image=str(image))
    assert isinstance(out["text"], str)


@pytest.mark.parametrize("model_type", ["wav2vec2", "audio-spectrogram-transformer"])
def test_audio_classifier_architectures(
    model_type: str, engine: TransformersEngine, root: Path, tmp_path: Path
) -> None:
    audio = write_wav(tmp_path / "tone.wav", seconds=0.5)
    path = tiny.audio_classifier(root, model_type)
    out = run(engine, "audio-classification", path, tmp_path, audio=str(audio))
    assert out["type"] == "labels" and {x["label"] for x in out["data"]} == {"calm", "angry"}


def test_vilt_answers_visual_questions(
    engine: TransformersEngine, root: Path, tmp_path: Path
) -> None:
    image = write_png(tmp_path / "red.png", size=32)
    out = run(
        engine,
        "visual-question-answering",
        tiny.vilt(root),
        tmp_path,
        image=str(image),
        question="is the square red",
    )
    assert out["data"]["answer"] in {"yes", "no", "red"}


def test_vision_encoder_decoder_captions(
    engine: TransformersEngine, root: Path, tmp_path: Path
) -> None:
    image = write_png(tmp_path / "red.png", size=32)
    out = run(engine, "image-to-text", tiny.vit_gpt2_captioner(root), tmp_path, image=str(image))
    words = out["text"].split()
    assert words and set(words) <= set(WORDS)  # decoded by the GPT-2 decoder's tokenizer


@pytest.mark.parametrize("task", ["image-to-text", "visual-question-answering"])
def test_blip_captions_and_answers(
    task: str, engine: TransformersEngine, root: Path, tmp_path: Path
) -> None:
    image = write_png(tmp_path / "red.png", size=32)
    out = run(engine, task, tiny.blip(root, task), tmp_path, image=str(image), question="is it red")
    assert out["type"] == "text" and out["text"].strip()
