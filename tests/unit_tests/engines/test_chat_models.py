"""Conversation and text generation: each model run as its kind, whole checkpoints only."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import EngineError, EngineRequest
from langchain_hugginggpt.engines.cache import ModelCache
from langchain_hugginggpt.engines.transformers import TransformersEngine
from langchain_hugginggpt.engines.transformers.chat import ChatModel
from langchain_hugginggpt.engines.transformers.loading import LoadOptions
from langchain_hugginggpt.tasks import TASKS
from tests.unit_tests.engines import tiny_models


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tiny-chat")


@pytest.fixture(scope="module")
def gpt2(root: Path) -> Path:
    return tiny_models.causal_lm(root)


@pytest.fixture
def engine() -> TransformersEngine:
    return TransformersEngine(device="cpu", cache=ModelCache(max_items=4))


def run(engine: TransformersEngine, task: str, path: Path, tmp_path: Path, text: str) -> str:
    card = ModelCard(id=f"local/{path.name}", task=task, source="local", path=str(path))
    out = engine.run(
        EngineRequest(
            task=TASKS[task],
            model=card,
            inputs={"text": text},
            run_dir=tmp_path / "run",
            timeout_s=60,
        )
    )
    assert out["type"] == "text"
    return str(out["text"])


@pytest.mark.parametrize("small", [False, True], ids=["blenderbot", "blenderbot-small"])
def test_encoder_decoder_chat_models_run_as_sequence_to_sequence(
    engine: TransformersEngine, root: Path, tmp_path: Path, small: bool
) -> None:
    from transformers import (
        BlenderbotForConditionalGeneration,
        BlenderbotSmallForConditionalGeneration,
    )

    path = tiny_models.blenderbot(root, small=small)
    reply = run(engine, "conversational", path, tmp_path, "hello i love it")
    chat = ChatModel.load(str(path), LoadOptions())
    expected = (
        BlenderbotSmallForConditionalGeneration if small else BlenderbotForConditionalGeneration
    )
    assert chat.encoder_decoder and type(chat.model) is expected
    # min_new_tokens=2 with <s>, <pad>, <unk> suppressed: the reply holds decoded words.
    assert set(reply.split()) <= set(tiny_models.WORDS) and reply
    assert reply == chat("hello i love it")  # greedy decoding: the engine ran this model


def test_decoder_only_models_generate_after_the_prompt(
    engine: TransformersEngine, gpt2: Path, tmp_path: Path
) -> None:
    from transformers import GPT2LMHeadModel

    chat = ChatModel.load(str(gpt2), LoadOptions())
    assert not chat.encoder_decoder and type(chat.model) is GPT2LMHeadModel
    prompt = "the cat is good"
    reply = run(engine, "text-generation", gpt2, tmp_path, prompt)
    # The tiny model adds 2 to 6 words; a reply echoing the 4-word prompt would be longer.
    assert 2 <= len(reply.split()) <= 6
    assert reply == chat(prompt)  # greedy decoding: the same reply run directly


def test_a_chat_template_shapes_the_prompt(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transformers import AutoTokenizer

    path = shutil.copytree(tiny_models.causal_lm(root, "tiny-gpt2-chat"), tmp_path / "chat")
    tokenizer = AutoTokenizer.from_pretrained(path)
    tokenizer.chat_template = "{% for m in messages %}hello {{ m['content'] }} {% endfor %}i"
    tokenizer.save_pretrained(path)
    chat = ChatModel.load(str(path), LoadOptions())
    seen: list[list[int]] = []
    generate = chat.model.generate

    def spy(**kwargs: object) -> object:
        seen.append(kwargs["input_ids"][0].tolist())  # type: ignore[index]
        return generate(**kwargs)

    monkeypatch.setattr(chat.model, "generate", spy)
    chat("the dog")
    assert tokenizer.convert_ids_to_tokens(seen[0]) == ["hello", "the", "dog", "i"]


def _edit_checkpoint(source: Path, destination: Path, extra: bool) -> Path:
    """A copy of `source` with one tensor added (extra) or one removed (not extra)."""
    import torch
    from safetensors.torch import load_file, save_file

    path = shutil.copytree(source, destination)
    weights = load_file(path / "model.safetensors")
    if extra:
        weights["transformer.h.0.adapter.weight"] = torch.zeros(4, 4)
    else:
        del weights["transformer.h.0.mlp.c_fc.weight"]
    save_file(weights, path / "model.safetensors", metadata={"format": "pt"})
    return path


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (True, "checkpoint weights left unused: transformer.h.0.adapter.weight"),
        (
            False,
            "weights newly initialised (not in the checkpoint): transformer.h.0.mlp.c_fc.weight",
        ),
    ],
    ids=["unused-weights", "new-weights"],
)
def test_a_checkpoint_that_does_not_fill_the_model_fails_naming_the_weights(
    engine: TransformersEngine, gpt2: Path, tmp_path: Path, extra: bool, expected: str
) -> None:
    path = _edit_checkpoint(gpt2, tmp_path / "edited", extra)
    with pytest.raises(EngineError) as caught:
        run(engine, "conversational", path, tmp_path, "hello")
    message = str(caught.value)
    assert message.startswith(f"cannot load {path} as AutoModelForCausalLM")
    assert expected in message
