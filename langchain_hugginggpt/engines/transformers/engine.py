"""The transformers engine: runs Hub or local transformers models on this machine."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.availability import model_ref, pick_device, weights_available
from langchain_hugginggpt.engines.base import Engine, EngineError, EngineRequest, InferenceMode
from langchain_hugginggpt.engines.cache import ModelCache
from langchain_hugginggpt.engines.shared import (
    build_guard,
    env_flag,
    held,
    model_lock,
    shared_cache,
)
from langchain_hugginggpt.engines.transformers.loading import LoadOptions
from langchain_hugginggpt.engines.transformers.runners import RUNNERS

__all__ = ["TransformersEngine"]

_LIBRARIES = {None, "transformers"}
_EXTRA_LIBRARIES = {"sentence-similarity": {"sentence-transformers"}}
_OTHER_FORMATS = (
    "*.onnx",
    "*.onnx_data",
    "*.h5",
    "*.msgpack",
    "*.tflite",
    "*.ot",
    "*.gguf",
    "*.mlmodel",
    "onnx/*",
    "openvino/*",
    "coreml/*",
)
"""Files `from_pretrained` never reads for torch: not fetched ahead of a load."""
_PICKLES = ("*.bin", "*.pt", "*.pth", "*.ckpt", "*.pkl")


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
        """Load (or reuse) the model and run the task on it.

        Locking is per model: the cache loads each model once (callers for the same model wait
        at most `request.timeout_s`), the model's files are fetched with no lock held, and only
        the construction from local files takes the process-wide `BUILD_LOCK` (see there why).
        Runs on one loaded model are serialised by its `model_lock`, waited for at most
        `request.timeout_s`. A call abandoned after its timeout keeps only what it holds: its
        own model's pending load or run lock.
        """
        card = request.model
        runner = RUNNERS[request.task.name]
        ref = model_ref(card)
        options = LoadOptions(device=pick_device(self.device), allow_pickle=self.allow_pickle)
        key = ("transformers", ref, runner.kind, options.device, options.allow_pickle)
        deadline = time.monotonic() + request.timeout_s
        loaded = self.cache.get(
            key,
            lambda: _load(runner.load, ref, options, deadline, _load_name(card, ref)),
            timeout_s=request.timeout_s,
        )
        # Tokenizers and models are not safe to share between threads mid-call.
        with held(model_lock(key), _left(deadline), f"model {card.id}"):
            return runner.run(loaded, request)


def _left(deadline: float) -> float:
    return max(deadline - time.monotonic(), 0.0)


def _load_name(card: ModelCard, ref: str) -> str | None:
    """The model's id when load errors would otherwise name only its cached snapshot folder."""
    return card.id if ref not in (card.id, card.path) else None


def _load(
    load: Callable[[str, LoadOptions], Any],
    ref: str,
    options: LoadOptions,
    deadline: float,
    name: str | None = None,
) -> Any:
    """Fetch the model's files with no lock held, then build it under the construction guard.

    Load errors name the model: when `ref` is a Hugging Face cache snapshot, `name` (its Hub id)
    is put before the message.
    """
    _fetch(ref, options.allow_pickle)
    try:
        with build_guard(_left(deadline)):
            return load(ref, options)
    except EngineError as exc:
        if name is None or name in str(exc):
            raise
        raise EngineError(f"{name}: {exc}") from exc


def _fetch(ref: str, allow_pickle: bool) -> None:
    """Download a Hub model's files ahead of its load, so a slow download delays no other model.

    A local folder needs nothing. Any failure is left for the load to report with the model's
    name. Weights for other frameworks (and pickles, unless allowed) are not fetched.
    """
    if Path(ref).exists():
        return
    from huggingface_hub import snapshot_download

    ignore = [*_OTHER_FORMATS, *(() if allow_pickle else _PICKLES)]
    with suppress(Exception):  # the load that follows says what is wrong
        snapshot_download(ref, ignore_patterns=ignore)
