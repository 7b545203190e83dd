"""Labelled clauses for the step classifier, from requests with gold plans.

Each request is cut into clauses (`split_clauses`); the gold plan's task types are matched onto
the clauses (a maximum-weight assignment: a type goes to the clause whose words are closest to
it, a clause may take two types, the second at a cost; clauses that ask rather than tell are
preferred). A clause that gets no type is labelled as no task (background, filler). The gold
plans decide *which* types occur; the match decides only *where*.

    python benchmarks/planning/step_labels.py   # -> langchain_hugginggpt/data/step_labels.jsonl

Each row names its set and a hash of its request, so an evaluation can train without the
requests it scores (`evaluate.py --kfold`).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script
from benchmarks.planning.taskbench import TASKBENCH_DEV, load_taskbench

HERE = Path(__file__).resolve().parent
OUT = HERE.parents[1] / "langchain_hugginggpt" / "data" / "step_labels.jsonl"
SETS = {
    "taskbench-dev": lambda: load_taskbench(TASKBENCH_DEV),
    "team-dev": lambda: _jsonl(HERE / "dev.jsonl"),
    "team-test": lambda: _jsonl(HERE / "test.jsonl"),
}
_ASK_BONUS = 0.1
_SECOND_COST = 0.15


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def request_key(request: str) -> str:
    """The short hash that names a request in the label file."""
    return hashlib.sha256(request.encode()).hexdigest()[:12]


def align(steps: list[Any], gold: list[str], sketcher: Any) -> list[list[str]]:
    """The gold task types (as a set) placed on the clauses; see the module docstring."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    from langchain_hugginggpt.planning.sketch import _PAYLOAD_RE
    from langchain_hugginggpt.planning.steps import _asks

    types = list(dict.fromkeys(gold))
    labels: list[list[str]] = [[] for _ in steps]
    if not types or not steps:
        return labels
    scores = [
        sketcher._cued(s, sketcher.task_scores(_PAYLOAD_RE.sub("the text", s.text))) for s in steps
    ]
    slots = [(j, c) for j in range(len(steps)) for c in range(2)]
    weights = np.zeros((len(types), len(slots)))
    for i, name in enumerate(types):
        for k, (j, c) in enumerate(slots):
            weights[i, k] = (
                min(scores[j].get(name, 0.0), 1.2)
                + (_ASK_BONUS if _asks(steps[j].text) else 0.0)
                - _SECOND_COST * c
            )
    rows, cols = linear_sum_assignment(-weights)
    for i, k in zip(rows, cols, strict=True):
        labels[slots[k][0]].append(types[i])
    return labels


def label_rows() -> list[dict[str, Any]]:
    """Every clause of every set's requests, labelled."""
    from langchain_hugginggpt.planning.sketch import Sketcher
    from langchain_hugginggpt.planning.steps import split_clauses

    sketcher = Sketcher(cache_dir=None)
    rows = []
    for name, load in SETS.items():
        for item in load():
            steps = split_clauses(item["request"])
            labels = align(steps, [t["task"] for t in item["plan"]], sketcher)
            for step, found in zip(steps, labels, strict=True):
                rows.append(
                    {
                        "set": name,
                        "request": request_key(item["request"]),
                        "text": step.text,
                        "labels": sorted(found),
                    }
                )
    return rows


def main() -> None:
    rows = label_rows()
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    print(f"{len(rows)} clauses -> {OUT}")


if __name__ == "__main__":
    main()
