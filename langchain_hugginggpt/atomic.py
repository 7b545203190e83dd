"""Files and folders written whole or not at all: built beside their target, then renamed."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

__all__ = ["staged_file", "staged_folder"]


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


@contextmanager
def staged_file(
    target: Path, mode: str = "wb", *, prefix: str = ".staging-", suffix: str = ""
) -> Iterator[IO[Any]]:
    """Yield a file opened beside `target`; on success it replaces `target`.

    `mode` is "wb", or "w" for UTF-8 text. On any failure the staging file is removed and
    `target` is left as it was: a concurrent reader never sees half a file. The folder must
    exist.
    """
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=prefix, suffix=suffix)
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8") as handle:
            yield handle
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
