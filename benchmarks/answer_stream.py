"""`time_to_first_answer_token` for a written answer, with a simulated controller that streams.

The controller plans and selects at once, then writes its answer a word every `token_s`
seconds (`WORDS` words), as a remote LLM streams. The figures are seconds from the run's start
to the first `answer_token` event on the graph's `custom` stream, and to the end of the run;
their gap is what streaming saves a reader. The demo job's figure is in `real_models`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.messages import AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGenerationChunk

from benchmarks.sim import SimulatedController, SimulatedEngine
from langchain_hugginggpt import Catalog, ModelCard, create_hugginggpt_graph

__all__ = ["StreamingSimulatedController", "simulated_written"]

WORDS = 100
TOKEN_S = 0.02
PLAN = [{"id": 1, "task": "summarization", "dep": [], "args": {"text": "a"}}]


class StreamingSimulatedController(SimulatedController):
    """`SimulatedController`, whose streamed answers come a word every `token_s` seconds."""

    words: int = WORDS
    token_s: float = TOKEN_S

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        system = str(messages[0].content)
        if "planning stage" in system or "model-selection stage" in system:
            # Planning and selection (read while written when streamed) come whole, at once.
            whole = self._generate(messages, stop, run_manager, **kwargs).generations[0].message
            usage = getattr(whole, "usage_metadata", None)
            yield ChatGenerationChunk(
                message=AIMessageChunk(content=whole.text, usage_metadata=usage)
            )
            return
        with self._lock:
            self._calls.append("respond")
        for index in range(self.words):
            time.sleep(self.token_s)
            usage = (
                UsageMetadata(input_tokens=0, output_tokens=self.words, total_tokens=self.words)
                if index == self.words - 1
                else None
            )
            piece = AIMessageChunk(content=f"word{index} ", usage_metadata=usage)
            yield ChatGenerationChunk(message=piece)


def simulated_written(work: Path, token_s: float = TOKEN_S) -> dict[str, Any]:
    """One run with a written, streamed answer: seconds to its first piece and to the end."""
    graph = create_hugginggpt_graph(
        StreamingSimulatedController(plan=PLAN, token_s=token_s),
        catalog=Catalog(cards=[ModelCard(id="sum/0", task="summarization", downloads=1)]),
        engines=[SimulatedEngine()],
        artifacts_dir=work / "stream-runs",
        controller_tasks="",
        answer_style="written",
    )
    start = time.perf_counter()
    first: float | None = None
    pieces = 0
    for mode, chunk in graph.stream(
        {"messages": [HumanMessage("summarise a")]}, stream_mode=["custom", "values"]
    ):
        if mode == "custom" and isinstance(chunk, dict) and chunk.get("event") == "answer_token":
            pieces += 1
            if first is None:
                first = time.perf_counter() - start
    total = time.perf_counter() - start
    if first is None or pieces != WORDS:
        raise RuntimeError(f"the answer did not stream: {pieces} pieces of {WORDS}")
    return {
        "seconds": round(first, 3),
        "total": round(total, 3),
        "pieces": pieces,
        "controller": f"simulated, {WORDS} words at {token_s * 1000:.0f} ms a word",
    }
