"""Reading media inputs for models: images as RGB, audio as float samples (WAV without ffmpeg)."""

from __future__ import annotations

import wave
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_hugginggpt.engines.base import EngineError

if TYPE_CHECKING:
    import numpy as np

__all__ = ["open_image", "read_audio", "resample"]


def open_image(path: str, task: str = "the task") -> Any:
    """Open an image file as RGB; a missing or unreadable file is an `EngineError`."""
    from PIL import Image

    if not path.strip():
        raise EngineError(f"{task} needs argument 'image'")
    try:
        with Image.open(path) as image:
            return image.convert("RGB")
    except Exception as exc:
        raise EngineError(f"cannot open image {Path(path).name}: {exc}") from exc


def read_audio(path: str | Path, target_rate: int | None = None) -> tuple[np.ndarray, int]:
    """Return mono float32 samples in [-1, 1] and their rate (resampled to `target_rate`)."""
    import numpy as np

    path = Path(path)
    try:
        with wave.open(str(path), "rb") as wav:
            width, channels, rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
        if width == 1:
            data = (np.frombuffer(frames, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
        elif width == 2:
            data = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0
        elif width == 4:
            data = np.frombuffer(frames, dtype="<i4").astype(np.float32) / 2147483648.0
        else:
            raise EngineError(f"{path.name}: {8 * width}-bit WAV is not supported")
        samples = data.reshape(-1, channels).mean(axis=1) if channels > 1 else data
    except (wave.Error, EOFError):
        samples, rate = _read_other(path)
    if target_rate and target_rate != rate:
        samples, rate = resample(samples, rate, target_rate), target_rate
    return samples.astype(np.float32), rate


def _read_other(path: Path) -> tuple[np.ndarray, int]:
    try:
        import soundfile
    except ImportError:
        raise EngineError(
            f"{path.name} is not a WAV file; install soundfile to read other audio formats"
        ) from None
    try:
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:
        raise EngineError(f"cannot read audio {path.name}: {exc}") from exc
    return data.mean(axis=1), int(rate)


def resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    """Linear-interpolation resampling; good enough for speech models' 16 kHz input."""
    import numpy as np

    if len(samples) == 0:
        return samples
    duration = len(samples) / rate
    count = max(1, round(duration * target))
    positions = np.linspace(0, len(samples) - 1, count)
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)
