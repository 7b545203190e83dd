"""Translation honours its languages (issue 15.3): a model runs only for a pair it translates.

Tiny random Marian, T5 and M2M100 models are built and saved here, then loaded back through the
real engine; their output is noise, so the tests check which models run, with which prefix or
forced language token, and what a refused request says, never the words.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from langchain_hugginggpt.artifacts.outputs import text_output
from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.catalog.directions import (
    ANY,
    T5_PAIRS,
    Directions,
    card_directions,
    translation_refusal,
)
from langchain_hugginggpt.engines.base import Engine, EngineError, EngineRequest, Engines
from langchain_hugginggpt.engines.cache import ModelCache
from langchain_hugginggpt.engines.controller import controller_card
from langchain_hugginggpt.engines.ladder import run_ladder, translation_languages
from langchain_hugginggpt.engines.transformers import TransformersEngine
from langchain_hugginggpt.engines.transformers.adapters import Seq2SeqAdapter
from langchain_hugginggpt.engines.transformers.loading import LoadOptions
from langchain_hugginggpt.engines.transformers.translation import (
    MBART50_CODES,
    NLLB_CODES,
    mbart50_code,
    model_family,
    nllb_code,
    prepare_translation,
)
from langchain_hugginggpt.tasks import TASKS
from tests.unit_tests.engines import tiny_models

ENGLISH = "The cat is good and the dog is bad, but I love it."
KOREAN = "고양이는 좋고 개는 나쁘지만 나는 그것을 사랑해요."
_WORDS = "the a cat dog good bad is was i love it red square hello world hola mundo el gato es"

# ---------------------------------------------------------------- tiny models, saved locally


def _quiet_generation(model: Any, suppress: list[int]) -> None:
    # Random weights often stop at once; a few forced tokens keep the output non-empty.
    model.generation_config.min_new_tokens = 3
    model.generation_config.max_new_tokens = 8
    model.generation_config.suppress_tokens = suppress


def tiny_t5(root: Path) -> Path:
    """A T5 model with the original checkpoints' translation prefixes in its config."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, T5Config, T5ForConditionalGeneration

    words = ["<pad>", "</s>", "<unk>", *dict.fromkeys(_WORDS.split()), "translate", "English"]
    backend = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, eos_token="</s>", pad_token="<pad>", unk_token="<unk>"
    )
    params = {
        f"translation_en_to_{code}": {"prefix": f"translate English to {name}: "}
        for code, name in (("de", "German"), ("fr", "French"), ("ro", "Romanian"))
    }
    config = T5Config(
        vocab_size=len(words),
        d_model=16,
        d_ff=32,
        d_kv=8,
        num_layers=1,
        num_heads=2,
        pad_token_id=0,
        eos_token_id=1,
        decoder_start_token_id=0,
        task_specific_params=params,
    )
    torch.manual_seed(0)
    model = T5ForConditionalGeneration(config)
    _quiet_generation(model, [0, 2])
    path = root / "tiny-t5"
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("sentencepiece")
    root = tmp_path_factory.mktemp("translators")
    return {
        "marian": tiny_models.marian(root, "en", "es"),
        "t5": tiny_t5(root / "t5"),
        "m2m100": tiny_models.m2m100(root),
        "wmt21": tiny_models.m2m100(root, "wmt21"),
    }


def local(path: Path, model_id: str | None = None) -> ModelCard:
    return ModelCard(
        id=model_id or f"local/{path.name}",
        task="translation",
        source="local",
        path=str(path),
        library_name="transformers",
    )


@pytest.fixture
def engine() -> TransformersEngine:
    return TransformersEngine(device="cpu", cache=ModelCache(max_items=8))


def adapter(path: Path) -> Seq2SeqAdapter:
    return Seq2SeqAdapter.load(str(path), LoadOptions(device="cpu"))


def translate(
    engine: Engine, cards: list[ModelCard], tmp_path: Path, **inputs: str
) -> dict[str, Any]:
    return run_ladder(
        TASKS["translation"],
        cards,
        inputs,
        engines=Engines([engine]),
        mode="local",
        run_dir=tmp_path / "run",
        timeout_s=120,
    )


# ---------------------------------------------------------------- language codes per family


