"""Text-to-speech models, each run the way its kind speaks.

- SpeechT5 predicts a mel spectrogram: it needs a speaker embedding (`speakers`) and a HiFi-GAN
  vocoder (`vocoders`), both chosen per request from the card.
- VITS (MMS-TTS and others) returns a waveform from one forward pass.
- Bark and other text-to-waveform models (`AutoModelForTextToWaveform`) `generate` a waveform.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.shared import build_guard
from langchain_hugginggpt.engines.transformers.loading import (
    LoadOptions,
    load_model,
    load_processor,
)
from langchain_hugginggpt.engines.transformers.speakers import SpeakerSource, speaker_embedding
from langchain_hugginggpt.engines.transformers.vocoders import load_vocoder, vocoder_name

__all__ = ["SpeechModel"]

_FORWARD_ONLY = {"vits"}
"""Model types whose forward pass returns the waveform (no `generate`)."""


@dataclass
class SpeechModel:
    """A text-to-speech model with its processor; SpeechT5 vocoders are loaded on first use."""

    model: Any
    processor: Any
    options: LoadOptions
    model_type: str
    vocoders: dict[str, Any] = field(default_factory=dict)
    """Loaded vocoders by name; callers hold the model's run lock, so no lock of its own."""

    @classmethod
    def load(cls, ref: str, options: LoadOptions) -> SpeechModel:
        """Read the config; load SpeechT5 as text-to-spectrogram, the rest as text-to-waveform."""
        from transformers import (
            AutoConfig,
            AutoModelForTextToSpectrogram,
            AutoModelForTextToWaveform,
            AutoProcessor,
        )

        config = load_processor(AutoConfig, ref, options)
        model_type = str(getattr(config, "model_type", ""))
        spectrogram = model_type == "speecht5"
        model_class = AutoModelForTextToSpectrogram if spectrogram else AutoModelForTextToWaveform
        return cls(
            load_model(model_class, ref, options),
            load_processor(AutoProcessor, ref, options),
            options,
            model_type,
        )

    def __call__(
        self,
        text: str,
        card: ModelCard,
        *,
        speaker: SpeakerSource = None,
        timeout_s: float | None = None,
    ) -> tuple[Any, int]:
        """Speak `text`: (float samples, sampling rate).

        Args:
            text: What to say.
            card: The model's card: its id for messages, its `extra` for vocoder and speaker.
            speaker: A speaker embedding overriding the card's and the default (SpeechT5 only).
            timeout_s: Longest wait for the construction lock when a vocoder must be loaded.
        """
        import torch

        inputs = self.processor(text=text, return_tensors="pt").to(self.options.device)
        with torch.inference_mode():
            if self.model_type == "speecht5":
                return self._spectrogram(inputs, card, speaker, timeout_s)
            if self.model_type in _FORWARD_ONLY:
                waveform = self.model(**inputs).waveform
            else:
                waveform = self.model.generate(**inputs)
        return _samples(waveform), _sampling_rate(self.model)

    def _spectrogram(
        self, inputs: Any, card: ModelCard, speaker: SpeakerSource, timeout_s: float | None
    ) -> tuple[Any, int]:
        vocoder = self._vocoder(card, timeout_s)
        dim = int(getattr(self.model.config, "speaker_embedding_dim", 512))
        chosen = speaker if speaker is not None else card.extra.get("speaker_embedding")
        embedding = speaker_embedding(chosen, dim).to(self.options.device)
        waveform = self.model.generate_speech(
            inputs["input_ids"], speaker_embeddings=embedding, vocoder=vocoder
        )
        return _samples(waveform), int(vocoder.config.sampling_rate)

    def _vocoder(self, card: ModelCard, timeout_s: float | None) -> Any:
        name = vocoder_name(card)
        if name not in self.vocoders:
            with build_guard(timeout_s):
                self.vocoders[name] = load_vocoder(name, card.id, self.options)
        return self.vocoders[name]


def _samples(waveform: Any) -> Any:
    """A NumPy float array: one channel, or channels first for multi-channel audio."""
    array = waveform.detach().float().cpu().numpy()
    while array.ndim > 1 and array.shape[0] == 1:
        array = array[0]
    return array


def _sampling_rate(model: Any) -> int:
    """The model's output rate: generation config (Bark), config (VITS), or its audio codec's."""
    config = model.config
    for holder in (
        getattr(model, "generation_config", None),
        config,
        getattr(config, "audio_encoder", None),
        getattr(config, "codec_config", None),
    ):
        for name in ("sample_rate", "sampling_rate"):
            rate = getattr(holder, name, None)
            if isinstance(rate, int) and rate > 0:
                return rate
    return 16000
