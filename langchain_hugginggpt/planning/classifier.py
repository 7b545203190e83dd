"""The learned step classifier: which task type (or none) a clause of a request asks for.

The packaged all-MiniLM-L6-v2 with a softmax head over the task types and "none" (a clause that
asks for nothing: background, filler), fine-tuned on labelled clauses (`data/step_labels.jsonl`)
and the task types' intent phrases (`planning/train.py`). Its weights are made on this machine by
`make install` (or `python -m langchain_hugginggpt.planning.train`), never downloaded and never
committed: a folder named by a hash of everything the training read (`classifier_key`), so a
changed label file or base model is never scored with a stale classifier.

Without a trained classifier the guided planner uses the intent phrases' cosine similarity, as
before (`Sketcher`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import threading
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from langchain_hugginggpt.catalog.hub import default_cache_dir
from langchain_hugginggpt.tasks import TASKS

__all__ = [
    "NONE",
    "StepClassifier",
    "base_model_dir",
    "classifier_dirs",
    "classifier_key",
    "clause_hint",
    "default_step_classifier",
]

NONE = "_none"
"""The label of a clause that asks for no task."""
TRAINING_VERSION = "2"
"""Bumped when training changes in a way the inputs' hash cannot see."""
MAX_TOKENS = 64
_SCALE = 10.0
"""Logits are this times the cosine of the pooled clause vector and each label's row."""

log = logging.getLogger(__name__)


def clause_hint(text: str, kinds: Sequence[str]) -> str:
    """What the classifier reads: the clause with quoted content blanked, and its files' kinds.

    A quoted sentence is what a task works on, not what it is ("translate 'good morning'").
    """
    from langchain_hugginggpt.planning.sketch import _PAYLOAD_RE

    text = _PAYLOAD_RE.sub("the text", text)
    kinds = sorted(set(kinds))
    return f"{text} [files: {', '.join(kinds)}]" if kinds else text


def base_model_dir() -> Path | None:
    """The packaged all-MiniLM-L6-v2 folder (offline extra), or None when not installed."""
    from langchain_hugginggpt.offline.catalog import packaged_cards

    for card in packaged_cards():
        if card.library_name == "sentence-transformers" and card.path:
            folder = Path(card.path) / "model"
            return folder if folder.is_dir() else Path(card.path)
    return None


def classifier_key(base: Path, labels: bytes | None = None) -> str:
    """The hash naming a classifier trained from `base` on the packaged labels and phrases."""
    data = resources.files("langchain_hugginggpt.data")
    if labels is None:
        labels = data.joinpath("step_labels.jsonl").read_bytes()
    weights = base / "model.safetensors"
    digest = hashlib.sha256()
    for part in (
        TRAINING_VERSION.encode(),
        json.dumps(sorted(TASKS)).encode(),
        str(weights.stat().st_size if weights.is_file() else 0).encode(),
        (base / "config.json").read_bytes() if (base / "config.json").is_file() else b"",
        labels,
        data.joinpath("task_intents.json").read_bytes(),
    ):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:16]


def classifier_dirs() -> list[Path]:
    """Where trained classifiers are looked for, in order.

    `$HUGGINGGPT_PLANNER_DIR` when set; else the environment's own folder
    (`<sys.prefix>/share/langchain-hugginggpt/planner`, where `make install` puts it, so that an
    emptied cache does not lose it) and then `<cache>/planner`.
    """
    explicit = os.environ.get("HUGGINGGPT_PLANNER_DIR")
    if explicit:
        return [Path(explicit).expanduser()]
    return [
        Path(sys.prefix) / "share" / "langchain-hugginggpt" / "planner",
        default_cache_dir() / "planner",
    ]


class StepClassifier:
    """A trained classifier, loaded from its folder (safetensors only, no remote code)."""

    def __init__(self, folder: Path) -> None:
        """Load the encoder, tokenizer and head saved in `folder` by `planning.train`."""
        import torch
        from safetensors.torch import load_file
        from transformers import AutoModel, AutoTokenizer

        from langchain_hugginggpt.engines.shared import BUILD_LOCK

        meta = json.loads((folder / "classifier.json").read_text())
        self.folder = folder
        self.labels: list[str] = list(meta["labels"])
        with BUILD_LOCK:
            self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
            self.encoder = AutoModel.from_pretrained(str(folder), use_safetensors=True)
        head = load_file(str(folder / "head.safetensors"))
        self.head = torch.nn.Linear(head["weight"].shape[1], head["weight"].shape[0])
        self.head.load_state_dict(head)
        if self.head.out_features != len(self.labels):
            raise ValueError(
                f"{folder}: the head has {self.head.out_features} rows, not "
                f"one per label ({len(self.labels)})"
            )
        self.encoder.eval()
        self._lock = threading.Lock()

    def logits(self, hints: Sequence[str]) -> Any:
        """The head's logits for each hint (a torch tensor, one row per hint)."""
        return classifier_logits(self.encoder, self.head, self.tokenizer, hints)

    def scores(self, hints: Sequence[str]) -> list[dict[str, float]]:
        """Per hint, the probability of each label (`NONE` included)."""
        if not hints:
            return []
        import torch

        with self._lock, torch.no_grad():
            probs = torch.softmax(self.logits(hints), dim=-1).tolist()
        return [dict(zip(self.labels, row, strict=True)) for row in probs]


def classifier_logits(encoder: Any, head: Any, tokenizer: Any, hints: Sequence[str]) -> Any:
    """Mean-pooled, normalised clause vectors through the head (training uses this too)."""
    import torch

    batch = tokenizer(
        list(hints), padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
    )
    out = encoder(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    pooled = torch.nn.functional.normalize((out * mask).sum(1) / mask.sum(1), dim=-1)
    return head(pooled * _SCALE)


@cache
def default_step_classifier() -> StepClassifier | None:
    """The classifier trained for the packaged labels and base model, or None.

    None when the offline extra is missing or no classifier was trained for these inputs (the
    guided planner then falls back to intent phrases; a warning says how to train one).
    """
    try:
        base = base_model_dir()
        if base is None:
            return None
        key = classifier_key(base)
    except (ImportError, OSError) as exc:
        log.warning("no step classifier: %s", exc)
        return None
    for root in classifier_dirs():
        folder = root / key
        if (folder / "classifier.json").is_file():
            try:
                return StepClassifier(folder)
            except Exception as exc:  # noqa: BLE001 - a broken one falls back to phrases
                log.warning("step classifier in %s could not be loaded: %s", folder, exc)
    log.warning(
        "no trained step classifier for these labels (key %s): planning uses intent phrases. "
        "Train one with: python -m langchain_hugginggpt.planning.train",
        key,
    )
    return None
