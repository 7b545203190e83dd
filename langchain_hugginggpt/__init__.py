"""HuggingGPT for LangChain and LangGraph: an LLM plans, picks HF models, runs them, answers."""

import os

# Several OpenMP runtimes share this process (torch, CTranslate2, onnxruntime). With the default
# active wait, threads idle in one runtime spin and starve the others: measured here, a warm
# faster-whisper transcription took 59 s after a torch task instead of 4.6 s. Passive waiting
# fixes that; it must be set before the runtimes load, so it is set on import (unless set).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from langchain_hugginggpt.catalog import Catalog, ModelCard
from langchain_hugginggpt.engines import Engine, EngineError, EngineRequest
from langchain_hugginggpt.graph import (
    Context,
    ControllerError,
    ControllerNotConfiguredError,
    PolicyError,
    State,
    create_hugginggpt_graph,
    default_catalog,
    postgres_checkpointer,
    sqlite_checkpointer,
)
from langchain_hugginggpt.plan import PlannedTask, PlanParseError, parse_plan, validate_plan
from langchain_hugginggpt.tasks import TASKS, TaskSpec
from langchain_hugginggpt.tools import (
    HFTaskTool,
    HuggingGPTTool,
    create_hugginggpt_tool,
    hf_task_tools,
)

__version__ = "0.1.0"

__all__ = [
    "TASKS",
    "Catalog",
    "Context",
    "ControllerError",
    "ControllerNotConfiguredError",
    "Engine",
    "EngineError",
    "EngineRequest",
    "HFTaskTool",
    "HuggingGPTTool",
    "ModelCard",
    "PlanParseError",
    "PolicyError",
    "PlannedTask",
    "State",
    "TaskSpec",
    "create_hugginggpt_graph",
    "create_hugginggpt_tool",
    "default_catalog",
    "hf_task_tools",
    "parse_plan",
    "postgres_checkpointer",
    "sqlite_checkpointer",
    "validate_plan",
]
