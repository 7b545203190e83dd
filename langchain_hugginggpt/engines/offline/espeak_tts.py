"""The eSpeak NG engine: robotic but many-language text-to-speech from a system binary.

Piper speaks English well; eSpeak NG speaks some forty languages plainly, with no weights to
download. The voice follows the language of the text (or an explicit `language` argument).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

from langchain_hugginggpt.artifacts.language import detect_language, language_code
from langchain_hugginggpt.artifacts.outputs import media_bytes_output
from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import Engine, EngineError, EngineRequest, InferenceMode

__all__ = [
    "ESPEAK_LANGUAGES",
    "ESPEAK_LIBRARY",
    "ESPEAK_MAX_CHARS",
    "ESPEAK_MODEL_ID",
    "EspeakEngine",
    "espeak_binary",
    "espeak_card",
]

ESPEAK_MODEL_ID = "espeak-ng/espeak-ng"
ESPEAK_LIBRARY = "espeak-ng"
ESPEAK_MAX_CHARS = 5_000
"""Longer texts are cut (at a word) to this many characters; the output says so."""

ESPEAK_LANGUAGES: dict[str, str] = {
    "ar": "ar",
    "bg": "bg",
    "ca": "ca",
    "cs": "cs",
    "da": "da",
    "de": "de",
    "el": "el",
    "en": "en-us",
    "es": "es",
    "fa": "fa",
    "fi": "fi",
    "fr": "fr",
    "hi": "hi",
    "hu": "hu",
    "id": "id",
    "it": "it",
    "ko": "ko",
    "ms": "ms",
    "nb": "nb",
    "nl": "nl",
    "pl": "pl",
    "pt": "pt",
    "ro": "ro",
    "ru": "ru",
    "sv": "sv",
    "sw": "sw",
    "tr": "tr",
    "uk": "uk",
    "ur": "ur",
    "vi": "vi",
    # `cmn` in eSpeak NG 1.51 (Debian's) turns each character into pinyin and then reads the
    # pinyin as English ("好" -> "hao two", espeak-ng issue #1236); this voice reads it as pinyin.
    "zh": "cmn-latn-pinyin",
}
"""ISO 639-1 code -> eSpeak NG voice, for the languages it reads acceptably.

Left out although eSpeak NG has a voice: `ja` (it reads kanji as "Chinese letter"), `th` (no
word breaking; syllables run together) and `he` (unvowelled words come out as consonants).
"""

_ENV = "HUGGINGGPT_ESPEAK"


def espeak_binary() -> str | None:
    """The espeak-ng executable: `$HUGGINGGPT_ESPEAK` if set, else `espeak-ng` on the PATH."""
    configured = os.environ.get(_ENV, "").strip()
    return shutil.which(configured) if configured else shutil.which("espeak-ng")


def espeak_card(task: str = "text-to-speech") -> ModelCard:
    """The catalog entry for eSpeak NG: no weights, so no path; its languages are its voices."""
    return ModelCard(
        id=ESPEAK_MODEL_ID,
        task=task,
        source="packaged",
        library_name=ESPEAK_LIBRARY,
        license="gpl-3.0",
        languages=tuple(sorted(ESPEAK_LANGUAGES)),
        description="eSpeak NG formant speech (Debian package espeak-ng): robotic, many languages",
        # Ranked after natural voices: it speaks when none serves the text's language.
        extra={"rank": "fallback"},
    )


class EspeakEngine(Engine):
    """Speaks text with eSpeak NG in the text's language; writes WAV."""

    name = "espeak-ng"

    def supports(self, model: ModelCard, mode: InferenceMode) -> bool:
        """An eSpeak NG card, run here, with the binary installed."""
        return (
            mode != "remote"
            and model.task == "text-to-speech"
            and model.library_name == ESPEAK_LIBRARY
            and espeak_binary() is not None
        )

    def run(self, request: EngineRequest) -> TaskOutput:
        """Synthesize the `text` argument in its language (argument `language`, else detected).

        Raises:
            EngineError: no text, no binary, a language without a voice, or espeak-ng failing.
        """
        text = request.inputs.get("text", "").strip()
        if not text:
            raise EngineError("text-to-speech needs argument 'text'")
        binary = espeak_binary()
        if binary is None:
            raise EngineError(
                "espeak-ng is not installed: install the Debian package `espeak-ng` "
                f"(apt-get install espeak-ng) or set {_ENV} to the executable"
            )
        language, detected = _language(request.inputs.get("language", ""), text)
        voice = ESPEAK_LANGUAGES.get(language)
        if voice is None:
            raise EngineError(
                f"espeak-ng has no usable voice for language {language!r} "
                f"(it speaks {', '.join(sorted(ESPEAK_LANGUAGES))})"
            )
        spoken = _cut(text, ESPEAK_MAX_CHARS)
        data = _speak(binary, voice, spoken, request.timeout_s)
        seconds = _seconds(data)
        note = f", first {len(spoken):,} of {len(text):,} characters" if spoken != text else ""
        output = media_bytes_output(
            request.run_dir, data, f"speech ({seconds:.1f} s, {language}{note})"
        )
        output["data"] = {
            "language": language,
            "voice": voice,
            "detected": detected,
            "seconds": round(seconds, 2),
            "truncated": spoken != text,
        }
        return output


def _language(requested: str, text: str) -> tuple[str, bool]:
    """The language to speak in, and whether it was detected rather than asked for."""
    if requested.strip():
        code = language_code(requested)
        if code is None:
            raise EngineError(f"espeak-ng: unknown language {requested!r}")
        return code, False
    detected = detect_language(text)
    return (detected, True) if detected else ("en", False)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[:limit]
    space = head.rfind(" ")
    return head[:space] if space > limit // 2 else head


def _seconds(data: bytes) -> float:
    try:
        with wave.open(io.BytesIO(data)) as check:
            return check.getnframes() / float(check.getframerate())
    except (wave.Error, EOFError) as exc:
        raise EngineError(f"espeak-ng wrote an unreadable WAV: {exc}") from None


def _speak(binary: str, voice: str, text: str, timeout_s: float) -> bytes:
    """Run espeak-ng with the text on stdin (never in its arguments) and return the WAV bytes."""
    with tempfile.TemporaryDirectory(prefix="espeak-") as folder:
        out = Path(folder) / "speech.wav"
        try:
            done = subprocess.run(
                [binary, "-b", "1", "-v", voice, "-w", str(out), "--stdin"],
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise EngineError(f"espeak-ng gave no speech within {timeout_s:g} s") from None
        except OSError as exc:
            raise EngineError(f"espeak-ng could not start: {exc}") from None
        stderr = done.stderr.decode("utf-8", "replace").strip()
        if done.returncode != 0:
            raise EngineError(
                f"espeak-ng failed (exit {done.returncode}): {stderr or 'no message'}"
            )
        if not out.is_file() or out.stat().st_size <= 44:
            raise EngineError(f"espeak-ng wrote no audio{': ' + stderr if stderr else ''}")
        return out.read_bytes()
