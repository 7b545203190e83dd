"""Setting a loaded translation model up for one language pair, per model family.

Each family is told the pair its own way: T5 by a text prefix from its config
(`translate English to German: `), multi-target Marian by a `>>xx<<` token, M2M100 by
`tokenizer.src_lang` and `forced_bos_token_id=tokenizer.get_lang_id(tgt)`, NLLB and mBART-50
the same with their own codes (`kor_Hang`, `ko_KR`). A model asked for a pair it does not
translate is refused with the pairs it does, never run into a wrong-language answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from langchain_hugginggpt.artifacts.language import detect_language, language_code, language_name
from langchain_hugginggpt.catalog.directions import ANY, Directions, pair_side
from langchain_hugginggpt.engines.base import EngineError

__all__ = [
    "MBART50_CODES",
    "NLLB_CODES",
    "TranslationSetup",
    "mbart50_code",
    "model_family",
    "nllb_code",
    "prepare_translation",
]

NLLB_CODES: dict[str, str] = {
    "ar": "arb_Arab",
    "bg": "bul_Cyrl",
    "ca": "cat_Latn",
    "cs": "ces_Latn",
    "da": "dan_Latn",
    "de": "deu_Latn",
    "el": "ell_Grek",
    "en": "eng_Latn",
    "es": "spa_Latn",
    "fa": "pes_Arab",
    "fi": "fin_Latn",
    "fr": "fra_Latn",
    "he": "heb_Hebr",
    "hi": "hin_Deva",
    "hu": "hun_Latn",
    "id": "ind_Latn",
    "it": "ita_Latn",
    "ja": "jpn_Jpan",
    "ko": "kor_Hang",
    "ms": "zsm_Latn",
    "nb": "nob_Latn",
    "nl": "nld_Latn",
    "pl": "pol_Latn",
    "pt": "por_Latn",
    "ro": "ron_Latn",
    "ru": "rus_Cyrl",
    "sv": "swe_Latn",
    "sw": "swh_Latn",
    "th": "tha_Thai",
    "tr": "tur_Latn",
    "uk": "ukr_Cyrl",
    "ur": "urd_Arab",
    "vi": "vie_Latn",
    "zh": "zho_Hans",
}
"""ISO 639-1 -> NLLB-200 (FLORES-200) code: ISO 639-3 plus script."""

MBART50_CODES: dict[str, str] = {
    "ar": "ar_AR",
    "cs": "cs_CZ",
    "de": "de_DE",
    "en": "en_XX",
    "es": "es_XX",
    "fa": "fa_IR",
    "fi": "fi_FI",
    "fr": "fr_XX",
    "he": "he_IL",
    "hi": "hi_IN",
    "id": "id_ID",
    "it": "it_IT",
    "ja": "ja_XX",
    "ko": "ko_KR",
    "nl": "nl_XX",
    "pl": "pl_PL",
    "pt": "pt_XX",
    "ro": "ro_RO",
    "ru": "ru_RU",
    "sv": "sv_SE",
    "sw": "sw_KE",
    "th": "th_TH",
    "tr": "tr_TR",
    "uk": "uk_UA",
    "ur": "ur_PK",
    "vi": "vi_VN",
    "zh": "zh_CN",
}
"""ISO 639-1 -> mBART-50 code (language plus region, `XX` where none)."""

_T5_KEY = re.compile(r"^translation_([a-z]{2,3})_to_([a-z]{2,3})$")
_PAIR_NAME = re.compile(r"opus-mt-([a-z]{2,3})-([a-z]{2,3})(?:$|[^a-z])", re.IGNORECASE)


@dataclass(frozen=True)
class TranslationSetup:
    """What one translation call needs: a text prefix and `generate` arguments."""

    prefix: str = ""
    generate_kwargs: dict[str, Any] = field(default_factory=dict)


def nllb_code(language: str) -> str | None:
    """NLLB's code of a language name or code (`Korean`, `ko` -> `kor_Hang`), or None."""
    iso = language_code(language)
    return NLLB_CODES.get(iso) if iso else None


def mbart50_code(language: str) -> str | None:
    """mBART-50's code of a language name or code (`Korean`, `ko` -> `ko_KR`), or None."""
    iso = language_code(language)
    return MBART50_CODES.get(iso) if iso else None


def model_family(model: Any, tokenizer: Any) -> str:
    """`nllb`, `mbart50`, `m2m100`, `marian`, `prefixed` (T5-style config prefixes) or `other`."""
    kind = type(tokenizer).__name__.lower()
    config = getattr(model, "config", None)
    if "nllb" in kind:
        return "nllb"
    if "mbart50" in kind:
        return "mbart50"
    if hasattr(tokenizer, "get_lang_id") and isinstance(
        getattr(tokenizer, "lang_code_to_id", None), dict
    ):
        return "m2m100"
    if getattr(config, "model_type", None) == "marian":
        return "marian"
    if _prefixed_pairs(config):
        return "prefixed"
    return "other"


