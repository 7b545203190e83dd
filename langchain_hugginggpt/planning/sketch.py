"""A plan's skeleton from the request itself: steps, a task type per step, links by type.

The small offline controller picks wrong task types more often than anything else. This builds
the tasks and their links without it:

1. The request is cut into clauses (`split_clauses`) and each clause gets the task types the
   step classifier (`planning/classifier.py`, trained at install from labelled clauses) gives
   enough probability: its likeliest, and a second when a clause asks for two things; a clause
   that asks for nothing ("I took this photo last week") gets none. Without a trained
   classifier, the request is cut into the steps it asks for (`split_steps`) and each step gets
   the task type whose intent phrases (`data/task_intents.json`, plus the task's description)
   are closest in meaning (sentence embeddings), nudged by a file of the kind the task takes.
2. Either way, word cues nudge the choice: a target language for translation, the kind of
   result asked for ("into written text"), a leading verb that names a task.
3. Inputs are linked by type: a media argument takes a file the step names, else the output of
   an earlier step that made that kind of media, else a file named elsewhere in the request. A
   text argument takes the step's own text (quoted, or after a colon) when it has some, else an
   earlier step's text output.
4. Missing links are completed from input/output types: a text task given a recording gets a
   speech-recognition task before it (an image: captioning); a ControlNet generation given a
   photo gets the condition extraction before it; plain text-to-image fed by a condition map
   becomes that condition's generation.

Arguments the request must supply in words (the text to translate, a question, labels, a target
language) are left open for the controller to fill in (`open_args`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from langchain_hugginggpt.catalog.hub import default_cache_dir
from langchain_hugginggpt.engines.conditions import unavailable_reason
from langchain_hugginggpt.plan.references import REFERENCE_RE
from langchain_hugginggpt.plan.types import PlannedTask
from langchain_hugginggpt.planning.classifier import (
    StepClassifier,
    clause_hint,
    default_step_classifier,
)
from langchain_hugginggpt.planning.embed import Embedder, cached_encode, default_embedder
from langchain_hugginggpt.planning.steps import Step, request_files, split_clauses, split_steps
from langchain_hugginggpt.tasks import TASKS, Modality, TaskSpec

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "LANGUAGES",
    "OUTSIDE",
    "TARGET_LANGUAGE_RE",
    "VERB_TASKS",
    "SketchedTask",
    "Sketcher",
    "load_intents",
]

LANGUAGES = (
    "arabic",
    "chinese",
    "czech",
    "danish",
    "dutch",
    "english",
    "finnish",
    "french",
    "german",
    "greek",
    "hebrew",
    "hindi",
    "hungarian",
    "indonesian",
    "italian",
    "japanese",
    "korean",
    "norwegian",
    "polish",
    "portuguese",
    "romanian",
    "russian",
    "spanish",
    "swahili",
    "swedish",
    "thai",
    "turkish",
    "ukrainian",
    "vietnamese",
)
TARGET_LANGUAGE_RE = re.compile(
    r"\b(?:in|into|to)\s+(" + "|".join(LANGUAGES) + r")\b", re.IGNORECASE
)
_REFERS_RE = re.compile(
    r"\b(it|its|that|this|them|those|these|the (?:result|results|output|transcript|transcription|"
    r"summary|description|caption|translation|text|answer|story|poem|labels|entities|names|"
    r"audio|recording|speech|image|picture|photo|map|mask|edges|pose|depth|video|clip)"
    # "the detected objects", "the translated text", "the written text": a thing an earlier
    # step made, named by what was done to it.
    r"|the\s+\w{3,}ed|the\s+(?:written|spoken|drawn|taken|chosen))\b",
    re.IGNORECASE,
)
_RESULT_WORDS = re.compile(
    r"\b(result|output|generated|new|annotated|boxes|mask|map|edges|depth|pose|lines)\b",
    re.IGNORECASE,
)
_CONTENT_RE = re.compile(r"\"[^\"]{3,}\"|“[^”]{3,}”|'[^']{6,}'|:\s*\S+(?:\s+\S+){2,}")
# Tasks whose media output is made to be used further (not an analysis drawn over an input).
_GENERATIVE = {
    "text-to-image",
    "image-to-image",
    "text-to-speech",
    "audio-to-audio",
    "text-to-video",
}
# Imperative verbs that name one task type whatever their object is (general English).
VERB_TASKS = {
    "summarise": "summarization",
    "summarize": "summarization",
    "translate": "translation",
    "transcribe": "automatic-speech-recognition",
    "caption": "image-to-text",
    "narrate": "text-to-speech",
    "paraphrase": "text2text-generation",
    "rewrite": "text2text-generation",
    "draw": "text-to-image",
    "paint": "text-to-image",
    "illustrate": "text-to-image",
}
OUTSIDE = "_outside"
"""Intent phrases under this key (`data/task_intents.json`) are things no task type does: a step
closest to them is no task ("book a flight", "send an email")."""
_OPENER_RE = re.compile(
    r"^(?:please|now|also|then|finally|can you|could you|i want you to|i'd like you to)\s+", re.I
)
_SPOKEN_RE = re.compile(r"\b(?:aloud|out loud|read (?:it |them )?out)\b", re.IGNORECASE)
_SOUND_RE = re.compile(
    rf"{_SPOKEN_RE.pattern}"
    r"|\b(?:loud|speak\w*|spoken|speech|voice\w*|vocal\w*|audio|sound\w*|narrat\w*|"
    r"listen\w*|hear\w*|pronounc\w*|say|said|podcast|audiobook|mp3|wav|recording|"
    r"read\b[^.?!]{0,40}?\b(?:to|for) (?:me|us)|read (?:it|this|that|them) back)\b",
    re.IGNORECASE,
)
"""Words a step that asks for speech uses (`_SPOKEN_RE`'s among them): text-to-speech is never
asked for without one."""
# Tasks that analyse a text: "list the people it mentions" means the source, not its summary.
_ANALYSIS = frozenset(
    {
        "token-classification",
        "text-classification",
        "zero-shot-classification",
        "question-answering",
    }
)
# "into written text", "to speech", "as an image": the kind of result a step asks for.
_INTO_RE = re.compile(
    r"\b(?:into|to|as)\s+(?:an?\s+|some\s+)?(?:written\s+|plain\s+|spoken\s+|audible\s+)?"
    r"(text|textual|words|transcripts?|speech|audio|voice|sound|images?|pictures?|photos?|"
    r"videos?|clips?)\b",
    re.IGNORECASE,
)
_INTO_KINDS: dict[str, Modality] = {
    "text": "text", "textual": "text", "words": "text", "transcript": "text",
    "transcripts": "text", "speech": "audio", "audio": "audio", "voice": "audio",
    "sound": "audio", "image": "image", "images": "image", "picture": "image",
    "pictures": "image", "photo": "image", "photos": "image", "video": "video",
    "videos": "video", "clip": "video", "clips": "video",
}  # fmt: skip
_FILES_RE = re.compile(r"'[^'\s]+\.[A-Za-z0-9]{2,5}'|\"[^\"\s]+\.[A-Za-z0-9]{2,5}\"")
# The words that name each ControlNet condition; a step naming none of them does not ask for
# that condition ("visualise the text as an image" is plain text-to-image).
_CONDITION_RE = {
    "canny": re.compile(r"\b(canny|edges?|outlines?|contours?)\b", re.IGNORECASE),
    "depth": re.compile(r"\bdepth\b", re.IGNORECASE),
    "hed": re.compile(r"\b(hed|soft edges?|boundar(y|ies))\b", re.IGNORECASE),
    "mlsd": re.compile(r"\b(mlsd|straight lines?|line segments?|lines?)\b", re.IGNORECASE),
    "normal": re.compile(r"\bnormals?( map)?\b", re.IGNORECASE),
    "openpose": re.compile(r"\b(openpose|pose|poses|posture|skeleton|keypoints?)\b", re.I),
    "scribble": re.compile(r"\b(scribbles?|sketch(es)?|doodles?)\b", re.IGNORECASE),
    "seg": re.compile(r"\b(seg|segment\w*|segmentation)\b", re.IGNORECASE),
}
# Quoted words (a sentence to translate, a question) are what a task works on, not what it is:
# they are left out when a step's task type is chosen.
_PAYLOAD_RE = re.compile(r"\"[^\"]*\s[^\"]*\"|“[^”]*”|(?<![A-Za-z])'[^']*\s[^']*?'(?![A-Za-z])")
_BARE_RE = re.compile(r"\b(?:it|them)\b(?!\s+(?:summary|translation|transcript))", re.IGNORECASE)
_CONVERTERS: dict[Modality, str] = {
    "audio": "automatic-speech-recognition",
    "image": "image-to-text",
}


def load_intents() -> dict[str, list[str]]:
    """Intent phrases per task type, shipped with the package."""
    text = resources.files("langchain_hugginggpt.data").joinpath("task_intents.json").read_text()
    data: dict[str, list[str]] = json.loads(text)
    return data


@dataclass
class SketchedTask:
    """One task of a skeleton: arguments fixed so far, and those left for the controller."""

    id: int
    task: str
    dep: list[int]
    args: dict[str, str]
    open_args: list[str]
    step: str
    score: float
    inserted: bool = False
    """Added to complete a link (not asked for in words)."""

    def planned(self) -> PlannedTask:
        """As a plan task (open arguments empty)."""
        args = dict(self.args)
        for name in self.open_args:
            args.setdefault(name, "")
        return PlannedTask(id=self.id, task=self.task, dep=tuple(self.dep), args=args)


@dataclass
class Sketcher:
    """Builds plan skeletons; see the module docstring."""

    embedder: Embedder | None = None
    intents: Mapping[str, Sequence[str]] = field(default_factory=load_intents)
    vocabulary: Mapping[str, TaskSpec] = field(default_factory=lambda: TASKS)
    threshold: float = 0.2
    media_bonus: float = 0.08
    """Added for a task that takes a kind of file the step names."""
    media_penalty: float = 0.05
    """Taken from a task that takes none of the kinds of file the step names."""
    language_bonus: float = 0.15
    """Added to translation when the step names a target language ("into German")."""
    direction_penalty: float = 0.15
    """Taken from a task whose result is not the kind a step asks for ("into written text")."""
    cache_dir: Path | None = field(default_factory=lambda: default_cache_dir() / "planning")
    """Where the intent phrases' vectors are kept between processes (None: not kept)."""
    classifier: StepClassifier | None = None
    """The step classifier; None: the one trained for the packaged labels, if any."""
    learned: bool = True
    """Use a step classifier when there is one (False: intent phrases only)."""
    first_threshold: float = 0.3
    """A clause's most likely task type is a task from this probability on."""
    second_threshold: float = 0.3
    """Its second most likely type is a task too from this probability on."""
    file_floor: float = 0.05
    """A request naming a file gets its likeliest task from this probability on, when no
    clause reaches `first_threshold`."""
    verb_bonus: float = 1.0
    """Added to the task a step's leading verb names (`VERB_TASKS`), enough to decide it:
    "summarise the recording" is a summary (of a transcript), not a transcription."""

    @cached_property
    def _phrases(self) -> tuple[list[str], np.ndarray]:
        names, texts = [], []
        for name, spec in self.vocabulary.items():
            for phrase in [*self.intents.get(name, ()), spec.description]:
                names.append(name)
                texts.append(phrase)
        for phrase in self.intents.get(OUTSIDE, ()):
            names.append(OUTSIDE)
            texts.append(phrase)
        if self.embedder is None:
            self.embedder = default_embedder(texts)
        return names, cached_encode(self.embedder, texts, self.cache_dir)

    def task_scores(self, text: str) -> dict[str, float]:
        """Similarity of `text` to each task type (its best-matching intent phrase)."""
        names, vectors = self._phrases
        assert self.embedder is not None
        sims = vectors @ self.embedder.encode([text])[0]
        best: dict[str, float] = {}
        for name, sim in zip(names, sims, strict=True):
            best[name] = max(best.get(name, -1.0), float(sim))
        return best

    @cached_property
    def _classifier(self) -> StepClassifier | None:
        if self.classifier is not None or not self.learned:
            return self.classifier
        return default_step_classifier()

    @property
    def scorer(self) -> str:
        """What decides each step's task type: the step classifier, or intent phrases."""
        classifier = self._classifier
        return f"step classifier {classifier.folder.name}" if classifier else "intent phrases"

    def sketch(self, request: str) -> list[SketchedTask]:
        """The skeleton of `request`; empty when no step matches any task type."""
        files = list(dict.fromkeys(_full_paths(request_files(request))))
        classifier = self._classifier
        if classifier is not None:
            steps = [_with_full_paths(step, files) for step in split_clauses(request)]
            picks = self._classified(steps, classifier, {kind for _, kind in files})
        else:
            steps = [_with_full_paths(step, files) for step in split_steps(request)]
            picks = self._matched(steps)
        build = _Build(self.vocabulary, files)
        for step, name, score in picks:
            # One task per intent: a second step asking for the same task on the same input
            # ("classify this photo ... tell me which class it is") is the same task.
            # Naming the same file again ("... 'photo.jpg'. Identify the objects in it") is the
            # same input too; a step with new content or another file is a task of its own.
            seen = build.asked.get(name)
            if (
                seen is not None
                and set(step.files) <= seen
                and not _CONTENT_RE.search(_FILES_RE.sub("", step.text))
            ):
                continue
            build.add(name, step, score)
            used = {(v, k) for v, k in build.files if v in build.tasks[-1].args.values()}
            build.asked[name] = (seen or set()) | set(step.files) | used
            # "Read the text on this sign aloud": one step, two intents; the spoken output is
            # a task of its own after the one that makes the text.
            if _SPOKEN_RE.search(step.text) and self.vocabulary[name].output == "text":
                build.add("text-to-speech", Step(text=f"read {name} output aloud"), score)
        return _without_unfed(build.tasks, self.vocabulary)

    def _matched(self, steps: Sequence[Step]) -> list[tuple[Step, str, float]]:
        """Each step's closest task type by intent phrases, when close enough."""
        picks = []
        for step in steps:
            scores = self._cued(step, self.task_scores(_PAYLOAD_RE.sub("the text", step.text)))
            name, score = max(scores.items(), key=lambda kv: kv[1])
            if score >= self.threshold and name != OUTSIDE:
                picks.append((step, name, score))
        return picks

    def _classified(
        self, steps: Sequence[Step], classifier: StepClassifier, kinds: set[Modality]
    ) -> list[tuple[Step, str, float]]:
        """Each clause's task types by the classifier: its best, and a second one if likely.

        A clause may ask for two things ("caption it and read it out"); one the classifier
        gives most weight to "none" yields no task. The word cues apply as for intent phrases,
        except the file-kind bonus: the classifier reads the clause's file kinds itself.

        A request that names files (`kinds`: theirs, in a clause or on an "Input file:" line)
        asks for something done to them: when no clause is sure enough on its own, it gets the
        likeliest task of any clause that takes one of those kinds.
        """
        hints = [clause_hint(s.text, [kind for _, kind in s.files]) for s in steps]
        picks = []
        best: tuple[Step, str, float] | None = None
        for step, probs in zip(steps, classifier.scores(hints), strict=True):
            scores = {n: p for n, p in probs.items() if n in self.vocabulary}
            ranked = sorted(self._cued(step, scores, media=False).items(), key=lambda kv: -kv[1])
            for rank, (name, score) in enumerate(ranked[:2]):
                if name == "text-to-speech" and not _SOUND_RE.search(step.text):
                    continue
                if score >= (self.first_threshold if rank == 0 else self.second_threshold):
                    picks.append((step, name, score))
            fitting = [
                (name, score)
                for name, score in ranked
                if kinds & set(self.vocabulary[name].input_modalities)
            ]
            if fitting and (best is None or fitting[0][1] > best[2]):
                best = (step, *fitting[0])
        if not picks and best is not None and best[2] >= self.file_floor:
            picks.append(best)
        return picks

    def outside(self, request: str) -> list[str]:
        """The request's steps that ask for something no task type does ("book a flight")."""
        found = []
        for step in split_steps(request):
            scores = self._cued(step, self.task_scores(_PAYLOAD_RE.sub("the text", step.text)))
            name, score = max(scores.items(), key=lambda kv: kv[1])
            if name == OUTSIDE and score >= self.threshold:
                found.append(step.text)
        return found

    def _cued(
        self, step: Step, scores: dict[str, float], *, media: bool = True
    ) -> dict[str, float]:
        kinds = {kind for _, kind in step.files} if media else set()
        for name in scores:
            if name not in self.vocabulary:
                continue
            takes = set(self.vocabulary[name].input_modalities)
            if kinds & takes:
                scores[name] += self.media_bonus
            elif kinds and not (kinds & takes):
                scores[name] -= self.media_penalty
        for name in scores:
            condition = name.removesuffix("-control").removesuffix("-text-to-image")
            if condition in _CONDITION_RE and not _CONDITION_RE[condition].search(step.text):
                scores[name] = -1.0
        into = {_INTO_KINDS[m.lower()] for m in _INTO_RE.findall(step.text)}
        for name in scores:
            if into and name in self.vocabulary and self.vocabulary[name].output not in into:
                scores[name] -= self.direction_penalty
        if TARGET_LANGUAGE_RE.search(step.text) and "translation" in scores:
            scores["translation"] += self.language_bonus
        words = _OPENER_RE.sub("", step.text.strip().lower()).split()
        verb_task = VERB_TASKS.get(words[0].strip(",.:")) if words else None
        if verb_task in scores:
            scores[verb_task] += self.verb_bonus
        return scores


class _Build:
    """Adds tasks one step at a time, linking inputs by type."""

    def __init__(self, vocabulary: Mapping[str, TaskSpec], files: list[tuple[str, Modality]]):
        self.vocabulary = vocabulary
        self.files = files
        self.tasks: list[SketchedTask] = []
        self.asked: dict[str, set[tuple[str, Modality]]] = {}
        """Task types asked for so far, with the files in play when they were."""

    def _new(self, name: str, step: Step, score: float, *, inserted: bool = False) -> SketchedTask:
        task = SketchedTask(
            id=len(self.tasks) + 1,
            task=name,
            dep=[],
            args={},
            open_args=[],
            step=step.text,
            score=score,
            inserted=inserted,
        )
        self.tasks.append(task)
        return task

    def _producers(self, kind: Modality) -> list[SketchedTask]:
        return [t for t in self.tasks if self.vocabulary[t.task].output == kind]

    def _link(self, task: SketchedTask, arg: str, source: SketchedTask) -> None:
        task.args[arg] = f"<GENERATED>-{source.id}"
        if source.id not in task.dep:
            task.dep.append(source.id)

    def _media(self, kind: Modality, step: Step) -> str | SketchedTask | None:
        own = [value for value, k in step.files if k == kind]
        if own:
            return own[0]
        producers = self._producers(kind)
        made = [
            p
            for p in producers
            if p.task in _GENERATIVE or p.task.endswith(("-control", "-text-to-image"))
        ]
        if made and (_REFERS_RE.search(step.text) or not self._file(kind)):
            return made[-1]
        if producers and _RESULT_WORDS.search(step.text):
            return producers[-1]
        named = self._file(kind)
        if named:
            return named
        return producers[-1] if producers else None

    def _file(self, kind: Modality) -> str | None:
        return next((value for value, k in self.files if k == kind), None)

    def add(self, name: str, step: Step, score: float) -> None:
        # A question about a document that is text (a PDF, a Word file), not a page image, is
        # answered from its text: document question answering takes images only.
        if (
            name == "document-question-answering"
            and "question-answering" in self.vocabulary
            and self._media("image", step) is None
            and (any(kind == "text" for _, kind in step.files) or self._file("text"))
        ):
            name = "question-answering"
        spec = self.vocabulary[name]
        # A generation fed by a condition map is that condition's generation.
        if name in ("text-to-image", "image-to-image"):
            controls = [t for t in self.tasks if t.task.endswith("-control")]
            if controls and _REFERS_RE.search(step.text):
                name = controls[-1].task.replace("-control", "-text-to-image")
                spec = self.vocabulary.get(name, spec)
        sources: dict[str, str | SketchedTask | None] = {}
        for arg in spec.args:
            if arg.modality != "text":
                sources[arg.name] = self._media(arg.modality, step)
        # A condition no engine here extracts (pose, normals, ...) is never a step: the photo
        # guides an image-to-image generation instead.
        if (
            name.endswith("-text-to-image")
            and isinstance(sources.get("image"), str)
            and unavailable_reason(name.replace("-text-to-image", "-control"))
        ):
            name, spec = "image-to-image", self.vocabulary["image-to-image"]
        # A ControlNet generation given a photo gets the condition extracted from it first.
        if name.endswith("-text-to-image") and isinstance(sources.get("image"), str):
            control = self._new(
                name.replace("-text-to-image", "-control"), step, score, inserted=True
            )
            control.args["image"] = str(sources["image"])
            sources["image"] = control
        primary = _primary_text(spec)
        text_source: SketchedTask | str | None = None
        quoted = len(_CONTENT_RE.findall(step.text))
        # A comparison quoting one text compares it with a result (or a file's text).
        if primary and (not quoted or (name == "sentence-similarity" and quoted == 1)):
            text_source = self._text_source(name, spec, step, score)
        task = self._new(name, step, score)
        for arg in spec.args:
            source = sources.get(arg.name)
            if arg.name == primary and isinstance(text_source, SketchedTask):
                self._link(task, arg.name, text_source)
            elif arg.name == primary and isinstance(text_source, str):
                task.args[arg.name] = text_source
            elif isinstance(source, SketchedTask):
                self._link(task, arg.name, source)
            elif isinstance(source, str):
                task.args[arg.name] = source
            elif arg.modality == "text" and (arg.required or arg.name == "target_language"):
                task.open_args.append(arg.name)
            elif arg.required:
                task.args[arg.name] = ""  # no source: validation says what is missing

    def _text_source(
        self, name: str, spec: TaskSpec, step: Step, score: float
    ) -> SketchedTask | str | None:
        """Where a task's main text comes from when the step does not spell it out.

        A document the step names is read as text; a recording or image the step names gets a
        converter (speech recognition, image-to-text) first; else an earlier text result the
        step refers to. With neither, a document or convertible file named elsewhere in the
        request ("Input file: ...") is used the same way. Analysis of "it" (entities, labels,
        answers) goes back to the source text, not to a summary or translation made of it.
        """
        takes_media = any(a.modality != "text" for a in spec.args)
        documents = [value for value, kind in step.files if kind == "text"]
        if documents:
            return documents[0]
        if not takes_media:
            converted = self._convert(step.files, step, score)
            if converted is not None:
                return converted
        # A detection's labels are text too: "write a poem about the detected objects".
        earlier = [t for t in self.tasks if self.vocabulary[t.task].feeds("text")]
        refers = _REFERS_RE.search(step.text)
        if earlier and (refers or len(step.text.split()) <= 8):
            # Analysis of "it", or of nothing named ("list the people"), is of the source.
            bare = _BARE_RE.search(step.text) or not refers
            source = self._source_text() if name in _ANALYSIS and bare else None
            return source or earlier[-1]
        if earlier or takes_media:
            return None
        document = self._file("text")
        return document or self._convert(self.files, step, score)

    def _convert(
        self, files: Sequence[tuple[str, Modality]], step: Step, score: float
    ) -> SketchedTask | None:
        """A converter task (speech recognition, image-to-text) over the first such file."""
        found = next(((v, k) for v, k in files if k in _CONVERTERS), None)
        if found is None:
            return None
        value, kind = found
        converter = self._new(_CONVERTERS[kind], step, score, inserted=True)
        converter.args[self.vocabulary[_CONVERTERS[kind]].args[0].name] = value
        return converter

    def _source_text(self) -> SketchedTask | str | None:
        """The request's source text: a document it names, else the first converter's output."""
        document = self._file("text")
        if document:
            return document
        return next((t for t in self.tasks if t.task in _CONVERTERS.values()), None)


def _full_paths(files: Sequence[tuple[str, Modality]]) -> list[tuple[str, Modality]]:
    full = {PurePath(v).name: v for v, _ in files if PurePath(v).name != v}
    return [(full.get(v, v), k) for v, k in files]


def _without_unfed(
    tasks: list[SketchedTask], vocabulary: Mapping[str, TaskSpec]
) -> list[SketchedTask]:
    """The skeleton without tasks that take a kind of media nothing in the request provides.

    Depth estimation when the request names no image and no task makes one is a misread step,
    not something the user asked for; a task fed by a dropped one goes too. The rest are
    renumbered in order.
    """
    dropped: set[int] = set()
    for t in tasks:
        spec = vocabulary[t.task]
        unfed = any(
            a.modality != "text" and a.required and not t.args.get(a.name) for a in spec.args
        )
        if unfed or dropped & set(t.dep):
            dropped.add(t.id)
    if not dropped:
        return tasks
    kept = [t for t in tasks if t.id not in dropped]
    new_ids = {t.id: i + 1 for i, t in enumerate(kept)}
    for t in kept:
        t.dep = [new_ids[d] for d in t.dep]
        t.args = {
            k: REFERENCE_RE.sub(lambda m: f"<GENERATED>-{new_ids[int(m.group(1))]}", v)
            for k, v in t.args.items()
        }
        t.id = new_ids[t.id]
    return kept


def _with_full_paths(step: Step, files: Sequence[tuple[str, Modality]]) -> Step:
    """The step with a bare file name replaced by the full path the request gives elsewhere.

    "Summarise notes.txt" with the CLI's "Input file: /home/me/notes.txt" names that file.
    """
    mapped = tuple(_full_paths([*step.files, *files])[: len(step.files)])
    return step if mapped == step.files else Step(text=step.text, files=mapped)


def _primary_text(spec: TaskSpec) -> str | None:
    """The text argument that may come from an earlier task (the document, not a question)."""
    names = [a.name for a in spec.args if a.modality == "text"]
    if spec.name == "question-answering":
        return "context"
    if "text" in names:
        return "text"
    return None
