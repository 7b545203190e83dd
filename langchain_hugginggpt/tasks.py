"""The task vocabulary: every task type, its arguments' modalities, its output and its Hub tag."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "CONTROL_CONDITIONS",
    "MODALITIES",
    "TASKS",
    "ArgSpec",
    "Modality",
    "TaskSpec",
    "UnknownTaskError",
    "get_task",
]

Modality = Literal["text", "image", "audio", "video", "table"]
MODALITIES: tuple[Modality, ...] = ("text", "image", "audio", "video", "table")


class UnknownTaskError(KeyError):
    """A task name that is not in the vocabulary."""

    def __init__(self, name: str) -> None:
        """Name the unknown task and list the known ones."""
        self.name = name
        super().__init__(f"unknown task {name!r}; known tasks: {', '.join(sorted(TASKS))}")

    def __str__(self) -> str:
        """Return the message without KeyError's quoting."""
        return str(self.args[0])


@dataclass(frozen=True)
class ArgSpec:
    """One argument of a task: its name, what it carries, and whether it is needed."""

    name: str
    modality: Modality
    required: bool = True
    aliases: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class TaskSpec:
    """A task type the planner may name."""

    name: str
    pipeline_tag: str
    args: tuple[ArgSpec, ...]
    output: Modality
    description: str
    hub_tags: tuple[str, ...] = field(default=())
    """Tags a Hub model must also carry (ControlNet conditions share `text-to-image`)."""
    labels_text: bool = False
    """The media result comes with text (the labels found: "2 dogs, 1 ball"), which a text
    argument may take: "write a poem about the detected objects"."""

    def arg(self, name: str) -> ArgSpec | None:
        """Return the argument called `name` or by one of its aliases."""
        for spec in self.args:
            if name == spec.name or name in spec.aliases:
                return spec
        return None

    def feeds(self, modality: Modality) -> bool:
        """Whether this task's result can be an argument of `modality`.

        Media of its own kind, or text when the result carries labels (`labels_text`).
        """
        return self.output == modality or (self.labels_text and modality == "text")

    @property
    def input_modalities(self) -> tuple[Modality, ...]:
        """Modalities of the task's arguments, in declaration order, without repeats."""
        return tuple(dict.fromkeys(a.modality for a in self.args))


def _text(
    name: str = "text",
    *,
    required: bool = True,
    aliases: tuple[str, ...] = (),
    description: str = "",
) -> ArgSpec:
    return ArgSpec(name, "text", required, aliases, description)


def _media(modality: Modality, *, required: bool = True) -> ArgSpec:
    return ArgSpec(
        modality,
        modality,
        required,
        (f"{modality}_url", f"{modality}_path"),
        f"path or URL of the {modality}, or <GENERATED>-k",
    )


_QUESTION = _text("question", aliases=("text", "query"), description="the question to answer")

