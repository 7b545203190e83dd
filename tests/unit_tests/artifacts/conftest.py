"""Fixtures of the input-loading tests: an allowed folder, its policy and a run folder."""

from pathlib import Path

import pytest

from langchain_hugginggpt.artifacts.inputs import InputPolicy


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "root"
    folder.mkdir()
    return folder


@pytest.fixture
def policy(root: Path) -> InputPolicy:
    return InputPolicy(roots=(root,))


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "run"


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path
