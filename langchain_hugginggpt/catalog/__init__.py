"""Model catalog: bundled snapshot, live Hub listing and the user's own models, by task."""

from __future__ import annotations

from langchain_hugginggpt.catalog.base import Catalog
from langchain_hugginggpt.catalog.bundled import load_bundled
from langchain_hugginggpt.catalog.card import ModelCard, ModelSource
from langchain_hugginggpt.catalog.hub import HubListing
from langchain_hugginggpt.catalog.local import local_card

__all__ = [
    "Catalog",
    "HubListing",
    "ModelCard",
    "ModelSource",
    "load_bundled",
    "local_card",
]
