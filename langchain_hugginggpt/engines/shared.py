"""What the local engines share in one process: the model cache and environment switches."""

from __future__ import annotations

import os
import threading
from collections.abc import Hashable

from langchain_hugginggpt.engines.cache import ModelCache

__all__ = ["LOAD_LOCK", "env_flag", "model_lock", "shared_cache"]

LOAD_LOCK = threading.RLock()
"""Held while any model loads: transformers and diffusers build models under process-wide
settings (the meta device, default dtype), so two loads in parallel threads corrupt each other
("Cannot copy out of meta tensor"). Inference still runs in parallel."""

_lock = threading.Lock()
_cache: ModelCache | None = None
_model_locks: dict[Hashable, threading.Lock] = {}


def model_lock(key: Hashable) -> threading.Lock:
    """The lock serialising calls on one loaded model, process-wide like the cache.

    Tokenizers, pipelines and llama.cpp contexts are not safe to share between threads mid-call.
    """
    with _lock:
        return _model_locks.setdefault(key, threading.Lock())


def env_flag(name: str) -> bool:
    """Whether environment variable `name` is set to a true value."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def shared_cache() -> ModelCache:
    """The process-wide model cache.

    It holds `HUGGINGGPT_CACHE_MODELS` models (default 4) and at most `HUGGINGGPT_CACHE_GB` of
    weights (default: half the machine's memory).
    """
    global _cache
    with _lock:
        if _cache is None:
            items = int(os.environ.get("HUGGINGGPT_CACHE_MODELS", "4"))
            gigabytes = os.environ.get("HUGGINGGPT_CACHE_GB")
            limit = int(float(gigabytes) * 1024**3) if gigabytes else _half_memory()
            _cache = ModelCache(max_items=items, max_bytes=limit)
        return _cache


def _half_memory() -> int | None:
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    return int(pages * size // 2)
