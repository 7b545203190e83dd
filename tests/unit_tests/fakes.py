"""Scripted controllers and recording engines for tests: they stand in for real models only here."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import Engine, EngineRequest
from langchain_hugginggpt.engines.cache import ModelCache
from langchain_hugginggpt.engines.shared import held, model_lock

Reply = str | Callable[[list[BaseMessage]], str] | Exception


class ScriptedChatModel(BaseChatModel):
    """Answers from a script, in order; records every prompt; reports token usage."""

    script: list[Any]
    _calls: list[list[BaseMessage]] = PrivateAttr(default_factory=list)
    _lock: Any = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    @property
    def calls(self) -> list[list[BaseMessage]]:
        return self._calls

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with self._lock:
            index = len(self._calls)
            self._calls.append(list(messages))
        if index >= len(self.script):
            raise RuntimeError(
                f"scripted model called {index + 1} times, script has {len(self.script)}"
            )
        reply = self.script[index]
        if isinstance(reply, Exception):
            raise reply
        reply = reply(messages) if callable(reply) else reply
        if isinstance(reply, AIMessage):  # e.g. a scripted tool call
            return ChatResult(generations=[ChatGeneration(message=reply)])
        text = reply
        prompt_tokens = sum(len(str(m.content).split()) for m in messages)
        message = AIMessage(
            content=text,
            usage_metadata={
                "input_tokens": prompt_tokens,
                "output_tokens": len(text.split()),
                "total_tokens": prompt_tokens + len(text.split()),
            },
        )
        return ChatResult(generations=[ChatGeneration(message=message)])


def word_pieces(text: str) -> list[str]:
    """`text` cut after each space: the pieces a streaming model sends, joined back exactly."""
    pieces, start = [], 0
    for i, char in enumerate(text):
        if char == " ":
            pieces.append(text[start : i + 1])
            start = i + 1
    if start < len(text):
        pieces.append(text[start:])
    return pieces


class StreamingScriptedModel(ScriptedChatModel):
    """A scripted model that streams each text reply a word at a time.

    `on_piece(index, piece)` runs before piece `index` is sent (record it, or wait on an event
    so a test can see what a client did with the earlier pieces). The last piece carries the
    reply's token usage.
    """

    on_piece: Callable[[int, str], None] | None = None

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        message = self._generate(messages, stop, **kwargs).generations[0].message
        text = message.text
        pieces = word_pieces(text) or [""]
        for index, piece in enumerate(pieces):
            if self.on_piece is not None:
                self.on_piece(index, piece)
            last = index == len(pieces) - 1
            usage = getattr(message, "usage_metadata", None) if last else None
            yield ChatGenerationChunk(message=AIMessageChunk(content=piece, usage_metadata=usage))


class ToolCallingScriptedModel(ScriptedChatModel):
    """A scripted model an agent can bind tools to; script AIMessages with `tool_calls`."""

    _bound: list[list[str]] = PrivateAttr(default_factory=list)

    @property
    def bound(self) -> list[list[str]]:
        """The tool names of each `bind_tools` call."""
        return self._bound

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Any:
        self._bound.append([getattr(t, "name", str(t)) for t in tools])
        return self


@dataclass
class Call:
    task_id_hint: str
    task: str
    model: str
    inputs: dict[str, str]
    start: float
    end: float = 0.0
    thread: str = ""


@dataclass
class RecordingEngine(Engine):
    """Runs nothing real: records each call's start and end and returns text built from inputs.

    `behaviour` maps a model id to a callable run before returning (sleep, wait on an event,
    raise). `runnable` limits which models it claims; None means all.
    """

    name: str = "recording"
    behaviour: dict[str, Callable[[EngineRequest], Any]] = field(default_factory=dict)
    runnable: set[str] | None = None
    media: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    """task name -> (file suffix, bytes) written as that task's output file."""
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def supports(self, model: ModelCard, mode: str) -> bool:
        return self.runnable is None or model.id in self.runnable

    def run(self, request: EngineRequest) -> TaskOutput:
        call = Call(
            request.inputs.get("text", ""),
            request.task.name,
            request.model.id,
            dict(request.inputs),
            time.monotonic(),
            thread=threading.current_thread().name,
        )
        with self.lock:
            self.calls.append(call)
        try:
            action = self.behaviour.get(request.model.id) or self.behaviour.get(request.task.name)
            if action:
                action(request)
        finally:
            call.end = time.monotonic()
        if request.task.name in self.media:
            suffix, data = self.media[request.task.name]
            path = request.run_dir / f"{request.task.name}{suffix}"
            path.write_bytes(data)
            kind = request.task.output
            return {
                "type": kind,
                "text": f"a {kind} file",
                "path": str(path),
                "mime_type": {"image": "image/png", "audio": "audio/wav", "video": "video/mp4"}.get(
                    kind, "text/csv"
                ),
            }
        return {
            "type": "text",
            "text": f"[{request.task.name} by {request.model.id}] "
            + " | ".join(f"{k}={v}" for k, v in sorted(request.inputs.items())),
        }

    def calls_for(self, task: str) -> list[Call]:
        return [c for c in self.calls if c.task == task]


