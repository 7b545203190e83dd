"""What the nodes share that is not state: controller, catalog, engines and default settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from langgraph.runtime import Runtime

from langchain_hugginggpt.catalog.base import Catalog
from langchain_hugginggpt.catalog.hub import default_cache_dir
from langchain_hugginggpt.engines.base import Engines
from langchain_hugginggpt.graph.context import Context
from langchain_hugginggpt.graph.llm import Controllers
from langchain_hugginggpt.graph.policy import Policy, run_context
from langchain_hugginggpt.graph.state import State
from langchain_hugginggpt.planning.base import Planner

__all__ = ["Node", "Services", "default_artifacts_root"]


class Node(Protocol):
    """A node of the graph: reads the state and the run's settings, returns its update."""

    def __call__(self, state: State, *, runtime: Runtime[Context]) -> dict[str, Any]:
        """Run the stage."""
        ...


def default_artifacts_root() -> Path:
    """`$HUGGINGGPT_CACHE/runs`, else `~/.cache/langchain-hugginggpt/runs`."""
    return default_cache_dir() / "runs"


@dataclass(frozen=True)
class Services:
    """Long-lived objects of one compiled graph, shared by its nodes and across runs."""

    controllers: Controllers
    catalog: Catalog
    engines: Engines
    defaults: Context
    artifacts_root: Path
    planner: Planner
    policy: Policy

    def run_dir(self, run_id: str) -> Path:
        """The folder of one run's files: what its tasks make, and its kept text results."""
        return self.artifacts_root / (run_id or "run")

    def context(self, runtime: Runtime[Context] | None) -> Context:
        """The run's settings: the graph's defaults with the fields the caller's `context=` set.

        Raises:
            PolicyError: the context asks for more than the deployment's policy allows (a folder
                outside its input roots, private URLs, a larger input, another inference mode,
                an unlisted controller). Every node starts here, so the first one refuses the
                run before it reads a file or creates a model.
        """
        ctx = runtime.context if runtime is not None else None
        if isinstance(ctx, dict):
            ctx = Context(**ctx)
        return run_context(self.defaults, self.policy, ctx if isinstance(ctx, Context) else None)
