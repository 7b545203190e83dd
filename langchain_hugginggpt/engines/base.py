"""The engine interface: how the execute stage asks for one task to run on one model."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.tasks import TaskSpec

__all__ = ["Engine", "EngineError", "EngineRequest", "Engines", "InferenceMode"]

InferenceMode = Literal["local", "remote", "auto"]
"""Where expert models may run: this machine, a remote service, or either."""


class EngineError(RuntimeError):
    """A model could not run a task; the message says why, for the run record and the fallback."""


@dataclass(frozen=True)
class EngineRequest:
    """Everything an engine needs to run one task on one model."""

    task: TaskSpec
    model: ModelCard
    inputs: dict[str, str]
    """Canonical argument name -> text, or a local path / URL for media arguments."""
    run_dir: Path
    """Folder where the engine writes the files it produces."""
    timeout_s: float
    extra: dict[str, str] = field(default_factory=dict)
    """Run settings an engine may need (`controller`: the run's controller override)."""
    callbacks: tuple[Any, ...] = ()
    """LangChain callback handlers for engines that call an LLM, so its usage is counted."""


class Engine(ABC):
    """Runs models of some kind (a library, a remote service, the controller itself)."""

    name: str = "engine"

    @abstractmethod
    def supports(self, model: ModelCard, mode: InferenceMode) -> bool:
        """Whether this engine can run `model` here, in inference mode `mode`. Must be cheap."""

    @abstractmethod
    def run(self, request: EngineRequest) -> TaskOutput:
        """Run the task; raise `EngineError` (or any exception) when it cannot."""


class Engines:
    """An ordered set of engines; the first that supports a model runs it."""

    def __init__(self, engines: Iterable[Engine] = ()) -> None:
        """Keep the engines in priority order."""
        self._engines: Sequence[Engine] = tuple(engines)

    def __iter__(self) -> Iterator[Engine]:
        """Iterate in priority order."""
        return iter(self._engines)

    def __len__(self) -> int:
        """Return the number of engines."""
        return len(self._engines)

    def for_model(self, model: ModelCard, mode: InferenceMode) -> Engine | None:
        """Return the first engine that can run `model`, or None."""
        for engine in self._engines:
            if engine.supports(model, mode):
                return engine
        return None

    def can_run(self, model: ModelCard, mode: InferenceMode) -> bool:
        """Whether some engine can run `model`."""
        return self.for_model(model, mode) is not None