def test_nllb_and_mbart50_codes() -> None:
    assert nllb_code("Korean") == nllb_code("ko") == "kor_Hang"
    assert nllb_code("English") == "eng_Latn" and nllb_code("zh-CN") == "zho_Hans"
    assert mbart50_code("Korean") == mbart50_code("ko") == "ko_KR"
    assert mbart50_code("English") == "en_XX" and mbart50_code("Chinese") == "zh_CN"
    assert nllb_code("Klingon") is None and mbart50_code("Klingon") is None
    assert mbart50_code("Bulgarian") is None  # not one of mBART-50's languages


def test_code_tables_name_only_codes_the_tokenizers_know() -> None:
    nllb = pytest.importorskip("transformers.models.nllb.tokenization_nllb")
    mbart50 = pytest.importorskip("transformers.models.mbart50.tokenization_mbart50")
    assert set(NLLB_CODES.values()) <= set(nllb.FAIRSEQ_LANGUAGE_CODES)
    assert set(MBART50_CODES.values()) <= set(mbart50.FAIRSEQ_LANGUAGE_CODES)


@dataclass
class FakeManyToManyTokenizer:
    """Stands in for an NLLB or mBART-50 tokenizer: language codes are vocabulary tokens."""

    codes: list[str]
    src_lang: str = ""
    unk_token_id: int = 3
    vocab: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.vocab = {code: 100 + i for i, code in enumerate(self.codes)}

    def convert_tokens_to_ids(self, token: str) -> int:
        return self.vocab.get(token, self.unk_token_id)


class NllbTokenizerFast(FakeManyToManyTokenizer):
    pass


class MBart50TokenizerFast(FakeManyToManyTokenizer):
    pass


class _Model:
    config = type("Config", (), {"model_type": "m2m_100", "task_specific_params": None})()


def test_nllb_gets_flores_codes() -> None:
    tokenizer = NllbTokenizerFast(["eng_Latn", "kor_Hang", "fra_Latn"])
    setup = prepare_translation(_Model(), tokenizer, ENGLISH, None, "Korean", "nllb")
    assert model_family(_Model(), tokenizer) == "nllb"
    assert tokenizer.src_lang == "eng_Latn"  # detected from the text
    assert setup.generate_kwargs == {"forced_bos_token_id": tokenizer.vocab["kor_Hang"]}
    assert setup.prefix == ""


def test_mbart50_gets_its_codes() -> None:
    tokenizer = MBart50TokenizerFast(["en_XX", "ko_KR", "fr_XX"])
    setup = prepare_translation(_Model(), tokenizer, KOREAN, None, "fr", "mbart")
    assert model_family(_Model(), tokenizer) == "mbart50"
    assert tokenizer.src_lang == "ko_KR"
    assert setup.generate_kwargs == {"forced_bos_token_id": tokenizer.vocab["fr_XX"]}


def test_many_to_many_refuses_a_language_its_tokenizer_lacks() -> None:
    tokenizer = NllbTokenizerFast(["eng_Latn", "fra_Latn"])
    with pytest.raises(EngineError, match=r"nllb translates between 2 languages only, not "):
        prepare_translation(_Model(), tokenizer, ENGLISH, "en", "Korean", "nllb")


def test_many_to_many_needs_a_target() -> None:
    tokenizer = NllbTokenizerFast(["eng_Latn", "kor_Hang"])
    with pytest.raises(EngineError, match="needs a target language"):
        prepare_translation(_Model(), tokenizer, ENGLISH, "en", None, "nllb")


def test_an_unknown_target_is_refused_an_unknown_source_detected() -> None:
    tokenizer = NllbTokenizerFast(["eng_Latn", "kor_Hang"])
    with pytest.raises(EngineError, match="unknown target language 'Klingon'"):
        prepare_translation(_Model(), tokenizer, ENGLISH, "en", "Klingon", "nllb")
    prepare_translation(_Model(), tokenizer, KOREAN, "auto", "English", "nllb")
    assert tokenizer.src_lang == "kor_Hang"


# ---------------------------------------------------------------- what a card says


def card(model_id: str, *languages: str, **fields: Any) -> ModelCard:
    return ModelCard(id=model_id, task="translation", languages=languages, **fields)


