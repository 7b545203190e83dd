"""A LangChain chat model over llama.cpp, with JSON-schema-constrained structured output."""

from __future__ import annotations

import atexit
import json
import os
import threading
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import BaseModel, Field, model_validator

from langchain_hugginggpt.catalog.hub import default_cache_dir
from langchain_hugginggpt.engines.shared import model_lock, shared_cache
from langchain_hugginggpt.offline.prefix_cache import PrefixCache, fixed_prefix
from langchain_hugginggpt.offline.weights import PartedFile, assemble

__all__ = ["ChatLlamaCpp"]


def _role(message: BaseMessage) -> str:
    if isinstance(message, SystemMessage):
        return "system"
    if isinstance(message, HumanMessage):
        return "user"
    if isinstance(message, AIMessage):
        return "assistant"
    return "user"


class ChatLlamaCpp(BaseChatModel):
    """Chat with a GGUF model through `llama_cpp.Llama.create_chat_completion`.

    Loaded models are shared through the engines' model cache, so the controller and a text
    task on the same file use one copy. Calls on one model are serialised (llama.cpp contexts are
    not thread-safe). `with_structured_output` constrains decoding to the JSON schema, so the
    reply is always valid JSON of that shape. Token counts reach `usage_metadata`.

    The leading system messages (a stage's fixed instructions) are evaluated once and their
    state kept in `prefix_cache_dir`, so later calls and later runs evaluate only what follows
    them. How many prompt tokens a call evaluated is in `response_metadata`
    (`prompt_tokens_evaluated`); the others count as `input_token_details["cache_read"]`.
    """

    model_path: str = ""
    """The GGUF file; empty when `parted` names it."""
    parted: PartedFile | None = None
    """Weights shipped in parts: joined (once, into the cache) on the first call, not before, so
    a run that never asks the controller anything never waits for the join."""
    model_name: str = "llama.cpp"
    n_ctx: int = 4096
    n_threads: int | None = None
    temperature: float = 0.0
    max_tokens: int = 768
    seed: int = 0
    stop_sequences: list[str] = Field(default_factory=list)
    prefix_cache: bool = True
    """Keep the evaluated leading system messages for later calls and runs."""
    prefix_cache_dir: str | None = None
    """Where their state files go; None: `$HUGGINGGPT_CACHE/prefixes`."""
    prefix_cache_mb: int = 256
    """Bound of that folder; the least recently used files go first."""

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @model_validator(mode="after")
    def _names_a_file(self) -> ChatLlamaCpp:
        if not self.model_path and self.parted is None:
            raise ValueError("ChatLlamaCpp needs model_path or parted")
        return self

    @property
    def _identifying_params(self) -> dict[str, Any]:
        model = self.model_path or (self.parted.name if self.parted else "")
        return {"model_path": model, "n_ctx": self.n_ctx, "temperature": self.temperature}

    def gguf(self) -> str:
        """The GGUF file, joined from its parts first when it arrives in parts."""
        if self.model_path:
            return self.model_path
        assert self.parted is not None  # checked at construction
        return str(assemble(self.parted))

    def _llama(self) -> tuple[Any, threading.Lock]:
        model_path = self.gguf()

        def load() -> Any:
            from llama_cpp import Llama

            # No process-wide lock: llama.cpp builds no torch model (see `BUILD_LOCK`), and the
            # cache already loads each GGUF file once, so other models' loads go on meanwhile.
            # llama-cpp-python's default is half the cores for generation; use them all.
            threads = self.n_threads or os.cpu_count() or 1
            llama = Llama(
                model_path=model_path,
                n_ctx=self.n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                seed=self.seed,
                verbose=False,
            )
            # Freed by the garbage collector at interpreter exit, llama-cpp-python fails noisily
            # (its C bindings are already gone); closing first avoids that.
            atexit.register(llama.close)
            return llama

        key = ("llama.cpp", model_path, self.n_ctx, self.n_threads)
        llama = shared_cache().get(key, load, size_of=lambda _: _file_size(model_path))
        return llama, model_lock(key)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        llama, lock = self._llama()
        payload = [{"role": _role(m), "content": m.text} for m in messages]
        options: dict[str, Any] = {
            "temperature": kwargs.get("temperature", self.temperature),
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            "stop": (stop or []) + self.stop_sequences or None,
            "seed": self.seed,
        }
        if kwargs.get("response_format"):
            options["response_format"] = kwargs["response_format"]
        with lock:
            _reset_counts(llama)
            if self.prefix_cache and (prefix := fixed_prefix(llama, payload)) is not None:
                self._prefix_cache().prime(llama, prefix)
            out = llama.create_chat_completion(messages=payload, **options)
            counted = _prompt_tokens_evaluated(llama)
        choice = out["choices"][0]
        usage = out.get("usage") or {}
        prompt_tokens, completion_tokens = (
            usage.get("prompt_tokens", 0),
            usage.get("completion_tokens", 0),
        )
        evaluated = prompt_tokens if counted is None else counted
        message = AIMessage(
            content=choice["message"].get("content") or "",
            usage_metadata={
                "input_tokens": prompt_tokens,
                "output_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "input_token_details": {"cache_read": max(prompt_tokens - evaluated, 0)},
            },
            response_metadata={
                "model_name": self.model_name,
                "finish_reason": choice.get("finish_reason"),
                "prompt_tokens_evaluated": evaluated,
            },
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _prefix_cache(self) -> PrefixCache:
        folder = self.prefix_cache_dir or default_cache_dir() / "prefixes"
        return PrefixCache(Path(folder), self.prefix_cache_mb * 1024 * 1024)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        include_raw: bool = False,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """Constrain decoding to `schema` (a JSON schema dict or a pydantic model)."""
        if schema is None:
            raise ValueError("a schema is required")
        if isinstance(schema, type) and issubclass(schema, BaseModel):
            json_schema = schema.model_json_schema()
            model: type[BaseModel] | None = schema
        elif isinstance(schema, dict):
            json_schema, model = schema, None
        else:
            raise TypeError(
                f"schema must be a dict or a pydantic model, got {type(schema).__name__}"
            )
        bound = self.bind(response_format={"type": "json_object", "schema": json_schema})

        def parse(raw: AIMessage) -> dict[str, Any]:
            try:
                data = json.loads(raw.text)
                parsed = model.model_validate(data) if model else data
                return {"raw": raw, "parsed": parsed, "parsing_error": None}
            except Exception as exc:  # noqa: BLE001 - reported, not raised, as LangChain does
                return {"raw": raw, "parsed": None, "parsing_error": exc}

        with_raw = bound | RunnableLambda(parse)
        if include_raw:
            return with_raw
        return with_raw | RunnableLambda(lambda out: _parsed_or_raise(out))


def _parsed_or_raise(out: dict[str, Any]) -> Any:
    if out["parsing_error"] is not None:
        raise out["parsing_error"]
    return out["parsed"]


def _reset_counts(llama: Any) -> None:
    import llama_cpp

    if getattr(llama, "ctx", None) is not None:
        llama_cpp.llama_perf_context_reset(llama.ctx)


def _prompt_tokens_evaluated(llama: Any) -> int | None:
    """Prompt tokens llama.cpp evaluated since `_reset_counts`, the cached prefix's included.

    llama.cpp counts a decode of more than one token as prompt evaluation, and reports at
    least 1 (so 1 means none). A prompt seen whole before replays its last token alone, which
    counts as decoding: such a call reports 0.
    """
    import llama_cpp

    if getattr(llama, "ctx", None) is None:
        return None  # no llama.cpp context to ask (a stand-in): not counted
    counted = int(llama_cpp.llama_perf_context(llama.ctx).n_p_eval)
    return 0 if counted <= 1 else counted


def _file_size(path: str) -> int:
    return Path(path).stat().st_size