@dataclass
class LoadingEngine(Engine):
    """Loads each model once through a `ModelCache` and runs it under its model lock, as the
    local engines do, with nothing real inside.

    `on_load` maps a model id to a callable run inside its load, `on_run` to one run inside its
    call (wait on an event, raise). `loads` lists each model id as its load starts.
    """

    name: str = "loading"
    on_load: dict[str, Callable[[str], Any]] = field(default_factory=dict)
    on_run: dict[str, Callable[[EngineRequest], Any]] = field(default_factory=dict)
    cache: ModelCache = field(default_factory=lambda: ModelCache(max_items=16))
    loads: list[str] = field(default_factory=list)

    def supports(self, model: ModelCard, mode: str) -> bool:
        return True

    def run(self, request: EngineRequest) -> TaskOutput:
        model = request.model.id
        key = ("loading", id(self.cache), model)
        loaded = self.cache.get(
            key, lambda: self._load(model), size_of=lambda _: 0, timeout_s=request.timeout_s
        )
        with held(model_lock(key), request.timeout_s, f"model {model}"):
            action = self.on_run.get(model)
            if action:
                action(request)
        return {"type": "text", "text": f"[{request.task.name} by {loaded}]"}

    def _load(self, model: str) -> str:
        self.loads.append(model)
        action = self.on_load.get(model)
        if action:
            action(model)
        return model


def cards(task: str, *ids: str, downloads: Sequence[int] | None = None) -> list[ModelCard]:
    """Cards for `task`, downloads descending in the given order unless given."""
    counts = downloads or [1000 * (len(ids) - i) for i in range(len(ids))]
    return [ModelCard(id=i, task=task, downloads=d) for i, d in zip(ids, counts, strict=True)]


class _ScriptedLlama:
    """Stands in for `llama_cpp.Llama`: answers `create_chat_completion` from a script."""

    def __init__(self, script: list[str], calls: list[list[dict[str, Any]]]) -> None:
        self.script = script
        self.calls = calls

    def create_chat_completion(self, messages: list[dict[str, Any]], **options: Any) -> Any:
        self.calls.append(messages)
        if len(self.calls) > len(self.script):
            raise RuntimeError(f"scripted llama called {len(self.calls)} times")
        text = self.script[len(self.calls) - 1]
        return {
            "choices": [{"message": {"content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": len(text.split())},
        }


def scripted_embedded_controller(script: list[str]) -> Any:
    """The embedded controller's own chat model class over a scripted llama.cpp stand-in, so
    everything that treats the embedded controller differently sees the real class."""
    from langchain_hugginggpt.offline.chat_model import ChatLlamaCpp

    class ScriptedLlamaCpp(ChatLlamaCpp):
        _calls: list[list[dict[str, Any]]] = PrivateAttr(default_factory=list)

        @property
        def calls(self) -> list[list[dict[str, Any]]]:
            return self._calls

        def _llama(self) -> tuple[Any, threading.Lock]:
            return _ScriptedLlama(script, self._calls), threading.Lock()

    # The stand-in has no llama.cpp context or tokenizer: no prefix state to save or count.
    return ScriptedLlamaCpp(
        model_path="scripted.gguf", model_name="scripted-embedded", prefix_cache=False
    )


def scripted_cli_env(monkeypatch: pytest.MonkeyPatch, cache: Path) -> None:
    """The command line isolated for a scripted controller: no controller from the environment,
    its own cache, the Hub off, and expert models only (so scripted replies line up with the
    plan, select and respond calls)."""
    for name in ("HUGGINGGPT_LLM", "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HUGGINGGPT_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HUGGINGGPT_CONTROLLER_TASKS", "")
