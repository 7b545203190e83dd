"""K-fold scoring of the learned planner: folds, training without the scored requests, labels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchmarks.planning import evaluate as evaluate_module
from benchmarks.planning import folds as folds_module
from benchmarks.planning.evaluate import evaluate, load_items
from benchmarks.planning.folds import fold_classifier, folds
from benchmarks.planning.step_labels import align, request_key
from langchain_hugginggpt.planning.sketch import Sketcher
from langchain_hugginggpt.planning.steps import split_clauses
from langchain_hugginggpt.planning.train import Example
from tests.unit_tests.engines import tiny_models


def test_folds_partition_the_items() -> None:
    items = [{"n": i} for i in range(11)]
    parts = folds(items, 3)
    assert len(parts) == 3
    assert sorted(i["n"] for part in parts for i in part) == list(range(11))
    assert {len(p) for p in parts} <= {3, 4}
    assert folds(items, 3) == parts  # the shuffle is fixed
    assert folds(items, 1) == [items]  # the whole set left out at once


@pytest.mark.parametrize("k", [0, -1, 12])
def test_folds_refuse_a_k_that_does_not_fit(k: int) -> None:
    with pytest.raises(ValueError, match="k-fold needs 1 <= k <= 11"):
        folds([{"n": i} for i in range(11)], k)


def test_fold_classifier_trains_without_the_named_requests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = tiny_models.text_classifier(tmp_path / "base")
    rows = [
        {"request": "r1", "text": "transcribe a.wav", "labels": ["automatic-speech-recognition"]},
        {"request": "r2", "text": "caption b.jpg", "labels": ["image-to-text"]},
    ]
    seen: list[list[Example]] = []
    real_train = folds_module.train_classifier

    def train(data: list[Example], out: Path, **kwargs: Any) -> Path:
        seen.append(list(data))
        return real_train(data[:3], out, **{**kwargs, "epochs": 1})  # a second, not a minute

    monkeypatch.setattr(folds_module, "base_model_dir", lambda: base)
    monkeypatch.setattr(folds_module, "label_rows", lambda: rows)
    monkeypatch.setattr(folds_module, "train_classifier", train)
    first = fold_classifier({"r1"}, folder=tmp_path / "folds")
    hints = [e.hint for e in seen[0]]
    assert "caption b.jpg [files: image]" in hints
    assert not any(h.startswith("transcribe a.wav") for h in hints)
    # kept, and found again without training
    again = fold_classifier({"r1"}, folder=tmp_path / "folds")
    assert again.folder == first.folder and len(seen) == 1
    # another fold is another classifier
    assert fold_classifier({"r2"}, folder=tmp_path / "folds").folder != first.folder


def test_fold_classifier_needs_the_packaged_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(folds_module, "base_model_dir", lambda: None)
    with pytest.raises(RuntimeError, match="packaged sentence model"):
        fold_classifier({"r1"})


def test_kfold_evaluation_plans_each_fold_with_its_own_classifier(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    items = load_items(limit=1)  # one single, one chain, one DAG
    used: list[set[str]] = []

    def fake_fold_classifier(without: set[str]) -> str:
        used.append(without)
        return f"classifier-{len(used)}"

    planned: list[tuple[str, list[str]]] = []

    def plan_all(controller: str, part: list[Any], sketcher: Sketcher, settings: Any) -> list[Any]:
        planned.append((str(sketcher.classifier), [i["id"] for i in part]))
        return [
            {"item": i, "id": i["id"], "shape": i["shape"], "valid": True, "gold": i["plan"],
             "node_f1": 1.0, "edge_f1": 1.0, "arg_f1": 1.0, "seconds": 0.0, "plan": i["plan"],
             "error": None}
            for i in part
        ]  # fmt: skip

    monkeypatch.setattr(evaluate_module, "fold_classifier", fake_fold_classifier)
    monkeypatch.setattr(evaluate_module, "_plan_all", plan_all)
    result = evaluate("sketch", items, kfold=3)
    assert result["kfold"] == 3
    # each request is scored once, in the set's order, by a classifier trained without it
    assert [r["id"] for r in result["rows"]] == [i["id"] for i in items]
    assert all("item" not in r for r in result["rows"])
    for (classifier, ids), without in zip(planned, used, strict=True):
        assert without == {request_key(i["request"]) for i in items if i["id"] in ids}
        assert classifier.startswith("classifier-")


def test_align_places_each_gold_type_once() -> None:
    steps = split_clauses(
        "I have a recording 'talk.wav'. Could you transcribe it and then translate it to French?"
    )
    labels = align(steps, ["automatic-speech-recognition", "translation", "translation"],
                   Sketcher(learned=False, cache_dir=None))  # fmt: skip
    assert labels == [[], ["automatic-speech-recognition"], ["translation"]]
    assert align(steps, [], Sketcher(learned=False, cache_dir=None)) == [[], [], []]
