"""The transformers engine: runs Hub or local transformers models on this machine."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.availability import model_ref, pick_device, weights_available
from langchain_hugginggpt.engines.base import Engine, EngineRequest, InferenceMode
from langchain_hugginggpt.engines.cache import ModelCache
from langchain_hugginggpt.engines.shared import LOAD_LOCK, env_flag, model_lock, shared_cache
from langchain_hugginggpt.engines.transformers.loading import LoadOptions
from langchain_hugginggpt.engines.transformers.runners import RUNNERS

__all__ = ["TransformersEngine"]

_LIBRARIES = {None, "transformers"}
_EXTRA_LIBRARIES = {"sentence-similarity": {"sentence-transformers"}}


class TransformersEngine(Engine):
    """Runs models through `transformers` pipelines, or small adapters where v5 has none.

    Args:
        device: `auto` (CUDA, then MPS, then CPU; `HUGGINGGPT_DEVICE` overrides), or a device.
        allow_pickle: load `.bin` weights too (pickles can execute code); default from
            `HUGGINGGPT_ALLOW_PICKLE`, else False: safetensors only.
        cache: where loaded models live; default the process-wide shared cache.
    """

    name = "transformers"

    def __init__(
        self,
        *,
        device: str = "auto",
        allow_pickle: bool | None = None,
        cache: ModelCache | None = None,
    ) -> None:
        """Configure; nothing is loaded until a task runs."""
        self.device = device
        self.allow_pickle = (
            env_flag("HUGGINGGPT_ALLOW_PICKLE") if allow_pickle is None else allow_pickle
        )
        self.cache = cache if cache is not None else shared_cache()

    def supports(self, model: ModelCard, mode: InferenceMode) -> bool:
        """Local or auto mode, a task with a runner, a transformers model, weights to be had."""
        if mode == "remote" or model.task not in RUNNERS:
            return False
        libraries = _LIBRARIES | _EXTRA_LIBRARIES.get(model.task, set())
        return model.library_name in libraries and weights_available(model)

    def run(self, request: EngineRequest) -> TaskOutput:
        """Load (or reuse) the model and run the task on it."""
        card = request.model
        runner = RUNNERS[request.task.name]
        ref = model_ref(card)
        options = LoadOptions(device=pick_device(self.device), allow_pickle=self.allow_pickle)
        key = ("transformers", ref, runner.kind, options.device, options.allow_pickle)
        loaded = self.cache.get(key, lambda: _serially(runner.load, ref, options))
        # Tokenizers and models are not safe to share between threads mid-call.
        with model_lock(key):
            return runner.run(loaded, request)


def _serially(load: Callable[[str, LoadOptions], Any], ref: str, options: LoadOptions) -> Any:
    with LOAD_LOCK:
        return load(ref, options)
