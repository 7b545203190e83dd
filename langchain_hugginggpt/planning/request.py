"""The request as the planner reads it: the user's last message, and the files given with it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from langchain_core.messages import BaseMessage, HumanMessage

__all__ = ["request_text", "request_with_inputs"]


def request_text(messages: Sequence[BaseMessage]) -> str:
    """Return the text of the last message, which must be the user's."""
    if not messages or not isinstance(messages[-1], HumanMessage):
        raise ValueError("the last message must be the user's request (a HumanMessage)")
    text = messages[-1].text.strip()
    if not text:
        raise ValueError("the user's request is empty")
    return text


def request_with_inputs(request: str, inputs: Sequence[Path]) -> str:
    """The request, naming the input files by absolute path so the planner can use them."""
    if not inputs:
        return request
    listed = ", ".join(str(p) for p in inputs)
    return f"{request}\n\nInput file{'s' if len(inputs) > 1 else ''}: {listed}"
