"""Checks that an engine's output is what the task asked for, beyond its shape.

A model can return well-formed text that does not do the task: a small LLM asked to summarise
often hands the text back unchanged. The fallback ladder asks `output_problem` about every
result and, given a reason, moves on to the next candidate model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_hugginggpt.engines.offline.extractive import count_words, split_sentences

__all__ = [
    "MAX_SUMMARY_SHARE",
    "MIN_CHECKED_WORDS",
    "MIN_REPEAT_WORDS",
    "REPEAT_SHARE",
    "output_problem",
    "summary_problem",
]

MIN_CHECKED_WORDS = 80
"""Shorter sources are not checked: a fair summary of a short text can be nearly as long."""

MAX_SUMMARY_SHARE = 0.6
"""A summary with more than this share of the source's words is not a summary."""

MIN_REPEAT_WORDS = 25
REPEAT_SHARE = 0.9
"""Below `MIN_CHECKED_WORDS`, a "summary" with this share of the words of a source of at least
`MIN_REPEAT_WORDS` words and two sentences is still the text handed back, not a summary."""

_TRAILING = "\"'\u201d\u2019)]\u300d\u300f\uff09.!?\u2026\u3002\uff01\uff1f \t\n"


def _normalised(text: str) -> str:
    return " ".join(text.split()).casefold()


def summary_problem(source: str, summary: str, *, min_words: int = MIN_CHECKED_WORDS) -> str | None:
    """Why `summary` is not a summary of `source`, or None when nothing is wrong with it.

    Sources of at least `min_words` words are judged (CJK characters count as words): the
    summary is rejected when it has more than 60% of the source's words, or when it has two or
    more sentences and, with whitespace and case normalised and its trailing punctuation
    dropped, appears word for word in the source: a run of consecutive sentences copied out.
    A shorter source of two sentences or more is judged only for being handed back (90% of its
    words or more).
    """
    source_words = count_words(source)
    if source_words < min_words:
        short_share = count_words(summary) / max(source_words, 1)
        if (
            source_words >= MIN_REPEAT_WORDS
            and short_share >= REPEAT_SHARE
            and len(split_sentences(source)) >= 2
        ):
            share_pct = round(short_share * 100)
            return f"the summary has {share_pct}% of the text's words: the text handed back"
        return None
    share = count_words(summary) / source_words
    if share > MAX_SUMMARY_SHARE:
        return f"the summary has {round(share * 100)}% of the text's words: not a summary"
    copied = _normalised(summary).rstrip(_TRAILING)
    if copied and copied in _normalised(source) and len(split_sentences(summary)) >= 2:
        return "the summary is a copy of consecutive sentences of the text: not a summary"
    return None


def output_problem(
    task_name: str, inputs: Mapping[str, str], output: Mapping[str, Any]
) -> str | None:
    """Why `output` does not do task `task_name` on `inputs`, or None.

    Only summarization is checked for now (the summary against `inputs["text"]`); other tasks
    get None.
    """
    if task_name == "summarization":
        source = inputs.get("text")
        text = output.get("text")
        if isinstance(source, str) and isinstance(text, str):
            return summary_problem(source, text)
    return None
