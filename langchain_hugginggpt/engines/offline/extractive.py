"""Extractive summaries: the most central sentences of a text, kept word for word.

The text is split into sentences (English punctuation with its abbreviations and decimals, and
the CJK sentence ends: the ideographic full stop and the fullwidth ! and ?), each sentence is
embedded by a caller-supplied encoder, and sentences are ranked by cosine similarity to the
document's centroid (the word-weighted mean of the embeddings of its passages, with a small prior
for the first sentence), then picked by maximal marginal relevance so that near-duplicates are
not picked twice. The budget is the number of sentences the user asked for ("in two
sentences"), else about a third of them, and never more than half the words. The chosen
sentences keep their source order.

Everything here is pure (numpy is imported when ranking), so the rules can be tested without a
model; `langchain_hugginggpt.engines.offline.sbert` supplies the packaged MiniLM as the encoder.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from langchain_hugginggpt.artifacts.outputs import text_output
from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.engines.base import EngineError

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "FIRST_SENTENCE_PRIOR",
    "MAX_UNASKED_SENTENCES",
    "MIN_SENTENCE_WORDS",
    "MIN_WORDS",
    "MMR_LAMBDA",
    "PASSAGE_WORDS",
    "ExtractiveSummary",
    "choose_sentences",
    "count_words",
    "document_vector",
    "extractive_summary",
    "join_sentences",
    "passages",
    "requested_sentences",
    "sentence_budget",
    "split_sentences",
    "summarise",
    "summary_output",
]

MIN_WORDS = 40
"""Texts with fewer words (or fewer than two sentences) are too short to summarise."""

FIRST_SENTENCE_PRIOR = 0.05
"""Added to the first sentence's centrality: openings tend to state the subject."""

MAX_UNASKED_SENTENCES = 8
"""Longest summary, in sentences, when the request names no length."""

MIN_SENTENCE_WORDS = 4
"""Shorter sentences (and Markdown headings) are not picked, unless nothing else is there."""

PASSAGE_WORDS = 120
"""Words per passage embedded for the document's vector: within MiniLM's 256-token window."""

MMR_LAMBDA = 0.7
"""Weight of centrality against redundancy with the sentences already picked."""

# --- words ---------------------------------------------------------------------------------------

# Han ideographs and kana are written without spaces between words, so each counts as a word.
# Hangul is written with spaces and is counted by whitespace, like English.
_CJK_CHAR = re.compile(
    "[\u3040-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]"
)


def count_words(text: str) -> int:
    """Words in `text`: whitespace-separated tokens with a letter or digit; each CJK character.

    Chinese and Japanese are written without spaces, so their characters count one each.
    """
    cjk = len(_CJK_CHAR.findall(text))
    rest = _CJK_CHAR.sub(" ", text)
    return cjk + sum(1 for token in rest.split() if any(ch.isalnum() for ch in token))


# --- sentences -----------------------------------------------------------------------------------

_NEVER_ENDS = frozenset(
    # Titles and Latin abbreviations: a capitalised word after them does not start a sentence.
    [
        "mr",
        "mrs",
        "ms",
        "mx",
        "dr",
        "prof",
        "st",
        "mt",
        "ft",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "cmdr",
        "adm",
        "rev",
        "hon",
        "gov",
        "sen",
        "rep",
        "pres",
        "supt",
        "insp",
        "messrs",
        "mme",
        "mlle",
        "e.g",
        "i.e",
        "cf",
        "vs",
        "viz",
        "approx",
    ]
)
_ENDS_UNLESS_NUMBER = frozenset(
    # "No. 5", "Fig. 3", "Jan. 12": not an end when a number follows.
    [
        "no",
        "nos",
        "fig",
        "figs",
        "p",
        "pp",
        "vol",
        "vols",
        "ch",
        "sec",
        "art",
        "op",
        "ca",
        "est",
        "ed",
        "eq",
        "eqs",
        "ref",
        "refs",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
    ]
)
_DOTTED_ACRONYM = re.compile(r"(?:[A-Z]\.)+[A-Z]")  # U.S, U.K, E.U (the final dot is the match)
_WESTERN_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s|$)")
_CJK_END = re.compile(r"[\u3002\uff01\uff1f]+[\u300d\u300f\u201d\u2019\uff09)]*")
_BLOCK_BREAK = re.compile(
    # A blank line, or a new line starting a list item or a heading.
    r"\n\s*\n|\n(?=[ \t]*(?:[-*\u2022]|\d{1,3}[.)]|#{1,6})\s)"
)
_HEADING = re.compile(r"\s*#{1,6}\s")
_LEADING = "\"'\u201c\u2018([{"


