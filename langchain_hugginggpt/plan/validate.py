"""Strict checks of a parsed plan, one message per problem, worded so a model can fix it."""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Mapping, Sequence

from langchain_hugginggpt.plan.references import REFERENCE_RE, canonical
from langchain_hugginggpt.plan.types import PlannedTask, PlanValidationError
from langchain_hugginggpt.tasks import TASKS, TaskSpec

__all__ = ["check_plan", "find_cycle", "validate_plan"]


def validate_plan(
    tasks: Sequence[PlannedTask], vocabulary: Mapping[str, TaskSpec] = TASKS
) -> list[str]:
    """Return every problem of the plan; an empty list means it can run.

    Checks: known task names, positive unique ids, dependencies that exist and are not the task
    itself, no cycles, arguments the task takes, required arguments present, and every
    `<GENERATED>-k` pointing at a dependency whose output modality fits the argument.
    """
    problems: list[str] = []
    counts = Counter(t.id for t in tasks)
    problems += [
        f"id {i} is used by {n} tasks; ids must be unique" for i, n in counts.items() if n > 1
    ]
    by_id = {t.id: t for t in tasks}
    for t in tasks:
        problems += _task_problems(t, by_id, vocabulary)
    cycle = find_cycle(tasks)
    if cycle:
        problems.append(
            "tasks " + " -> ".join(map(str, cycle)) + " form a cycle; a task may only depend on "
            "tasks that can finish before it"
        )
    return problems


def check_plan(tasks: Sequence[PlannedTask], vocabulary: Mapping[str, TaskSpec] = TASKS) -> None:
    """Raise `PlanValidationError` listing every problem, or return when the plan is sound."""
    problems = validate_plan(tasks, vocabulary)
    if problems:
        raise PlanValidationError(problems)


def _task_problems(
    t: PlannedTask, by_id: Mapping[int, PlannedTask], vocabulary: Mapping[str, TaskSpec]
) -> list[str]:
    problems: list[str] = []
    label = f"task {t.id}"
    if t.id <= 0:
        problems.append(f"{label}: ids must be positive integers (1, 2, 3, ...)")
    for d in t.dep:
        if d == t.id:
            problems.append(f"{label} depends on itself; remove {d} from its dep")
        elif d not in by_id:
            problems.append(f"{label} depends on task {d}, which is not in the plan")
    spec = vocabulary.get(t.task)
    if spec is None:
        close = difflib.get_close_matches(t.task, list(vocabulary), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        problems.append(f"{label}: unknown task type '{t.task}'{hint}")
        return problems
    label = f"task {t.id} ({t.task})"
    taken = ", ".join(a.name for a in spec.args)
    for name in t.args:
        if spec.arg(name) is None:
            problems.append(f"{label} has no argument '{name}'; it takes: {taken}")
    for arg in spec.args:
        if arg.required and not t.args.get(arg.name, "").strip():
            problems.append(f"{label} needs argument '{arg.name}' ({arg.modality})")
    for name, value in t.args.items():
        target = spec.arg(name)
        for match in REFERENCE_RE.finditer(value):
            ref = int(match.group(1))
            where = f"{label} argument '{name}' references {canonical(ref)}"
            if ref == t.id:
                problems.append(
                    f"{where}, its own output; reference the task whose output it needs"
                )
            elif ref not in by_id:
                problems.append(f"{where}, but there is no task {ref}")
            elif ref not in t.dep:
                problems.append(f"{where}, but {ref} is not among its dependencies; add it to dep")
            elif target is not None:
                producer = by_id[ref]
                maker = vocabulary.get(producer.task)
                made = maker.output if maker is not None else None
                if maker is not None and not maker.feeds(target.modality):
                    problems.append(
                        f"{where}, but task {ref} ({producer.task}) produces {made} and "
                        f"'{target.name}' takes {target.modality}"
                    )
    return problems


def find_cycle(tasks: Sequence[PlannedTask]) -> list[int] | None:
    """Return one dependency cycle as ids (first id repeated at the end), or None."""
    deps = {t.id: [d for d in t.dep if d != t.id] for t in tasks}
    state: dict[int, int] = {}  # 1 = on the current path, 2 = done
    for root in deps:
        if state.get(root):
            continue
        stack: list[tuple[int, int]] = [(root, 0)]
        path: list[int] = []
        while stack:
            node, i = stack.pop()
            if i == 0:
                state[node] = 1
                path.append(node)
            children = [d for d in deps.get(node, []) if d in deps]
            if i < len(children):
                stack.append((node, i + 1))
                child = children[i]
                if state.get(child) == 1:
                    return [*path[path.index(child) :], child]
                if not state.get(child):
                    stack.append((child, 0))
            else:
                state[node] = 2
                path.pop()
    return None
