"""How a plan is made: the one entry point, from the request to a validated plan.

`Planner.plan` takes the request, the conversation so far and the run's settings, and returns
validated tasks (or none, and why). It picks the strategy:

- **guided** (`planning.guided`, for the embedded controllers): the request's steps and the
  task types' inputs and outputs decide the tasks and links (`planning.sketch`); the
  controller only fills in the words. A follow-up is sketched with the earlier turns' files as
  its inputs, and the controller sees the earlier turns when it fills in the words.
- **free** (`planning.free`, for capable controllers, and when guided planning recognises no
  step): the controller writes the plan, shown worked plans retrieved for the request.

Either way the plan is repaired from the task types and validated before it is returned.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from langchain_hugginggpt.graph.context import Context
from langchain_hugginggpt.graph.llm import embedded_controller
from langchain_hugginggpt.plan.types import PlannedTask
from langchain_hugginggpt.planning.demos import DemoBank, TaskIndex
from langchain_hugginggpt.planning.free import free_plan, plan_messages
from langchain_hugginggpt.planning.guided import guided_plan
from langchain_hugginggpt.planning.history import request_with_history
from langchain_hugginggpt.planning.request import request_with_inputs
from langchain_hugginggpt.planning.sketch import Sketcher
from langchain_hugginggpt.planning.steps import request_files
from langchain_hugginggpt.planning.stream import OnTask

__all__ = ["GREETING_RE", "QUESTION_RE", "Planner", "cannot_do"]

GREETING_RE = re.compile(
    r"^(?:hi|hello|hey|hiya|howdy|good (?:morning|afternoon|evening|night)|thanks|thank you|"
    r"cheers|bye|goodbye|see you|how are you|nice to meet you)\b[^.?!]{0,40}[.?!]*$",
    re.IGNORECASE,
)
"""A greeting, thanks or goodbye and little else: no task, the controller answers."""
QUESTION_RE = re.compile(
    r"\?\s*$|^(?:please\s+)?(?:explain|describe|discuss|tell me|help me understand|what|why|how|"
    r"who|when|where|which|is|are|can|could|should|would|do|does)\b",
    re.IGNORECASE,
)
"""A question or a request to explain: with no file and no task type recognised, it is one
`conversational` task."""


def cannot_do(steps: Sequence[str]) -> str:
    """The answer to a request none of the task types can do, naming what was asked."""
    asked = "; ".join(f"'{s}'" for s in steps)
    return (
        f"I cannot do this here: no model here can {asked}. The models here work on text, "
        "images, audio and video (transcribe, translate, summarise, caption, classify, detect, "
        "generate images or speech, answer questions); they take no action outside this machine."
    )


Emit = Callable[[dict[str, Any]], None]


def _ignore(event: dict[str, Any]) -> None:
    del event


@dataclass
class Planner:
    """Makes plans; holds what planning learns once and reuses (demonstrations, embeddings)."""

    demos: DemoBank = field(default_factory=DemoBank)
    tasks: TaskIndex = field(default_factory=TaskIndex)
    sketcher: Sketcher = field(default_factory=Sketcher)

    def strategy(self, ctx: Context, llm: BaseChatModel) -> str:
        """`guided` or `free`, as `ctx.planner` says (`auto`: guided for embedded ones)."""
        if ctx.planner != "auto":
            return ctx.planner
        return "guided" if embedded_controller(llm) else "free"

    def plan(
        self,
        request: str,
        llm: BaseChatModel,
        ctx: Context,
        *,
        messages: Sequence[BaseMessage] = (),
        artifacts: Sequence[Mapping[str, Any]] = (),
        callbacks: Sequence[BaseCallbackHandler] = (),
        emit: Emit = _ignore,
        on_task: OnTask | None = None,
    ) -> tuple[list[PlannedTask], str | None]:
        """The validated plan of `request`, or no tasks and why.

        Args:
            request: The user's request (its text, with any "Input file:" line).
            llm: The controller.
            ctx: The run's settings.
            messages: The conversation, the request last; earlier turns make it a follow-up.
            artifacts: Files earlier turns made (`State.artifacts`).
            callbacks: LangChain callbacks that count the controller's usage.
            emit: Receives progress events (`plan_guided`, `plan_repaired`, `plan_invalid`).
            on_task: Plan streaming: receives each task the controller writes, as soon as it is
                written and valid on its own (free planning only; a guided plan's tasks come
                from the skeleton, not from a reply to read as it is written).
        """
        asked = request_with_history(request, messages, artifacts)
        relevance = self.tasks.scores(request)
        if self.strategy(ctx, llm) == "guided":
            files = request_files(request)
            if not files and asked == request and GREETING_RE.match(request.strip()):
                emit({"event": "plan_guided", "status": "greeting: no task"})
                return [], None
            earlier = [Path(a["path"]) for a in reversed(artifacts) if a.get("path")]
            tasks = guided_plan(
                llm,
                request_with_inputs(request, earlier) if asked != request else request,
                sketcher=self.sketcher,
                asked=asked,
                max_tasks=ctx.max_plan_tasks,
                auto_repair=ctx.auto_repair,
                relevance=relevance,
                callbacks=list(callbacks),
                emit=emit,
            )
            if tasks is not None:
                return tasks, None
            if not files and asked == request:
                outside = self.sketcher.outside(request)
                if outside:
                    return [], cannot_do(outside)
                if QUESTION_RE.search(request):
                    emit({"event": "plan_guided", "status": "a question: one conversational task"})
                    return [
                        PlannedTask(id=1, task="conversational", dep=(), args={"text": request})
                    ], None
        listed = self.tasks.shortlist(request, ctx.plan_task_list) if ctx.plan_task_list else None
        return free_plan(
            llm,
            plan_messages(asked, self.demos.select(request, ctx.plan_demos), listed),
            max_repairs=ctx.max_repairs,
            max_tasks=ctx.max_plan_tasks,
            auto_repair=ctx.auto_repair,
            relevance=relevance,
            callbacks=list(callbacks),
            emit=emit,
            on_task=on_task,
        )
