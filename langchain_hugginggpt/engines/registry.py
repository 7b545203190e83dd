"""The default engines: every engine whose runtime is installed here, in priority order."""

from __future__ import annotations

from langchain_hugginggpt.engines.base import Engine

__all__ = ["default_engines"]


def default_engines() -> list[Engine]:
    """Return the engines this installation can use.

    Engines over real runtimes (transformers, diffusers, Inference Providers, the offline
    packages) register here as they land; with none installed, every task reports that no model
    can run here, and the run still ends with an answer.
    """
    return []
