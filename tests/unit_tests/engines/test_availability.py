from pathlib import Path

import pytest

from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines import availability
from langchain_hugginggpt.engines.availability import (
    hub_offline,
    hub_reachable,
    model_ref,
    pick_device,
    weights_available,
)


def test_device_override_and_auto(monkeypatch: pytest.MonkeyPatch) -> None:
    assert pick_device("cpu") == "cpu"
    assert pick_device("cuda:1") == "cuda:1"
    monkeypatch.setenv("HUGGINGGPT_DEVICE", "mps")
    assert pick_device("auto") == "mps"
    monkeypatch.delenv("HUGGINGGPT_DEVICE")
    assert pick_device("auto") == "cpu"  # no accelerator on the test machines


@pytest.fixture
def hub_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Undo the test session's offline switch, including huggingface_hub's import-time copy."""
    from huggingface_hub import constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)


def test_offline_flag_is_read_at_call_time(
    hub_allowed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not hub_offline()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert hub_offline() and not hub_reachable()


def test_unreachable_hub_is_remembered(hub_allowed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.setattr(availability, "_probe", None)
    assert hub_reachable(timeout_s=0.5) is False
    calls = []
    monkeypatch.setattr(availability.socket, "create_connection", lambda *a, **k: calls.append(1))
    assert hub_reachable() is False and calls == []  # cached, no new probe


def test_local_paths_and_cache(tmp_path: Path) -> None:
    card = ModelCard(id="local/m", task="summarization", source="local", path=str(tmp_path))
    assert weights_available(card) and model_ref(card) == str(tmp_path)
    gone = ModelCard(
        id="local/gone", task="summarization", source="local", path=str(tmp_path / "x")
    )
    assert not weights_available(gone)
    hub = ModelCard(id="org/not-cached", task="summarization")
    assert not weights_available(hub)  # not cached, Hub offline in tests
    assert model_ref(hub) == "org/not-cached"
