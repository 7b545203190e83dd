"""Text generation and conversation, each model run as the kind of model it is.

Decoder-only models (GPT-2, Llama, Qwen, ...) load as causal language models; encoder-decoder
chat models (Blenderbot, BlenderbotSmall, T5-style) load as sequence-to-sequence models. Loading
an encoder-decoder checkpoint as a causal LM would silently drop its encoder: `load_model`
refuses any checkpoint that does not fill the chosen class exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langchain_hugginggpt.engines.transformers.loading import (
    LoadOptions,
    load_model,
    load_processor,
)

__all__ = ["MAX_NEW_TOKENS", "ChatModel"]

MAX_NEW_TOKENS = 256
"""Most tokens one reply may add, unless the model's generation config sets its own limit."""


@dataclass
class ChatModel:
    """A generative text model with its tokenizer; `encoder_decoder` says which kind it is."""

    model: Any
    tokenizer: Any
    device: str
    encoder_decoder: bool

    @classmethod
    def load(cls, ref: str, options: LoadOptions) -> ChatModel:
        """Read the config, then load `AutoModelForSeq2SeqLM` or `AutoModelForCausalLM`."""
        from transformers import (
            AutoConfig,
            AutoModelForCausalLM,
            AutoModelForSeq2SeqLM,
            AutoTokenizer,
        )

        config = load_processor(AutoConfig, ref, options)
        encoder_decoder = bool(getattr(config, "is_encoder_decoder", False))
        model_class = AutoModelForSeq2SeqLM if encoder_decoder else AutoModelForCausalLM
        return cls(
            load_model(model_class, ref, options),
            load_processor(AutoTokenizer, ref, options),
            options.device,
            encoder_decoder,
        )

    def __call__(self, text: str) -> str:
        """The model's reply to `text` (one user turn), without the prompt."""
        import torch

        encoded = self._encode(text)
        prompt_length = 0 if self.encoder_decoder else int(encoded["input_ids"].shape[-1])
        with torch.inference_mode():
            ids = self.model.generate(**encoded, **self._limits())
        reply = ids[0][prompt_length:]
        return str(self.tokenizer.decode(reply, skip_special_tokens=True)).strip()

    def _encode(self, text: str) -> Any:
        if getattr(self.tokenizer, "chat_template", None):
            encoded = self.tokenizer.apply_chat_template(
                [{"role": "user", "content": text}],
                add_generation_prompt=True,
                return_dict=True,
                return_tensors="pt",
            )
        else:
            limit = int(getattr(self.tokenizer, "model_max_length", 1024) or 1024)
            encoded = self.tokenizer(
                text, return_tensors="pt", truncation=True, max_length=min(limit, 4096)
            )
        encoded.pop("token_type_ids", None)  # tokenizers of some decoders add it; models refuse
        return encoded.to(self.device)

    def _limits(self) -> dict[str, Any]:
        config = self.model.generation_config
        limits: dict[str, Any] = {}
        if config.max_new_tokens is None:
            limits["max_new_tokens"] = MAX_NEW_TOKENS
        if config.pad_token_id is None and self.tokenizer.pad_token_id is None:
            limits["pad_token_id"] = config.eos_token_id
        return limits
