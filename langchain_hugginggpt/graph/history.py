"""Multi-turn: the files a turn made, kept in the state for later turns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["turn_artifacts"]


def turn_artifacts(
    results: Mapping[str, Mapping[str, Any]], plan: Sequence[Mapping[str, Any]], turn: int
) -> list[dict[str, Any]]:
    """The files a turn produced, as kept in the state's `artifacts` for later turns."""
    names = {str(t["id"]): t["task"] for t in plan}
    files = []
    for key, result in results.items():
        output = result.get("output") or {}
        if result.get("status") == "ok" and output.get("path"):
            files.append(
                {
                    "turn": turn,
                    "task_id": int(key),
                    "task": names.get(key, result.get("task")),
                    "type": output.get("type"),
                    "path": output["path"],
                }
            )
    return files
