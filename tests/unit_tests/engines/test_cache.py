import threading
import time

import pytest

from langchain_hugginggpt.engines.cache import ModelCache, estimate_bytes


def test_loads_once_even_when_asked_concurrently() -> None:
    cache = ModelCache(max_items=2)
    calls: list[int] = []
    gate = threading.Event()

    def loader() -> str:
        calls.append(1)
        gate.wait(5)
        return "model"

    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get("k", loader))) for _ in range(6)
    ]
    for t in threads:
        t.start()
    time.sleep(0.1)  # let every thread reach the cache while the first load is still running
    gate.set()
    for t in threads:
        t.join(5)
    assert results == ["model"] * 6
    assert len(calls) == 1 and cache.loads == 1


def test_evicts_least_recently_used_by_count() -> None:
    cache = ModelCache(max_items=2)
    cache.get("a", lambda: "A", size_of=lambda _: 1)
    cache.get("b", lambda: "B", size_of=lambda _: 1)
    cache.get("a", lambda: "A2", size_of=lambda _: 1)  # hit: a is now the most recent
    cache.get("c", lambda: "C", size_of=lambda _: 1)
    assert "a" in cache and "c" in cache and "b" not in cache
    assert cache.hits == 1 and cache.loads == 3


def test_evicts_by_memory_estimate_but_keeps_the_newest() -> None:
    cache = ModelCache(max_items=10, max_bytes=100)
    cache.get("a", lambda: "A", size_of=lambda _: 60)
    cache.get("b", lambda: "B", size_of=lambda _: 60)
    assert "a" not in cache and "b" in cache and cache.total_bytes == 60
    cache.get("huge", lambda: "H", size_of=lambda _: 500)  # alone over the limit: still kept
    assert len(cache) == 1 and "huge" in cache


def test_failed_load_is_not_cached_and_waiters_see_the_error() -> None:
    cache = ModelCache()
    attempts = []

    def broken() -> str:
        attempts.append(1)
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        cache.get("k", broken)
    assert cache.get("k", lambda: "ok") == "ok"
    assert len(attempts) == 1


def test_estimate_bytes_counts_torch_parameters_one_level_deep() -> None:
    import torch

    class Holder:
        def __init__(self) -> None:
            self.model = torch.nn.Linear(10, 10)  # 110 float32 parameters
            self.name = "x"

    assert estimate_bytes(Holder()) == 110 * 4
    assert estimate_bytes(torch.nn.Linear(2, 2)) == 6 * 4
    assert estimate_bytes("no tensors") == 0


def test_invalid_size() -> None:
    with pytest.raises(ValueError, match="max_items must be at least 1"):
        ModelCache(max_items=0)
