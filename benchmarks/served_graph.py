"""The graph that server workers serve in the distributed tests and the load benchmark.

`create_hugginggpt_graph` unchanged, compiled without a checkpointer (the server brings its own),
over a controller that answers from the request and an engine that runs nothing real:

- a request `job TOKEN: three` (TOKEN: `T` and ten hexadecimal digits) plans three tasks
  (1 -> 2, and 3); `job TOKEN: four` the four of the durable tests (1 -> 3, 2 -> 4; task 1 is
  slow). Every task's text names TOKEN, so each
  output says which request it belongs to.
- `HUGGINGGPT_SERVED_LOG`: a file the engine appends `start TASK TOKEN PID` to, flushed and
  synced before the task runs, so the counts survive a killed worker.
- `HUGGINGGPT_SERVED_HANG`: while this file exists, text-classification waits (a test kills the
  worker there, then removes the file).
- `HUGGINGGPT_SERVED_SLOW_S`: how long a task whose text says `slow` takes (default 1 s).

They stand in for real models only here, never in the product.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from langchain_hugginggpt import Catalog, ModelCard, create_hugginggpt_graph
from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.engines.base import Engine, EngineRequest

__all__ = ["TASKS", "TOKEN_RE", "LoggedEngine", "RoutedController", "graph", "plan_for"]

TASKS = ("summarization", "translation", "text-classification", "text-to-speech")
JOB_RE = re.compile(r"job (T[0-9a-f]{10}): (three|four)")
TOKEN_RE = re.compile(r"\bT[0-9a-f]{10}\b")


def plan_for(token: str, shape: str) -> list[dict[str, Any]]:
    """The plan of request `job TOKEN: SHAPE`."""
    if shape == "three":
        return [
            {"id": 1, "task": "summarization", "dep": [], "args": {"text": f"report {token}"}},
            {"id": 2, "task": "translation", "dep": [1], "args": {"text": "<GENERATED>-1"}},
            {"id": 3, "task": "text-classification", "dep": [], "args": {"text": f"note {token}"}},
        ]
    return [
        {"id": 1, "task": "summarization", "dep": [], "args": {"text": f"slow report {token}"}},
        {"id": 2, "task": "translation", "dep": [], "args": {"text": f"note {token}"}},
        {"id": 3, "task": "text-classification", "dep": [1], "args": {"text": "<GENERATED>-1"}},
        {"id": 4, "task": "text-to-speech", "dep": [2], "args": {"text": "<GENERATED>-2"}},
    ]


class RoutedController(BaseChatModel):
    """Answers each stage from the request alone, so any worker gives any run the same answer."""

    @property
    def _llm_type(self) -> str:
        return "routed"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        system = messages[0].text
        found = None
        for message in reversed(messages):
            found = JOB_RE.search(message.text)
            if found:
                break
        token, shape = found.groups() if found else ("unknown", "three")
        if "planning stage" in system:
            text = json.dumps({"tasks": plan_for(token, shape)})
        elif "model-selection stage" in system:
            text = json.dumps({"selections": []})  # one candidate per task: never asked
        else:
            text = f"Done: job {token}."
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])


@dataclass
class LoggedEngine(Engine):
    """Logs each call to `HUGGINGGPT_SERVED_LOG`, waits as told, echoes its inputs."""

    name: str = "logged"

    def supports(self, model: ModelCard, mode: str) -> bool:
        return True

    def run(self, request: EngineRequest) -> TaskOutput:
        text = request.inputs.get("text", "")
        found = TOKEN_RE.search(text)
        token = found.group(0) if found else "-"
        log = os.environ.get("HUGGINGGPT_SERVED_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as f:
                f.write(f"start {request.task.name} {token} {os.getpid()}\n")
                f.flush()
                os.fsync(f.fileno())
        if "slow" in text.split():
            time.sleep(float(os.environ.get("HUGGINGGPT_SERVED_SLOW_S", "1.0")))
        hang = os.environ.get("HUGGINGGPT_SERVED_HANG")
        if hang and request.task.name == "text-classification":
            deadline = time.monotonic() + 600
            while Path(hang).exists() and time.monotonic() < deadline:
                time.sleep(0.1)
        return {"type": "text", "text": f"[{request.task.name} by {request.model.id}] {text}"}


graph = create_hugginggpt_graph(
    RoutedController(),
    catalog=Catalog(cards=[ModelCard(id=f"{t}/only", task=t, downloads=1) for t in TASKS]),
    engines=[LoggedEngine()],
    controller_tasks="",
    name="served",
)
