"""What the local engines share in one process: the model cache, locks and environment switches.

Locking is per model, never per process, except for the one step that must be (see
`BUILD_LOCK`). Every wait for a lock is bounded by the caller's timeout, so a call that hangs
while holding a lock delays only calls that need that very lock, and only until their own
timeout.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Hashable, Iterator
from contextlib import AbstractContextManager, contextmanager

from langchain_hugginggpt.engines.cache import ModelCache

__all__ = [
    "BUILD_LOCK",
    "LockTimeoutError",
    "build_guard",
    "cache_budget",
    "env_flag",
    "held",
    "model_lock",
    "shared_cache",
]

BUILD_LOCK = threading.RLock()
"""Held only while a torch model is *constructed* from files already on disk.

transformers and diffusers build models by patching process-wide functions (`torch.nn.init`,
`torch.linspace`, `PreTrainedModel.init_weights`, the default dtype) and restoring them after, so
two constructions in parallel threads can leave them patched for good ("Cannot copy out of meta
tensor"). Downloads, other libraries' loads and inference do not take it. Wait for it with
`build_guard`, which bounds the wait."""

_lock = threading.Lock()
_cache: ModelCache | None = None
_model_locks: dict[Hashable, threading.Lock] = {}


class LockTimeoutError(TimeoutError):
    """A lock stayed held by another call for longer than the caller could wait."""


def model_lock(key: Hashable) -> threading.Lock:
    """The lock serialising calls on one loaded model, process-wide like the cache.

    Tokenizers, pipelines and llama.cpp contexts are not safe to share between threads mid-call.
    Locks of different keys are independent. Prefer `held(model_lock(key), timeout_s, what)`.
    """
    with _lock:
        return _model_locks.setdefault(key, threading.Lock())


@contextmanager
def held(
    lock: threading.Lock | threading.RLock, timeout_s: float | None, what: str
) -> Iterator[None]:
    """Hold `lock` for the block, waiting at most `timeout_s` seconds (None: no bound).

    Raises:
        LockTimeoutError: The lock stayed held, e.g. by an abandoned call that timed out and is
            still running in the background.
    """
    acquired = lock.acquire(timeout=-1 if timeout_s is None else max(timeout_s, 0.0))
    if not acquired:
        raise LockTimeoutError(
            f"{what} stayed busy for {timeout_s:g} s (another call, perhaps one that timed out "
            "and still runs in the background, holds it)"
        )
    try:
        yield
    finally:
        lock.release()


def build_guard(timeout_s: float | None) -> AbstractContextManager[None]:
    """Hold `BUILD_LOCK` for the block, waiting at most `timeout_s` seconds."""
    return held(BUILD_LOCK, timeout_s, "the torch model construction step")


def env_flag(name: str) -> bool:
    """Whether environment variable `name` is set to a true value."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def shared_cache() -> ModelCache:
    """The process-wide model cache.

    It holds `HUGGINGGPT_CACHE_MODELS` models (default 4) and at most `HUGGINGGPT_CACHE_GB` of
    weights (default: `cache_budget()`).
    """
    global _cache
    with _lock:
        if _cache is None:
            items = int(os.environ.get("HUGGINGGPT_CACHE_MODELS", "4"))
            gigabytes = os.environ.get("HUGGINGGPT_CACHE_GB")
            limit = int(float(gigabytes) * 1024**3) if gigabytes else cache_budget()
            _cache = ModelCache(max_items=items, max_bytes=limit)
        return _cache


def cache_budget() -> int | None:
    """Bytes of weights the shared cache keeps by default.

    Half the machine's memory, and on a CUDA GPU (where the models are loaded) no more than
    `GPU_SHARE` of the GPU's memory.
    """
    budgets = [b for b in (_half_memory(), _gpu_memory()) if b is not None]
    return min(budgets) if budgets else None


GPU_SHARE = 0.8
"""Share of the GPU's memory the cache may fill; the rest is for activations while running."""


def _gpu_memory() -> int | None:
    """`GPU_SHARE` of CUDA device 0's memory, when models go there (see `pick_device`)."""
    if os.environ.get("HUGGINGGPT_DEVICE", "auto") not in ("auto", "cuda", "cuda:0"):
        return None
    if importlib.util.find_spec("torch") is None:
        return None
    import torch

    try:
        if not torch.cuda.is_available():
            return None
        total = int(torch.cuda.get_device_properties(0).total_memory)
    except Exception:  # noqa: BLE001 - a GPU that cannot be queried does not bound the cache
        return None
    return int(total * GPU_SHARE)


def _half_memory() -> int | None:
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    return int(pages * size // 2)
