"""Small adapters for tasks transformers 5 no longer has pipelines for.

Summarization, translation and text2text run through processor + model + `generate`; extractive
question answering decodes the best span; captioning and visual question answering use the model
classes directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langchain_hugginggpt.engines.base import EngineError
from langchain_hugginggpt.engines.transformers.loading import (
    LoadOptions,
    load_model,
    load_processor,
)
from langchain_hugginggpt.engines.transformers.translation import prepare_translation

__all__ = [
    "CaptionAdapter",
    "ExtractiveQAAdapter",
    "Seq2SeqAdapter",
    "VQAAdapter",
]


def _torch_no_grad() -> Any:
    import torch

    return torch.inference_mode()


@dataclass
class Seq2SeqAdapter:
    """Encoder-decoder text generation: summarization, translation, text2text."""

    model: Any
    tokenizer: Any
    device: str

    @classmethod
    def load(cls, ref: str, options: LoadOptions) -> Seq2SeqAdapter:
        """Load tokenizer and `AutoModelForSeq2SeqLM`."""
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        return cls(
            load_model(AutoModelForSeq2SeqLM, ref, options),
            load_processor(AutoTokenizer, ref, options),
            options.device,
        )

    def __call__(
        self, text: str, task: str, target: str | None = None, source: str | None = None
    ) -> str:
        """Generate for `task` (summarization, translation, text2text-generation)."""
        params = getattr(self.model.config, "task_specific_params", None) or {}
        prefix = ""
        extra: dict[str, Any] = {}
        if task == "summarization":
            prefix = params.get("summarization", {}).get("prefix", "")
        elif task == "translation":
            name = str(getattr(self.model.config, "_name_or_path", "") or "the model")
            setup = prepare_translation(self.model, self.tokenizer, text, source, target, name)
            prefix, extra = setup.prefix, dict(setup.generate_kwargs)
        max_length = int(getattr(self.tokenizer, "model_max_length", 1024) or 1024)
        encoded = self.tokenizer(
            prefix + text, return_tensors="pt", truncation=True, max_length=min(max_length, 4096)
        ).to(self.device)
        config = self.model.generation_config
        if config.max_new_tokens is None and config.max_length in (None, 20):
            # 20 is the library default, too short for a summary; models that set their own
            # lengths (BART-CNN, Marian) keep them.
            extra["max_new_tokens"] = 256
        with _torch_no_grad():
            ids = self.model.generate(**encoded, **extra)
        return str(self.tokenizer.decode(ids[0], skip_special_tokens=True)).strip()


@dataclass
class ExtractiveQAAdapter:
    """Extractive question answering: the best-scoring answer span of the context."""

    model: Any
    tokenizer: Any
    device: str
    max_answer_tokens: int = 30

    @classmethod
    def load(cls, ref: str, options: LoadOptions) -> ExtractiveQAAdapter:
        """Load tokenizer and `AutoModelForQuestionAnswering`."""
        from transformers import AutoModelForQuestionAnswering, AutoTokenizer

        return cls(
            load_model(AutoModelForQuestionAnswering, ref, options),
            load_processor(AutoTokenizer, ref, options),
            options.device,
        )

    def __call__(self, question: str, context: str) -> tuple[str, float]:
        """Return (answer, score) with score the softmax-normalised span probability."""
        import torch

        enc = self.tokenizer(
            question,
            context,
            truncation="only_second",
            max_length=384,
            stride=96,
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
            padding=True,
            return_tensors="pt",
        )
        offsets = enc.pop("offset_mapping")
        enc.pop("overflow_to_sample_mapping", None)
        with _torch_no_grad():
            out = self.model(**{k: v.to(self.device) for k, v in enc.items()})
        best: tuple[float, str] = (-1.0, "")
        for window in range(out.start_logits.shape[0]):
            sequence_ids = enc.sequence_ids(window)
            in_context = torch.tensor([s == 1 for s in sequence_ids])
            start = out.start_logits[window].cpu().masked_fill(~in_context, -1e9).softmax(-1)
            end = out.end_logits[window].cpu().masked_fill(~in_context, -1e9).softmax(-1)
            scores = torch.triu(start[:, None] * end[None, :])
            scores = torch.tril(scores, diagonal=self.max_answer_tokens - 1)
            flat = int(scores.argmax())
            i, j = divmod(flat, scores.shape[1])
            score = float(scores[i, j])
            if score > best[0]:
                begin, finish = int(offsets[window][i][0]), int(offsets[window][j][1])
                best = (score, context[begin:finish])
        if not best[1].strip():
            raise EngineError("the model found no answer span in the context")
        return best[1].strip(), best[0]


@dataclass
class CaptionAdapter:
    """Image captioning with a vision encoder-decoder or an image-text-to-text model."""

    model: Any
    processor: Any
    tokenizer: Any
    device: str

    @classmethod
    def load(cls, ref: str, options: LoadOptions) -> CaptionAdapter:
        """Pick the model class from the config's `model_type`."""
        from transformers import (
            AutoConfig,
            AutoImageProcessor,
            AutoModelForImageTextToText,
            AutoProcessor,
            AutoTokenizer,
            VisionEncoderDecoderModel,
        )

        config = load_processor(AutoConfig, ref, options)
        if config.model_type == "vision-encoder-decoder":
            return cls(
                load_model(VisionEncoderDecoderModel, ref, options),
                load_processor(AutoImageProcessor, ref, options),
                load_processor(AutoTokenizer, ref, options),
                options.device,
            )
        processor = load_processor(AutoProcessor, ref, options)
        return cls(
            load_model(AutoModelForImageTextToText, ref, options),
            processor,
            getattr(processor, "tokenizer", processor),
            options.device,
        )

    def __call__(self, image: Any, prompt: str | None = None) -> str:
        """Describe `image` (a PIL image)."""
        if isinstance(self.model, _vision_encoder_decoder()):
            inputs = {
                "pixel_values": self.processor(images=image, return_tensors="pt").pixel_values
            }
        elif prompt:
            inputs = self.processor(images=image, text=prompt, return_tensors="pt")
        else:
            inputs = self.processor(images=image, return_tensors="pt")
        with _torch_no_grad():
            ids = self.model.generate(
                **{k: v.to(self.device) for k, v in inputs.items()}, max_new_tokens=40
            )
        return str(self.tokenizer.decode(ids[0], skip_special_tokens=True)).strip()


