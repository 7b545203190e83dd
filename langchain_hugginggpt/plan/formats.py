"""Plans written in the field's other canonical formats, read as written.

- HuggingGPT's paper and JARVIS number tasks from 0 (`"id": 0`, `"dep": [-1]`,
  `"<GENERATED>-0"`); `zero_based` shifts such a plan to ids from 1.
- TaskBench writes `{"task_nodes": [{"task": "Image-to-Text", "arguments": [...]}],
  "task_links": [{"source", "target"}]}`, with `<node-j>` for node j's output (from 0);
  `taskbench_items` turns it into tasks with ids, deps and named arguments.
- LLMCompiler writes numbered calls, `1. image_to_text(image="a.jpg")` then
  `2. translation(text=$1, target_language="French")`, with `$k` (or `${k}`) for task k's
  output; `llmcompiler_items` reads those lines, and `dollar_reference` a whole `$k` value in
  any format.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_hugginggpt.jsontext import as_int
from langchain_hugginggpt.plan.references import REFERENCE_RE, canonical
from langchain_hugginggpt.tasks import TASKS

__all__ = [
    "dollar_reference",
    "llmcompiler_items",
    "taskbench_items",
    "zero_based",
]

_NODE_RE = re.compile(r"<\s*node\s*-\s*([0-9]{1,9})\s*>", re.IGNORECASE)
_DOLLAR_RE = re.compile(r"\$\{?([0-9]{1,9})\}?")
_CALL_RE = re.compile(r"^\s*([0-9]{1,9})\s*[.:)]\s*([A-Za-z][\w-]*)\s*\((.*)\)\s*$")


def _task_name(value: Any) -> str:
    return re.sub(r"[\s_]+", "-", str(value).strip().lower())


def zero_based(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]] | None:
    """The items shifted to ids from 1 when they number from 0, else None.

    Ids, dependencies (`-1`, "none", stays none) and `<GENERATED>-k` references all move by one.
    """
    ids = [as_int(item.get("id")) if isinstance(item, Mapping) else None for item in items]
    numbers = [i for i in ids if i is not None and i >= 0]
    if len(numbers) != len(items) or 0 not in numbers or len(set(numbers)) != len(numbers):
        return None

    def shift(value: Any) -> Any:
        if isinstance(value, str):
            return REFERENCE_RE.sub(lambda m: canonical(int(m.group(1)) + 1), value)
        if isinstance(value, Mapping):
            return {k: shift(v) for k, v in value.items()}
        if isinstance(value, list):
            return [shift(v) for v in value]
        return value

    shifted = []
    for item, number in zip(items, numbers, strict=True):
        dep = item.get("dep", item.get("deps", []))
        deps = dep if isinstance(dep, list) else [dep]
        moved = [int(d) + 1 for d in deps if as_int(d) is not None and int(d) >= 0]
        shifted.append({**item, "id": number + 1, "dep": moved, "args": shift(item.get("args"))})
    return shifted


def _named_args(task: str, values: Sequence[Any]) -> dict[str, Any]:
    """Positional arguments given the task's argument names in order."""
    spec = TASKS.get(task)
    names = [a.name for a in spec.args] if spec else [f"arg{i + 1}" for i in range(len(values))]
    args = dict(zip(names, values, strict=False))
    # Writers disagree on the order of a question and its context: the question is the one
    # asking something.
    question, context = str(args.get("question", "")), str(args.get("context", ""))
    if context.rstrip().endswith("?") and not question.rstrip().endswith("?"):
        args["question"], args["context"] = args["context"], args["question"]
    return args


def taskbench_items(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """TaskBench's `task_nodes` (and `task_links`) as task items with ids from 1."""
    nodes = [n for n in data.get("task_nodes") or [] if isinstance(n, Mapping)]
    names = [_task_name(n.get("task", "")) for n in nodes]
    first: dict[str, int] = {}
    for i, name in enumerate(names):
        first.setdefault(name, i + 1)
    items: list[dict[str, Any]] = []
    for i, (name, node) in enumerate(zip(names, nodes, strict=True)):
        raw = node.get("arguments", node.get("args", []))
        values = raw if isinstance(raw, list) else [raw]
        text = [_NODE_RE.sub(lambda m: canonical(int(m.group(1)) + 1), str(v)) for v in values]
        args = dict(raw) if isinstance(raw, Mapping) else _named_args(name, text)
        dep = {ref for v in text for ref in _refs(v)}
        for link in data.get("task_links") or []:
            if isinstance(link, Mapping) and _task_name(link.get("target", "")) == name:
                source = first.get(_task_name(link.get("source", "")))
                if source is not None and source != i + 1:
                    dep.add(source)
        items.append({"id": i + 1, "task": name, "dep": sorted(dep), "args": args})
    return items


def _refs(value: str) -> list[int]:
    return [int(m.group(1)) for m in REFERENCE_RE.finditer(value)]


def dollar_reference(value: str) -> str | None:
    """`<GENERATED>-k` for a value that is only `$k` or `${k}`, else None."""
    match = _DOLLAR_RE.fullmatch(value.strip())
    return canonical(int(match.group(1))) if match else None


def llmcompiler_items(text: str) -> list[dict[str, Any]] | None:
    """Numbered calls (`2. translation(text=$1, target_language="French")`) as task items.

    None when `text` has no such line naming a known task; a `join()` line ends the plan.
    """
    items: list[dict[str, Any]] = []
    for line in text.splitlines():
        match = _CALL_RE.match(line)
        if not match:
            continue
        number, name, inner = int(match.group(1)), _task_name(match.group(2)), match.group(3)
        if name == "join":
            break
        if name not in TASKS:
            return None
        args = _call_args(name, inner)
        refs = {int(m.group(1)) for v in args.values() for m in _DOLLAR_RE.finditer(v)}
        args = {k: _DOLLAR_RE.sub(lambda m: canonical(int(m.group(1))), v) for k, v in args.items()}
        items.append({"id": number, "task": name, "dep": sorted(refs), "args": args})
    return items or None


def _call_args(task: str, inner: str) -> dict[str, str]:
    """`a="x", b=$1` or positional `"x", $1`, read as Python call arguments would be."""
    quoted = _DOLLAR_RE.sub(lambda m: repr(f"${m.group(1)}"), inner)
    try:
        call = ast.parse(f"f({quoted})", mode="eval").body
    except SyntaxError:
        return _named_args(task, [inner.strip()])
    if not isinstance(call, ast.Call):
        return {}
    positional = [_literal(a) for a in call.args]
    named = {k.arg: _literal(k.value) for k in call.keywords if k.arg}
    return {**_named_args(task, positional), **named}


def _literal(node: ast.expr) -> str:
    try:
        value = ast.literal_eval(node)
    except (ValueError, SyntaxError):
        return ast.unparse(node)
    return value if isinstance(value, str) else str(value)
