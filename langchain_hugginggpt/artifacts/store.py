"""Content-addressed files of one run: engines save what they make here, by hash of content."""

from __future__ import annotations

import hashlib
from pathlib import Path

from langchain_hugginggpt.atomic import staged_file

__all__ = ["save_bytes"]


def save_bytes(run_dir: Path, data: bytes, *, suffix: str) -> Path:
    """Write `data` under `run_dir` as `<sha256 prefix><suffix>` and return the path.

    The same content always lands in the same file, written once and atomically (a reader
    never sees half a file), so two tasks producing identical media share one file.
    """
    if suffix and not suffix.startswith("."):
        raise ValueError(f"suffix must start with a dot, got {suffix!r}")
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / f"{hashlib.sha256(data).hexdigest()[:20]}{suffix}"
    if path.exists() and path.stat().st_size == len(data):
        return path
    with staged_file(path, prefix=".tmp-", suffix=suffix) as handle:
        handle.write(data)
    return path
