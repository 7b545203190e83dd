"""Reading a plan while it is written: each task object, as soon as its closing brace arrives.

`TaskObjectReader` is fed the controller's reply piece by piece and returns the task objects that
became complete. It finds the plan's array of task objects at the top level (`[{...}, ...]`) or
under a wrapper object's `tasks`, `plan` or `steps` key (`{"tasks": [...]}`, as structured output
writes it), after any prose or code fence; braces and brackets inside strings (either quote,
with escapes) do not count. Each complete object is decoded as the planner decodes whole plans
(`jsontext.extract_json`: strict JSON, trailing commas, Python literals); one that does not
decode is skipped. Nothing here decides whether a plan is good: the whole reply is still parsed
and validated when it ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from langchain_hugginggpt.jsontext import JSONNotFoundError, extract_json

__all__ = ["TASK_KEYS", "TaskObjectReader"]

TASK_KEYS = frozenset({"tasks", "plan", "steps"})
"""Keys of a wrapper object under which the plan's task array may sit."""


@dataclass
class _Container:
    """An open `[` or `{` of the reply; `tasks` marks the plan's task array."""

    kind: str
    tasks: bool = False
    key: str | None = None
    """In an object: the last key read, whose value comes next."""


@dataclass
class TaskObjectReader:
    """Finds the complete task objects of a plan being streamed; see the module docstring."""

    max_chars: int = 1_000_000
    """Stop reading past this many characters (a runaway reply)."""
    _size: int = 0
    _found: int = 0
    _stack: list[_Container] = field(default_factory=list)
    _quote: str | None = None
    _escaped: bool = False
    _string: list[str] = field(default_factory=list)
    _last_string: str | None = None
    _object: list[str] | None = None
    """The characters of the task object being read, once its `{` was seen."""
    _object_depth: int = 0
    _done: bool = False

    @property
    def done(self) -> bool:
        """Whether the task array has closed (or reading stopped); later text is ignored."""
        return self._done

    def feed(self, piece: str) -> list[dict[str, Any]]:
        """Read `piece`; return the task objects it completed, in order."""
        found: list[dict[str, Any]] = []
        if self._done or not piece:
            return found
        self._size += len(piece)
        if self._size > self.max_chars:
            self._done = True
            return found
        for char in piece:
            if self._object is not None:
                self._object.append(char)
            if self._quote is not None:
                self._in_string(char)
            elif char in "\"'" and self._stack:
                self._quote = char
                self._string = []
            else:
                complete = self._structural(char)
                if complete is not None:
                    found.append(complete)
                if self._done:
                    break
        return found

    def _in_string(self, char: str) -> None:
        if self._escaped:
            self._escaped = False
            self._string.append(char)
        elif char == "\\":
            self._escaped = True
        elif char == self._quote:
            self._quote = None
            self._last_string = "".join(self._string)
        else:
            self._string.append(char)

    def _structural(self, char: str) -> dict[str, Any] | None:
        """Track `[`, `{`, `:`, `]` and `}`; return a task object its `}` completed."""
        if char in "[{":
            self._open(char)
        elif char in "]}":
            return self._close()
        elif char == ":" and self._stack and self._stack[-1].kind == "{":
            self._stack[-1].key = self._last_string
        elif char == "," and self._stack and self._stack[-1].kind == "{":
            self._stack[-1].key = None
        return None

    def _open(self, char: str) -> None:
        parent = self._stack[-1] if self._stack else None
        if char == "{" and parent is not None and parent.tasks and self._object is None:
            self._object = ["{"]
            self._object_depth = len(self._stack) + 1
        tasks = char == "[" and (
            parent is None
            or (parent.kind == "{" and len(self._stack) == 1 and parent.key in TASK_KEYS)
        )
        self._stack.append(_Container(char, tasks=tasks))

    def _close(self) -> dict[str, Any] | None:
        if not self._stack:
            return None
        closed = self._stack.pop()
        if closed.tasks:
            # An array that held no object was prose ("see [1]"): keep looking.
            self._done = self._found > 0
            return None
        if self._object is None or len(self._stack) + 1 != self._object_depth:
            return None
        text, self._object = "".join(self._object), None
        try:
            value = extract_json(text)
        except JSONNotFoundError:
            return None
        if not isinstance(value, dict):
            return None
        self._found += 1
        return value
