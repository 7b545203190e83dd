"""Load the bundled 2023 snapshot of popular Hub models as model cards."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.catalog.metadata import infer_library_name, join_licenses, languages

__all__ = ["load_bundled"]

_SNAPSHOT = "hub-models-2023.jsonl"


def _card(row: dict[str, Any]) -> ModelCard:
    tags = tuple(row.get("tags") or ())
    datasets = row.get("datasets") or []
    # A few rows hold a single dataset as a bare string.
    datasets = [datasets] if isinstance(datasets, str) else list(datasets)
    return ModelCard(
        id=row["id"],
        task=row["task"],
        downloads=int(row.get("downloads") or 0),
        likes=int(row.get("likes") or 0),
        tags=tags,
        license=join_licenses(row.get("license")),
        languages=languages(row.get("languages")),
        library_name=infer_library_name(tags),
        source="bundled",
        extra={"datasets": datasets} if datasets else {},
    )


@cache
def _load() -> tuple[ModelCard, ...]:
    data = resources.files("langchain_hugginggpt.catalog").joinpath("data", _SNAPSHOT)
    text = data.read_text(encoding="utf-8")
    cards: list[ModelCard] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            cards.append(_card(json.loads(line)))
        except (ValueError, KeyError, TypeError) as err:
            raise ValueError(f"{_SNAPSHOT} line {number} is not a valid model row: {err}") from err
    return tuple(cards)


def load_bundled() -> list[ModelCard]:
    """Return the cards of the bundled Hub snapshot (parsed once, then cached).

    Returns:
        A new list of `source="bundled"` cards, in the snapshot's order (by task, then
        downloads). License lists are joined with ",".

    Raises:
        ValueError: The packaged snapshot holds a malformed line.
    """
    return list(_load())
