"""Task types as LangChain tools."""

from langchain_hugginggpt.tools.base import HFTaskTool, hf_task_tools, tool_name

__all__ = ["HFTaskTool", "hf_task_tools", "tool_name"]
