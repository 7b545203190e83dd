"""Prompt templates of the selection and answering stages (planning's are in `planning.prompts`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["RESPOND_SYSTEM", "SELECT_SYSTEM", "selection_schema"]

SELECT_SYSTEM = """You are the model-selection stage of HuggingGPT. For each task below, pick \
the one candidate model that suits the request and the task's arguments best (language, domain, \
input kind). Candidates are listed by Hub downloads, most first; downloads show how well tried a \
model is, but a better-fitting model may win. Choose only among the listed ids.

Answer with JSON only:
{{"selections": [{{"id": <task id>, "model": "<candidate id>", "reason": "<one sentence>"}}]}}

User request: {request}

Tasks:
{tasks}"""

RESPOND_SYSTEM = """You are the answering stage of HuggingGPT. The user's request was handled in \
steps: tasks were planned, a model was chosen for each, and the models ran. The record of the \
run is below, as JSON. Answer the request directly from the results of the tasks whose status \
is "ok", then say briefly how it was done: each task, the model it ran on and why. A task whose \
status is not "ok" produced nothing: never describe or guess its result. A result with a \
"caution" may be wrong in the way it says: do not present it as certain. Files given as \
arguments are the user's inputs, not results. The tasks that failed, the cautions and the files \
made are listed under your answer by the system, so do not list paths. Be concise.

Record of the run:
{record}"""


def selection_schema(task_ids: Sequence[int]) -> dict[str, Any]:
    """JSON schema of a selection answer."""
    return {
        "title": "selections",
        "description": "One chosen model per task.",
        "type": "object",
        "properties": {
            "selections": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer", "enum": list(task_ids)},
                        "model": {"type": "string"},
                        "reason": {"type": "string"},
                    },
                    "required": ["id", "model", "reason"],
                },
            }
        },
        "required": ["selections"],
    }
