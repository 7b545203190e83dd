"""The whole HuggingGPT graph as one tool of another agent."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from langchain_core.callbacks import CallbackManagerForToolRun
from langchain_core.messages import HumanMessage
from langchain_core.messages.content import create_text_block
from langchain_core.tools import BaseTool, ToolException
from pydantic import BaseModel, ConfigDict, Field

from langchain_hugginggpt.artifacts.blocks import tool_media_block
from langchain_hugginggpt.graph.respond import file_outputs

__all__ = ["HuggingGPTInput", "HuggingGPTTool", "create_hugginggpt_tool"]

DESCRIPTION = (
    "Do a multi-step job with Hugging Face models: it plans the job into tasks (captioning, "
    "detection, speech recognition, text-to-speech, text-to-image, translation, ...), picks a "
    "model for each, runs them and reports. Give the whole request in plain words and name "
    "any input files by path or URL. Returns the answer and any generated images or audio."
)


class HuggingGPTInput(BaseModel):
    """The tool's arguments."""

    request: str = Field(description="the job, in plain words, naming input files by path/URL")


class HuggingGPTTool(BaseTool):
    """Runs a compiled HuggingGPT graph on a request; content is the answer plus media blocks.

    The artifact holds the plan, selections, per-task results and usage. Each call is a fresh
    run (its own thread when the graph has a checkpointer). A run that ends with an error, or
    that pauses for plan approval (not possible inside a tool call), is a tool error the calling
    agent sees as a message.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    graph: Any
    name: str = "hugginggpt"
    description: str = DESCRIPTION
    args_schema: type[BaseModel] = HuggingGPTInput
    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    handle_tool_error: bool = True

    def _run(
        self, request: str, run_manager: CallbackManagerForToolRun | None = None
    ) -> tuple[Any, dict[str, Any]]:
        if not request.strip():
            raise ToolException("the request is empty")
        config: dict[str, Any] = {"configurable": {"thread_id": f"tool-{uuid.uuid4().hex}"}}
        if run_manager is not None:
            config["callbacks"] = run_manager.get_child()
        state = self.graph.invoke({"messages": [HumanMessage(content=request)]}, config)
        if state.get("__interrupt__"):
            raise ToolException(
                "the graph paused for plan approval; build it without approve_plan for tool use"
            )
        if state.get("error"):
            raise ToolException(str(state["error"]))
        answer = state["messages"][-1].text
        outputs = file_outputs(state.get("results"))
        blocks = [b for b in map(tool_media_block, outputs) if b is not None]
        artifact = {
            k: state.get(k) for k in ("plan", "selections", "results", "usage") if k in state
        }
        content: Any = [create_text_block(answer), *blocks] if blocks else answer
        return content, artifact


def create_hugginggpt_tool(graph: Any = None, **graph_kwargs: Any) -> HuggingGPTTool:
    """The HuggingGPT graph as a tool: `graph`, or one built with `create_hugginggpt_graph`.

    Args:
        graph: a compiled HuggingGPT graph; None builds one from `graph_kwargs`.
        **graph_kwargs: arguments of `create_hugginggpt_graph` (only when `graph` is None).
    """
    if graph is None:
        from langchain_hugginggpt.graph.builder import create_hugginggpt_graph

        graph = create_hugginggpt_graph(**graph_kwargs)
    elif graph_kwargs:
        raise ValueError("pass either a compiled graph or arguments to build one, not both")
    return HuggingGPTTool(graph=graph)
