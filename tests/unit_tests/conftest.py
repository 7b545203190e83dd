"""Fixtures shared by the unit tests: tiny random models, built once per session on demand."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.backing import (
    BackingServiceError,
    Postgres,
    Redis,
    postgres_instance,
    redis_instance,
)
from tests.unit_tests.engines import tiny_models

# Nothing in the unit tests may reach the Hub, whatever the machine's settings.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """An event released at teardown, so every deliberately hung call ends with its test."""
    event = threading.Event()
    yield event
    event.set()


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


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A throwaway PostgreSQL server for the session; give each test its own database."""
    try:
        with postgres_instance() as server:
            yield server
    except BackingServiceError as exc:
        pytest.fail(f"cannot start PostgreSQL: {exc}")


@pytest.fixture(scope="session")
def redis() -> Iterator[Redis]:
    """A throwaway Redis server for the session."""
    try:
        with redis_instance() as server:
            yield server
    except BackingServiceError as exc:
        pytest.fail(f"cannot start Redis: {exc}")
