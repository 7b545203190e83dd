"""Fixtures shared by the unit tests: tiny random models, built once per session on demand."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.unit_tests.engines import tiny_models

# Nothing in the unit tests may reach the Hub, whatever the machine's settings.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


@pytest.fixture(scope="session")
def tiny_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tiny-models")


@pytest.fixture(scope="session")
def tiny_text_classifier(tiny_root: Path) -> Path:
    return tiny_models.text_classifier(tiny_root)


@pytest.fixture(scope="session")
def tiny_seq2seq(tiny_root: Path) -> Path:
    return tiny_models.seq2seq(tiny_root)


@pytest.fixture(scope="session")
def tiny_image_classifier(tiny_root: Path) -> Path:
    return tiny_models.image_classifier(tiny_root)


@pytest.fixture(scope="session")
def tiny_speech_recognizer(tiny_root: Path) -> Path:
    return tiny_models.speech_recognizer(tiny_root)


@pytest.fixture(scope="session")
def tiny_stable_diffusion(tiny_root: Path) -> Path:
    return tiny_models.stable_diffusion(tiny_root)
