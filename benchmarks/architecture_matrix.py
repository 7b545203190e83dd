"""Print the architecture matrix as markdown: each task's top-5 bundled models and their status.

Usage: `python benchmarks/architecture_matrix.py` (the README's "Architecture matrix" is its
output). Statuses come from `langchain_hugginggpt.catalog.architectures`.
"""

from __future__ import annotations

import sys
from collections import Counter

from langchain_hugginggpt.catalog.architectures import MatrixEntry, matrix, status

__all__ = ["main", "render"]

_LABELS = {
    "tested": "tested",
    "untested": "untested, still a candidate",
    "unsupported": "not supported",
    "unknown": "unknown",
}


def _cell(task: str, entry: MatrixEntry) -> tuple[str, str]:
    kind, detail = status(task, entry.model_type)
    if kind == "unknown":
        return kind, f"unknown: {entry.note or 'architecture not known'}"
    if kind == "tested":
        file, _, function = detail.partition("::")
        cell = f"tested (`{file.rsplit('/', 1)[-1]}::{function}`)"
    else:
        cell = f"{_LABELS[kind]}: {detail}"
    return kind, f"{cell}; {entry.note}" if entry.note else cell


def render() -> str:
    """The matrix: one row per top-5 model, then a count of each status."""
    lines = ["| task | model (`model_type`) | status |", "|---|---|---|"]
    counts: Counter[str] = Counter()
    for task, entries in sorted(matrix().items()):
        for index, entry in enumerate(entries):
            kind, cell = _cell(task, entry)
            counts[kind] += 1
            arch = f"`{entry.model_type}`" if entry.model_type else "unknown"
            name = task if index == 0 else ""
            lines.append(f"| {name} | {entry.id} ({arch}) | {cell} |")
    total = sum(counts.values())
    summary = ", ".join(f"{counts[k]} {_LABELS[k]}" for k in _LABELS if counts[k])
    return "\n".join([*lines, "", f"{total} models: {summary}."])


def main() -> int:
    """Print the matrix."""
    sys.stdout.write(render() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