def test_card_directions() -> None:
    assert card_directions(card("Helsinki-NLP/opus-mt-en-es")) == Directions(
        pairs=frozenset({("en", "es")})
    )
    assert card_directions(card("t5-base", "en", "fr", "ro", "de")) == Directions(pairs=T5_PAIRS)
    assert card_directions(card("google-t5/t5-small")) == Directions(pairs=T5_PAIRS)
    mul = card_directions(card("Helsinki-NLP/opus-mt-mul-en", "ko", "fr"))
    assert mul == Directions(pairs=frozenset({(ANY, "en")}))
    nllb = card_directions(card("facebook/nllb-200-distilled-600M", "ko", "en", "ace"))
    assert nllb == Directions(languages=frozenset({"ko", "en"}))
    assert card_directions(card("facebook/nllb-200-distilled-600M")) is None  # says nothing
    assert card_directions(card("K024/mt5-zh-ja-en-trimmed", "zh", "ja", "en")) == Directions(
        languages=frozenset({"zh", "ja", "en"})
    )
    assert card_directions(card("someone/bart-translator")) is None
    assert card_directions(controller_card("translation")) is None


def test_translation_refusal_names_the_pairs_served() -> None:
    t5 = card("t5-base")
    assert translation_refusal(t5, "en", "ko") == (
        "translates English to German, English to French, English to Romanian only"
    )
    assert translation_refusal(t5, "en", "de") is None
    assert translation_refusal(t5, None, "de") is None  # source unknown: may fit
    assert translation_refusal(t5, "en", None) is None  # no target: nothing to check
    assert translation_refusal(card("Helsinki-NLP/opus-mt-mul-en"), "ko", "en") is None
    assert translation_refusal(card("someone/bart-translator"), "en", "ko") is None


def test_source_is_detected_when_not_given() -> None:
    assert translation_languages({"text": KOREAN, "target_language": "English"}) == ("ko", "en")
    assert translation_languages(
        {"text": KOREAN, "source_language": "Japanese", "target_language": "en"}
    ) == ("ja", "en")
    assert translation_languages({"text": KOREAN, "source_language": "auto"}) == ("ko", None)
    assert translation_languages({"text": "ok"}) == (None, None)


# ---------------------------------------------------------------- the ladder, with no model


@dataclass
class RecordingTranslator(Engine):
    name: str = "recording-translator"
    called: list[str] = field(default_factory=list)

    def supports(self, model: ModelCard, mode: str) -> bool:
        return True

    def run(self, request: EngineRequest) -> TaskOutput:
        self.called.append(request.model.id)
        return text_output(f"translated by {request.model.id}")


def test_korean_against_fixed_pair_models_fails_with_the_reason(tmp_path: Path) -> None:
    engine = RecordingTranslator()
    cards = [card("t5-base", downloads=6), card("Helsinki-NLP/opus-mt-en-es", downloads=2)]
    result = translate(engine, cards, tmp_path, text=ENGLISH, target_language="Korean")
    assert engine.called == []
    assert result["status"] == "error" and result["language"] == "en"
    assert result["error"] == (
        "no translation model here translates English to Korean; candidates: t5-base "
        "(translates English to German, English to French, English to Romanian only); "
        "Helsinki-NLP/opus-mt-en-es (translates English to Spanish only)"
    )
    assert [a["error"] for a in result["attempts"]][1] == (
        "translates English to Spanish only, not English to Korean"
    )


def test_the_model_of_the_pair_runs_before_more_downloaded_ones(tmp_path: Path) -> None:
    engine = RecordingTranslator()
    cards = [card("t5-base"), card("Helsinki-NLP/opus-mt-en-es"), card("x/opus-mt-en-ko")]
    result = translate(engine, cards, tmp_path, text=ENGLISH, target_language="ko")
    assert result["status"] == "ok" and engine.called == ["x/opus-mt-en-ko"]
    assert result["attempts"][0]["model"] == "x/opus-mt-en-ko"


def test_unknown_source_refuses_only_on_the_target(tmp_path: Path) -> None:
    engine = RecordingTranslator()
    cards = [card("Helsinki-NLP/opus-mt-en-es"), card("Helsinki-NLP/opus-mt-fr-de")]
    result = translate(engine, cards, tmp_path, text="ok 42", target_language="ko")
    assert result["status"] == "error"
    assert result["error"].startswith("no translation model here translates into Korean;")
    result = translate(engine, cards, tmp_path, text="ok 42", target_language="German")
    assert result["status"] == "ok" and engine.called == ["Helsinki-NLP/opus-mt-fr-de"]


