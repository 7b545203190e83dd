"""The architecture matrix: every top-5 bundled model's architecture is tested, marked or unknown.

Issue 15.1: for each Hub task type of the catalog, the architectures of its five most
downloaded bundled models are run by a test on a tiny model, or marked not supported (and then
never offered), or listed here as unknown.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage

from langchain_hugginggpt import Catalog, create_hugginggpt_graph
from langchain_hugginggpt.catalog.architectures import (
    SUPPORTED,
    UNSUPPORTED,
    UNTESTED,
    matrix,
    model_type,
    status,
    unsupported_reason,
)
from langchain_hugginggpt.catalog.bundled import load_bundled
from langchain_hugginggpt.catalog.card import ModelCard
from tests.unit_tests.engines.tiny_models import write_wav
from tests.unit_tests.fakes import RecordingEngine, ScriptedChatModel

REPO = Path(__file__).resolve().parents[3]

UNKNOWN = {"sivar/legostyle1-5"}
"""Top-5 models whose architecture the data file does not claim to know (model_type null)."""


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    }


def test_the_matrix_covers_every_task_type_of_the_snapshot() -> None:
    tasks = {card.task for card in load_bundled()}
    assert set(matrix()) == tasks and len(tasks) == 24


@pytest.mark.parametrize("task", sorted({card.task for card in load_bundled()}))
def test_top_five_are_what_the_catalog_ranks_now(task: str) -> None:
    ranked = [card.id for card in Catalog().models(task)[:5]]
    assert [entry.id for entry in matrix()[task]] == ranked


def test_every_top_five_architecture_is_tested_marked_or_listed_unknown() -> None:
    unknown: set[str] = set()
    for task, entries in matrix().items():
        for entry in entries:
            kind, detail = status(task, entry.model_type)
            if kind == "unknown":
                unknown.add(entry.id)
            else:
                assert detail.strip(), (task, entry.id)
    assert unknown == UNKNOWN
    for entries in matrix().values():
        for entry in entries:
            if entry.id in UNKNOWN:
                assert entry.model_type is None and entry.note  # says why it is not known


def test_every_named_test_exists() -> None:
    named = {node for by_type in SUPPORTED.values() for node in by_type.values()}
    for node in named:
        file, _, function = node.partition("::")
        assert function in _test_functions(REPO / file), node


def test_the_lists_do_not_overlap_and_give_reasons() -> None:
    for task, by_type in UNTESTED.items():
        assert not set(by_type) & set(SUPPORTED.get(task, {})), task
        assert not set(by_type) & set(UNSUPPORTED), task
        assert all(reason.strip() for reason in by_type.values())
    for by_type in SUPPORTED.values():
        assert not set(by_type) & set(UNSUPPORTED)
    assert all(reason.strip() for reason in UNSUPPORTED.values())


def test_the_data_file_says_how_it_was_written() -> None:
    data = REPO / "langchain_hugginggpt" / "catalog" / "data" / "architectures.json"
    assert "not read from the Hub" in json.loads(data.read_text(encoding="utf-8"))["source"]


def test_the_readme_shows_the_current_matrix() -> None:
    from benchmarks.architecture_matrix import render

    assert render() in (REPO / "README.md").read_text(encoding="utf-8")


def test_model_type_comes_from_the_card_then_the_data_file() -> None:
    assert model_type(ModelCard(id="facebook/detr-resnet-50", task="object-detection")) == "detr"
    own = ModelCard(id="me/enhancer", task="image-to-image", extra={"model_type": "swin2sr"})
    assert model_type(own) == "swin2sr"
    assert unsupported_reason(own) == f"swin2sr: {UNSUPPORTED['swin2sr']}"
    assert model_type(ModelCard(id="me/unknown", task="translation")) is None
    assert unsupported_reason(ModelCard(id="gpt2", task="text-generation")) is None


def _select(catalog: Catalog, task: str, tmp_path: Path, mode: str = "local") -> dict[str, object]:
    audio = write_wav(tmp_path / "talk.wav", seconds=0.2)
    plan = {"tasks": [{"id": 1, "task": task, "dep": [], "args": {"audio": str(audio)}}]}
    llm = ScriptedChatModel(script=[json.dumps(plan), "ok"])
    graph = create_hugginggpt_graph(
        llm,
        catalog=catalog,
        engines=[RecordingEngine()],
        artifacts_dir=tmp_path / "runs",
        controller_tasks="",
        selection_calls="none",
        inference_mode=mode,
        input_roots=str(tmp_path),
    )
    state = graph.invoke({"messages": [HumanMessage("clean up this recording")]})
    selection: dict[str, object] = state["selections"]["1"]
    return selection


def test_selection_never_offers_an_unsupported_architecture(tmp_path: Path) -> None:
    # The engine claims every model: only the architecture keeps the Asteroid model out.
    catalog = Catalog(
        cards=[
            ModelCard(
                id="JorisCos/DCCRNet_Libri1Mix_enhsingle_16k", task="audio-to-audio", downloads=9000
            ),
            ModelCard(id="me/enhancer", task="audio-to-audio", downloads=10),
        ]
    )
    selection = _select(catalog, "audio-to-audio", tmp_path)
    assert selection["model"] == "me/enhancer"
    assert [c["id"] for c in selection["candidates"]] == ["me/enhancer"]  # type: ignore[attr-defined]


def test_when_every_model_is_unsupported_the_reason_names_them(tmp_path: Path) -> None:
    catalog = Catalog(
        cards=[ModelCard(id="pyannote/speaker-diarization", task="automatic-speech-recognition")]
    )
    selection = _select(catalog, "automatic-speech-recognition", tmp_path)
    assert selection["model"] is None and selection["candidates"] == []
    reason = str(selection["reason"])
    assert reason.startswith("no model for automatic-speech-recognition can run here")
    assert f"pyannote/speaker-diarization (pyannote: {UNSUPPORTED['pyannote']})" in reason


def test_remote_mode_leaves_the_architecture_to_the_provider(tmp_path: Path) -> None:
    catalog = Catalog(
        cards=[ModelCard(id="pyannote/speaker-diarization", task="automatic-speech-recognition")]
    )
    selection = _select(catalog, "automatic-speech-recognition", tmp_path, mode="remote")
    assert selection["model"] == "pyannote/speaker-diarization"
