"""How models actually run: the engine interface and the engines."""

from langchain_hugginggpt.engines.base import Engine, EngineError, EngineRequest, Engines
from langchain_hugginggpt.engines.registry import default_engines

__all__ = ["Engine", "EngineError", "EngineRequest", "Engines", "default_engines"]
