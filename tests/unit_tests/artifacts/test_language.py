"""Language detection: script first, then common words for Latin-script text."""

from __future__ import annotations

import pytest

from langchain_hugginggpt.artifacts import language as language_module
from langchain_hugginggpt.artifacts.language import LANGUAGE_NAMES, detect_language, language_code

SENTENCES = {
    "zh": "今天天气很好，我们一起去公园散步吧。",
    "ja": "今日はとても良い天気ですね。一緒に公園へ散歩に行きましょう。",
    "ko": "오늘은 날씨가 정말 좋네요. 같이 공원에 산책하러 갈까요?",
    "ru": "Сегодня очень хорошая погода, давайте пойдём гулять в парк.",
    "uk": "Сьогодні дуже гарна погода, ходімо гуляти в парк. Я їду додому.",
    "ar": "الطقس جميل جدا اليوم، هيا نذهب إلى الحديقة معا.",
    "he": "מזג האוויר יפה מאוד היום, בואו נלך לפארק.",
    "el": "Ο καιρός είναι πολύ ωραίος σήμερα, πάμε μια βόλτα στο πάρκο.",
    "th": "วันนี้อากาศดีมาก ไปเดินเล่นที่สวนกันเถอะ",
    "hi": "आज मौसम बहुत अच्छा है, चलो पार्क में टहलने चलते हैं।",
    "en": "The weather is lovely today, and I think that we should go for a walk in the park.",
    "fr": "Il fait très beau aujourd'hui, et nous allons nous promener dans le parc avec les "
    "enfants.",
    "de": "Das Wetter ist heute sehr schön, und ich glaube, wir sollten mit den Kindern in den "
    "Park gehen.",
    "es": "Hoy hace muy buen tiempo y creo que deberíamos ir al parque con los niños para pasear.",
    "it": "Oggi il tempo è molto bello e penso che dovremmo andare al parco con i bambini.",
    "pt": "Hoje o tempo está muito bom e eu acho que devemos ir ao parque com as crianças.",
    "nl": "Het weer is vandaag erg mooi en ik denk dat we met de kinderen naar het park moeten "
    "gaan.",
}


@pytest.mark.parametrize("code", sorted(SENTENCES))
def test_each_language_is_recognised(code: str) -> None:
    assert detect_language(SENTENCES[code]) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("我每天都用Python写代码，也用JavaScript。", "zh"),  # Latin words inside Chinese
        ("I visited 北京 last year and it was wonderful.", "en"),  # a Chinese name in English
        ("東京タワーに行きました。", "ja"),  # kanji with a little kana is still Japanese
        ("Москва — столица России, и это очень большой город.", "ru"),
        ("Привіт! Як справи? Все добре, дякую.", "uk"),  # і and є mark Ukrainian
        (SENTENCES["en"] * 40, "en"),  # long text
    ],
)
def test_mixed_and_edge_texts(text: str, code: str) -> None:
    assert detect_language(text) == code


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t",
        "12345 !!! ... 3.14",
        "好",  # one character is too little
        "да",
        "OK",
        "Hello world",  # Latin without function words
        "Paris London Berlin Madrid",
        "la casa",  # which Romance language?
        "Dzień dobry, jak się masz?",  # Polish: Latin script, no profile here
    ],
)
def test_short_or_unclear_text_gives_none(text: str) -> None:
    assert detect_language(text) is None


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Chinese", "zh"),
        ("mandarin", "zh"),
        ("  FRENCH ", "fr"),
        ("français", "fr"),
        ("中文", "zh"),
        ("zh", "zh"),
        ("zh-CN", "zh"),
        ("pt_BR", "pt"),
        ("en-US", "en"),
        ("cmn", "zh"),
        ("eng", "en"),
        ("Chinese (Mandarin)", "zh"),
        ("Simplified Chinese", "zh"),
        ("Norwegian", "nb"),
        ("no", "nb"),
    ],
)
def test_language_code_from_names_and_codes(name: str, code: str) -> None:
    assert language_code(name) == code


@pytest.mark.parametrize("name", ["", "Klingon", "xx", "xx-YY", "English or French"])
def test_language_code_unknown_gives_none(name: str) -> None:
    assert language_code(name) is None


def test_names_map_to_two_letter_codes_and_detected_codes_are_named() -> None:
    assert all(len(code) == 2 and code.islower() for code in LANGUAGE_NAMES.values())
    assert set(SENTENCES) <= set(LANGUAGE_NAMES.values())


def test_public_names_are_sorted() -> None:
    assert language_module.__all__ == sorted(language_module.__all__)
