"""Which dtype a transformers model loads in: half precision on a CUDA GPU where it is safe."""

from __future__ import annotations

from typing import Any

__all__ = ["FULL_PRECISION_MODEL_TYPES", "half_precision_dtype"]

FULL_PRECISION_MODEL_TYPES = frozenset({"t5", "mt5", "umt5", "longt5", "switch_transformers"})
"""Model types kept in float32: T5-family activations overflow float16 (inf, then NaN output)."""


def half_precision_dtype(ref: str, device: str, config: Any = None) -> Any | None:
    """The half-precision torch dtype to load `ref` in on `device`, or None for the default.

    Only on CUDA. A config that names bfloat16 keeps it (its weights may not fit float16's
    range); float16 otherwise, unless the config's model type is one that breaks in float16
    (`FULL_PRECISION_MODEL_TYPES`) or the config cannot be read.

    Args:
        ref: the model's Hub id or folder.
        device: the device it is loaded on (`cuda`, `cuda:1`, `cpu`, `mps`).
        config: its already loaded config, if any; read from `ref` otherwise.
    """
    if not device.startswith("cuda"):
        return None
    import torch

    if config is None:
        try:
            from transformers import AutoConfig

            config = AutoConfig.from_pretrained(ref, trust_remote_code=False)
        except Exception:  # noqa: BLE001 - an unreadable config keeps the default precision
            return None
    if getattr(config, "model_type", None) in FULL_PRECISION_MODEL_TYPES:
        return None
    declared = getattr(config, "dtype", None) or getattr(config, "torch_dtype", None)
    if declared in (torch.bfloat16, "bfloat16"):
        return torch.bfloat16
    return torch.float16
