"""The transformers engine: pipelines, and adapters where transformers 5 has no pipeline."""

from langchain_hugginggpt.engines.transformers.engine import TransformersEngine
from langchain_hugginggpt.engines.transformers.runners import RUNNERS

__all__ = ["RUNNERS", "TransformersEngine"]
