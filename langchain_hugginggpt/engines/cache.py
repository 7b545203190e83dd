"""A bounded cache of loaded models, shared across tasks and runs, that loads each model once."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

__all__ = ["LoadTimeoutError", "ModelCache", "estimate_bytes"]

T = TypeVar("T")


def estimate_bytes(obj: Any) -> int:
    """Memory held by a loaded model: its torch parameters and buffers, found one level deep.

    Pipelines and adapters keep their torch modules as attributes (`model`, `unet`, `vae`,
    `text_encoder`, ...); anything else counts as zero.
    """
    seen: set[int] = set()
    total = 0
    candidates = [obj, *vars(obj).values()] if hasattr(obj, "__dict__") else [obj]
    components = getattr(obj, "components", None)
    if isinstance(components, dict):
        candidates += list(components.values())
    for item in candidates:
        if id(item) in seen or not hasattr(item, "parameters") or not hasattr(item, "buffers"):
            continue
        seen.add(id(item))
        try:
            tensors = [*item.parameters(), *item.buffers()]
        except TypeError:
            continue
        total += sum(t.numel() * t.element_size() for t in tensors)
    return total


class LoadTimeoutError(TimeoutError):
    """Another call's load of the same model did not finish within the caller's timeout."""


class ModelCache:
    """Least-recently-used cache bounded by entry count and by estimated bytes.

    `get` loads a missing entry with its loader exactly once, even when several threads ask for
    it at the same moment: the others wait for the same load. A failed load is not cached.

    Loads are locked per key, not per cache: each key being loaded has its own pending entry,
    the loader runs outside the cache's lock, and loads of different keys run in parallel. A
    loader that hangs (its caller timed out and abandoned it) holds only its own key's pending
    entry: callers for that key wait at most their `timeout_s`, callers for other keys do not
    wait at all. Should the abandoned load finish later, its model is cached as usual.
    """

    def __init__(self, max_items: int = 4, max_bytes: int | None = None) -> None:
        """Bound the cache; `max_bytes=None` bounds by count only."""
        if max_items < 1:
            raise ValueError(f"max_items must be at least 1, got {max_items}")
        self.max_items = max_items
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._loading: dict[Hashable, Future[Any]] = {}
        self.loads = 0
        self.hits = 0

    def get(
        self,
        key: Hashable,
        loader: Callable[[], T],
        size_of: Callable[[T], int] = estimate_bytes,
        *,
        timeout_s: float | None = None,
    ) -> T:
        """Return the entry for `key`, loading it with `loader` if absent.

        Args:
            key: What identifies the model.
            loader: Loads it; called at most once at a time per key.
            size_of: Its size in bytes, for the memory bound.
            timeout_s: Longest wait for another call's load of the same key (None: no bound).
                The caller's own load is not bounded here: its engine call's timeout is.

        Raises:
            LoadTimeoutError: Another call was still loading `key` after `timeout_s`.
        """
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                value: T = self._entries[key][0]
                return value
            pending = self._loading.get(key)
            owner = pending is None
            if owner:
                pending = Future()
                self._loading[key] = pending
        assert pending is not None
        if not owner:
            return self._wait_for(key, pending, timeout_s)
        try:
            loaded = loader()
            size = size_of(loaded)
        except BaseException as exc:
            with self._lock:
                del self._loading[key]
            pending.set_exception(exc)
            raise
        with self._lock:
            del self._loading[key]
            self.loads += 1
            self._entries[key] = (loaded, size)
            self._evict(keep=key)
        pending.set_result(loaded)
        return loaded

    @staticmethod
    def _wait_for(key: Hashable, pending: Future[Any], timeout_s: float | None) -> Any:
        try:
            return pending.result(timeout=timeout_s)
        except FutureTimeout:
            if pending.done():  # the load itself failed with a TimeoutError
                raise
            raise LoadTimeoutError(
                f"{key!r} was still being loaded by another call after {timeout_s:g} s"
            ) from None

    def _evict(self, keep: Hashable) -> None:
        while len(self._entries) > 1 and (
            len(self._entries) > self.max_items
            or (self.max_bytes is not None and self.total_bytes > self.max_bytes)
        ):
            oldest = next(iter(self._entries))
            if oldest == keep:
                break
            del self._entries[oldest]

    @property
    def total_bytes(self) -> int:
        """Estimated bytes of everything cached."""
        return sum(size for _, size in self._entries.values())

    def __contains__(self, key: Hashable) -> bool:
        """Whether `key` is loaded."""
        with self._lock:
            return key in self._entries

    def __len__(self) -> int:
        """Number of loaded entries."""
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._entries.clear()
