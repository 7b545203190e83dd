"""Task types as LangChain tools, and the whole graph as one tool."""

from langchain_hugginggpt.tools.base import HFTaskTool, hf_task_tools, tool_name
from langchain_hugginggpt.tools.graph_tool import (
    HuggingGPTInput,
    HuggingGPTTool,
    create_hugginggpt_tool,
)

__all__ = [
    "HFTaskTool",
    "HuggingGPTInput",
    "HuggingGPTTool",
    "create_hugginggpt_tool",
    "hf_task_tools",
    "tool_name",
]
