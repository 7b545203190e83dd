"""The spaCy engine: named entities (people, places, organisations, dates, ...)."""

from __future__ import annotations

import importlib
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from langchain_hugginggpt.artifacts.outputs import entities_output
from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import Engine, EngineError, EngineRequest, InferenceMode
from langchain_hugginggpt.engines.shared import shared_cache

__all__ = ["SpacyEngine"]


class SpacyEngine(Engine):
    """Finds named entities with a spaCy pipeline (an installed package or a model folder)."""

    name = "spacy"

    def supports(self, model: ModelCard, mode: InferenceMode) -> bool:
        """A local spaCy pipeline and spaCy installed."""
        return (
            mode != "remote"
            and model.task == "token-classification"
            and model.library_name == "spacy"
            and model.path is not None
            and Path(model.path).exists()
            and find_spec("spacy") is not None
        )

    def run(self, request: EngineRequest) -> TaskOutput:
        """Tag the `text` argument's entities."""
        text = request.inputs.get("text", "").strip()
        if not text:
            raise EngineError("token-classification needs argument 'text'")
        path = Path(request.model.path or "")
        nlp = shared_cache().get(("spacy", str(path)), lambda: _load(path))
        doc = nlp(text)
        return entities_output(
            [
                {"word": e.text, "entity_group": e.label_, "start": e.start_char, "end": e.end_char}
                for e in doc.ents
            ]
        )


def _load(path: Path) -> Any:
    # No process-wide lock: this builds no torch model, and the cache loads each once.
    if (path / "__init__.py").is_file():
        # An installed model package (spacy's own packaging): its load() knows its data.
        return importlib.import_module(path.name).load()
    import spacy

    return spacy.load(path)
