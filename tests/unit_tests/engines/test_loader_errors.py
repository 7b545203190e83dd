"""Loading: sentencepiece tokenizers load, and a failed load tells the whole cause."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import EngineError, EngineRequest
from langchain_hugginggpt.engines.cache import ModelCache
from langchain_hugginggpt.engines.transformers import TransformersEngine
from langchain_hugginggpt.engines.transformers.loading import (
    LoadOptions,
    load_model,
    weights_report,
)
from langchain_hugginggpt.tasks import TASKS
from tests.unit_tests.engines import tiny_models

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tiny-sentencepiece")


@pytest.fixture(scope="module")
def marian(root: Path) -> Path:
    return tiny_models.marian(root)


@pytest.fixture
def engine() -> TransformersEngine:
    return TransformersEngine(device="cpu", cache=ModelCache(max_items=4))


def translate(engine: TransformersEngine, path: Path, tmp_path: Path, **inputs: str) -> str:
    card = ModelCard(id=f"local/{path.name}", task="translation", source="local", path=str(path))
    out = engine.run(
        EngineRequest(
            task=TASKS["translation"],
            model=card,
            inputs={"text": "the cat is good", **inputs},
            run_dir=tmp_path / "run",
            timeout_s=60,
        )
    )
    assert out["type"] == "text"
    return str(out["text"])


def test_marian_loads_its_source_and_target_spm_files(
    engine: TransformersEngine, marian: Path, tmp_path: Path
) -> None:
    from transformers import AutoTokenizer, MarianTokenizer

    assert {"source.spm", "target.spm", "vocab.json"} <= {p.name for p in marian.iterdir()}
    assert isinstance(AutoTokenizer.from_pretrained(marian), MarianTokenizer)
    assert translate(engine, marian, tmp_path)  # the tiny model's forced tokens are non-empty


def test_m2m100_loads_its_sentencepiece_model_and_targets_the_language(
    engine: TransformersEngine, root: Path, tmp_path: Path
) -> None:
    from transformers import AutoTokenizer, M2M100Tokenizer

    path = tiny_models.m2m100(root)
    tokenizer = AutoTokenizer.from_pretrained(path)
    assert isinstance(tokenizer, M2M100Tokenizer)
    assert tokenizer.convert_ids_to_tokens(tokenizer.get_lang_id("fr")) == "__fr__"
    assert isinstance(translate(engine, path, tmp_path, target_language="French"), str)


_WITHOUT_SENTENCEPIECE = """
import json
import sys
sys.modules["sentencepiece"] = None  # as if it were not installed: importing it fails
from pathlib import Path
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import EngineError, EngineRequest
from langchain_hugginggpt.engines.transformers import TransformersEngine
from langchain_hugginggpt.tasks import TASKS

path = Path(sys.argv[1])
card = ModelCard(id="local/opus", task="translation", source="local", path=str(path))
request = EngineRequest(
    task=TASKS["translation"], model=card, inputs={"text": "hello"},
    run_dir=Path(sys.argv[2]), timeout_s=60,
)
try:
    TransformersEngine(device="cpu").run(request)
except EngineError as exc:
    print("ENGINE-ERROR:" + json.dumps(str(exc)))
"""


def test_a_failed_load_keeps_the_causes_whole_message(marian: Path, tmp_path: Path) -> None:
    # transformers' missing-backend ImportError starts with a newline and spans lines: the
    # task error must carry all of it, not an empty first line.
    script = tmp_path / "load_without_sentencepiece.py"
    script.write_text(textwrap.dedent(_WITHOUT_SENTENCEPIECE))
    done = subprocess.run(
        [sys.executable, str(script), str(marian), str(tmp_path / "run")],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        check=False,
    )
    lines = [x for x in done.stdout.splitlines() if x.startswith("ENGINE-ERROR:")]
    assert lines, done.stdout + done.stderr
    message = json.loads(lines[0].removeprefix("ENGINE-ERROR:"))
    assert message.startswith(f"cannot load {marian}: ImportError: MarianTokenizer requires")
    assert "SentencePiece library" in message
    assert "restart your runtime after installation." in message  # the cause's last line


def test_a_failure_without_a_message_names_its_type(tmp_path: Path) -> None:
    class Broken:
        @classmethod
        def from_pretrained(cls, ref: str, **kwargs: object) -> object:
            raise ImportError("\n")

    with pytest.raises(EngineError) as caught:
        load_model(Broken, str(tmp_path), LoadOptions())
    assert str(caught.value) == f"cannot load {tmp_path}: ImportError"


def test_an_encoder_decoder_checkpoint_loaded_as_a_causal_lm_is_an_error(root: Path) -> None:
    from transformers import AutoModelForCausalLM

    path = tiny_models.blenderbot(root)
    with pytest.raises(EngineError) as caught:
        load_model(AutoModelForCausalLM, str(path), LoadOptions())
    message = str(caught.value)
    assert message.startswith(f"cannot load {path} as AutoModelForCausalLM")
    assert "checkpoint weights left unused: final_logits_bias, model.encoder." in message
    assert "more)" in message  # long lists are cut, with a count of the rest
    assert "weights newly initialised (not in the checkpoint): lm_head.weight" in message


def test_a_base_model_loaded_for_a_task_head_is_an_error(root: Path, tmp_path: Path) -> None:
    from transformers import AutoModelForSequenceClassification, BertConfig, BertModel

    path = tmp_path / "bert-base-only"
    config = BertConfig(
        vocab_size=30,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
    )
    BertModel(config, add_pooling_layer=True).save_pretrained(path)
    with pytest.raises(EngineError) as caught:
        load_model(AutoModelForSequenceClassification, str(path), LoadOptions())
    message = str(caught.value)
    assert (
        "weights newly initialised (not in the checkpoint): classifier.bias, classifier.weight"
        in message
    )
    assert "left unused" not in message


def test_a_cached_hub_model_that_fails_to_load_is_named_by_its_id(
    engine: TransformersEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The Hub is offline in tests, so the engine loads the model's cached snapshot folder; the
    # error must still say which model it was, not only that folder.
    from huggingface_hub import constants

    cache = tmp_path / "hf-cache"
    repo = cache / "models--example-org--broken-model"
    snapshot = repo / "snapshots" / ("0" * 40)
    snapshot.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0" * 40)
    (snapshot / "config.json").write_text("{not json")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    card = ModelCard(id="example-org/broken-model", task="translation", library_name="transformers")
    request = EngineRequest(
        task=TASKS["translation"],
        model=card,
        inputs={"text": "hello"},
        run_dir=tmp_path / "run",
        timeout_s=60,
    )
    with pytest.raises(EngineError) as caught:
        engine.run(request)
    assert str(caught.value).startswith(f"example-org/broken-model: cannot load {snapshot}: ")


def test_the_weights_report_lists_wrong_shapes_and_says_nothing_for_a_clean_load() -> None:
    clean: dict[str, set[object]] = {
        "missing_keys": set(),
        "unexpected_keys": set(),
        "mismatched_keys": set(),
    }
    assert weights_report(clean) is None
    wrong = {**clean, "mismatched_keys": {("score.weight", (2, 16), (3, 16))}}
    assert weights_report(wrong) == "weights of the wrong shape: score.weight"
