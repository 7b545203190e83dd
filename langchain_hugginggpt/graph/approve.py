"""Plan approval: an optional pause after selection to approve, edit or cancel the plan.

With `approve_plan` on, the graph interrupts with a review (tasks, chosen models with reasons
and candidates, an estimate of the cost) and waits for a decision, passed back with
`Command(resume=...)`:

- `{"action": "approve"}` (or `"approve"`): run the plan as shown.
- `{"action": "edit", "models": {"2": "org/model"}}`: run with other models; each must be one
  of that task's candidates or a catalog model of the task that an engine here can run.
- `{"action": "edit", "plan": [...]}`: replace the tasks; the new plan is validated, models
  are selected again and the review is shown again.
- `{"action": "cancel"}`: stop; nothing runs.

A decision that cannot be applied is not guessed at: the review is shown again with the
problems listed. Interrupts need a checkpointer (LangGraph Server brings its own).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from langchain_core.messages import AIMessage
from langgraph.config import get_config
from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt

from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.ladder import ladder_card
from langchain_hugginggpt.graph.context import Context
from langchain_hugginggpt.graph.select import compact_card
from langchain_hugginggpt.graph.services import Services
from langchain_hugginggpt.graph.state import State
from langchain_hugginggpt.plan import PlanParseError, parse_plan, validate_plan
from langchain_hugginggpt.plan.types import chain_depths

__all__ = ["make_approve_node", "plan_review"]

Goto = Literal["execute", "select", "__end__"]
CANCELLED = "cancelled by the user before anything ran"
NO_CHECKPOINTER = (
    "plan approval needs a checkpointer to pause and resume; pass one to "
    "create_hugginggpt_graph(checkpointer=...), e.g. sqlite_checkpointer()"
)
# LangGraph puts the run's checkpointer in the config under this key (its CONFIG_KEY_CHECKPOINTER).
_CHECKPOINTER_KEY = "__pregel_checkpointer"


def _has_checkpointer() -> bool:
    return get_config().get("configurable", {}).get(_CHECKPOINTER_KEY) is not None


def plan_review(state: State) -> dict[str, Any]:
    """What the user decides on: the tasks, each task's model and candidates, and the cost."""
    selections = state.get("selections", {})
    tasks = []
    for t in state.get("plan", []):
        sel = selections.get(str(t["id"]), {})
        tasks.append(
            {
                **t,
                "model": sel.get("model"),
                "engine": sel.get("engine"),
                "reason": sel.get("reason"),
                "candidates": [c["id"] for c in sel.get("candidates", [])],
            }
        )
    return {"kind": "plan_approval", "tasks": tasks, "estimate": _estimate(state)}


def _estimate(state: State) -> dict[str, Any]:
    """Counts that bound the run's cost; no wall-clock guess (it depends on the machine)."""
    plan = state.get("plan", [])
    selections = state.get("selections", {})
    chosen = [selections.get(str(t["id"]), {}) for t in plan]
    remote = {"bundled", "hub"}
    return {
        "tasks": len(plan),
        "longest_chain": max(chain_depths(plan).values(), default=0),
        "llm_calls": 1 + sum(1 for s in chosen if s.get("engine") == "controller"),
        "models": sorted({s["model"] for s in chosen if s.get("model")}),
        "may_download": sorted(
            {
                s["model"]
                for s in chosen
                if s.get("model") and (s.get("candidates") or [{}])[0].get("source") in remote
            }
        ),
        "remote_inference": sorted(
            {s["model"] for s in chosen if s.get("engine") == "inference-providers"}
        ),
    }


