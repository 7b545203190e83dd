"""The facts of an answer, composed from the run's results by code, and bounds on written prose.

A small controller cannot be trusted with facts: asked to describe a run, it said an input file
was "created" by a model, listed one path 65 times and described refused inputs as transcribed.
So what ran, what failed (and why), what each task returned and which files were made come from
`results`, never from a model. A controller's prose, where it writes any, is cut where it starts
repeating itself and bounded in length; the failures and files are then added by code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "bound_prose",
    "caution_lines",
    "compose_facts",
    "cut_repetition",
    "failure_lines",
    "output_caution",
    "task_label",
]

_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|\n+")
_WORD = re.compile(r"\w+", re.UNICODE)
_MAX_DETAIL = 600


def task_label(task: str) -> str:
    """A task type as words: `automatic-speech-recognition` -> `Automatic speech recognition`."""
    words = task.replace("-", " ")
    return words[:1].upper() + words[1:]


def _clip(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3].rstrip() + "..."


def _ok_line(task: Mapping[str, Any], result: Mapping[str, Any], limit: int) -> str:
    output = result.get("output") or {}
    data = output.get("data")
    method = data.get("method") if isinstance(data, dict) else None
    on = f"{result.get('model')}{f', {method}' if method else ''}"
    head = f"{task_label(task['task'])} (task {task['id']}, on {on})"
    caution = output_caution(output)
    note = f" (caution: {caution})" if caution else ""
    if output.get("path"):
        what = output.get("text", "").strip() or output.get("type")
        return f"{head}: {what}, saved as {output['path']}{note}"
    return f"{head}: {_clip(output.get('text', ''), limit)}{note}"


def output_caution(output: Mapping[str, Any]) -> str | None:
    """What the model that made `output` said to be unsure of (`data["caution"]`), if anything.

    A transcript of a noisy recording or the text of a blurred photo can be wrong; the engine
    that knows it (from the model's own confidence) says so, and the answer passes it on.
    """
    data = output.get("data")
    caution = data.get("caution") if isinstance(data, dict) else None
    return caution if isinstance(caution, str) and caution.strip() else None


def caution_lines(
    plan: Sequence[Mapping[str, Any]], results: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """One line per finished task whose model was unsure of its result (`output_caution`)."""
    lines = []
    for task in plan:
        result = results.get(str(task["id"])) or {}
        caution = output_caution(result.get("output") or {})
        if result.get("status") == "ok" and caution:
            lines.append(f"{task_label(task['task'])} (task {task['id']}): {caution}")
    return lines


def failure_lines(
    plan: Sequence[Mapping[str, Any]], results: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """One line per task that did not finish: failed (with its reason), skipped, or not run."""
    lines = []
    for task in plan:
        result = results.get(str(task["id"])) or {}
        status = result.get("status")
        if status == "ok":
            continue
        reason = _clip(str(result.get("error") or "no reason was recorded"), _MAX_DETAIL)
        label = f"{task_label(task['task'])} (task {task['id']})"
        if status == "skipped":
            lines.append(f"{label} was skipped: {reason}")
        elif status == "error":
            lines.append(f"{label} failed: {reason}")
        else:
            lines.append(f"{label} did not run")
    return lines


def compose_facts(
    plan: Sequence[Mapping[str, Any]],
    results: Mapping[str, Mapping[str, Any]],
    *,
    max_chars: int = 1200,
) -> str:
    """The answer's facts: a lead saying how much was done, each task's result, the failures.

    Nothing here comes from a model's description of the run: a task is said to have produced
    something only when its result holds that output.
    """
    done = [t for t in plan if (results.get(str(t["id"])) or {}).get("status") == "ok"]
    failures = failure_lines(plan, results)
    if not plan:
        return "Nothing was run: the request asked for no task."
    if not done:
        lead = (
            "The task failed, so nothing was done."
            if len(plan) == 1
            else f"All {len(plan)} tasks failed or were skipped, so nothing was done."
        )
    elif failures:
        lead = f"{len(done)} of {len(plan)} tasks finished; {len(failures)} did not (see below)."
    else:
        lead = f"Done: {len(plan)} task{'s' if len(plan) > 1 else ''} ran."
    parts = [lead]
    if done:
        parts.append(
            "Results:\n"
            + "\n".join(f"- {_ok_line(t, results[str(t['id'])], max_chars)}" for t in done)
        )
    if failures:
        parts.append("Not done:\n" + "\n".join(f"- {line}" for line in failures))
    return "\n\n".join(parts)


def cut_repetition(text: str, *, max_repeats: int = 1) -> str:
    """Cut `text` where it starts saying again what it already said.

    A sentence (or line) of three words or more whose words were already said `max_repeats`
    times ends the text there (short ones such as "Yes." may recur); so does a phrase looping
    inside one sentence ("very very very very very", "and then and then and then").
    """
    seen: dict[str, int] = {}
    position = 0
    for match in _SENTENCE_END.finditer(text + "\n"):
        piece = text[position : match.start()]
        words = _WORD.findall(piece.lower())
        if words:
            key = " ".join(words)
            seen[key] = seen.get(key, 0) + (len(words) >= 3)
            if seen[key] > max_repeats:
                return text[:position].strip()
            cut = _cut_loop(piece)
            if cut is not None:
                return (text[:position] + cut).strip()
        position = match.end()
    return text.strip()


def _cut_loop(piece: str, *, window: int = 12) -> str | None:
    """The sentence cut where a phrase loops, or None when none does.

    A loop is a phrase of at most `window` words said three times in a row (one word, five).
    """
    words = piece.split()
    for size in range(1, window + 1):
        repeats = 5 if size == 1 else 3
        for i in range(len(words) - size * repeats + 1):
            phrase = words[i : i + size]
            if all(words[i + k * size : i + (k + 1) * size] == phrase for k in range(1, repeats)):
                return " ".join(words[: i + size]) + " ..."
    return None


def bound_prose(text: str, max_chars: int) -> str:
    """Repetition cut, then at most `max_chars`, ending at a sentence or word boundary."""
    text = cut_repetition(text)
    if len(text) <= max_chars:
        return text
    head = text[:max_chars]
    stop = max(head.rfind(". "), head.rfind("\n"))
    if stop > max_chars // 2:
        return head[: stop + 1].rstrip() + " [...]"
    return head.rsplit(" ", 1)[0] + " [...]"
