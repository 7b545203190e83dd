"""The default engines: every engine whose runtime is installed here, in priority order."""

from __future__ import annotations

from importlib.util import find_spec

from langchain_hugginggpt.engines.base import Engine

__all__ = ["default_engines"]


def default_engines() -> list[Engine]:
    """Local engines first (free, private), then Inference Providers.

    The transformers and diffusers engines join when their libraries are installed
    (`pip install "langchain-hugginggpt[local]"`); Inference Providers needs only
    huggingface_hub and claims models only when `HF_TOKEN` is set and the mode allows remote.
    """
    from langchain_hugginggpt.engines.remote import InferenceProvidersEngine

    engines: list[Engine] = []
    if find_spec("torch") and find_spec("transformers"):
        from langchain_hugginggpt.engines.transformers import TransformersEngine

        engines.append(TransformersEngine())
    if find_spec("torch") and find_spec("diffusers"):
        from langchain_hugginggpt.engines.diffusion import DiffusersEngine

        engines.append(DiffusersEngine())
    engines.append(InferenceProvidersEngine())
    return engines
