"""Mechanical repair of plans: the mistakes small controllers make, fixed from the task types.

Each fix follows from the vocabulary alone (argument names, modalities, outputs), never from
guessing what the user meant: a misnamed argument moved to the one slot its value fits, a
reference added to `dep`, a self-reference pointed at the earlier task whose output fits, an empty
required argument linked to the one earlier task that produces its kind. Whatever cannot be
fixed this way is left for validation to report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from langchain_hugginggpt.plan.references import REFERENCE_RE, canonical, whole_reference
from langchain_hugginggpt.plan.types import PlannedTask
from langchain_hugginggpt.tasks import TASKS, Modality, TaskSpec

__all__ = ["repair_plan", "value_modality"]

_EXTENSIONS: dict[Modality, tuple[str, ...]] = {
    "image": ("png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff"),
    "audio": ("wav", "mp3", "flac", "ogg", "m4a", "opus"),
    "video": ("mp4", "webm", "avi", "mov", "mkv"),
    "table": ("csv", "tsv"),
    # Documents: read as text when the task runs (artifacts/text_inputs.py), or refused with
    # what to convert them to (the office formats after "htm").
    "text": (
        *("txt", "md", "pdf", "docx", "html", "htm"),
        *("doc", "odt", "rtf", "epub", "ppt", "pptx", "xls", "xlsx", "odp", "ods"),
    ),
}
_FILE_RE = re.compile(r"\.([a-z0-9]{2,4})(?:[?#]\S*)?$", re.IGNORECASE)


def value_modality(value: str, outputs: Mapping[int, Modality]) -> Modality | None:
    """What kind of thing an argument value is: a reference's output, a media file, or None."""
    ref = whole_reference(value)
    if ref is not None:
        return outputs.get(ref)
    match = _FILE_RE.search(value.strip())
    if match and " " not in value.strip():
        ext = match.group(1).lower()
        for modality, extensions in _EXTENSIONS.items():
            if ext in extensions:
                return modality
    return None


def repair_plan(
    tasks: Sequence[PlannedTask],
    vocabulary: Mapping[str, TaskSpec] = TASKS,
    relevance: Mapping[str, float] | None = None,
) -> tuple[list[PlannedTask], list[str]]:
    """Return the repaired tasks and one line per fix made (empty when nothing needed fixing).

    `relevance` (task type -> score for this request, see `TaskIndex`) lets a task whose output
    is of the wrong kind for its consumer be swapped for the most relevant task that takes the
    same inputs and makes the kind needed (audio-to-audio feeding a summary becomes speech
    recognition when the request is about transcribing).
    """
    fixes: list[str] = []
    tasks = _substitute_producers(tasks, vocabulary, relevance or {}, fixes)
    outputs: dict[int, Modality] = {
        t.id: vocabulary[t.task].output for t in tasks if t.task in vocabulary
    }
    order = [t.id for t in tasks]
    repaired: list[PlannedTask] = []
    for t in tasks:
        spec = vocabulary.get(t.task)
        if spec is None:
            repaired.append(t)
            continue
        earlier = order[: order.index(t.id)]
        args = _rename_args(t, spec, outputs, fixes)
        args = _fix_self_references(t, spec, args, outputs, earlier, fixes)
        args = _fill_missing(t, spec, args, outputs, earlier, fixes)
        dep = _fix_deps(t, args, order, fixes)
        repaired.append(replace(t, dep=dep, args=args))
    return repaired, fixes


