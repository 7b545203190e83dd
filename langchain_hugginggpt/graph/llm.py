"""The controller LLM: which chat model plans, selects and answers, and how JSON is asked of it."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import RunnableConfig

__all__ = [
    "ControllerError",
    "ControllerNotConfiguredError",
    "Controllers",
    "ask_json",
    "embedded_controller",
    "resolve_controller",
]

_NOT_CONFIGURED = (
    "no controller LLM is configured: pass llm= to create_hugginggpt_graph, set "
    "HUGGINGGPT_LLM=PROVIDER:MODEL (e.g. openai:gpt-4o-mini), set OPENAI_API_KEY or "
    "OPENAI_BASE_URL for an OpenAI-compatible server, or install the offline extra "
    '(pip install "langchain-hugginggpt[offline]")'
)


class ControllerError(RuntimeError):
    """The controller LLM could not be created or called."""


class ControllerNotConfiguredError(ControllerError):
    """No controller was given and none can be found in the environment."""


OfflineFactory = Callable[[], BaseChatModel | None]


def resolve_controller(
    llm: BaseChatModel | str | None, offline: OfflineFactory | None = None
) -> BaseChatModel:
    """Return the chat model to use as controller.

    Order: `llm` itself; a `PROVIDER:MODEL` string through `init_chat_model` (`offline:0.5b` and
    `offline:1.5b` name the packaged models); else
    `HUGGINGGPT_LLM`; else an OpenAI-compatible server when `OPENAI_API_KEY` or `OPENAI_BASE_URL`
    is set (model from `OPENAI_MODEL`, default gpt-4o-mini); else the embedded offline model
    from `offline`; else `ControllerNotConfiguredError` saying what to install or set.
    """
    if isinstance(llm, BaseChatModel):
        return llm
    if isinstance(llm, str) and llm.strip():
        return _init(llm.strip())
    if llm is not None and not isinstance(llm, str):
        raise ControllerError(
            "llm must be a LangChain chat model or a 'provider:model' string, "
            f"got {type(llm).__name__}"
        )
    env_llm = os.environ.get("HUGGINGGPT_LLM", "").strip()
    if env_llm:
        return _init(env_llm)
    if os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL"):
        return _init("openai:" + os.environ.get("OPENAI_MODEL", "gpt-4o-mini"))
    model = offline() if offline else None
    if model is None:
        raise ControllerNotConfiguredError(_NOT_CONFIGURED)
    return model


def _init(spec: str) -> BaseChatModel:
    from langchain.chat_models import init_chat_model

    if spec == "offline" or spec.startswith("offline:"):
        from langchain_hugginggpt.offline.controller import (
            OfflineUnavailableError,
            offline_controller,
        )

        try:
            return offline_controller(spec.partition(":")[2])
        except OfflineUnavailableError as exc:
            raise ControllerError(str(exc)) from None

    kwargs: dict[str, Any] = {}
    if spec.startswith("openai:") and os.environ.get("OPENAI_BASE_URL"):
        kwargs["base_url"] = os.environ["OPENAI_BASE_URL"]
        # Local OpenAI-compatible servers (vLLM, Ollama, llama.cpp) accept any key.
        if not os.environ.get("OPENAI_API_KEY"):
            kwargs["api_key"] = "not-needed"
    try:
        model = init_chat_model(spec, **kwargs)
    except Exception as exc:  # provider packages raise their own types
        raise ControllerError(f"cannot create controller {spec!r}: {exc}") from exc
    if not isinstance(model, BaseChatModel):
        raise ControllerError(f"controller {spec!r} is not a chat model")
    return model


def embedded_controller(llm: BaseChatModel) -> bool:
    """Whether `llm` is one of the small embedded offline models (not trusted with facts)."""
    from langchain_hugginggpt.offline.chat_model import ChatLlamaCpp

    return isinstance(llm, ChatLlamaCpp)


class Controllers:
    """Resolves the controller once, and per run when `Context.controller` names an allowed one.

    Only the graph's own controller and the `allowed` strings are ever created: the names come
    from clients of a served graph, and each new one would be a model on the server's keys and
    one more entry in the cache, which therefore holds at most `len(allowed) + 1` models.
    """

    def __init__(
        self,
        llm: BaseChatModel | str | None,
        offline: OfflineFactory | None = None,
        *,
        allowed: Iterable[str] = (),
    ):
        """Keep what the graph was built with; nothing is resolved until first use."""
        self._llm = llm
        self._offline = offline
        self._allowed = frozenset(a.strip() for a in allowed if a.strip())
        self._lock = threading.Lock()
        self._cache: dict[str, BaseChatModel] = {}

    @property
    def allowed(self) -> frozenset[str]:
        """The PROVIDER:MODEL strings `get` accepts besides "" (the graph's own controller)."""
        return self._allowed

    def get(self, override: str = "") -> BaseChatModel:
        """Return the controller: `override` (PROVIDER:MODEL) when given, else the default.

        Raises:
            ControllerError: `override` is not an allowed controller (nothing is created).
        """
        key = override.strip()
        if key and key not in self._allowed:
            raise ControllerError(
                f"controller {key!r} is not allowed here; allowed: {sorted(self._allowed)}"
            )
        with self._lock:
            if key not in self._cache:
                self._cache[key] = (
                    _init(key) if key else resolve_controller(self._llm, self._offline)
                )
            return self._cache[key]


def ask_json(
    llm: BaseChatModel,
    messages: Sequence[BaseMessage],
    schema: dict[str, Any],
    callbacks: list[BaseCallbackHandler],
    max_tokens: int | None = None,
) -> tuple[Any, str]:
    """Ask for JSON matching `schema`; return (decoded object or None, the raw text).

    Uses the model's structured output when it has one (constrained decoding on servers that
    support it); otherwise plain text, which the caller parses tolerantly. A structured call
    rejected by the server (an old OpenAI-compatible server, say) is retried once as plain text.
    `max_tokens` bounds each answer for models with that setting (a small model may loop).
    """
    config: RunnableConfig = {"callbacks": callbacks}
    if max_tokens is not None and "max_tokens" in type(llm).model_fields:
        llm = llm.model_copy(update={"max_tokens": max_tokens})
    try:
        structured = llm.with_structured_output(schema, include_raw=True)
    except (NotImplementedError, ValueError, TypeError):
        structured = None
    if structured is not None:
        try:
            out = structured.invoke(list(messages), config=config)
        except Exception:  # noqa: BLE001 - any server-side refusal falls back to plain text
            out = None
        if isinstance(out, dict) and isinstance(out.get("raw"), AIMessage):
            raw: AIMessage = out["raw"]
            parsed = out.get("parsed")
            if parsed is not None and hasattr(parsed, "model_dump"):
                parsed = parsed.model_dump()
            return parsed, _raw_text(raw)
    reply = llm.invoke(list(messages), config=config)
    return None, _raw_text(reply)


def _raw_text(message: BaseMessage) -> str:
    text = message.text if hasattr(message, "text") else str(message.content)
    if not text and isinstance(message, AIMessage) and message.tool_calls:
        return json.dumps(message.tool_calls[0].get("args", {}), ensure_ascii=False)
    return text