def make_approve_node(services: Services) -> Any:
    """Build the approve node over the graph's services."""

    def approve(state: State, *, runtime: Runtime[Context]) -> Command[Goto]:
        ctx = services.context(runtime)
        if not _has_checkpointer():
            # An interrupt without a checkpointer could never be resumed: say so, run nothing.
            message = AIMessage(content=f"Stopped: {NO_CHECKPOINTER}.", name="hugginggpt")
            return Command(goto="__end__", update={"error": NO_CHECKPOINTER, "messages": [message]})
        review = plan_review(state)
        problems: list[str] = []
        while True:
            answer = interrupt({**review, "problems": problems} if problems else review)
            command, problems = _decide(answer, state, ctx, services)
            if command is not None:
                return command

    return approve


def _decide(
    answer: Any, state: State, ctx: Context, services: Services
) -> tuple[Command[Goto] | None, list[str]]:
    if isinstance(answer, str):
        answer = {"action": answer}
    if answer is True:
        answer = {"action": "approve"}
    if not isinstance(answer, Mapping):
        return None, [f"the decision must be an object with an action, got {type(answer).__name__}"]
    action = str(answer.get("action", "")).strip().lower()
    if action in ("approve", "approved", "yes", "ok"):
        return Command(goto="execute"), []
    if action in ("cancel", "no", "reject"):
        message = AIMessage(content=f"Stopped: the plan was {CANCELLED}.", name="hugginggpt")
        return Command(goto="__end__", update={"error": CANCELLED, "messages": [message]}), []
    if action != "edit":
        return None, [f"unknown action {action!r}: use approve, edit or cancel"]
    if "plan" in answer and answer.get("models"):
        return None, ["edit the plan or the models, not both at once (models are re-selected)"]
    if "plan" in answer:
        return _edit_plan(answer["plan"], ctx.max_plan_tasks)
    if answer.get("models"):
        return _edit_models(answer["models"], state, ctx, services)
    return None, ["an edit needs `plan` (a list of tasks) or `models` ({task id: model id})"]


def _edit_plan(raw: Any, max_tasks: int) -> tuple[Command[Goto] | None, list[str]]:
    try:
        tasks = parse_plan(raw, max_tasks=max_tasks)
    except PlanParseError as exc:
        return None, [f"the edited plan cannot be read: {exc}"]
    problems = validate_plan(tasks)
    if not tasks:
        problems = ["the edited plan has no tasks (cancel instead)"]
    if problems:
        return None, [f"edited plan: {p}" for p in problems]
    update = {"plan": [t.to_dict() for t in tasks], "selections": {}, "results": {}}
    return Command(goto="select", update=update), []


def _edit_models(
    raw: Any, state: State, ctx: Context, services: Services
) -> tuple[Command[Goto] | None, list[str]]:
    if not isinstance(raw, Mapping):
        return None, ["`models` must map task ids to model ids"]
    selections = {k: dict(v) for k, v in state.get("selections", {}).items()}
    problems: list[str] = []
    for key, model in raw.items():
        sel = selections.get(str(key))
        if sel is None:
            problems.append(f"there is no task {key} in the plan")
            continue
        ladder = list(sel.get("candidates", []))
        card = next((c for c in ladder if c["id"] == model), None)
        if card is None:
            found = _catalog_card(str(model), sel["task"], ctx, services)
            if found is None:
                problems.append(
                    f"task {key}: {model!r} is not a {sel['task']} model that can run here; "
                    f"candidates: {', '.join(c['id'] for c in ladder) or 'none'}"
                )
                continue
            card = compact_card(found)
        engine = services.engines.for_model(ladder_card(card), ctx.inference_mode)
        sel.update(
            model=card["id"],
            engine=engine.name if engine else None,
            reason="chosen by the user at plan approval",
            decided_by="user",
            candidates=[card, *(c for c in ladder if c["id"] != card["id"])],
        )
        selections[str(key)] = sel
    if problems:
        return None, problems
    return Command(goto="execute", update={"selections": selections}), []


def _catalog_card(model: str, task: str, ctx: Context, services: Services) -> ModelCard | None:
    for card in services.catalog.models(task):
        if card.id == model and services.engines.can_run(card, ctx.inference_mode):
            return card
    return None