# ---------------------------------------------------------------- tiny models, loaded for real


def test_marian_translates_its_pair(
    engine: TransformersEngine, models: dict[str, Path], tmp_path: Path
) -> None:
    result = translate(
        engine, [local(models["marian"])], tmp_path, text=ENGLISH, target_language="Spanish"
    )
    assert result["status"] == "ok", result
    assert result["output"]["text"].strip()


def test_marian_refuses_another_pair_from_its_tokenizer(
    engine: TransformersEngine, models: dict[str, Path], tmp_path: Path
) -> None:
    # Its folder name says nothing: the refusal comes from the loaded tokenizer's languages.
    result = translate(
        engine, [local(models["marian"])], tmp_path, text=ENGLISH, target_language="Korean"
    )
    assert result["status"] == "error"
    assert "translates English to Spanish only, not English to Korean" in result["error"]


def test_t5_gets_its_prefix_and_refuses_korean(models: dict[str, Path]) -> None:
    t5 = adapter(models["t5"])
    assert model_family(t5.model, t5.tokenizer) == "prefixed"
    setup = prepare_translation(t5.model, t5.tokenizer, ENGLISH, None, "German", "t5")
    assert setup.prefix == "translate English to German: "
    assert t5(ENGLISH, "translation", target="fr").strip()
    with pytest.raises(EngineError, match="t5 translates English to German, English to French"):
        prepare_translation(t5.model, t5.tokenizer, ENGLISH, None, "Korean", "t5")
    with pytest.raises(EngineError, match="not Korean to German"):
        prepare_translation(t5.model, t5.tokenizer, KOREAN, None, "German", "t5")
    with pytest.raises(EngineError, match="needs a target language"):
        prepare_translation(t5.model, t5.tokenizer, ENGLISH, None, None, "t5")


def test_m2m100_gets_src_lang_and_the_forced_target_token(models: dict[str, Path]) -> None:
    m2m = adapter(models["m2m100"])
    assert model_family(m2m.model, m2m.tokenizer) == "m2m100"
    setup = prepare_translation(m2m.model, m2m.tokenizer, ENGLISH, None, "Korean", "m2m")
    assert m2m.tokenizer.src_lang == "en"
    assert setup.generate_kwargs == {"forced_bos_token_id": m2m.tokenizer.get_lang_id("ko")}
    prepare_translation(m2m.model, m2m.tokenizer, KOREAN, None, "de", "m2m")
    assert m2m.tokenizer.src_lang == "ko"
    assert m2m(KOREAN, "translation", target="German").strip()


def test_korean_against_models_that_cannot_do_it_is_never_ok(
    engine: TransformersEngine, models: dict[str, Path], tmp_path: Path
) -> None:
    # Marian en->es, T5 (en->de/fr/ro) and an M2M100 with the 8 WMT21 languages: none does
    # Korean, and their local cards do not say so; each loaded model refuses.
    cards = [local(models[name]) for name in ("t5", "marian", "wmt21")]
    result = translate(engine, cards, tmp_path, text=ENGLISH, target_language="Korean")
    assert result["status"] == "error"
    errors = [a["error"] for a in result["attempts"]]
    assert all(a["status"] == "error" for a in result["attempts"]) and len(errors) == 3
    assert (
        "translates English to German, English to French, English to Romanian only" in (errors[0])
    )
    assert "translates English to Spanish only, not English to Korean" in errors[1]
    assert "translates between 8 languages only, not English to Korean" in errors[2]


def test_m2m100_through_the_engine(
    engine: TransformersEngine, models: dict[str, Path], tmp_path: Path
) -> None:
    result = translate(
        engine,
        [local(models["wmt21"]), local(models["m2m100"])],
        tmp_path,
        text=ENGLISH,
        target_language="Korean",
    )
    assert result["status"] == "ok" and result["model"] == f"local/{models['m2m100'].name}"
    assert result["attempts"][0]["status"] == "error"


@pytest.fixture(autouse=True)
def _no_hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    yield
