"""Loading transformers models safely: no remote code, safetensors unless pickles are allowed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langchain_hugginggpt.engines.base import EngineError
from langchain_hugginggpt.engines.transformers.precision import half_precision_dtype

__all__ = ["LoadOptions", "load_model", "load_pipeline", "load_processor", "weights_report"]

_SHOWN_KEYS = 8
"""How many weight names an error lists per kind before it counts the rest."""


@dataclass(frozen=True)
class LoadOptions:
    """How models are loaded: device and pickle policy."""

    device: str = "cpu"
    allow_pickle: bool = False
    """Allow `.bin`/`.pt` weights (pickles can run code when loaded): only for trusted models."""

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments every `from_pretrained` call gets."""
        return {"trust_remote_code": False, "use_safetensors": None if self.allow_pickle else True}


def _explain(ref: str, exc: Exception) -> EngineError:
    """The load failure as an `EngineError` naming `ref`, with the cause's whole message.

    Some messages (transformers' missing-backend ImportErrors) start with a newline: the text is
    stripped, never cut to its first line.
    """
    if isinstance(exc, EngineError):
        return exc
    message = str(exc).strip()
    if "safetensors" in message.lower() or "model.safetensors" in message:
        return EngineError(
            f"{ref} has no safetensors weights; pickled weights are refused by default "
            "(set allow_pickle / HUGGINGGPT_ALLOW_PICKLE=1 only for models you trust)"
        )
    detail = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return EngineError(f"cannot load {ref}: {detail}")


def _names(keys: Any) -> str:
    names = sorted(str(key[0] if isinstance(key, tuple) else key) for key in keys)
    shown = ", ".join(names[:_SHOWN_KEYS])
    return shown + (f" (and {len(names) - _SHOWN_KEYS} more)" if len(names) > _SHOWN_KEYS else "")


def weights_report(info: dict[str, Any]) -> str | None:
    """What a `from_pretrained(..., output_loading_info=True)` report says went wrong, or None.

    Checkpoint weights the model has no place for (unused), weights the checkpoint lacks (newly
    initialised, i.e. random) and weights of the wrong shape all mean the checkpoint is not the
    model the class builds: its output would be noise.
    """
    problems = [
        f"{label}: {_names(info[name])}"
        for name, label in (
            ("unexpected_keys", "checkpoint weights left unused"),
            ("missing_keys", "weights newly initialised (not in the checkpoint)"),
            ("mismatched_keys", "weights of the wrong shape"),
        )
        if info.get(name)
    ]
    return "; ".join(problems) or None


def _half(ref: str, options: LoadOptions) -> dict[str, Any]:
    """`{"dtype": float16 or bfloat16}` on a CUDA GPU where the model allows, else nothing."""
    dtype = half_precision_dtype(ref, options.device)
    return {} if dtype is None else {"dtype": dtype}


def load_model(cls: Any, ref: str, options: LoadOptions) -> Any:
    """`cls.from_pretrained(ref)` for weights, on the device; failures become `EngineError`.

    A checkpoint that does not fill the model exactly (weights left unused, weights newly
    initialised) is a failure too, naming those weights.
    """
    try:
        model, info = cls.from_pretrained(
            ref, output_loading_info=True, **options.kwargs(), **_half(ref, options)
        )
    except Exception as exc:
        raise _explain(ref, exc) from exc
    problems = weights_report(info)
    if problems:
        raise EngineError(
            f"cannot load {ref} as {getattr(cls, '__name__', cls)}: the checkpoint does not "
            f"match the model ({problems})"
        )
    try:
        return model.to(options.device).eval()
    except Exception as exc:
        raise _explain(ref, exc) from exc


def load_processor(cls: Any, ref: str, options: LoadOptions) -> Any:
    """`cls.from_pretrained(ref)` for tokenizers and processors (no weights, no remote code)."""
    try:
        return cls.from_pretrained(ref, trust_remote_code=False)
    except Exception as exc:
        raise _explain(ref, exc) from exc


def load_pipeline(task: str, ref: str, options: LoadOptions, **kwargs: Any) -> Any:
    """A `transformers.pipeline` for `task`, loaded safely on the chosen device."""
    from transformers import pipeline

    build: Any = pipeline  # its overloads want a literal task name
    try:
        return build(
            task,
            model=ref,
            device=options.device,
            trust_remote_code=False,
            model_kwargs={
                "use_safetensors": None if options.allow_pickle else True,
                **_half(ref, options),
            },
            **kwargs,
        )
    except Exception as exc:
        raise _explain(ref, exc) from exc
