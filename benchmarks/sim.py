"""Simulated controller and engine for the scheduling benchmarks: known latencies, no models.

They stand in for real models only in benchmarks that measure the graph's own overhead and
scheduling, never in the product.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import Engine, EngineRequest

__all__ = [
    "CHARS_PER_TOKEN",
    "SimulatedController",
    "SimulatedEngine",
    "StreamingController",
    "token_pieces",
]


class SimulatedController(BaseChatModel):
    """Answers each stage from its prompt: the given plan, the first candidate, a short answer.

    Each call sleeps `latency_s`, like a remote LLM, and is counted.
    """

    plan: list[dict[str, Any]]
    latency_s: float = 0.0
    _calls: list[str] = PrivateAttr(default_factory=list)
    _lock: Any = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "simulated"

    @property
    def calls(self) -> list[str]:
        """The stage of each call, in order."""
        return self._calls

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        system = str(messages[0].content)
        if "planning stage" in system:
            stage, text = "plan", json.dumps({"tasks": self.plan})
        elif "model-selection stage" in system:
            stage, text = "select", json.dumps({"selections": _first_candidates(system)})
        else:
            stage, text = "respond", "Done."
        with self._lock:
            self._calls.append(stage)
        if self.latency_s:
            time.sleep(self.latency_s)
        usage = {"input_tokens": len(system) // 4, "output_tokens": len(text) // 4}
        usage["total_tokens"] = usage["input_tokens"] + usage["output_tokens"]
        message = AIMessage(content=text, usage_metadata=usage)  # type: ignore[arg-type]
        return ChatResult(generations=[ChatGeneration(message=message)])


CHARS_PER_TOKEN = 4
"""Characters of a simulated token (about what a BPE tokenizer makes of English and JSON)."""


def token_pieces(text: str) -> list[str]:
    """`text` cut into simulated tokens of `CHARS_PER_TOKEN` characters."""
    return [text[i : i + CHARS_PER_TOKEN] for i in range(0, len(text), CHARS_PER_TOKEN)]


class StreamingController(SimulatedController):
    """`SimulatedController` that writes each reply at `tokens_per_s`, as a remote LLM does.

    Streamed (`_stream`), the reply comes a token at a time, each at its due time on the clock;
    asked whole (`_generate`), it comes after the same time. Either way `latency_s` comes first.
    """

    tokens_per_s: float = 200.0

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        result = super()._generate(messages, stop, run_manager, **kwargs)
        time.sleep(len(token_pieces(result.generations[0].message.text)) / self.tokens_per_s)
        return result

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        whole = super()._generate(messages, stop, run_manager, **kwargs).generations[0].message
        pieces = token_pieces(whole.text)
        start = time.perf_counter()
        for index, piece in enumerate(pieces):
            due = start + (index + 1) / self.tokens_per_s - time.perf_counter()
            if due > 0:
                time.sleep(due)
            last = index == len(pieces) - 1
            usage = getattr(whole, "usage_metadata", None) if last else None
            yield ChatGenerationChunk(message=AIMessageChunk(content=piece, usage_metadata=usage))


def _first_candidates(prompt: str) -> list[dict[str, Any]]:
    """Pick the first listed candidate of every task in a selection prompt."""
    picks = []
    for block in prompt.split("\nTask ")[1:]:
        task_id = int(block.split(":", 1)[0])
        first = block.split("candidates:\n", 1)[1].splitlines()[0].strip()
        picks.append({"id": task_id, "model": first[2:].split(" ", 1)[0], "reason": "first"})
    return picks


@dataclass
class SimulatedEngine(Engine):
    """Runs every model by sleeping: `durations` maps a task's text argument to seconds."""

    name: str = "simulated"
    durations: Mapping[str, float] = field(default_factory=dict)
    on_run: Callable[[EngineRequest], None] | None = None

    def supports(self, model: ModelCard, mode: str) -> bool:
        return True

    def run(self, request: EngineRequest) -> TaskOutput:
        key = request.inputs.get("text", "").split(" <- ", 1)[0]
        seconds = self.durations.get(key, 0.0)
        if seconds:
            time.sleep(seconds)
        if self.on_run:
            self.on_run(request)
        return {"type": "text", "text": key}
