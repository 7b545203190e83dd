"""Cost accounting: LLM calls, tokens and seconds per stage, gathered by a callback handler."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import LLMResult

__all__ = ["STAGES", "StageMeter", "total_usage", "with_stage"]

STAGES = ("plan", "select", "execute", "respond")
_KEYS = ("llm_calls", "input_tokens", "output_tokens", "seconds")


class StageMeter(BaseCallbackHandler):
    """Counts the LLM calls and tokens of one stage; pass it in the calls' `callbacks`."""

    raise_error = False

    def __init__(self) -> None:
        """Start at zero."""
        self._lock = threading.Lock()
        self.llm_calls = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.seconds = 0.0

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        """Count a chat model call."""
        with self._lock:
            self.llm_calls += 1

    def on_llm_start(self, serialized: Any, prompts: Any, **kwargs: Any) -> None:
        """Count a completion model call."""
        with self._lock:
            self.llm_calls += 1

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        """Add the call's token usage, from `usage_metadata` or the provider's `token_usage`."""
        found_in, found_out = 0, 0
        for generations in response.generations:
            for gen in generations:
                usage = getattr(getattr(gen, "message", None), "usage_metadata", None)
                if usage:
                    found_in += int(usage.get("input_tokens", 0))
                    found_out += int(usage.get("output_tokens", 0))
        if not (found_in or found_out):
            token_usage = (response.llm_output or {}).get("token_usage") or {}
            found_in = int(token_usage.get("prompt_tokens", 0))
            found_out = int(token_usage.get("completion_tokens", 0))
        with self._lock:
            self.input_tokens += found_in
            self.output_tokens += found_out

    def add(self, usage: Mapping[str, float]) -> None:
        """Add counts measured elsewhere (an engine's calls to the controller, say)."""
        with self._lock:
            self.llm_calls += int(usage.get("llm_calls", 0))
            self.input_tokens += int(usage.get("input_tokens", 0))
            self.output_tokens += int(usage.get("output_tokens", 0))

    @contextmanager
    def timed(self) -> Iterator[StageMeter]:
        """Measure the seconds of the block into `seconds`."""
        start = time.perf_counter()
        try:
            yield self
        finally:
            self.seconds += time.perf_counter() - start

    def as_dict(self) -> dict[str, float]:
        """Return the counts as a JSON-ready dict."""
        return {
            "llm_calls": self.llm_calls,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "seconds": round(self.seconds, 4),
        }


def total_usage(stages: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """Sum the per-stage counts (the `total` entry itself excluded)."""
    total = dict.fromkeys(_KEYS, 0.0)
    for name, stats in stages.items():
        if name == "total":
            continue
        for key in _KEYS:
            total[key] += stats.get(key, 0)
    total["llm_calls"] = int(total["llm_calls"])
    total["input_tokens"] = int(total["input_tokens"])
    total["output_tokens"] = int(total["output_tokens"])
    total["seconds"] = round(total["seconds"], 4)
    return total


def with_stage(
    usage: Mapping[str, Mapping[str, float]] | None, stage: str, stats: Mapping[str, float]
) -> dict[str, dict[str, float]]:
    """Return `usage` with `stage` set to `stats` and `total` recomputed."""
    updated = {k: dict(v) for k, v in (usage or {}).items() if k != "total"}
    updated[stage] = dict(stats)
    updated["total"] = total_usage(updated)
    return updated
