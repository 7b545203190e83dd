"""K-fold scoring for the learned step classifier: no request is scored by a classifier that saw it.

The packaged label file (`langchain_hugginggpt/data/step_labels.jsonl`) holds clauses of the
TaskBench dev requests and of the team's sets. To score a set, its requests are cut into `k`
folds (a fixed shuffle); each fold is planned with a classifier trained on every labelled clause
*except* those of that fold's requests. Trained fold classifiers are kept under
`<cache>/planner-folds/`, named by what they were trained without.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path
from typing import Any

from langchain_hugginggpt.catalog.hub import default_cache_dir
from langchain_hugginggpt.planning.classifier import StepClassifier, base_model_dir, classifier_key
from langchain_hugginggpt.planning.train import examples, label_rows, train_classifier

__all__ = ["fold_classifier", "folds"]


def folds(items: list[dict[str, Any]], k: int, seed: int = 0) -> list[list[dict[str, Any]]]:
    """`items` in `k` folds of near-equal size, after a fixed shuffle.

    `k=1` is one fold of every item: the whole set is scored by a classifier trained without
    any of it (the stricter test, used for the team's sets).

    Raises:
        ValueError: `k` is below 1 or above the number of items.
    """
    if not 1 <= k <= len(items):
        raise ValueError(f"k-fold needs 1 <= k <= {len(items)} (the requests), not {k}")
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    return [[items[i] for i in sorted(order[f::k])] for f in range(k)]


def fold_classifier(without: set[str], *, folder: Path | None = None) -> StepClassifier:
    """A classifier trained on every labelled clause except those of the requests `without`.

    `without` holds request keys (`step_labels.request_key`). Trained once per set of keys and
    kept under `folder` (default `<cache>/planner-folds`).

    Raises:
        RuntimeError: The packaged sentence model (offline extra) is missing.
    """
    base = base_model_dir()
    if base is None:
        raise RuntimeError("k-fold scoring needs the packaged sentence model: install [offline]")
    digest = hashlib.sha256(
        "\n".join([classifier_key(base), *sorted(without)]).encode()
    ).hexdigest()[:16]
    target = (folder or default_cache_dir() / "planner-folds") / digest
    if not (target / "classifier.json").is_file():
        train_classifier(examples(label_rows(), without=without), target, base=base, key=digest)
    return StepClassifier(target)