def _is_end(text: str, end: re.Match[str]) -> bool:
    """Whether a Western end mark at `end` closes a sentence."""
    after = text[end.end() :].lstrip()
    if not after:
        return True
    nxt = after[0]
    if nxt.islower():
        return False  # '"Stop!" he said.' - 'at 5 p.m. on Monday'
    if text[end.start()] != ".":
        return True
    before = text[max(0, end.start() - 40) : end.start()].split()
    token = before[-1].lstrip(_LEADING) if before else ""
    word = token.lower()
    if word in _NEVER_ENDS:
        return False
    if word in _ENDS_UNLESS_NUMBER and nxt.isdigit():
        return False
    if len(token) == 1 and token.isupper():
        return False  # an initial: "J. Smith"
    if _DOTTED_ACRONYM.fullmatch(token):
        return False  # "the U.S. Senate"
    if token.isdigit():  # "1. Install it": a list number at the start of a line
        line_start = text.rfind("\n", 0, end.start()) + 1
        return bool(text[line_start : end.start() - len(token)].strip())
    return True


def _split_block(block: str) -> list[str]:
    marks = sorted(
        [(m.start(), m.end(), True) for m in _CJK_END.finditer(block)]
        + [(m.start(), m.end(), _is_end(block, m)) for m in _WESTERN_END.finditer(block)]
    )
    out: list[str] = []
    start = 0
    for begin, end, closes in marks:
        if closes and begin >= start:
            out.append(block[start:end])
            start = end
    out.append(block[start:])
    return [s for s in (" ".join(part.split()) for part in out) if s]


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, in order, each with its whitespace collapsed to single spaces.

    English ends (. ! ? and ellipses, with closing quotes or brackets) split only before
    whitespace and not before a lowercase word, so "3.5", "example.com" and '"Stop!" he said'
    stay whole; a period after a title or Latin abbreviation ("Mr.", "Dr.", "e.g."), an initial
    ("J. Smith"), a dotted acronym ("U.S.") or a list number does not end a sentence, nor does one
    after "No.", "Fig." or a month before a number. The CJK ends (ideographic full stop,
    fullwidth ! and ?) always split. Blank lines, list items and headings start new sentences.
    """
    sentences: list[str] = []
    for block in _BLOCK_BREAK.split(text.replace("\r\n", "\n")):
        if _HEADING.match(block):  # a heading line is a sentence of its own
            heading, _, block = block.partition("\n")
            sentences.extend(_split_block(heading))
        sentences.extend(_split_block(block))
    return sentences


def _is_cjk_end(sentence: str) -> bool:
    return bool(re.search(r"[\u3002\uff01\uff1f][\u300d\u300f\u201d\u2019\uff09)]*$", sentence))


def join_sentences(sentences: Sequence[str]) -> str:
    """Sentences back into text: a space between English ones, nothing after a CJK end."""
    out = ""
    for sentence in sentences:
        if out and not (_is_cjk_end(out) and _CJK_CHAR.match(sentence)):
            out += " "
        out += sentence
    return out


# --- budget --------------------------------------------------------------------------------------

_NUMBERS = {
    "one": 1,
    "single": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
_CJK_NUMBERS = {"一": 1, "单": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5}
_COUNT = re.compile(
    r"(?:\b(?:in|into|as|to|with|using)\s+(?:just\s+|only\s+|exactly\s+)?(?P<a>a|a\s+single)"
    r"|\b(?P<n>\d{1,2}|one|single|two|three|four|five|six|seven|eight|nine|ten))"
    r"[\s-]+sentences?\b"
    r"|(?P<cjk>[一单两二三四五]|\d{1,2})\s*句",
    re.IGNORECASE,
)
_BRIEF = re.compile(
    r"\b(?:briefly|brief|concise(?:ly)?|succinct(?:ly)?|in\s+short|tl;?\s?dr)\b|简要|简短|简单",
    re.IGNORECASE,
)
_SUMMARY_WORD = re.compile(r"summar|sum\s+(?:it\s+)?up|tl;?\s?dr|概括|总结|摘要", re.IGNORECASE)


def requested_sentences(length_hint: str) -> int | None:
    """The number of sentences `length_hint` asks for, if it names one.

    Reads "in one sentence", "in a single sentence", "in two sentences", "in 3 sentences",
    "a three-sentence summary" and 一句话 / 两句 / 3句. When several counts appear ("write a story
    in five sentences and summarise it in one sentence"), the one nearest a word about
    summarising wins.
    """
    found: list[tuple[int, int]] = []  # (position, count)
    for m in _COUNT.finditer(length_hint):
        if m.group("a"):
            count = 1
        else:
            word = (m.group("n") or m.group("cjk")).lower()
            count = _NUMBERS.get(word) or _CJK_NUMBERS.get(word) or int(word)
        found.append((m.start(), count))
    if not found:
        return None
    anchors = [m.start() for m in _SUMMARY_WORD.finditer(length_hint)]
    if len(found) == 1 or not anchors:
        return found[0][1]
    return min(found, key=lambda pc: min(abs(pc[0] - a) for a in anchors))[1]


def sentence_budget(n_sentences: int, length_hint: str = "") -> int:
    """How many of `n_sentences` to pick: as asked, else a fifth if asked to be brief, else a third.

    Always at least one and at most `n_sentences`; unasked, at most `MAX_UNASKED_SENTENCES` (a
    summary of a long document is still a paragraph, not a third of the document).
    """
    asked = requested_sentences(length_hint)
    if asked is None:
        share = 5 if _BRIEF.search(length_hint) else 3
        asked = min(round(n_sentences / share), MAX_UNASKED_SENTENCES)
    return max(1, min(n_sentences, asked))


# --- ranking -------------------------------------------------------------------------------------


def passages(
    sentences: Sequence[str], word_counts: Sequence[int], *, max_words: int = PASSAGE_WORDS
) -> list[tuple[str, int]]:
    """Runs of consecutive sentences of at most `max_words` words (a longer sentence alone).

    Returns (text, words) pairs. Each is short enough for a sentence encoder to read whole; their
    embeddings, weighted by words, make the document's vector.
    """
    out: list[tuple[str, int]] = []
    run: list[str] = []
    words = 0
    for sentence, count in zip(sentences, word_counts, strict=True):
        if run and words + count > max_words:
            out.append((join_sentences(run), words))
            run, words = [], 0
        run.append(sentence)
        words += count
    if run:
        out.append((join_sentences(run), words))
    return out


def document_vector(passage_vectors: np.ndarray, passage_words: Sequence[int]) -> np.ndarray:
    """The document's direction: its passages' embeddings averaged by words, L2-normalised."""
    import numpy as np

    weights = np.asarray(passage_words, dtype=float)[:, None]
    centre = (np.asarray(passage_vectors, dtype=float) * weights).sum(axis=0)
    norm = float(np.linalg.norm(centre))
    return centre / norm if norm > 0 else centre


def _contiguous(chosen: Sequence[int]) -> bool:
    return len(chosen) >= 2 and max(chosen) - min(chosen) == len(chosen) - 1


def choose_sentences(
    vectors: np.ndarray,
    word_counts: Sequence[int],
    budget: int,
    *,
    max_words: int,
    centre: np.ndarray | None = None,
    eligible: Sequence[bool] | None = None,
    fill: bool = False,
    avoid_run: bool = False,
) -> list[int]:
    """Indices of the sentences to keep, in source order.

    Args:
        vectors: One L2-normalised embedding row per sentence.
        word_counts: The words of each sentence.
        budget: At most this many sentences.
        max_words: At most this many words in all.
        centre: The document's vector (see `document_vector`); the sentences' centroid when None.
        eligible: Which sentences may be picked (all when None); the others still count towards
            the centroid.
        fill: Try to reach `budget` (the user asked for that many): pass over a sentence whose
            words would leave no room for the rest, while another choice leaves room.
        avoid_run: When the picks form one unbroken run of the text, which would read as a
            copied passage rather than a summary, swap the last pick for the best sentence that
            breaks the run, if one fits.

    Picks by maximal marginal relevance: centrality (cosine to the centre, plus a small prior
    for the first eligible sentence) against the highest similarity to a sentence already
    picked. A sentence that would break the word limit is passed over for the next best.
    """
    import numpy as np

    n = len(word_counts)
    rows = np.asarray(vectors, dtype=float)
    counts = np.asarray(word_counts, dtype=int)
    free = np.ones(n, dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool).copy()
    if centre is None:
        centre = document_vector(rows, [1] * n)
    relevance = rows @ np.asarray(centre, dtype=float)
    if free.any():
        relevance[int(np.argmax(free))] += FIRST_SENTENCE_PRIOR
    redundancy = np.zeros(n)  # the highest similarity to a sentence already picked
    chosen: list[int] = []
    words = 0
    while len(chosen) < budget:
        fits = free & (words + counts <= max_words)
        left = budget - len(chosen) - 1
        if fill and left > 0:
            # Words of the `left` shortest other free sentences, for each candidate.
            rest = np.sort(counts[free])
            if len(rest) > left:
                shortest = rest[:left].sum()
                with_next = rest[: left + 1].sum()
                others = np.where(counts <= rest[left - 1], with_next - counts, shortest)
                leaves_room = fits & (words + counts + others <= max_words)
                if leaves_room.any():
                    fits = leaves_room
        if not fits.any():
            break
        gain = MMR_LAMBDA * relevance - (1 - MMR_LAMBDA) * redundancy
        best = int(np.argmax(np.where(fits, gain, -np.inf)))
        similarity = rows @ rows[best]
        redundancy = similarity if not chosen else np.maximum(redundancy, similarity)
        chosen.append(best)
        free[best] = False
        words += int(counts[best])
    if avoid_run and _contiguous(chosen):
        kept = chosen[:-1]
        room = max_words - (words - int(counts[chosen[-1]]))
        options = [
            i
            for i in np.flatnonzero(free & (counts <= room)).tolist()
            if not _contiguous([*kept, i])
        ]
        if options:
            chosen = [*kept, max(options, key=lambda i: float(relevance[i]))]
    return sorted(chosen)


# --- summaries -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExtractiveSummary:
    """An extractive summary and where its sentences come from."""

    text: str
    chosen: tuple[int, ...]
    """Indices of the kept sentences in `sentences`, in source order."""
    sentences: tuple[str, ...]
    """Every sentence of the source."""


def summarise(
    text: str, encode: Callable[[list[str]], np.ndarray], *, length_hint: str = ""
) -> ExtractiveSummary:
    """Summarise `text` by picking its most central sentences.

    The document's vector is the word-weighted mean of the embeddings of its passages (runs of
    sentences the encoder reads whole), so long, content-bearing sentences weigh more than
    greetings and headings; sentences are ranked by their cosine to it. Texts long enough for
    `langchain_hugginggpt.engines.checks.summary_problem` to judge never get an unbroken run of
    sentences when another choice fits, since that check rejects one as a copied passage.

    Args:
        text: The text.
        encode: Embeds a list of texts as L2-normalised rows, one per text (called once, with the
            sentences followed by the passages).
        length_hint: The user's words about length ("in two sentences", "briefly"); only the
            sentence count or brevity is read from it.

    Raises:
        EngineError: The text has fewer than two sentences or fewer than `MIN_WORDS` words.
    """
    import numpy as np

    from langchain_hugginggpt.engines.checks import MIN_CHECKED_WORDS

    sentences = split_sentences(text)
    total = count_words(text)
    if len(sentences) < 2 or total < MIN_WORDS:
        raise EngineError(f"the text is too short to summarise ({total} words)")
    counts = [count_words(s) for s in sentences]
    chunks = passages(sentences, counts)
    rows = np.asarray(encode([*sentences, *(p for p, _ in chunks)]), dtype=float)
    if rows.shape[0] != len(sentences) + len(chunks):
        raise EngineError(
            f"the encoder returned {rows.shape[0]} vectors for {len(sentences) + len(chunks)} texts"
        )
    vectors = rows[: len(sentences)]
    centre = document_vector(rows[len(sentences) :], [w for _, w in chunks])
    # Headings and fragments count towards the document, but are not picked.
    eligible = [
        c >= MIN_SENTENCE_WORDS and not s.startswith("#")
        for s, c in zip(sentences, counts, strict=True)
    ]
    if not any(eligible):
        eligible = [True] * len(sentences)

    def pick(budget: int, allowed: list[bool] | None) -> list[int]:
        return choose_sentences(
            vectors,
            counts,
            budget,
            max_words=total // 2,
            centre=centre,
            eligible=allowed,
            fill=requested_sentences(length_hint) is not None,
            avoid_run=total >= MIN_CHECKED_WORDS,
        )

    chosen = pick(sentence_budget(sum(eligible), length_hint), eligible)
    if not chosen:  # only fragments are short enough
        chosen = pick(sentence_budget(len(sentences), length_hint), None)
    if not chosen:
        raise EngineError("no sentence of the text fits in half its words")
    return ExtractiveSummary(
        text=join_sentences([sentences[i] for i in chosen]),
        chosen=tuple(chosen),
        sentences=tuple(sentences),
    )


def extractive_summary(
    text: str, encode: Callable[[list[str]], np.ndarray], *, length_hint: str = ""
) -> str:
    """The extractive summary of `text` (see `summarise`), as text."""
    return summarise(text, encode, length_hint=length_hint).text


def summary_output(summary: ExtractiveSummary) -> TaskOutput:
    """An extractive summary as a task output, saying how it was made and from how much."""
    return text_output(
        summary.text,
        data={
            "method": "extractive",
            "sentences": len(summary.chosen),
            "of": len(summary.sentences),
        },
    )
