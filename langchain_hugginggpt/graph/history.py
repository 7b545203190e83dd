"""Multi-turn: the files a turn made, kept in the state for later turns.

A turn's text results (a transcript, a translation) are kept as files too, in the run's folder:
a follow-up ("now translate that into French") then has the text to work on, as it has an
earlier turn's audio or images, instead of only the answer's wording.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from langchain_hugginggpt.atomic import staged_file

__all__ = ["turn_artifacts"]

logger = logging.getLogger(__name__)


def turn_artifacts(
    results: Mapping[str, Mapping[str, Any]],
    plan: Sequence[Mapping[str, Any]],
    turn: int,
    run_dir: Path | None = None,
) -> list[dict[str, Any]]:
    """The files a turn produced, as kept in the state's `artifacts` for later turns.

    With `run_dir`, each finished task's text result is written there as
    `turn<N>-task<id>-<task>.txt` and kept as a `text` artifact. A text that cannot be written
    is left out (and logged): the turn's answer does not depend on it.
    """
    names = {str(t["id"]): t["task"] for t in plan}
    files = []
    for key, result in sorted(results.items(), key=lambda kv: _order(kv[0])):
        output = result.get("output") or {}
        if result.get("status") != "ok":
            continue
        task = names.get(key, result.get("task"))
        path = output.get("path")
        if not path and run_dir is not None and output.get("type") == "text":
            path = _kept_text(run_dir, turn, key, str(task), output.get("text", ""))
        if path:
            files.append(
                {
                    "turn": turn,
                    "task_id": int(key),
                    "task": task,
                    "type": output.get("type"),
                    "path": path,
                }
            )
    return files


def _order(key: str) -> tuple[int, str]:
    return (int(key), key) if key.isdigit() else (1 << 30, key)


def _kept_text(run_dir: Path, turn: int, key: str, task: str, text: str) -> str | None:
    if not text.strip():
        return None
    name = re.sub(r"[^A-Za-z0-9_-]", "_", f"turn{turn}-task{key}-{task}") + ".txt"
    target = run_dir / name
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        with staged_file(target, "w", suffix=".txt") as handle:
            handle.write(text)
    except OSError as err:
        logger.warning("could not keep the text of task %s for later turns: %s", key, err)
        return None
    return str(target)
