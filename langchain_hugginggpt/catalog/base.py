"""The model catalog: which models can serve a task, and which few to try first."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from langchain_hugginggpt.catalog.bundled import load_bundled
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.catalog.hub import HubListing
from langchain_hugginggpt.catalog.local import local_card
from langchain_hugginggpt.tasks import get_task

__all__ = ["Catalog"]


def _rank(card: ModelCard) -> tuple[int, int, int, int, str]:
    # The user's own models first (they chose them), then popularity: downloads measure
    # use, while likes mostly measure hype, so likes only break ties. A card marked as a
    # fallback (eSpeak's robotic voice) comes after the others of its group.
    fallback = 1 if card.extra.get("rank") == "fallback" else 0
    return (0 if card.is_local else 1, fallback, -card.downloads, -card.likes, card.id)


def _licenses(card: ModelCard) -> set[str]:
    if card.license is None:
        return set()
    return {part.strip().lower() for part in card.license.split(",") if part.strip()}


class Catalog:
    """Model cards by task: registered ones plus, optionally, the live Hub listing.

    Safe to share between threads: reads and registrations may run concurrently.

    Args:
        cards: Initial cards; defaults to the bundled Hub snapshot (`load_bundled()`).
        hub: Live Hub listing; when it answers for a task, its cards replace the bundled
            snapshot's for that task.

    Raises:
        UnknownTaskError: An initial card names a task outside the vocabulary.
    """

    def __init__(
        self,
        *,
        cards: Iterable[ModelCard] | None = None,
        hub: HubListing | None = None,
    ) -> None:
        """Index the initial cards by task and id."""
        self._lock = threading.Lock()
        self._by_task: dict[str, dict[str, ModelCard]] = {}
        self._hub = hub
        for card in load_bundled() if cards is None else cards:
            self.register(card)

    def register(self, card: ModelCard) -> None:
        """Add `card`, replacing any card with the same id and task.

        Raises:
            UnknownTaskError: `card.task` is not in the vocabulary.
        """
        get_task(card.task)
        with self._lock:
            self._by_task.setdefault(card.task, {})[card.id] = card

    def register_local(
        self,
        path: str | os.PathLike[str],
        task: str,
        *,
        model_id: str | None = None,
        library_name: str | None = None,
        description: str = "",
        license: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> ModelCard:
        """Register a model directory of the user's and return its card.

        Args:
            path: The model directory (see `local_card`).
            task: Task name the model serves.
            model_id: Card id; defaults to `local/<directory name>`.
            library_name: Library that loads it; inferred from its files when not given.
            description: Free text shown with the model.
            license: The model's license identifier, if known.
            extra: Engine settings kept on the card (see `local_card`), e.g. `vocoder`.

        Returns:
            The registered `source="local"` card.

        Raises:
            ValueError: Unknown task, or a directory without model files.
            FileNotFoundError: `path` does not exist.
            NotADirectoryError: `path` is not a directory.
        """
        card = local_card(
            path,
            task,
            model_id=model_id,
            library_name=library_name,
            description=description,
            license=license,
            extra=extra,
        )
        self.register(card)
        return card

    def models(self, task: str) -> list[ModelCard]:
        """Return every known model for `task`, best ranked first.

        Registered local and packaged cards always count. For the rest, the live Hub
        listing (when `hub` is set and returns a non-empty list) replaces the bundled
        snapshot's cards; other registered cards stay. Each id appears once: local and
        packaged cards win over Hub or bundled cards with the same id.

        Args:
            task: A task name of the vocabulary.

        Returns:
            Local and packaged cards first, then by downloads, likes (both descending)
            and id.

        Raises:
            UnknownTaskError: `task` is not in the vocabulary.
        """
        spec = get_task(task)
        with self._lock:
            registered = list(self._by_task.get(task, {}).values())
        # Asked outside the lock: the Hub may take up to its timeout.
        listing = self._hub.list(spec) if self._hub is not None else None
        pool = [card for card in registered if card.is_local]
        pool += [
            card
            for card in registered
            if not card.is_local and not (listing and card.source == "bundled")
        ]
        pool += listing or []
        unique: dict[str, ModelCard] = {}
        for card in pool:
            unique.setdefault(card.id, card)
        return sorted(unique.values(), key=_rank)

    def candidates(
        self,
        task: str,
        *,
        k: int = 5,
        available: Callable[[ModelCard], bool] | None = None,
        exclude_licenses: Collection[str] = (),
        allow_gated: bool = True,
    ) -> list[ModelCard]:
        """Return the `k` best models for `task` that pass the filters.

        Args:
            task: A task name of the vocabulary.
            k: Most cards to return; at least 1.
            available: Keeps only the cards it returns True for (e.g. "an engine can run
                it"). Called in rank order, and no more than needed to find `k` cards.
            exclude_licenses: License ids to drop, compared case-insensitively. A card with
                several licenses is dropped when any of them is excluded; a card without
                a known license is kept. A single string counts as one license.
            allow_gated: Whether to keep models that need accepting terms on the Hub.

        Returns:
            Up to `k` cards in `models(task)` order.

        Raises:
            ValueError: `k` is below 1.
            UnknownTaskError: `task` is not in the vocabulary.
        """
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        if isinstance(exclude_licenses, str):
            exclude_licenses = (exclude_licenses,)
        excluded = {name.strip().lower() for name in exclude_licenses}
        chosen: list[ModelCard] = []
        for card in self.models(task):
            if card.gated and not allow_gated:
                continue
            if _licenses(card) & excluded:
                continue
            if available is not None and not available(card):
                continue
            chosen.append(card)
            if len(chosen) == k:
                break
        return chosen
