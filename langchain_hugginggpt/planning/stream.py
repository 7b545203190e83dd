"""Plan streaming, the planning side: each task of a plan as soon as the controller has written it.

`PlanTap` is a LangChain callback handler passed with the free planner's first call. It reads
the reply's pieces as they arrive (`incremental.TaskObjectReader`), reads each complete task
object as the planner reads whole plans (`parse_plan`, so ids from 0, `dep: [-1]` and
`<GENERATED>-k` in any spelling become the canonical form), and checks it on its own: a known
task type, the arguments it takes, its required arguments, dependencies among the tasks
accepted before it, and references only to those dependencies, of a fitting type. A task that
passes is handed to `on_task`; one that fails is not, and waits for the plan's end like any
other. Nothing here replaces the whole plan's parsing, repair and validation when the reply ends.

Attaching it makes the chat model stream even when it is called with `invoke`: LangChain streams
a call when one of its callback handlers can receive pieces (the `_StreamingCallbackHandler`
protocol, whose two `tap_output_*` methods this handler has), as LangGraph's own `messages`
stream mode does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any, TypeVar
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel

from langchain_hugginggpt.jsontext import as_int
from langchain_hugginggpt.plan import PlannedTask, PlanParseError, parse_plan, validate_plan
from langchain_hugginggpt.plan.formats import zero_based
from langchain_hugginggpt.planning.incremental import TaskObjectReader
from langchain_hugginggpt.tasks import TASKS

__all__ = ["OnTask", "PlanTap", "StreamedTasks", "can_stream", "with_stream_usage"]

OnTask = Callable[[PlannedTask], None]
"""Receives each streamed task that validated on its own."""

T = TypeVar("T")


def can_stream(llm: BaseChatModel) -> bool:
    """Whether the controller sends its reply in pieces, so a plan can be read as it is written.

    False for chat models without LangChain's `_stream`, and for those with streaming turned off
    (`disable_streaming=True`, or `streaming=False` set explicitly).
    """
    if type(llm)._stream is BaseChatModel._stream:
        return False
    if getattr(llm, "disable_streaming", False) is True:
        return False
    return not ("streaming" in llm.model_fields_set and getattr(llm, "streaming", None) is False)


def with_stream_usage(llm: BaseChatModel) -> BaseChatModel:
    """`llm`, asking for token usage in its streamed replies where that is a setting left unset.

    A streamed reply reports its tokens only if asked (`stream_usage`, which langchain-openai
    leaves off for servers other than OpenAI's own); without it a streamed plan's tokens would
    be missing from `usage`. vLLM, Ollama, llama.cpp's server and LM Studio answer it.
    """
    if "stream_usage" in type(llm).model_fields and getattr(llm, "stream_usage", None) is None:
        return llm.model_copy(update={"stream_usage": True})
    return llm


class StreamedTasks:
    """Turns the streamed task objects into `PlannedTask`s, keeping those valid on their own."""

    def __init__(self, *, max_tasks: int) -> None:
        """Accept at most `max_tasks` tasks (the plan's limit)."""
        self._max_tasks = max_tasks
        self._seen = 0
        self._from_zero = False
        self._accepted: dict[int, PlannedTask] = {}

    def accept(self, item: Mapping[str, Any]) -> PlannedTask | None:
        """The task of the plan's next object, or None when it is not valid on its own."""
        position, self._seen = self._seen, self._seen + 1
        if not isinstance(item, Mapping):
            return None
        if position == 0:
            self._from_zero = as_int(item.get("id")) == 0
        if position >= self._max_tasks:
            return None
        task = self._read(item, position)
        if task is None or task.id in self._accepted or not self._valid_alone(task):
            return None
        self._accepted[task.id] = task
        return task

    def _read(self, item: Mapping[str, Any], position: int) -> PlannedTask | None:
        entry = dict(item)
        entry.setdefault("id", position if self._from_zero else position + 1)
        if self._from_zero:
            # Shifted as `parse_plan` shifts a whole plan that numbers from 0.
            first = as_int(entry["id"]) == 0
            if first != (position == 0):
                return None
            shifted = zero_based([entry] if first else [{"id": 0}, entry])
            if shifted is None:
                return None
            entry = shifted[-1]
        elif as_int(entry["id"]) == 0:
            return None  # only a plan's first task may start the numbering at 0
        try:
            (task,) = parse_plan([entry])
        except (PlanParseError, ValueError):
            return None
        return task

    def _valid_alone(self, task: PlannedTask) -> bool:
        """Validate `task` against stand-ins of its dependencies: their types, nothing else."""
        if any(d not in self._accepted for d in task.dep):
            return False
        stand_ins = [_stand_in(self._accepted[d]) for d in task.dep]
        return not validate_plan([*stand_ins, task])


def _stand_in(task: PlannedTask) -> PlannedTask:
    """`task` reduced to what a dependent's validation reads: its id and type (always valid)."""
    spec = TASKS[task.task]
    return PlannedTask(
        id=task.id, task=task.task, args={a.name: "-" for a in spec.args if a.required}
    )


class PlanTap(BaseCallbackHandler):
    """Hands each task of the first chat model call's reply to `on_task` as soon as it is written.

    Only the first call it sees is read (a repair's reply is a new plan, read when it ends).
    """

    raise_error = False

    def __init__(self, on_task: OnTask, *, max_tasks: int) -> None:
        """Read the reply's tasks; give `on_task` those valid on their own."""
        self._on_task = on_task
        self._reader = TaskObjectReader()
        self._tasks = StreamedTasks(max_tasks=max_tasks)
        self._run: UUID | None = None
        self._ended = False

    def on_chat_model_start(
        self, serialized: Any, messages: Any, *, run_id: UUID, **kwargs: Any
    ) -> None:
        """Remember the first call."""
        if self._run is None:
            self._run = run_id

    def on_llm_new_token(
        self,
        token: str | list[str | dict[str, Any]],
        *,
        chunk: Any = None,
        run_id: UUID,
        **kwargs: Any,
    ) -> None:
        """Read a piece of the reply: its text, or a tool call's arguments (function calling)."""
        if self._ended or run_id != self._run:
            return
        for item in self._reader.feed(_piece_text(token) or _tool_call_text(chunk)):
            task = self._tasks.accept(item)
            if task is not None:
                self._on_task(task)

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """Stop reading at the end of the first call."""
        if run_id == self._run:
            self._ended = True

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """Stop reading when the first call fails."""
        if run_id == self._run:
            self._ended = True

    def tap_output_iter(self, run_id: UUID, output: Iterator[T]) -> Iterator[T]:
        """Pass a stream through unchanged (it makes `invoke` stream: see the module docstring)."""
        return output

    def tap_output_aiter(self, run_id: UUID, output: AsyncIterator[T]) -> AsyncIterator[T]:
        """Pass an async stream through unchanged."""
        return output


def _piece_text(token: str | list[str | dict[str, Any]]) -> str:
    if isinstance(token, str):
        return token
    return "".join(p if isinstance(p, str) else str(p.get("text") or "") for p in token)


def _tool_call_text(chunk: Any) -> str:
    message = getattr(chunk, "message", None)
    pieces = getattr(message, "tool_call_chunks", None) or []
    return "".join(str(p.get("args") or "") for p in pieces)
