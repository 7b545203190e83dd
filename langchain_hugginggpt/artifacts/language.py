"""Which language a text is in, from its script and, for Latin script, its commonest words.

Cheap and offline: no model, no data file. Non-Latin scripts mostly name their language by
themselves (Hangul is Korean, kana is Japanese); Latin-script text is told apart by a dozen or
so very common function words per language, and is left undecided (None) when no language
clearly wins.
"""

from __future__ import annotations

import re
from collections import Counter

__all__ = ["LANGUAGE_NAMES", "detect_language", "language_code", "language_name"]

LANGUAGE_NAMES: dict[str, str] = {
    # English names, lower case
    "arabic": "ar",
    "bulgarian": "bg",
    "catalan": "ca",
    "chinese": "zh",
    "czech": "cs",
    "danish": "da",
    "dutch": "nl",
    "english": "en",
    "farsi": "fa",
    "finnish": "fi",
    "flemish": "nl",
    "french": "fr",
    "german": "de",
    "greek": "el",
    "hebrew": "he",
    "hindi": "hi",
    "hungarian": "hu",
    "indonesian": "id",
    "italian": "it",
    "japanese": "ja",
    "korean": "ko",
    "malay": "ms",
    "mandarin": "zh",
    "norwegian": "nb",
    "persian": "fa",
    "polish": "pl",
    "portuguese": "pt",
    "romanian": "ro",
    "russian": "ru",
    "spanish": "es",
    "castilian": "es",
    "swahili": "sw",
    "swedish": "sv",
    "thai": "th",
    "turkish": "tr",
    "ukrainian": "uk",
    "urdu": "ur",
    "vietnamese": "vi",
    # names in the language itself
    "中文": "zh",
    "汉语": "zh",
    "漢語": "zh",
    "普通话": "zh",
    "日本語": "ja",
    "한국어": "ko",
    "русский": "ru",
    "українська": "uk",
    "العربية": "ar",
    "français": "fr",
    "deutsch": "de",
    "español": "es",
    "italiano": "it",
    "português": "pt",
    "nederlands": "nl",
}
"""Language names (lower case, English or native) -> ISO 639-1 code."""

_THREE_LETTER: dict[str, str] = {
    "ara": "ar",
    "chi": "zh",
    "cmn": "zh",
    "deu": "de",
    "dut": "nl",
    "ell": "el",
    "eng": "en",
    "fra": "fr",
    "fre": "fr",
    "ger": "de",
    "gre": "el",
    "heb": "he",
    "hin": "hi",
    "ita": "it",
    "jpn": "ja",
    "kor": "ko",
    "nld": "nl",
    "nob": "nb",
    "por": "pt",
    "rus": "ru",
    "spa": "es",
    "tha": "th",
    "ukr": "uk",
    "zho": "zh",
}
"""ISO 639-2/3 codes of the same languages (`cmn` is Mandarin)."""

_CODES = frozenset(LANGUAGE_NAMES.values()) | {"no"}

# Letters of one script: (first, last) code point ranges.
_SCRIPTS: dict[str, tuple[tuple[int, int], ...]] = {
    "han": ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F)),
    "kana": ((0x3040, 0x30FF), (0x31F0, 0x31FF), (0xFF66, 0xFF9D)),
    "hangul": ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7AF)),
    "cyrillic": ((0x0400, 0x052F),),
    "arabic": ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF)),
    "hebrew": ((0x0590, 0x05FF),),
    "greek": ((0x0370, 0x03FF), (0x1F00, 0x1FFF)),
    "thai": ((0x0E00, 0x0E7F),),
    "devanagari": ((0x0900, 0x097F),),
    "latin": ((0x0041, 0x024F), (0x1E00, 0x1EFF)),
}
_SCRIPT_LANGUAGE = {
    "hangul": "ko",
    "cyrillic": "ru",
    "arabic": "ar",
    "hebrew": "he",
    "greek": "el",
    "thai": "th",
    "devanagari": "hi",
}
_SYLLABIC_WEIGHT = 3
"""A Han, kana or Hangul character carries about a syllable, as much as ~3 Latin letters; so
`我用Python写代码` counts as Chinese, and `I visited 北京 today` as English."""
_MIN_WEIGHT = 4
"""Less than this many (weighted) letters is too little to tell: `好` or `да` give None."""
_UKRAINIAN = frozenset("іїєґІЇЄҐ")

