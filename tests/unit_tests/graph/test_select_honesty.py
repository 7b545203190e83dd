"""Selection honesty (issue 15.7) and language-aware translation selection (issue 15.3).

The fallback for an unusable controller choice is the most-downloaded runnable expert, never
the controller itself; the schema constrains the choice to the candidates; on a CUDA GPU models
load in half precision where they allow it, and the model cache's budget counts GPU memory.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest
from langchain_core.messages import HumanMessage

from langchain_hugginggpt import Catalog, create_hugginggpt_graph
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines import shared
from langchain_hugginggpt.engines.controller import CONTROLLER_MODEL_ID, controller_card
from langchain_hugginggpt.engines.transformers import loading
from langchain_hugginggpt.engines.transformers.precision import half_precision_dtype
from langchain_hugginggpt.graph import select
from langchain_hugginggpt.graph.select import (
    constrained_schema,
    describe_candidate,
    fallback_card,
)
from tests.unit_tests.fakes import RecordingEngine, ScriptedChatModel, cards

torch = pytest.importorskip("torch")


def plan(*tasks: dict[str, Any]) -> str:
    return json.dumps({"tasks": list(tasks)})


def task(i: int, name: str, **args: str) -> dict[str, Any]:
    return {"id": i, "task": name, "dep": [], "args": args}


def run(llm: ScriptedChatModel, catalog: Catalog, tmp_path: Path, **settings: Any) -> Any:
    settings.setdefault("controller_tasks", "")
    engine = RecordingEngine()
    graph = create_hugginggpt_graph(
        llm, catalog=catalog, engines=[engine], artifacts_dir=tmp_path / "runs", **settings
    )
    return graph.invoke({"messages": [HumanMessage("do it")]}), engine


# ---------------------------------------------------------------- the fallback


def test_fallback_is_the_most_downloaded_expert_not_the_controller(tmp_path: Path) -> None:
    catalog = Catalog(cards=cards("summarization", "sum/big", "sum/small", downloads=[900, 50]))
    llm = ScriptedChatModel(
        script=[
            plan(task(1, "summarization", text="a long story")),
            '{"selections": [{"id": 1, "model": "made/up", "reason": "?"}]}',
            "ok",
        ]
    )
    state, _ = run(llm, catalog, tmp_path, controller_tasks="summarization")
    selection = state["selections"]["1"]
    assert selection["candidates"][0]["id"] == "sum/big"
    assert CONTROLLER_MODEL_ID in [c["id"] for c in selection["candidates"]]
    assert (selection["model"], selection["decided_by"]) == ("sum/big", "fallback")
    assert "most-downloaded runnable candidate sum/big (900 downloads)" in selection["reason"]


def test_fallback_when_the_selection_call_fails(tmp_path: Path) -> None:
    catalog = Catalog(cards=cards("summarization", "sum/big", "sum/small", downloads=[900, 50]))
    llm = ScriptedChatModel(
        script=[plan(task(1, "summarization", text="t")), RuntimeError("server down"), "ok"]
    )
    state, _ = run(llm, catalog, tmp_path, controller_tasks="summarization")
    selection = state["selections"]["1"]
    assert (selection["model"], selection["decided_by"]) == ("sum/big", "fallback")
    assert selection["reason"].startswith("model selection failed (RuntimeError: server down)")


def test_fallback_card() -> None:
    own = controller_card("summarization")
    local = ModelCard(id="mine", task="summarization", source="local", path="/x")
    hub = ModelCard(id="hub", task="summarization", downloads=10)
    tie = ModelCard(id="tie", task="summarization", downloads=10)
    assert fallback_card([own, local, hub, tie]) is hub  # most downloads, first on a tie
    assert fallback_card([own, local]) is local  # an expert rather than the controller
    assert fallback_card([own]) is own  # the controller only when it is all there is


# ---------------------------------------------------------------- the schema


def test_schema_constrains_the_choice_to_the_candidates() -> None:
    contested = [
        ({"id": 1}, cards("summarization", "sum/a", "sum/b")),
        ({"id": 2}, cards("text-classification", "cls/a", "sum/a")),
    ]
    schema = constrained_schema(contested)
    item = schema["properties"]["selections"]["items"]
    assert item["properties"]["model"] == {"type": "string", "enum": ["sum/a", "sum/b", "cls/a"]}
    assert item["properties"]["id"]["enum"] == [1, 2]


def test_the_schema_sent_to_the_controller_lists_the_candidates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict[str, Any]] = []
    real = select.ask_json

    def recording(llm: Any, messages: Any, schema: dict[str, Any], *rest: Any) -> Any:
        seen.append(schema)
        return real(llm, messages, schema, *rest)

    monkeypatch.setattr(select, "ask_json", recording)
    catalog = Catalog(cards=cards("summarization", "sum/a", "sum/b"))
    llm = ScriptedChatModel(
        script=[
            plan(task(1, "summarization", text="t")),
            '{"selections": [{"id": 1, "model": "sum/b", "reason": "fits"}]}',
            "ok",
        ]
    )
    state, _ = run(llm, catalog, tmp_path)
    assert seen[0]["properties"]["selections"]["items"]["properties"]["model"]["enum"] == [
        "sum/a",
        "sum/b",
    ]
    assert (state["selections"]["1"]["model"], state["selections"]["1"]["decided_by"]) == (
        "sum/b",
        "llm",
    )


# ---------------------------------------------------------------- half precision on a GPU


def _config(tmp_path: Path, model_type: str = "bert", **fields: Any) -> Path:
    path = tmp_path / f"config-{model_type}"
    path.mkdir(exist_ok=True)
    (path / "config.json").write_text(json.dumps({"model_type": model_type, **fields}))
    return path


def test_half_precision_on_cuda_only(tmp_path: Path) -> None:
    ref = str(_config(tmp_path))
    assert half_precision_dtype(ref, "cuda") is torch.float16
    assert half_precision_dtype(ref, "cuda:1") is torch.float16
    assert half_precision_dtype(ref, "cpu") is None
    assert half_precision_dtype(ref, "mps") is None


def test_half_precision_respects_the_config(tmp_path: Path) -> None:
    t5 = str(_config(tmp_path, "t5"))
    assert half_precision_dtype(t5, "cuda") is None  # T5 overflows in float16
    bf16 = str(_config(tmp_path, "llama", torch_dtype="bfloat16"))
    assert half_precision_dtype(bf16, "cuda") is torch.bfloat16
    assert half_precision_dtype(str(tmp_path / "nothing-here"), "cuda") is None


class _FakeModel:
    def to(self, device: str) -> _FakeModel:
        self.device = device
        return self

    def eval(self) -> _FakeModel:
        return self


class _RecordingClass:
    kwargs: ClassVar[dict[str, Any]] = {}

    @classmethod
    def from_pretrained(cls, ref: str, **kwargs: Any) -> tuple[_FakeModel, dict[str, Any]]:
        cls.kwargs = kwargs
        return _FakeModel(), {}


def test_models_load_in_half_precision_on_cuda(tmp_path: Path) -> None:
    ref = str(_config(tmp_path))
    model = loading.load_model(_RecordingClass, ref, loading.LoadOptions(device="cuda"))
    assert _RecordingClass.kwargs["dtype"] is torch.float16 and model.device == "cuda"
    assert _RecordingClass.kwargs["trust_remote_code"] is False
    loading.load_model(_RecordingClass, ref, loading.LoadOptions(device="cpu"))
    assert "dtype" not in _RecordingClass.kwargs


def test_pipelines_load_in_half_precision_on_cuda(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    import transformers

    calls: list[dict[str, Any]] = []

    def pipeline(*args: Any, **kwargs: Any) -> str:
        calls.append(kwargs)
        return "pipe"

    # transformers is a lazy module that ignores attributes set on it: stand in for it whole.
    stand_in = SimpleNamespace(AutoConfig=transformers.AutoConfig, pipeline=pipeline)
    monkeypatch.setitem(sys.modules, "transformers", stand_in)
    ref = str(_config(tmp_path))
    loading.load_pipeline("text-classification", ref, loading.LoadOptions(device="cuda"))
    loading.load_pipeline("text-classification", ref, loading.LoadOptions(device="cpu"))
    assert calls[0]["model_kwargs"]["dtype"] is torch.float16
    assert "dtype" not in calls[1]["model_kwargs"]


# ---------------------------------------------------------------- the cache budget


GIB = 1024**3


@pytest.fixture
def machine(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """64 GiB of RAM (half is 32), a fresh shared cache, no environment overrides."""
    monkeypatch.setattr(shared, "_half_memory", lambda: 32 * GIB)
    monkeypatch.setattr(shared, "_cache", None)
    for name in ("HUGGINGGPT_DEVICE", "HUGGINGGPT_CACHE_GB", "HUGGINGGPT_CACHE_MODELS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _gpu(monkeypatch: pytest.MonkeyPatch, gigabytes: float | None) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: gigabytes is not None)
    props = SimpleNamespace(total_memory=int((gigabytes or 0) * GIB))
    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda index: props)


def test_the_cache_budget_counts_gpu_memory(machine: pytest.MonkeyPatch) -> None:
    _gpu(machine, 8)
    assert shared.cache_budget() == int(8 * GIB * shared.GPU_SHARE)
    assert shared.shared_cache().max_bytes == int(8 * GIB * shared.GPU_SHARE)


def test_a_large_gpu_is_bounded_by_ram_too(machine: pytest.MonkeyPatch) -> None:
    _gpu(machine, 80)
    assert shared.cache_budget() == 32 * GIB


def test_without_a_gpu_the_budget_is_half_the_ram(machine: pytest.MonkeyPatch) -> None:
    _gpu(machine, None)
    assert shared.cache_budget() == 32 * GIB


def test_a_cpu_device_ignores_the_gpu(machine: pytest.MonkeyPatch) -> None:
    _gpu(machine, 8)
    machine.setenv("HUGGINGGPT_DEVICE", "cpu")
    assert shared.cache_budget() == 32 * GIB


def test_a_gpu_that_cannot_be_queried_does_not_bound_the_cache(
    machine: pytest.MonkeyPatch,
) -> None:
    machine.setattr(torch.cuda, "is_available", lambda: True)

    def broken(index: int) -> Any:
        raise RuntimeError("driver gone")

    machine.setattr(torch.cuda, "get_device_properties", broken)
    assert shared.cache_budget() == 32 * GIB


def test_an_explicit_cache_size_wins(machine: pytest.MonkeyPatch) -> None:
    _gpu(machine, 8)
    machine.setenv("HUGGINGGPT_CACHE_GB", "2")
    assert shared.shared_cache().max_bytes == 2 * GIB


# ---------------------------------------------------------------- translation selection


def _translators(*extra: ModelCard) -> Catalog:
    return Catalog(
        cards=[
            ModelCard(id="t5-base", task="translation", downloads=6_000),
            ModelCard(id="Helsinki-NLP/opus-mt-en-es", task="translation", downloads=2_000),
            *extra,
        ]
    )


KOREAN_PLAN = plan(
    task(1, "translation", text="The cat is good and the dog is bad.", target_language="Korean")
)


def test_a_translation_no_candidate_serves_fails_with_that_reason(tmp_path: Path) -> None:
    llm = ScriptedChatModel(script=[KOREAN_PLAN, "ok"])
    state, engine = run(llm, _translators(), tmp_path)
    selection, result = state["selections"]["1"], state["results"]["1"]
    reason = (
        "no translation model here translates English to Korean; candidates: t5-base "
        "(translates English to German, English to French, English to Romanian only); "
        "Helsinki-NLP/opus-mt-en-es (translates English to Spanish only)"
    )
    assert selection["model"] is None and selection["reason"] == reason
    assert result["status"] == "error" and result["error"] == reason
    assert engine.calls == [] and len(llm.calls) == 2  # no selection call either


def test_the_model_of_the_pair_is_a_candidate_beyond_the_top_k(tmp_path: Path) -> None:
    korean = ModelCard(
        id="facebook/nllb-200-distilled-600M",
        task="translation",
        downloads=10,
        languages=("en", "ko", "fr"),
    )
    llm = ScriptedChatModel(script=[KOREAN_PLAN, "ok"])
    state, engine = run(llm, _translators(korean), tmp_path, top_k=1)
    selection = state["selections"]["1"]
    assert selection["model"] == korean.id and selection["decided_by"] == "only-candidate"
    assert [c.model for c in engine.calls] == [korean.id]
    assert state["results"]["1"]["status"] == "ok"


def test_a_pair_the_fixed_models_serve_keeps_them(tmp_path: Path) -> None:
    llm = ScriptedChatModel(
        script=[plan(task(1, "translation", text="The cat is good.", target_language="es")), "ok"]
    )
    state, _ = run(llm, _translators(), tmp_path)
    assert state["selections"]["1"]["model"] == "Helsinki-NLP/opus-mt-en-es"
    assert [c["id"] for c in state["selections"]["1"]["candidates"]] == [
        "Helsinki-NLP/opus-mt-en-es"
    ]


def test_the_controller_sees_the_pairs_a_translation_model_serves() -> None:
    line = describe_candidate(ModelCard(id="Helsinki-NLP/opus-mt-en-es", task="translation"))
    assert "translates English to Spanish" in line