def prepare_translation(
    model: Any, tokenizer: Any, text: str, source: str | None, target: str | None, name: str
) -> TranslationSetup:
    """Set `tokenizer` up and say how to call `model` to translate `text`.

    Args:
        model: the loaded seq2seq model.
        tokenizer: its tokenizer; many-to-many families get their `src_lang` set.
        text: the text, whose language is detected when `source` is not given.
        source: the source language (name or code), or None (or unknown here) to detect it.
        target: the target language (name or code), or None for a fixed-pair model's own.
        name: what the model is called in errors (its id or folder).

    Raises:
        EngineError: the model does not translate this pair (naming those it does), the target
            is missing for a model that needs one, or the target language is not known here.
    """
    tgt = _known(target)
    # A source not known here ("auto", "detect") is detected from the text instead.
    src = (language_code(source) if source else None) or detect_language(text)
    family = model_family(model, tokenizer)
    if family == "prefixed":
        return _prefixed(model.config, src, tgt, name)
    if family == "marian":
        return _marian(model, tokenizer, src, tgt, name)
    if family == "other":
        return TranslationSetup()
    if tgt is None:
        raise EngineError(f"{name} translates between many languages and needs a target language")
    return _many_to_many(family, tokenizer, src, tgt, name)


def _known(language: str | None) -> str | None:
    if language is None or not language.strip():
        return None
    code = language_code(language)
    if code is None:
        raise EngineError(f"unknown target language {language!r}")
    return code


def _refusal(name: str, directions: Directions, src: str | None, tgt: str | None) -> EngineError:
    asked = (
        f"{language_name(src)} to {language_name(tgt or '?')}"
        if src
        else (f"into {language_name(tgt or '?')}")
    )
    return EngineError(f"{name} translates {directions.describe()} only, not {asked}")


def _prefixed_pairs(config: Any) -> dict[tuple[str, str], str]:
    params = getattr(config, "task_specific_params", None) or {}
    pairs: dict[tuple[str, str], str] = {}
    for key, value in params.items():
        match = _T5_KEY.match(str(key))
        if match and isinstance(value, dict):
            pairs[(match.group(1), match.group(2))] = str(value.get("prefix", ""))
    return pairs


def _prefixed(config: Any, src: str | None, tgt: str | None, name: str) -> TranslationSetup:
    pairs = _prefixed_pairs(config)
    fitting = [
        pair
        for pair in pairs
        if (tgt is None or pair[1] == tgt) and (src is None or pair[0] == src)
    ]
    if len(fitting) != 1:
        if fitting and tgt is None:
            raise EngineError(
                f"{name} needs a target language: it translates "
                + Directions(pairs=frozenset(pairs)).describe()
            )
        raise _refusal(name, Directions(pairs=frozenset(pairs)), src, tgt)
    return TranslationSetup(prefix=pairs[fitting[0]])


def _marian(
    model: Any, tokenizer: Any, src: str | None, tgt: str | None, name: str
) -> TranslationSetup:
    pair = _marian_pair(model, tokenizer, name)
    targets = list(getattr(tokenizer, "supported_language_codes", None) or [])
    if targets:  # one model, several targets, chosen by a `>>xx<<` token
        token = _target_token(targets, tgt)
        if token is None:
            langs = frozenset(c for t in targets if (c := language_code(t.strip("<>"))))
            raise _refusal(name, Directions(pairs=frozenset((ANY, c) for c in langs)), None, tgt)
        return TranslationSetup(prefix=f"{token} ")
    if pair is None:
        return TranslationSetup()
    directions = Directions(pairs=frozenset({pair}))
    if not directions.serves(src, tgt):
        raise _refusal(name, directions, src, tgt)
    return TranslationSetup()


def _marian_pair(model: Any, tokenizer: Any, name: str) -> tuple[str, str] | None:
    src = getattr(tokenizer, "source_lang", None)
    tgt = getattr(tokenizer, "target_lang", None)
    if src and tgt:
        pair = (_side(str(src)), _side(str(tgt)))
    else:
        names = (name, str(getattr(model.config, "_name_or_path", "")))
        match = next((m for n in names if (m := _PAIR_NAME.search(n))), None)
        if match is None:
            return None
        pair = (_side(match.group(1)), _side(match.group(2)))
    return (pair[0], pair[1]) if pair[0] and pair[1] else None


def _side(code: str) -> str:
    return pair_side(code) or ""


def _target_token(tokens: list[str], tgt: str | None) -> str | None:
    if tgt is None:
        return None
    for token in tokens:
        if language_code(token.strip("<>")) == tgt:
            return token
    return None


def _many_to_many(
    family: str, tokenizer: Any, src: str | None, tgt: str, name: str
) -> TranslationSetup:
    if family == "m2m100":
        # M2M100's own codes are ISO 639-1 already (`no` is asked for as `nb`).
        codes: dict[str, str] = {
            (language_code(code) or code): code for code in tokenizer.lang_code_to_id
        }
    else:
        table = NLLB_CODES if family == "nllb" else MBART50_CODES
        unk = getattr(tokenizer, "unk_token_id", None)
        codes = {
            iso: code
            for iso, code in table.items()
            if tokenizer.convert_tokens_to_ids(code) not in (None, unk)
        }
    directions = Directions(languages=frozenset(codes))
    if tgt not in codes or (src is not None and src not in codes):
        raise _refusal(name, directions, src, tgt)
    # Undetected (short) text is taken as English, the tokenizers' own default source.
    tokenizer.src_lang = codes[src] if src is not None else codes.get("en", tokenizer.src_lang)
    if family == "m2m100":
        forced = tokenizer.get_lang_id(codes[tgt])
    else:
        forced = tokenizer.convert_tokens_to_ids(codes[tgt])
    return TranslationSetup(generate_kwargs={"forced_bos_token_id": int(forced)})