def _vision_encoder_decoder() -> type:
    from transformers import VisionEncoderDecoderModel

    return VisionEncoderDecoderModel


@dataclass
class VQAAdapter:
    """Visual question answering: answer classification (ViLT) or generation (BLIP)."""

    model: Any
    processor: Any
    device: str

    @classmethod
    def load(cls, ref: str, options: LoadOptions) -> VQAAdapter:
        """Load processor and `AutoModelForVisualQuestionAnswering`."""
        from transformers import AutoModelForVisualQuestionAnswering, AutoProcessor

        return cls(
            load_model(AutoModelForVisualQuestionAnswering, ref, options),
            load_processor(AutoProcessor, ref, options),
            options.device,
        )

    def __call__(self, image: Any, question: str) -> tuple[str, float | None]:
        """Return (answer, score or None for generated answers)."""
        inputs = self.processor(images=image, text=question, return_tensors="pt")
        inputs = {k: v.to(self.device) for k, v in inputs.items()}
        with _torch_no_grad():
            # Generative VQA models (BLIP) have `generate`; classifiers (ViLT) do not.
            if hasattr(self.model, "generate"):
                ids = self.model.generate(**inputs, max_new_tokens=20)
                tokenizer = getattr(self.processor, "tokenizer", self.processor)
                return str(tokenizer.decode(ids[0], skip_special_tokens=True)).strip(), None
            logits = self.model(**inputs).logits[0]
        probs = logits.sigmoid() if logits.ndim == 1 else logits
        index = int(probs.argmax())
        return str(self.model.config.id2label[index]), float(probs[index])
