"""The llama.cpp engine: GGUF chat models doing text tasks (and the offline controller)."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import Engine, EngineError, EngineRequest, InferenceMode
from langchain_hugginggpt.engines.controller import CONTROLLER_TASKS, run_text_task
from langchain_hugginggpt.offline.chat_model import ChatLlamaCpp
from langchain_hugginggpt.offline.weights import QWEN_05B, QWEN_15B, PartedFile, assemble

__all__ = ["PACKAGED_GGUF", "LlamaCppEngine", "gguf_path"]

PACKAGED_GGUF: dict[str, PartedFile] = {
    "Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF": QWEN_05B,
    "Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF": QWEN_15B,
}


def gguf_path(card: ModelCard) -> Path:
    """The GGUF file of `card`: joined from its packages, or the user's own file."""
    if card.source == "packaged" and card.id in PACKAGED_GGUF:
        return assemble(PACKAGED_GGUF[card.id])
    if card.path:
        path = Path(card.path)
        files = sorted(path.glob("*.gguf")) if path.is_dir() else [path]
        if files and files[0].is_file():
            return files[0]
    raise EngineError(f"{card.id}: no GGUF file found (give the .gguf file or its folder)")


class LlamaCppEngine(Engine):
    """Runs text tasks on GGUF models through llama-cpp-python, with the controller's prompts."""

    name = "llama.cpp"

    def __init__(self, *, n_ctx: int = 4096, n_threads: int | None = None) -> None:
        """Context size and threads of the models it loads."""
        self.n_ctx = n_ctx
        self.n_threads = n_threads

    def supports(self, model: ModelCard, mode: InferenceMode) -> bool:
        """A llama.cpp model on this machine, a text task, and llama-cpp-python installed."""
        return (
            mode != "remote"
            and model.library_name == "llama.cpp"
            and model.task in CONTROLLER_TASKS
            and model.path is not None
            and Path(model.path).exists()
            and find_spec("llama_cpp") is not None
        )

    def run(self, request: EngineRequest) -> TaskOutput:
        """Prompt the model for the task."""
        llm = ChatLlamaCpp(
            model_path=str(gguf_path(request.model)),
            model_name=request.model.id,
            n_ctx=self.n_ctx,
            n_threads=self.n_threads,
        )
        return run_text_task(llm, request)
