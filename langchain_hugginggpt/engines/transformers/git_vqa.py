"""Visual question answering on GIT, which generates its answer after the question.

GIT (`microsoft/git-*-vqav2`, `-textvqa`) has no visual-question-answering head: it is a causal
language model over image features. The question, after the tokenizer's CLS token, is the
prompt; the answer is what the model writes after it. Other VQA models run on `VQAAdapter`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langchain_hugginggpt.artifacts.outputs import text_output
from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.engines.base import EngineError, EngineRequest
from langchain_hugginggpt.engines.media_io import open_image
from langchain_hugginggpt.engines.transformers.adapters import VQAAdapter
from langchain_hugginggpt.engines.transformers.loading import (
    LoadOptions,
    load_model,
    load_processor,
)
from langchain_hugginggpt.engines.transformers.prompted import model_type

__all__ = ["GitVQAAdapter", "answer_visual_question", "load_vqa"]

_MAX_ANSWER_TOKENS = 20


@dataclass
class GitVQAAdapter:
    """Generative visual question answering with GIT."""

    model: Any
    processor: Any
    device: str

    @classmethod
    def load(cls, ref: str, options: LoadOptions) -> GitVQAAdapter:
        """Load the processor and `AutoModelForCausalLM` (GitForCausalLM)."""
        from transformers import AutoModelForCausalLM, AutoProcessor

        return cls(
            load_model(AutoModelForCausalLM, ref, options),
            load_processor(AutoProcessor, ref, options),
            options.device,
        )

    def __call__(self, image: Any, question: str) -> tuple[str, float | None]:
        """Return (answer, None): generated answers have no score."""
        import torch

        tokenizer = self.processor.tokenizer
        pixels = self.processor(images=image.convert("RGB"), return_tensors="pt").pixel_values
        prompt = [tokenizer.cls_token_id, *tokenizer(question, add_special_tokens=False).input_ids]
        ids = torch.tensor([prompt], device=self.device)
        with torch.inference_mode():
            out = self.model.generate(
                pixel_values=pixels.to(self.device),
                input_ids=ids,
                max_new_tokens=_MAX_ANSWER_TOKENS,
            )
        answer = tokenizer.decode(out[0][len(prompt) :], skip_special_tokens=True)
        return str(answer).strip(), None


def load_vqa(ref: str, options: LoadOptions) -> Any:
    """GIT on `GitVQAAdapter`; classifiers (ViLT) and BLIP-style models on `VQAAdapter`."""
    if model_type(ref, options) == "git":
        return GitVQAAdapter.load(ref, options)
    return VQAAdapter.load(ref, options)


def answer_visual_question(adapter: Any, request: EngineRequest) -> TaskOutput:
    """Answer the question about the image; an empty answer is an `EngineError`."""
    path = request.inputs.get("image", "").strip()
    question = request.inputs.get("question", "").strip()
    for name, value in (("image", path), ("question", question)):
        if not value:
            raise EngineError(f"{request.task.name} needs argument '{name}'")
    answer, score = adapter(open_image(path), question)
    if not answer:
        raise EngineError("the model gave no answer")
    return text_output(answer, data={"answer": answer, "score": score})