_BASE: tuple[TaskSpec, ...] = (
    # language
    TaskSpec(
        "text-classification",
        "text-classification",
        (_text(),),
        "text",
        "label a text (sentiment, topic, ...)",
    ),
    TaskSpec(
        "zero-shot-classification",
        "zero-shot-classification",
        (
            _text(),
            _text(
                "labels",
                aliases=("candidate_labels",),
                description="comma-separated candidate labels",
            ),
        ),
        "text",
        "label a text with labels given in the request",
    ),
    TaskSpec(
        "token-classification",
        "token-classification",
        (_text(),),
        "text",
        "find named entities (people, places, organisations) in a text",
    ),
    TaskSpec(
        "text2text-generation",
        "text2text-generation",
        (_text(),),
        "text",
        "rewrite or transform a text (paraphrase, correct, answer)",
    ),
    TaskSpec("summarization", "summarization", (_text(),), "text", "summarise a text"),
    TaskSpec(
        "translation",
        "translation",
        (
            _text(),
            _text(
                "target_language",
                required=False,
                aliases=("tgt_lang", "target", "to", "language"),
                description="language to translate into",
            ),
            _text("source_language", required=False, aliases=("src_lang", "source", "from")),
        ),
        "text",
        "translate a text into another language",
    ),
    TaskSpec(
        "question-answering",
        "question-answering",
        (_QUESTION, _text("context", description="the text holding the answer")),
        "text",
        "answer a question from a given text",
    ),
    TaskSpec("conversational", "conversational", (_text(),), "text", "reply in a conversation"),
    TaskSpec(
        "text-generation",
        "text-generation",
        (_text(),),
        "text",
        "continue or write a text from a prompt",
    ),
    TaskSpec(
        "sentence-similarity",
        "sentence-similarity",
        (
            _text(aliases=("source_sentence", "sentence1")),
            _text(
                "text2",
                aliases=("sentence2", "other", "sentences"),
                description="the text to compare with",
            ),
        ),
        "text",
        "score how similar two texts are",
    ),
    TaskSpec(
        "tabular-classification",
        "tabular-classification",
        (_media("table"),),
        "text",
        "classify the rows of a table (CSV)",
    ),
    # vision
    TaskSpec(
        "image-classification",
        "image-classification",
        (_media("image"),),
        "text",
        "say what an image shows, as labels",
    ),
    TaskSpec(
        "object-detection",
        "object-detection",
        (_media("image"),),
        "image",
        "find and box objects in an image",
        labels_text=True,
    ),
    TaskSpec(
        "image-segmentation",
        "image-segmentation",
        (_media("image"),),
        "image",
        "split an image into labelled regions",
        labels_text=True,
    ),
    TaskSpec(
        "depth-estimation",
        "depth-estimation",
        (_media("image"),),
        "image",
        "estimate the depth map of an image",
    ),
    TaskSpec(
        "image-to-text",
        "image-to-text",
        (_media("image"),),
        "text",
        "describe an image in words (captioning)",
    ),
    TaskSpec(
        "text-to-image",
        "text-to-image",
        (_text(aliases=("prompt",)),),
        "image",
        "generate an image from a description",
    ),
    TaskSpec(
        "image-to-image",
        "image-to-image",
        (_media("image"), _text(required=False, aliases=("prompt",))),
        "image",
        "transform an image (style, restoration, edit by prompt)",
    ),
    TaskSpec(
        "image-editing",
        "image-to-image",
        (
            _media("image"),
            _text(aliases=("prompt", "instruction"), description="the edit to make, in words"),
        ),
        "image",
        "edit an image as a written instruction says (add, remove or recolour things)",
        hub_tags=("instruct-pix2pix",),
    ),
    TaskSpec(
        "visual-question-answering",
        "visual-question-answering",
        (_media("image"), _QUESTION),
        "text",
        "answer a question about an image",
    ),
    TaskSpec(
        "document-question-answering",
        "document-question-answering",
        (_media("image"), _QUESTION),
        "text",
        "answer a question about a document image",
    ),
    # audio
    TaskSpec("text-to-speech", "text-to-speech", (_text(),), "audio", "read a text aloud"),
    TaskSpec(
        "automatic-speech-recognition",
        "automatic-speech-recognition",
        (_media("audio"),),
        "text",
        "transcribe speech to text",
    ),
    TaskSpec(
        "audio-to-audio",
        "audio-to-audio",
        (_media("audio"),),
        "audio",
        "enhance or separate audio (denoise, split speakers)",
    ),
    TaskSpec(
        "audio-classification",
        "audio-classification",
        (_media("audio"),),
        "text",
        "label a sound or the emotion or language of speech",
    ),
    # video
    TaskSpec(
        "text-to-video",
        "text-to-video",
        (_text(aliases=("prompt",)),),
        "video",
        "generate a short video from a description",
    ),
)

CONTROL_CONDITIONS: tuple[str, ...] = (
    "canny",
    "depth",
    "hed",
    "mlsd",
    "normal",
    "openpose",
    "scribble",
    "seg",
)
"""ControlNet conditions: `<c>-control` extracts one from an image, `<c>-text-to-image` uses one."""


def _control_tasks() -> tuple[TaskSpec, ...]:
    specs: list[TaskSpec] = []
    for cond in CONTROL_CONDITIONS:
        specs.append(
            TaskSpec(
                f"{cond}-control",
                "image-to-image",
                (_media("image"),),
                "image",
                f"extract the {cond} condition map of an image (for conditioned generation)",
                hub_tags=("controlnet", cond),
            )
        )
        specs.append(
            TaskSpec(
                f"{cond}-text-to-image",
                "text-to-image",
                (_text(aliases=("prompt",)), _media("image")),
                "image",
                f"generate an image from a description, guided by a {cond} map of a given image",
                hub_tags=("controlnet", cond),
            )
        )
    return tuple(specs)


TASKS: dict[str, TaskSpec] = {spec.name: spec for spec in _BASE + _control_tasks()}
"""Every task type the planner may name, by name."""


def get_task(name: str) -> TaskSpec:
    """Return the task called `name`, or raise `UnknownTaskError` listing the known ones."""
    try:
        return TASKS[name]
    except KeyError:
        raise UnknownTaskError(name) from None
