"""Split a request into the steps it asks for, by punctuation and connectives, not by a model.

"Transcribe call.wav, summarise it and then read the summary aloud" gives three steps. Quoted
text is never split. A piece that asks for nothing (it does not start with a verb, a question
word or a polite opener: "Ticket: ...", "Context: ...") is content of the step before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from langchain_hugginggpt.plan.repair import value_modality
from langchain_hugginggpt.tasks import Modality

__all__ = ["Step", "request_files", "split_clauses", "split_steps"]

# Verbs a request uses to ask for something, in their imperative form (general English).
VERBS = frozenset(
    {
        "add",
        "adjust",
        "alter",
        "analyse",
        "analyze",
        "animate",
        "answer",
        "apply",
        "assess",
        "blur",
        "boost",
        "brighten",
        "caption",
        "categorise",
        "categorize",
        "change",
        "chat",
        "check",
        "clarify",
        "classify",
        "clean",
        "colorize",
        "colourise",
        "compare",
        "complete",
        "compose",
        "compute",
        "condense",
        "continue",
        "convert",
        "correct",
        "count",
        "craft",
        "create",
        "crop",
        "decide",
        "decipher",
        "denoise",
        "depict",
        "describe",
        "design",
        "detect",
        "determine",
        "discuss",
        "draft",
        "draw",
        "dub",
        "edit",
        "elaborate",
        "enhance",
        "estimate",
        "evaluate",
        "examine",
        "expand",
        "explain",
        "extract",
        "figure",
        "find",
        "fix",
        "form",
        "generate",
        "get",
        "give",
        "guess",
        "highlight",
        "identify",
        "illustrate",
        "improve",
        "inspect",
        "interpret",
        "isolate",
        "label",
        "list",
        "listen",
        "locate",
        "look",
        "make",
        "map",
        "mark",
        "measure",
        "modify",
        "name",
        "narrate",
        "outline",
        "paint",
        "paraphrase",
        "pen",
        "perform",
        "pick",
        "pinpoint",
        "play",
        "point",
        "predict",
        "produce",
        "pull",
        "put",
        "rate",
        "read",
        "recognise",
        "recognize",
        "recolor",
        "recolour",
        "refine",
        "remove",
        "render",
        "reply",
        "respond",
        "restore",
        "restyle",
        "rewrite",
        "run",
        "say",
        "score",
        "segment",
        "separate",
        "sharpen",
        "shorten",
        "show",
        "simplify",
        "sketch",
        "sort",
        "speak",
        "spot",
        "summarise",
        "summarize",
        "synthesise",
        "synthesize",
        "tag",
        "take",
        "tell",
        "tidy",
        "transcribe",
        "transform",
        "translate",
        "turn",
        "tweak",
        "upscale",
        "use",
        "verify",
        "visualise",
        "visualize",
        "voice",
        "write",
    }
)
_OPENERS = ("please", "can you", "could you", "i want", "i'd like", "i need", "now", "also", "then")
_WH = ("what", "which", "who", "whom", "whose", "when", "where", "why", "how", "is", "are", "does",
       "do", "did", "was", "were", "will")  # fmt: skip
_FILE_RE = re.compile(r"(?:https?://\S+|[\w~./-]+)\.[A-Za-z0-9]{2,5}\b")
# A single quote opens only where no letter precedes it and closes only where none follows:
# the apostrophes of "I'm" and "don't" are not quotes.
_QUOTE_RE = re.compile(r"\"[^\"]*\"|“[^”]*”|(?<![A-Za-z])'[^']{3,}?'(?![A-Za-z])")
_VERB_ALT = "|".join(sorted(VERBS))
_INPUT_LINE_RE = re.compile(r"^\s*input files?:.*$", re.IGNORECASE | re.MULTILINE)
_SPLIT_RE = re.compile(
    r"(?<=[.?!])\s+(?=[A-Z])"  # sentences
    r"|\n\s*\n"  # paragraphs
    r"|;\s*"
    r"|,?\s+(?:and\s+)?then\s+"  # "..., then", "and then"
    rf"|,\s*(?:and\s+)?(?:also\s+|finally\s+|after that\s+|afterwards\s+)?(?=(?:{_VERB_ALT})\b)"
    rf"|\s+and\s+(?:also\s+|finally\s+)?(?=(?:{_VERB_ALT})\b)"
    r"|,\s*and\s+(?=(?:what|which|who|how|where|when|whether)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Step:
    """One thing the request asks for, with the files it names (path or URL, and modality)."""

    text: str
    files: tuple[tuple[str, Modality], ...] = ()


def request_files(text: str) -> list[tuple[str, Modality]]:
    """The media files and URLs named in `text`, in order, with their modality."""
    found = []
    for match in _FILE_RE.finditer(text):
        value = match.group(0).rstrip(".,;:!?)\"'")
        kind = value_modality(value, {})
        if kind:
            found.append((value, kind))
    return found


def _asks(piece: str) -> bool:
    words = piece.lower().lstrip("\"'(").split()
    if not words:
        return False
    first = words[0].strip(",:")
    return (
        first in VERBS
        or first in _WH
        or any(piece.lower().startswith(o) for o in _OPENERS)
        or first.endswith("?")
    )


def _shielded(request: str) -> tuple[str, dict[str, str]]:
    """The request's body with quotes and file names replaced by keys (`_unshield` undoes it).

    "Input file: ..." lines (as the CLI appends them) name files for the whole request; they
    are not a step, and their files are found by `request_files` on the whole request. File
    names have dots that are not sentence ends; quoted text is not cut at all.
    """
    shielded: dict[str, str] = {}

    def shield(match: re.Match[str]) -> str:
        key = f"\x00{len(shielded)}\x00"
        shielded[key] = match.group(0)
        return key

    body = _INPUT_LINE_RE.sub("", request).strip() or request.strip()
    return _FILE_RE.sub(shield, _QUOTE_RE.sub(shield, body)), shielded


def _as_steps(pieces: list[str], shielded: dict[str, str]) -> list[Step]:
    steps = []
    for piece in pieces:
        plain = _unshield(piece, shielded)
        steps.append(Step(text=plain, files=tuple(request_files(plain))))
    return steps


def split_steps(request: str) -> list[Step]:
    """The steps of `request`, in order; a request with no recognisable step is one step."""
    text, shielded = _shielded(request)
    pieces = [p.strip(" ,") for p in _SPLIT_RE.split(text) if p and p.strip(" ,")]
    merged: list[str] = []
    for piece in pieces:
        if merged and not _asks(_unshield(piece, shielded)):
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return _as_steps(merged or [text], shielded)


# Finer cuts for `split_clauses`: any sentence end, "and <word>", and a comma before a word
# that starts a new step ("..., once that's done").
_CLAUSE_RE = re.compile(
    r"(?<=[.?!])\s+"
    r"|,?\s+and\s+(?:then\s+|also\s+|finally\s+|lastly\s+)?(?=[a-z]+\b)"
    r"|,\s*(?=(?:once|after|lastly|finally|first|next|afterwards|additionally|subsequently)\b)",
    re.IGNORECASE,
)


def split_clauses(request: str) -> list[Step]:
    """The request cut into clauses: `split_steps`'s cuts, and every sentence and "and" too.

    Nothing is merged back: a clause that only gives background ("I have a photo of my cat")
    is a clause of its own, for a step classifier to recognise as no task. A piece of one word
    joins the clause before it.
    """
    text, shielded = _shielded(request)
    clauses: list[str] = []
    for piece in _SPLIT_RE.split(text):
        cut = " "  # what the clause before was cut at ("and", ", then"), else a space
        start = 0
        for match in [*_CLAUSE_RE.finditer(piece), None]:
            clause = piece[start : match.start() if match else len(piece)].strip(" ,")
            if clause and clauses and len(clause.split()) < 2:
                clauses[-1] = f"{clauses[-1]}{cut}{clause}"
            elif clause:
                clauses.append(clause)
            if match:
                cut, start = match.group(0), match.end()
    return _as_steps(clauses or [text], shielded)


def _unshield(text: str, shielded: dict[str, str]) -> str:
    for key, value in shielded.items():
        text = text.replace(key, value)
    return text
