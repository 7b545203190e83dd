"""Each Hugging Face task type as a LangChain tool, usable alone or inside any agent."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from langchain_core.callbacks import CallbackManagerForToolRun
from langchain_core.messages.content import create_text_block
from langchain_core.tools import BaseTool, ToolException
from pydantic import BaseModel, ConfigDict, Field, create_model

from langchain_hugginggpt.artifacts.blocks import tool_media_block
from langchain_hugginggpt.artifacts.inputs import (
    InputError,
    InputPolicy,
    default_roots,
    load_inputs,
)
from langchain_hugginggpt.catalog.base import Catalog
from langchain_hugginggpt.catalog.hub import HubListing
from langchain_hugginggpt.engines.base import Engine, Engines, InferenceMode
from langchain_hugginggpt.engines.ladder import run_ladder
from langchain_hugginggpt.graph.services import default_artifacts_root
from langchain_hugginggpt.tasks import TASKS, TaskSpec, get_task

__all__ = ["HFTaskTool", "hf_task_tools", "tool_name"]


def tool_name(task: str) -> str:
    """The tool's name for a task type: `image-to-text` -> `image_to_text`."""
    return task.replace("-", "_")


def _args_schema(spec: TaskSpec) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for arg in spec.args:
        what = arg.description or (
            "the text"
            if arg.modality == "text"
            else f"path, http(s) URL or data URL of the {arg.modality}"
        )
        default = ... if arg.required else None
        annotation = str if arg.required else str | None
        fields[arg.name] = (annotation, Field(default=default, description=what))
    model: type[BaseModel] = create_model(
        f"{tool_name(spec.name).title().replace('_', '')}Input", **fields
    )
    return model


class HFTaskTool(BaseTool):
    """Runs one task type on the best model that can run here, falling back down the ranking.

    The model is the top candidate of the catalog (local models first, then by Hub downloads)
    among those an engine can run; if it fails, the next one is tried. Media inputs are checked
    like the graph's (allowed folders, no private URLs, size limits, real content). The tool
    message's content is the result text plus a standard media block for generated media; its
    artifact is the full result (model, engine, output, attempts).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    task: str
    catalog: Catalog
    engines: Engines
    inference_mode: InferenceMode = "auto"
    top_k: int = 5
    timeout_s: float = 600.0
    artifacts_dir: Path = Field(default_factory=lambda: default_artifacts_root() / "tools")
    input_policy: InputPolicy | None = None
    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    handle_tool_error: bool = True

    def __init__(self, *, task: str, **kwargs: Any) -> None:
        """Build the tool for `task`; name, description and arguments come from the vocabulary."""
        spec = get_task(task)
        kwargs.setdefault("name", tool_name(task))
        kwargs.setdefault(
            "description",
            f"{spec.description[0].upper()}{spec.description[1:]} with a Hugging Face model "
            f"({spec.name}; returns {spec.output}).",
        )
        kwargs.setdefault("args_schema", _args_schema(spec))
        if isinstance(kwargs.get("engines"), (list, tuple)):
            kwargs["engines"] = Engines(kwargs["engines"])
        super().__init__(task=task, **kwargs)

    def _run(
        self, run_manager: CallbackManagerForToolRun | None = None, **kwargs: Any
    ) -> tuple[Any, dict[str, Any]]:
        spec = get_task(self.task)
        inputs = {k: str(v) for k, v in kwargs.items() if v is not None}
        policy = self.input_policy or InputPolicy(roots=default_roots([self.artifacts_dir]))
        media = {
            a.name: a.modality
            for a in spec.args
            if a.modality != "text" and inputs.get(a.name, "").strip()
        }
        try:
            inputs = load_inputs(
                inputs, media, policy=policy, dest_dir=self.artifacts_dir / "inputs"
            )
        except InputError as exc:
            raise ToolException(f"bad input: {exc}") from None
        ladder = self.catalog.candidates(
            self.task,
            k=self.top_k,
            available=lambda card: self.engines.can_run(card, self.inference_mode),
        )
        if not ladder:
            raise ToolException(
                f"no model for {self.task} can run here (inference mode {self.inference_mode})"
            )
        result = run_ladder(
            spec,
            ladder,
            inputs,
            engines=self.engines,
            mode=self.inference_mode,
            run_dir=self.artifacts_dir,
            timeout_s=self.timeout_s,
        )
        if result["status"] != "ok":
            raise ToolException(result["error"])
        output = result["output"]
        text = output["text"]
        if output.get("path"):
            text += f"\nFile: {output['path']}"
        content: list[Any] = [create_text_block(text)]
        block = tool_media_block(output)
        if block is not None:
            content.append(block)
        return (content if len(content) > 1 else text), result


def hf_task_tools(
    tasks: Iterable[str] | None = None,
    *,
    catalog: Catalog | None = None,
    engines: Iterable[Engine] | None = None,
    **settings: Any,
) -> list[HFTaskTool]:
    """One tool per task type (all of them by default), sharing a catalog and engines.

    Args:
        tasks: task type names; default every task in the vocabulary.
        catalog: default the bundled snapshot plus the live Hub listing.
        engines: default the engines installed here (`default_engines()`).
        **settings: `inference_mode`, `top_k`, `timeout_s`, `artifacts_dir`, `input_policy`.
    """
    if engines is None:
        from langchain_hugginggpt.engines.registry import default_engines

        engines = default_engines()
    shared = Engines(engines)
    catalog = catalog if catalog is not None else Catalog(hub=HubListing())
    names = list(tasks) if tasks is not None else list(TASKS)
    return [HFTaskTool(task=name, catalog=catalog, engines=shared, **settings) for name in names]
