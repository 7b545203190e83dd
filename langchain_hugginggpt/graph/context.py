"""Run settings: the `Context` every node reads, with environment overrides and Studio metadata."""

from __future__ import annotations

import os
from dataclasses import MISSING, dataclass, field, fields, replace
from typing import Any, get_args

from typing_extensions import Self

from langchain_hugginggpt.engines.base import InferenceMode
from langchain_hugginggpt.tasks import TASKS

__all__ = ["ENV_PREFIX", "Context", "InferenceMode"]

ENV_PREFIX = "HUGGINGGPT_"


def _setting(default: Any, description: str) -> Any:
    return field(default=default, metadata={"description": description})


@dataclass(kw_only=True)
class Context:
    """Settings of one run.

    Each field not passed to the constructor may be set by an environment variable named
    `HUGGINGGPT_` + the field name in upper case (`HUGGINGGPT_TOP_K=3`); a field passed
    explicitly keeps its value even when it equals the default (`explicit_fields`). LangGraph
    Studio renders this class as the run's configuration form.

    `input_roots`, `allow_private_urls`, `max_input_mb`, `inference_mode` and `controller` are
    deployment policy when they are the graph's defaults: a run's context may only narrow them
    (see `langchain_hugginggpt.graph.policy`).
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        """Remember which fields the caller passed, before `__init__` fills in the defaults.

        The generated `__init__` cannot tell a passed value from a default, and precedence
        (explicit > environment > default) and policy checks need exactly that.
        """
        instance = super().__new__(cls)
        object.__setattr__(instance, "_explicit", frozenset(kwargs))
        return instance

    controller: str = _setting(
        "",
        "Controller LLM as PROVIDER:MODEL (e.g. openai:gpt-4o-mini). Empty: the model the graph "
        "was built with. A run may name only the graph's allowed controllers.",
    )
    top_k: int = _setting(
        5, "Candidate models per task shown to the controller (ranked by downloads)."
    )
    plan_demos: int = _setting(
        3, "Demonstrations shown to the planner, the most similar to the request from the bank."
    )
    plan_task_list: int = _setting(
        0,
        "Task types listed in the planning prompt: 0 lists all; N lists the N most relevant to "
        "the request (shorter prompts help small controllers). The output schema allows all.",
    )
    planner: str = _setting(
        "auto",
        "`free`: the controller writes the whole plan. `guided`: the tasks and links come from the "
        "request's steps (sentence embeddings and input/output types) and the controller fills in "
        "only the words; falls back to free planning when no step is recognised or the result "
        "does not validate. `auto`: guided for the embedded offline controller, free otherwise.",
    )
    auto_repair: bool = _setting(
        True,
        "Fix a plan's mechanical mistakes from the task types (misnamed arguments, missing "
        "links, self-references) before asking the controller to repair it.",
    )
    max_repairs: int = _setting(
        2, "How many times an invalid plan goes back to the controller with its errors."
    )
    max_plan_tasks: int = _setting(
        64, "Most tasks a plan may have; a longer plan is refused as runaway (up to 10,000)."
    )
    max_concurrency: int = _setting(4, "Tasks that may run at the same time.")
    inference_mode: InferenceMode = _setting(
        "auto",
        "Where expert models run: local (this machine), remote (Inference Providers) or auto.",
    )
    task_timeout_s: float = _setting(600.0, "Seconds one task may run before it is abandoned.")
    hub_timeout_s: float = _setting(
        3.0, "Seconds to wait for the Hugging Face Hub before going on without it."
    )
    max_result_chars: int = _setting(
        1200, "Characters of each task output passed to the response stage; longer ones are cut."
    )
    exclude_licenses: str = _setting(
        "", "Comma-separated licenses whose models are never candidates (e.g. cc-by-nc-4.0)."
    )
    allow_gated: bool = _setting(True, "Whether gated Hub models may be candidates.")
    answer_style: str = _setting(
        "auto",
        "`facts`: the answer's facts (what ran, each result, what failed and why, the files) are "
        "composed from the results by code and the controller writes no prose about the run; "
        "`written`: the controller writes the answer, and code adds every failed task and the "
        "files; `auto`: facts for the embedded offline controllers, written otherwise.",
    )
    max_answer_chars: int = _setting(
        4000, "Longest answer prose the controller may write; a repetition loop is cut earlier."
    )
    plan_only: bool = _setting(
        False, "Stop after planning: the state holds the plan, nothing runs."
    )
    selection_calls: str = _setting(
        "auto",
        "`one`: a single controller call chooses models for every task with several candidates; "
        "`per-task`: one call per such task, as the original HuggingGPT did (for comparison); "
        "`none`: the ranking decides (local first, then downloads), no controller call; "
        "`auto`: none for the embedded offline controllers, one otherwise.",
    )
    plan_streaming: bool = _setting(
        True,
        "Start each task as soon as the controller has written it (and its dependencies are "
        "done), while the rest of the plan is still being written; the whole plan is still "
        "validated when it ends. Only with a controller that streams, and never with "
        "`approve_plan`. A task whose model the controller must choose waits for the one "
        "selection call.",
    )
    approve_plan: bool = _setting(
        False,
        "Pause after selection for the user to approve, edit or cancel the plan (needs a "
        "checkpointer; resume with `Command(resume=...)`).",
    )
    controller_tasks: str = _setting(
        "summarization,translation,conversational,text-generation,text2text-generation,"
        "question-answering",
        "Comma-separated task types the controller LLM may take itself, as one more candidate "
        "model. Empty: expert models only.",
    )
    input_roots: str = _setting(
        "",
        "Folders (separated by the OS path separator) whose files a request may name, besides "
        "the working directory and the run folders. A run may name only folders inside the "
        "graph's own.",
    )
    max_input_mb: float = _setting(50.0, "Largest input file or download, in megabytes.")
    allow_private_urls: bool = _setting(
        False, "Allow input URLs on loopback and private networks (off: no SSRF into your LAN)."
    )

    def __post_init__(self) -> None:
        """Apply environment overrides to the fields not passed explicitly, then check values."""
        explicit = self.explicit_fields
        for f in fields(self):
            raw = os.environ.get(ENV_PREFIX + f.name.upper())
            if raw is None or f.default is MISSING or f.name in explicit:
                continue
            setattr(self, f.name, _convert(f.name, raw, f.default))
        self._check()

    @property
    def explicit_fields(self) -> frozenset[str]:
        """Names of the fields the caller passed (not defaults, not environment overrides)."""
        explicit: frozenset[str] = getattr(self, "_explicit", frozenset())
        return explicit

    def with_overrides(self, **changes: Any) -> Context:
        """Return a copy with `changes` applied (unknown names raise `TypeError`).

        The copy's explicit fields are this one's plus `changes`; the other fields keep their
        values and are not re-read from the environment.
        """
        copy = replace(self, **changes)
        object.__setattr__(copy, "_explicit", self.explicit_fields | frozenset(changes))
        return copy

    @property
    def controller_task_set(self) -> frozenset[str]:
        """The task types the controller may take."""
        return frozenset(x.strip() for x in self.controller_tasks.split(",") if x.strip())

    @property
    def excluded_licenses(self) -> frozenset[str]:
        """The excluded licenses, lower case."""
        return frozenset(x.strip().lower() for x in self.exclude_licenses.split(",") if x.strip())

    def _check(self) -> None:
        problems = []
        if self.top_k < 1:
            problems.append(f"top_k must be at least 1, got {self.top_k}")
        if self.plan_task_list < 0:
            problems.append(f"plan_task_list must be 0 or more, got {self.plan_task_list}")
        if self.plan_demos < 0:
            problems.append(f"plan_demos must be 0 or more, got {self.plan_demos}")
        if self.max_repairs < 0:
            problems.append(f"max_repairs must be 0 or more, got {self.max_repairs}")
        if not 1 <= self.max_plan_tasks <= 10_000:
            problems.append(f"max_plan_tasks must be 1 to 10000, got {self.max_plan_tasks}")
        if self.max_concurrency < 1:
            problems.append(f"max_concurrency must be at least 1, got {self.max_concurrency}")
        if self.inference_mode not in get_args(InferenceMode):
            problems.append(
                f"inference_mode must be local, remote or auto, got {self.inference_mode!r}"
            )
        if self.planner not in ("auto", "free", "guided"):
            problems.append(f"planner must be auto, free or guided, got {self.planner!r}")
        if self.answer_style not in ("auto", "facts", "written"):
            problems.append(
                f"answer_style must be auto, facts or written, got {self.answer_style!r}"
            )
        if self.max_answer_chars < 200:
            problems.append(f"max_answer_chars must be at least 200, got {self.max_answer_chars}")
        if self.selection_calls not in ("auto", "one", "per-task", "none"):
            problems.append(
                f"selection_calls must be auto, one, per-task or none, got {self.selection_calls!r}"
            )
        for name in ("task_timeout_s", "hub_timeout_s"):
            if getattr(self, name) <= 0:
                problems.append(f"{name} must be positive, got {getattr(self, name)}")
        if self.max_input_mb <= 0:
            problems.append(f"max_input_mb must be positive, got {self.max_input_mb}")
        unknown = self.controller_task_set - set(TASKS)
        if unknown:
            problems.append(f"controller_tasks names unknown tasks: {', '.join(sorted(unknown))}")
        if self.max_result_chars < 50:
            problems.append(f"max_result_chars must be at least 50, got {self.max_result_chars}")
        if problems:
            raise ValueError("invalid settings: " + "; ".join(problems))


def _convert(name: str, raw: str, default: Any) -> Any:
    env = ENV_PREFIX + name.upper()
    try:
        if isinstance(default, bool):
            lowered = raw.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
    except ValueError:
        raise ValueError(f"{env}={raw!r} is not a valid {type(default).__name__}") from None
    return raw
