"""Loading transformers models safely: no remote code, safetensors unless pickles are allowed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langchain_hugginggpt.engines.base import EngineError

__all__ = ["LoadOptions", "load_model", "load_pipeline", "load_processor"]


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
    message = str(exc)
    if "safetensors" in message.lower() or "model.safetensors" in message:
        return EngineError(
            f"{ref} has no safetensors weights; pickled weights are refused by default "
            "(set allow_pickle / HUGGINGGPT_ALLOW_PICKLE=1 only for models you trust)"
        )
    return EngineError(f"cannot load {ref}: {type(exc).__name__}: {message.splitlines()[0]}")


def load_model(cls: Any, ref: str, options: LoadOptions) -> Any:
    """`cls.from_pretrained(ref)` for weights, on the device; failures become `EngineError`."""
    try:
        model = cls.from_pretrained(ref, **options.kwargs())
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
            model_kwargs={"use_safetensors": None if options.allow_pickle else True},
            **kwargs,
        )
    except Exception as exc:
        raise _explain(ref, exc) from exc
