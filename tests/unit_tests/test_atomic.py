"""A staged folder replaces its target whole, or leaves it as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from langchain_hugginggpt.atomic import staged_file, staged_folder


def test_a_finished_folder_replaces_the_old_one(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "model"
    with staged_folder(target) as staging:
        (staging / "a.txt").write_text("first")
    with staged_folder(target) as staging:
        assert not (target / "b.txt").exists()  # not visible until it is finished
        (staging / "b.txt").write_text("second")
    assert sorted(p.name for p in target.iterdir()) == ["b.txt"]
    assert sorted(p.name for p in target.parent.iterdir()) == ["model"]
    assert target.stat().st_mode & 0o777 == 0o755


def test_a_failure_leaves_the_old_folder_and_no_staging(tmp_path: Path) -> None:
    target = tmp_path / "model"
    with staged_folder(target) as staging:
        (staging / "a.txt").write_text("kept")
    with pytest.raises(KeyboardInterrupt), staged_folder(target) as staging:
        (staging / "half.txt").write_text("half")
        raise KeyboardInterrupt
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    assert (target / "a.txt").read_text() == "kept"


def test_a_finished_file_replaces_the_old_one(tmp_path: Path) -> None:
    target = tmp_path / "listing.json"
    target.write_text("old")
    with staged_file(target, "w", suffix=".tmp") as handle:
        handle.write("new ü")
        assert target.read_text() == "old"  # not visible until it is finished
    assert target.read_text(encoding="utf-8") == "new ü"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["listing.json"]


def test_a_failed_file_leaves_the_old_one_and_no_staging(tmp_path: Path) -> None:
    target = tmp_path / "weights.bin"
    target.write_bytes(b"kept")
    with pytest.raises(OSError, match="No space"), staged_file(target) as handle:
        handle.write(b"half")
        raise OSError(28, "No space left on device")
    assert target.read_bytes() == b"kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["weights.bin"]