_STOP_WORD_LISTS = {
    "en": "the and of to is that it was for with are this you not have be",
    "fr": "le les et est une des du pas dans pour qui avec sur ce je nous vous au",
    "de": "der die das und ist nicht ein eine mit sich auf für ich den dem wir",
    "es": "el los las y una del por con para está muy pero es lo se su",
    "it": "il gli di che è e per non sono della delle nel anche questo ma molto",
    "pt": "o os do da dos das em não é e um uma mais ao na com você muito",
    "nl": "de het een en van niet dat met zijn voor ook maar op te ik hij wij er is",
}
_STOP_WORDS = {lang: frozenset(words.split()) for lang, words in _STOP_WORD_LISTS.items()}
"""A dozen or so of each language's commonest function words (some are shared, e.g. `de`)."""
_MIN_HITS = 2
_CLEAR_MARGIN = 1.5
"""The best Latin-script language needs 1.5 times the stop-word hits of the runner-up."""
_WORD = re.compile(r"[^\W\d_]+")


def detect_language(text: str) -> str | None:
    """Guess the language of `text`.

    Args:
        text: any text; only its letters count.

    Returns:
        An ISO 639-1 code (`zh`, `ja`, `ko`, `ru`, `uk`, `ar`, `he`, `el`, `th`, `hi`, `en`,
        `fr`, `de`, `es`, `it`, `pt`, `nl`), or None when the text is too short, mixes scripts
        with no clear majority, or is Latin script without a clearly winning language.
    """
    counts = _script_counts(text)
    weights = {
        script: n * (_SYLLABIC_WEIGHT if script in ("han", "kana", "hangul") else 1)
        for script, n in counts.items()
    }
    cjk = weights.pop("han", 0) + weights.pop("kana", 0)
    if cjk:
        weights["cjk"] = cjk
    total = sum(weights.values())
    if total < _MIN_WEIGHT:
        return None
    script, weight = max(weights.items(), key=lambda item: item[1])
    if weight * 2 <= total:
        return None
    if script == "cjk":
        # Japanese writes its grammar in kana; Chinese has none (a stray の aside).
        return "ja" if counts["kana"] * 10 >= counts["kana"] + counts["han"] else "zh"
    if script == "cyrillic":
        return "uk" if any(c in _UKRAINIAN for c in text) else "ru"
    if script == "latin":
        return _latin_language(text)
    return _SCRIPT_LANGUAGE[script]


def language_code(name_or_code: str) -> str | None:
    """The ISO 639-1 code of a language name or code.

    Args:
        name_or_code: `Chinese`, `mandarin`, `français`, `zh`, `zh-CN`, `pt_BR`, `cmn`, `eng`,
            `Chinese (Mandarin)`, ...

    Returns:
        The two-letter code, or None for a name or code not known here.
    """
    key = name_or_code.strip().lower().replace("_", "-")
    if not key:
        return None
    found = _lookup(key) or _lookup(re.sub(r"\s*\(.*?\)\s*", " ", key).strip())
    if found:
        return found
    codes = {
        code for word in key.replace("(", " ").replace(")", " ").split() if (code := _lookup(word))
    }
    return codes.pop() if len(codes) == 1 else None


def language_name(code: str) -> str:
    """The English name of an ISO 639-1 code (`ko` -> `Korean`); the code itself if unknown."""
    for name, known in LANGUAGE_NAMES.items():
        if known == code and name.isascii():
            return name.capitalize()
    return code


def _lookup(key: str) -> str | None:
    if key in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[key]
    primary = key.split("-", 1)[0]
    if primary in _CODES:
        return "nb" if primary == "no" else primary
    return _THREE_LETTER.get(primary)


def _script_counts(text: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for char in text:
        if not char.isalpha():
            continue
        point = ord(char)
        for script, ranges in _SCRIPTS.items():
            if any(first <= point <= last for first, last in ranges):
                counts[script] += 1
                break
    return counts


def _latin_language(text: str) -> str | None:
    words = _WORD.findall(text.lower())
    hits = {lang: sum(w in stop for w in words) for lang, stop in _STOP_WORDS.items()}
    ranked = sorted(hits.items(), key=lambda item: -item[1])
    (best, top), (_, second) = ranked[0], ranked[1]
    if top >= _MIN_HITS and top > second and top >= _CLEAR_MARGIN * second:
        return best
    return None
