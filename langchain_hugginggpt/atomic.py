"""A folder written whole or not at all: built beside its target, then renamed into place."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["staged_folder"]


@contextmanager
def staged_folder(target: Path, prefix: str = ".staging-") -> Iterator[Path]:
    """Yield an empty folder beside `target`; on success it replaces `target` whole.

    On any failure (a full disk, an interrupt) the staging folder is removed and `target` is
    left as it was: a reader never sees a half-written folder.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=prefix))
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; what it holds is for every user
        yield staging
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
