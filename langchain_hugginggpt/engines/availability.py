"""Whether a model's weights can be had here: a local folder, the Hugging Face cache, or the Hub."""

from __future__ import annotations

import os
import socket
import threading
import time
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import urlparse

from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.catalog.hub import hub_offline

__all__ = [
    "hub_offline",
    "hub_reachable",
    "in_hf_cache",
    "install_hint",
    "missing_extra",
    "model_ref",
    "pick_device",
    "weights_available",
]

_PROBE_TTL_S = 300.0
_probe_lock = threading.Lock()
_probe: tuple[float, bool] | None = None


def hub_reachable(timeout_s: float = 1.5) -> bool:
    """Whether the Hub endpoint accepts a TCP connection; remembered for five minutes."""
    global _probe
    if hub_offline():
        return False
    with _probe_lock:
        if _probe and time.monotonic() - _probe[0] < _PROBE_TTL_S:
            return _probe[1]
        endpoint = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
        port = endpoint.port or (443 if endpoint.scheme == "https" else 80)
        try:
            with socket.create_connection((endpoint.hostname or "", port), timeout=timeout_s):
                ok = True
        except OSError:
            ok = False
        _probe = (time.monotonic(), ok)
        return ok


def in_hf_cache(
    repo_id: str, filenames: tuple[str, ...] = ("config.json", "model_index.json")
) -> bool:
    """Whether the Hugging Face cache already holds `repo_id` (one of its index files)."""
    from huggingface_hub import try_to_load_from_cache

    for name in filenames:
        try:
            if isinstance(try_to_load_from_cache(repo_id, name), str):
                return True
        except Exception:  # noqa: BLE001 - malformed ids are simply not cached
            return False
    return False


def weights_available(card: ModelCard) -> bool:
    """Whether the model can be loaded here without failing for want of its files."""
    if card.path:
        return Path(card.path).exists()
    return in_hf_cache(card.id) or hub_reachable()


def model_ref(card: ModelCard) -> str:
    """What to pass to `from_pretrained` for `card`.

    The local folder; else, when the Hub cannot be reached, the cached snapshot folder (so
    nothing tries the network); else the Hub id.
    """
    if card.path:
        return card.path
    if not hub_reachable():
        from huggingface_hub import snapshot_download

        try:
            return str(snapshot_download(card.id, local_files_only=True))
        except Exception:  # noqa: BLE001 - not cached: loading will say so with the id
            return card.id
    return card.id


def pick_device(preference: str = "auto") -> str:
    """`cuda` or `mps` when present, else `cpu`; `HUGGINGGPT_DEVICE` overrides `auto`."""
    choice = preference if preference != "auto" else os.environ.get("HUGGINGGPT_DEVICE", "auto")
    if choice != "auto":
        return choice
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def missing_extra(task: str) -> str | None:
    """The extra to install to run `task` on this machine's own models, when its runtime is absent.

    `local` (torch with transformers, or with diffusers for image and video generation) when
    those are not installed and one of them runs `task`; else None: the runtime is here, or no
    extra would run `task` here.
    """
    from langchain_hugginggpt.engines.diffusion import TASKS as DIFFUSION_TASKS
    from langchain_hugginggpt.engines.transformers.runners import RUNNERS

    if task in DIFFUSION_TASKS:
        runtimes: tuple[str, ...] = ("torch", "diffusers")
    elif task in RUNNERS:
        runtimes = ("torch", "transformers")
    else:
        return None
    return None if all(find_spec(name) is not None for name in runtimes) else "local"


def install_hint(task: str) -> str | None:
    """What to install (or set) to run `task`, when an absent extra is why it cannot run here."""
    extra = missing_extra(task)
    if extra is None:
        return None
    hint = f"install langchain-hugginggpt[{extra}] to run {task} on this machine"
    if not any(os.environ.get(name) for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")):
        hint += ", or set HF_TOKEN to run it on Inference Providers"
    return hint
