"""Multi-turn: what earlier turns of a thread left behind, shown to the planner of a follow-up."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from langchain_hugginggpt.planning.prompts import PLAN_HISTORY

__all__ = ["earlier_turns", "request_with_history"]


def earlier_turns(messages: Sequence[BaseMessage], limit: int) -> list[tuple[str, str]]:
    """The last `limit` finished (request, answer) pairs before the current request."""
    turns: list[tuple[str, str]] = []
    request: str | None = None
    for message in messages[:-1]:
        if isinstance(message, HumanMessage):
            request = message.text.strip()
        elif isinstance(message, AIMessage) and request is not None:
            turns.append((request, message.text.strip()))
            request = None
    return turns[-limit:] if limit > 0 else []


def request_with_history(
    request: str,
    messages: Sequence[BaseMessage],
    artifacts: Sequence[Mapping[str, Any]],
    *,
    max_turns: int = 3,
    max_chars: int = 600,
) -> str:
    """The request as the planner sees it: alone on a first turn, else after earlier turns."""
    turns = earlier_turns(messages, max_turns)
    if not turns and not artifacts:
        return request
    lines = []
    for asked, answered in turns:
        if len(answered) > max_chars:
            answered = answered[:max_chars] + " [...]"
        lines.append(f"User: {asked}\nAssistant: {answered}")
    files = ""
    if artifacts:
        listed = "\n".join(
            f"- {a['path']} ({a['type']}, made by {a['task']} in turn {a['turn']})"
            for a in artifacts[-12:]
        )
        files = f"\nFiles made earlier:\n{listed}"
    return PLAN_HISTORY.format(turns="\n".join(lines), files=files, request=request)
