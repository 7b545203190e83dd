"""What the catalog knows of one model: the fields selection ranks and shows."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = ["ModelCard", "ModelSource"]

ModelSource = Literal["local", "packaged", "hub", "bundled", "controller"]
"""Where a card came from: a user's directory, a Python package, the live Hub, the snapshot, or
the controller LLM itself (which answers some text tasks without an expert model)."""


@dataclass(frozen=True)
class ModelCard:
    """Metadata of one model, as selection sees it."""

    id: str
    task: str
    """A task name of `langchain_hugginggpt.tasks.TASKS`."""
    downloads: int = 0
    likes: int = 0
    tags: tuple[str, ...] = ()
    license: str | None = None
    languages: tuple[str, ...] = ()
    library_name: str | None = None
    """The Hub's `library_name` (transformers, diffusers, ...) when known; engines key on it."""
    source: ModelSource = "bundled"
    path: str | None = None
    """Local directory or file holding the weights, for `local` and `packaged` models."""
    gated: bool = False
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (tuples become lists)."""
        data = asdict(self)
        data["tags"] = list(self.tags)
        data["languages"] = list(self.languages)
        return data

    @property
    def is_local(self) -> bool:
        """Whether the weights are on this machine already (user directory or package)."""
        return self.source in ("local", "packaged")
