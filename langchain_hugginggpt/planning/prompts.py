"""Prompt templates of the planning stage: the free planner's, the guided fill's, the repair's."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from langchain_hugginggpt.tasks import TASKS, TaskSpec

__all__ = [
    "FILL_SYSTEM",
    "PLAN_HISTORY",
    "PLAN_REPAIR",
    "PLAN_SYSTEM",
    "demo_plan_json",
    "plan_schema",
    "render_task_list",
]


def _signature(spec: TaskSpec) -> str:
    args = ", ".join(f"{a.name}{'' if a.required else '?'}: {a.modality}" for a in spec.args)
    return f"- {spec.name}({args}) -> {spec.output}: {spec.description}"


def render_task_list(tasks: Mapping[str, TaskSpec] = TASKS) -> str:
    """Return one line per task type: name, arguments with modalities, output, purpose."""
    return "\n".join(_signature(spec) for spec in tasks.values())


PLAN_SYSTEM = """You are the planning stage of HuggingGPT. Split the user's request into tasks \
that Hugging Face models can do, and answer with JSON only, in this shape:
{{"tasks": [{{"id": 1, "task": "<task type>", "dep": [<ids>], "args": {{"<arg>": "<value>"}}}}]}}

Rules:
- "task" is one of the task types listed below; use each task's own argument names.
- Number tasks 1, 2, 3, ... in the order they can run.
- To use the output of task k as an argument, write "<GENERATED>-k" as its value and put k in \
"dep". A task never uses its own output. "dep" is [] for a task that needs no other task.
- An argument taking image, audio, video or table is a file path or URL from the request, or \
"<GENERATED>-k" of a task whose output is that kind of media.
- Only use files and facts the user gave. Plan the fewest tasks that do what was asked.
- A greeting or thanks needs no model: answer {{"tasks": []}}. A question to discuss or \
explain, with no file, is one "conversational" task whose text is the question. Something none \
of the task types does (booking, buying, sending): answer {{"tasks": []}}; never make up a task.

Task types, as name(arguments) -> output: purpose ("?" marks an optional argument):
{task_list}"""

PLAN_HISTORY = """Earlier in this conversation (its answers and files may be used: quote the \
text you need into an argument, and pass a file by its path):
{turns}{files}

The request to plan now: {request}"""

FILL_SYSTEM = """You complete a plan for the user's request. Its tasks and links are fixed; some \
argument values are "?". Give only those values, taken from the request: the exact text to work \
on (copied, not rewritten), the question asked, the labels as a comma-separated list, the \
target language as a language name. Answer with JSON only."""

PLAN_REPAIR = """That plan cannot run:
{problems}

Answer with the corrected plan, JSON only, in the same shape."""


def plan_schema(tasks: Mapping[str, TaskSpec] = TASKS) -> dict[str, Any]:
    """JSON schema of a plan, with the task names as an enum, for constrained decoding."""
    arg_names = sorted({a.name for spec in tasks.values() for a in spec.args})
    return {
        "title": "plan",
        "description": "The tasks that fulfil the user's request.",
        "type": "object",
        "properties": {
            "tasks": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer", "minimum": 1},
                        "task": {"type": "string", "enum": list(tasks)},
                        "dep": {"type": "array", "items": {"type": "integer"}},
                        "args": {
                            "type": "object",
                            "properties": {name: {"type": "string"} for name in arg_names},
                            "additionalProperties": {"type": "string"},
                        },
                    },
                    "required": ["id", "task", "dep", "args"],
                },
            }
        },
        "required": ["tasks"],
    }


def demo_plan_json(plan: list[dict[str, Any]]) -> str:
    """Render a demonstration plan the way the planner should answer."""
    return json.dumps({"tasks": plan}, ensure_ascii=False)
