"""`create_hugginggpt_graph`: the four stages wired into one LangGraph state machine."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import get_runtime
from langgraph.types import Checkpointer

from langchain_hugginggpt.catalog.base import Catalog
from langchain_hugginggpt.catalog.bundled import load_bundled
from langchain_hugginggpt.catalog.hub import HubListing
from langchain_hugginggpt.engines.base import Engine, Engines
from langchain_hugginggpt.engines.conditions import condition_cards, depth_condition_card
from langchain_hugginggpt.engines.controller import ControllerEngine
from langchain_hugginggpt.graph.approve import make_approve_node
from langchain_hugginggpt.graph.context import Context
from langchain_hugginggpt.graph.execute import make_execute_node
from langchain_hugginggpt.graph.llm import Controllers, OfflineFactory
from langchain_hugginggpt.graph.plan import make_plan_node
from langchain_hugginggpt.graph.policy import Policy, allowed_controllers_from
from langchain_hugginggpt.graph.respond import make_respond_node
from langchain_hugginggpt.graph.select import make_select_node
from langchain_hugginggpt.graph.services import Services, default_artifacts_root
from langchain_hugginggpt.graph.state import InputState, State
from langchain_hugginggpt.offline.catalog import packaged_cards, system_cards
from langchain_hugginggpt.offline.controller import offline_controller_factory
from langchain_hugginggpt.planning.base import Planner
from langchain_hugginggpt.planning.demos import DemoBank, TaskIndex
from langchain_hugginggpt.planning.sketch import Sketcher

__all__ = ["create_hugginggpt_graph", "default_catalog"]


def default_catalog(*, hub_timeout_s: float = 3.0) -> Catalog:
    """The graph's default catalog: bundled Hub snapshot, packaged models, live Hub listing.

    The live listing is used when the Hub answers within `hub_timeout_s`. Register your own
    models on it (`catalog.register_local(path, task)`) and pass it to
    `create_hugginggpt_graph(catalog=...)`.
    """
    catalog = Catalog(hub=HubListing(timeout_s=hub_timeout_s))
    for card in [*packaged_cards(), *system_cards(), *condition_cards()]:
        catalog.register(card)
    # The depth ControlNet's condition map is made by a depth-estimation model.
    # Ranked as the catalog ranks, over the snapshot's depth cards only (not all 673 again, and
    # not through the live listing, which may wait for the Hub).
    depth = Catalog(cards=[c for c in load_bundled() if c.task == "depth-estimation"])
    for card in depth.models("depth-estimation")[:3]:
        catalog.register(depth_condition_card(card))
    return catalog


def create_hugginggpt_graph(
    llm: BaseChatModel | str | None = None,
    *,
    catalog: Catalog | None = None,
    engines: Iterable[Engine] | None = None,
    checkpointer: Checkpointer = None,
    artifacts_dir: str | Path | None = None,
    offline_controller: OfflineFactory | None = offline_controller_factory,
    demos: DemoBank | None = None,
    name: str = "hugginggpt",
    allowed_controllers: Iterable[str] | None = None,
    sketcher: Sketcher | None = None,
    **settings: Any,
) -> CompiledStateGraph[State, Context, InputState, State]:
    """Build the HuggingGPT graph: plan -> select -> [approve] -> execute -> respond.

    Args:
        llm: the controller: a LangChain chat model, or a `PROVIDER:MODEL` string for
            `init_chat_model`. None: `HUGGINGGPT_LLM`, an OpenAI-compatible server from
            `OPENAI_API_KEY`/`OPENAI_BASE_URL`, or the embedded offline model, in that order;
            resolved on first use, so building the graph never needs a key.
        catalog: where candidate models come from (default: the bundled Hub snapshot, replaced
            per task by the live Hub listing when the Hub answers within `hub_timeout_s`).
        engines: what can run models, in priority order (default: `default_engines()`, every
            engine whose runtime is installed here; pass `[]` for the controller alone).
        checkpointer: saves each step and each finished task (durable runs, resumption).
            Leave None for LangGraph Server, which brings its own.
        artifacts_dir: folder for generated files (default `~/.cache/langchain-hugginggpt/runs`).
        offline_controller: factory of the embedded offline model, tried last (default: the
            packaged Qwen2.5-Coder-0.5B on llama.cpp, when the offline extra is installed).
        demos: planning demonstrations to retrieve from (default: the bundled bank).
        name: the compiled graph's name.
        allowed_controllers: `PROVIDER:MODEL` strings a run's `context.controller` may name,
            besides the graph's own controller. None: `HUGGINGGPT_ALLOWED_CONTROLLERS`
            (comma-separated), else none.
        sketcher: builds the guided planner's skeletons (default: `Sketcher()`, with the step
            classifier `make install` trained, else intent phrases).
        **settings: defaults for `Context` fields (`top_k=3`, `max_concurrency=8`, ...),
            winning over `HUGGINGGPT_*` environment variables. A `context=` passed at
            invocation overrides the fields it sets for that run; for the policy fields
            (`input_roots`, `allow_private_urls`, `max_input_mb`, `inference_mode`,
            `controller`) it may only narrow these defaults, else the run fails at its start
            with `PolicyError` naming the setting (see `langchain_hugginggpt.graph.policy`).
    """
    defaults = Context(**settings)
    artifacts_root = Path(artifacts_dir) if artifacts_dir else default_artifacts_root()
    policy = Policy.of(
        defaults,
        artifacts_root=artifacts_root,
        controllers=[
            *allowed_controllers_from(allowed_controllers),
            *([llm] if isinstance(llm, str) else []),
        ],
    )
    if catalog is None:
        catalog = default_catalog(hub_timeout_s=defaults.hub_timeout_s)
    if engines is None:
        from langchain_hugginggpt.engines.registry import default_engines

        engines = default_engines()
    controllers = Controllers(llm, offline_controller, allowed=policy.controllers)
    services = Services(
        controllers=controllers,
        catalog=catalog,
        planner=Planner(
            demos=demos if demos is not None else DemoBank(),
            tasks=TaskIndex(demos=demos.demos if demos is not None else None),
            sketcher=sketcher if sketcher is not None else Sketcher(),
        ),
        # First, so that only it claims the controller's own candidate cards.
        engines=Engines([ControllerEngine(controllers.get), *engines]),
        defaults=defaults,
        artifacts_root=artifacts_root,
        policy=policy,
    )

    def after_plan(state: State) -> str:
        if state.get("error") or services.context(get_runtime(Context)).plan_only:
            return END
        return "select"

    def after_select(state: State) -> str:
        return "approve" if services.context(get_runtime(Context)).approve_plan else "execute"

    builder = StateGraph(State, context_schema=Context, input_schema=InputState)
    builder.add_node("plan", make_plan_node(services))
    builder.add_node("select", make_select_node(services))
    builder.add_node(
        "approve", make_approve_node(services), destinations=("execute", "select", END)
    )
    builder.add_node("execute", make_execute_node(services))
    builder.add_node("respond", make_respond_node(services))
    builder.add_edge(START, "plan")
    builder.add_conditional_edges("plan", after_plan, ["select", END])
    builder.add_conditional_edges("select", after_select, ["approve", "execute"])
    builder.add_edge("execute", "respond")
    builder.add_edge("respond", END)
    # Tasks run on the process's own worker pool (`graph.workers`), not on LangGraph's, so the
    # run config's `max_concurrency` (LangGraph's pool) does not cap the `max_concurrency`
    # setting.
    return builder.compile(checkpointer=checkpointer, name=name)
