"""Which language pairs a translation model serves, from what its catalog card says.

Fixed-pair models name their pair in their id (`Helsinki-NLP/opus-mt-en-es`, `fugumt-en-ja`);
the original T5 checkpoints translate English to German, French and Romanian only; many-to-many
models (M2M100, NLLB, mBART-50) translate between any two of their languages. A card that says
nothing usable is of unknown reach (None): only loading it can tell (see
`engines.transformers.translation`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from langchain_hugginggpt.artifacts.language import language_code, language_name
from langchain_hugginggpt.catalog.card import ModelCard

__all__ = [
    "ANY",
    "T5_PAIRS",
    "Directions",
    "card_directions",
    "pair_side",
    "translation_refusal",
]

ANY = "*"
"""A side of a pair that takes any language (`opus-mt-mul-en` reads any source)."""

T5_PAIRS = frozenset({("en", "de"), ("en", "fr"), ("en", "ro")})
"""What the original T5 checkpoints translate (their `translate English to German: ` prefixes)."""

_T5_ID = re.compile(r"(?:^|/)t5-(?:small|base|large|3b|11b)$", re.IGNORECASE)
_PAIR_ID = re.compile(r"-([a-z]{2,3})-([a-z]{2,3})$", re.IGNORECASE)
_MANY_TO_MANY = ("m2m100", "small100", "nllb", "mbart-large-50-many-to-many")


@dataclass(frozen=True)
class Directions:
    """The language pairs a translation model serves (ISO 639-1 codes, `ANY` for any)."""

    pairs: frozenset[tuple[str, str]] = frozenset()
    """Fixed directions, source to target."""
    languages: frozenset[str] = frozenset()
    """Many-to-many: any of these into any other."""

    def serves(self, source: str | None, target: str | None) -> bool:
        """Whether it translates `source` into `target`; an unknown side matches anything."""
        for src, tgt in self.pairs:
            if _side(src, source) and _side(tgt, target):
                return True
        if not self.languages:
            return False
        return (source is None or source in self.languages) and (
            target is None or target in self.languages
        )

    def describe(self) -> str:
        """`English to German, English to French` or `between 200 languages`."""
        parts = [f"{_name(src)} to {_name(tgt)}" for src, tgt in sorted(self.pairs)]
        if self.languages:
            parts.append(f"between {len(self.languages)} languages")
        return ", ".join(parts) or "no known language pair"


def _side(declared: str, asked: str | None) -> bool:
    return asked is None or declared in (ANY, asked)


def _name(code: str) -> str:
    return "any language" if code == ANY else language_name(code)


def pair_side(code: str) -> str | None:
    """One side of a model's language pair as named in ids and tokenizers (`en`, `mul`)."""
    if code.lower() == "mul":
        return ANY
    return language_code(code)


def card_directions(card: ModelCard) -> Directions | None:
    """What `card` translates, or None when its card does not say.

    Args:
        card: a translation model's card.

    Returns:
        Its fixed pair (from an id ending in `-xx-yy`), T5's three pairs, many-to-many over its
        declared languages (M2M100, SMaLL-100, NLLB, mBART-50 many-to-many), within its
        declared languages for other cards that name two or more, else None.
    """
    name = card.id.rsplit("/", 1)[-1].lower()
    if _T5_ID.search(card.id):
        return Directions(pairs=T5_PAIRS)
    match = _PAIR_ID.search(name)
    if match and not any(key in name for key in _MANY_TO_MANY):
        src, tgt = pair_side(match.group(1)), pair_side(match.group(2))
        if src and tgt:
            return Directions(pairs=frozenset({(src, tgt)}))
    declared = {code for d in card.languages if (code := language_code(d))}
    if any(key in name for key in _MANY_TO_MANY) or "nllb" in card.tags:
        return Directions(languages=frozenset(declared)) if declared else None
    if "mbart-large-50-one-to-many" in name:
        return Directions(pairs=frozenset({("en", ANY)}))
    if "mbart-large-50-many-to-one" in name:
        return Directions(pairs=frozenset({(ANY, "en")}))
    if card.source == "controller" or len(declared) < 2:
        return None
    return Directions(languages=frozenset(declared))


def translation_refusal(card: ModelCard, source: str | None, target: str | None) -> str | None:
    """Why `card` cannot translate `source` into `target`, or None when it can or may."""
    if target is None:
        return None
    directions = card_directions(card)
    if directions is None or directions.serves(source, target):
        return None
    return f"translates {directions.describe()} only"
