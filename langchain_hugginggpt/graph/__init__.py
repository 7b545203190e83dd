"""The LangGraph state machine: state, settings, the four nodes and the graph factory."""

from langchain_hugginggpt.graph.builder import create_hugginggpt_graph, default_catalog
from langchain_hugginggpt.graph.context import Context, InferenceMode
from langchain_hugginggpt.graph.durable import postgres_checkpointer, sqlite_checkpointer
from langchain_hugginggpt.graph.llm import ControllerError, ControllerNotConfiguredError
from langchain_hugginggpt.graph.policy import PolicyError
from langchain_hugginggpt.graph.state import InputState, State

__all__ = [
    "Context",
    "ControllerError",
    "ControllerNotConfiguredError",
    "PolicyError",
    "InferenceMode",
    "InputState",
    "State",
    "create_hugginggpt_graph",
    "default_catalog",
    "postgres_checkpointer",
    "sqlite_checkpointer",
]
