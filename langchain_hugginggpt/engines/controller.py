"""The controller LLM as an expert: text tasks it does well, chosen like any other model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from langchain_hugginggpt.artifacts.outputs import text_output
from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import Engine, EngineError, EngineRequest, InferenceMode
from langchain_hugginggpt.engines.passages import relevant_passages

__all__ = [
    "CHARS_PER_TOKEN",
    "CONTROLLER_MODEL_ID",
    "CONTROLLER_TASKS",
    "DEFAULT_CONTEXT_CHARS",
    "ControllerEngine",
    "context_chars",
    "controller_card",
    "run_text_task",
]

CONTROLLER_MODEL_ID = "controller-llm"

_SYSTEM = (
    "You are an expert model inside HuggingGPT. Do exactly the task; reply with the result only."
)

CONTROLLER_TASKS: dict[str, Callable[[dict[str, str]], str]] = {
    "summarization": lambda a: (
        "Summarise this text in your own words, much shorter than the original (two sentences "
        f"unless the request says otherwise):\n\n{a['text']}"
    ),
    "translation": lambda a: (
        f"Translate this text into {a.get('target_language') or 'English'}"
        + (f" from {a['source_language']}" if a.get("source_language") else "")
        + f":\n\n{a['text']}"
    ),
    "conversational": lambda a: a["text"],
    "text-generation": lambda a: a["text"],
    "text2text-generation": lambda a: a["text"],
    "question-answering": lambda a: (
        f"Answer the question from the context only.\n\nContext:\n{a['context']}\n\n"
        f"Question: {a['question']}"
    ),
}
"""Task types the controller can take, and the prompt it gets for each."""


def controller_card(task: str) -> ModelCard:
    """The catalog entry standing for the controller LLM on `task`."""
    return ModelCard(
        id=CONTROLLER_MODEL_ID,
        task=task,
        source="controller",
        description="the controller LLM itself: no download, strong on general text",
    )


class ControllerEngine(Engine):
    """Runs `controller-llm` cards on the run's controller chat model."""

    name = "controller"

    def __init__(self, controller: Callable[[str], BaseChatModel]) -> None:
        """`controller(override)` returns the run's controller (see `Controllers.get`)."""
        self._controller = controller

    def supports(self, model: ModelCard, mode: InferenceMode) -> bool:
        """Only the controller's own cards, for the tasks it takes."""
        return model.source == "controller" and model.task in CONTROLLER_TASKS

    def run(self, request: EngineRequest) -> TaskOutput:
        """Prompt the controller for the task and return its reply as text."""
        return run_text_task(self._controller(request.extra.get("controller", "")), request)


def run_text_task(llm: BaseChatModel, request: EngineRequest) -> TaskOutput:
    """Have a chat model do a text task of `CONTROLLER_TASKS`; its reply is the output.

    A question's context longer than the model can take is cut to the passages that bear on
    the question (`relevant_passages`), and the output's `data["method"]` says so.
    """
    task = request.task.name
    inputs = dict(request.inputs)
    context = request.extra.get("request", "")
    suffix = f"\n\n(The user's whole request, for context: {context})" if context else ""
    method = None
    try:
        if task == "question-answering" and "context" in inputs:
            rest = len(_SYSTEM) + len(CONTROLLER_TASKS[task]({**inputs, "context": ""}))
            budget = max(1, context_chars(llm) - rest - len(suffix))
            passages = relevant_passages(inputs["context"], inputs.get("question", ""), budget)
            inputs["context"] = passages.text
            if not passages.whole:
                method = (
                    f"from the {passages.kept} of {passages.total} passages of the context "
                    "most related to the question"
                )
        prompt = CONTROLLER_TASKS[task](inputs) + suffix
    except KeyError as exc:
        raise EngineError(f"{task} needs argument {exc}") from None
    config: Any = {"callbacks": list(request.callbacks)}
    reply = llm.invoke(
        [SystemMessage(content=_SYSTEM), HumanMessage(content=prompt)], config=config
    )
    text = reply.text.strip()
    if not text:
        raise EngineError(f"{request.model.id} returned an empty reply")
    return text_output(text, data={"method": method} if method else None)


CHARS_PER_TOKEN = 3.2
"""Characters a prompt token stands for, on the low side (English prose is ~4; PDF text with
numbers, symbols and broken words less), so a prompt sized by it fits."""
DEFAULT_CONTEXT_CHARS = 60_000
"""Prompt characters for a chat model that does not say its window (remote models' windows are
32k tokens and more; this keeps a call's cost bounded too)."""


def context_chars(llm: BaseChatModel) -> int:
    """How many prompt characters `llm` takes.

    From its `n_ctx` less its `max_tokens` when it has them (llama.cpp models), else
    `DEFAULT_CONTEXT_CHARS`.
    """
    window = getattr(llm, "n_ctx", None)
    if not isinstance(window, int) or window <= 0:
        return DEFAULT_CONTEXT_CHARS
    reply = getattr(llm, "max_tokens", None)
    reply = reply if isinstance(reply, int) and reply > 0 else 512
    # 64 tokens for the chat template's own markers around the messages.
    return max(0, int((window - reply - 64) * CHARS_PER_TOKEN))