def _substitute_producers(
    tasks: Sequence[PlannedTask],
    vocabulary: Mapping[str, TaskSpec],
    relevance: Mapping[str, float],
    fixes: list[str],
) -> list[PlannedTask]:
    by_id = {t.id: t for t in tasks}
    needed: dict[int, set[Modality]] = {}
    for t in tasks:
        spec = vocabulary.get(t.task)
        for name, value in t.args.items():
            arg = spec.arg(name) if spec else None
            ref = whole_reference(value)
            producer = by_id.get(ref) if ref is not None else None
            if arg is None or producer is None or producer.task not in vocabulary:
                continue
            if not vocabulary[producer.task].feeds(arg.modality):
                needed.setdefault(producer.id, set()).add(arg.modality)
    swapped = dict(by_id)
    for task_id, kinds in needed.items():
        if len(kinds) != 1:
            continue
        (kind,) = kinds
        old = vocabulary[by_id[task_id].task]
        options = [
            name for name, spec in vocabulary.items()
            if spec.output == kind and set(spec.input_modalities) == set(old.input_modalities)
        ]  # fmt: skip
        ranked = sorted(options, key=lambda name: -relevance.get(name, 0.0))
        if len(options) == 1 or (ranked and relevance.get(ranked[0], 0.0) > 0):
            new = vocabulary[ranked[0]]
            args = {k: v for k, v in by_id[task_id].args.items() if new.arg(k) is not None}
            swapped[task_id] = replace(by_id[task_id], task=new.name, args=args)
            fixes.append(
                f"task {task_id}: {old.name} makes {old.output} but {kind} is needed; "
                f"now {new.name}"
            )
    return [swapped[t.id] for t in tasks]


def _rename_args(
    t: PlannedTask, spec: TaskSpec, outputs: Mapping[int, Modality], fixes: list[str]
) -> dict[str, str]:
    args = dict(t.args)
    unknown = [name for name in args if spec.arg(name) is None]
    for name in unknown:
        value = args[name]
        kind = value_modality(value, outputs) or "text"
        slots = [a for a in spec.args if a.name not in args and a.modality == kind]
        if len(slots) == 1:
            args[slots[0].name] = args.pop(name)
            fixes.append(f"task {t.id}: argument '{name}' renamed to '{slots[0].name}'")
        elif all(not a.required or a.name in args for a in spec.args):
            args.pop(name)
            fixes.append(f"task {t.id}: dropped argument '{name}', which {t.task} does not take")
    return args


def _fix_self_references(
    t: PlannedTask,
    spec: TaskSpec,
    args: dict[str, str],
    outputs: Mapping[int, Modality],
    earlier: Sequence[int],
    fixes: list[str],
) -> dict[str, str]:
    for name, value in list(args.items()):
        arg = spec.arg(name)
        if arg is None or t.id not in [int(m.group(1)) for m in REFERENCE_RE.finditer(value)]:
            continue
        source = _producer(arg.modality, outputs, t.dep, earlier)
        if source is not None:
            own = re.compile(rf"<GENERATED>-{t.id}(?!\d)")
            args[name] = own.sub(canonical(source), value)
            fixes.append(f"task {t.id}: '{name}' used its own output; now uses task {source}'s")
    return args


def _fill_missing(
    t: PlannedTask,
    spec: TaskSpec,
    args: dict[str, str],
    outputs: Mapping[int, Modality],
    earlier: Sequence[int],
    fixes: list[str],
) -> dict[str, str]:
    for arg in spec.args:
        if not arg.required or args.get(arg.name, "").strip():
            continue
        source = _producer(arg.modality, outputs, t.dep, earlier)
        if source is not None:
            args[arg.name] = canonical(source)
            fixes.append(f"task {t.id}: empty '{arg.name}' linked to task {source}'s output")
    return args


def _producer(
    modality: Modality,
    outputs: Mapping[int, Modality],
    dep: Sequence[int],
    earlier: Sequence[int],
) -> int | None:
    """The task to take `modality` from: the last such dependency, else the only earlier one."""
    in_dep = [d for d in dep if outputs.get(d) == modality and d in earlier]
    if in_dep:
        return in_dep[-1]
    candidates = [e for e in earlier if outputs.get(e) == modality]
    return candidates[0] if len(candidates) == 1 else None


def _fix_deps(
    t: PlannedTask, args: Mapping[str, str], order: Sequence[int], fixes: list[str]
) -> tuple[int, ...]:
    dep = [d for d in t.dep if d != t.id and d in order]
    if len(dep) != len(t.dep):
        fixes.append(f"task {t.id}: removed dependencies on itself or on missing tasks")
    for value in args.values():
        for m in REFERENCE_RE.finditer(value):
            ref = int(m.group(1))
            if ref != t.id and ref in order and ref not in dep:
                dep.append(ref)
                fixes.append(f"task {t.id}: added {ref} to dep (its output is used)")
    return tuple(dep)
