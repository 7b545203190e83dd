"""Tests of the live Hub listing against a local stand-in for the Hub's `/api/models`."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from huggingface_hub import HfApi, constants
from huggingface_hub.utils import _http as hf_http

from langchain_hugginggpt.catalog import HubListing, ModelCard
from langchain_hugginggpt.catalog.hub import default_cache_dir, hub_offline
from langchain_hugginggpt.tasks import TASKS

from .conftest import FakeHub, fixture_models

MakeListing = Callable[..., HubListing]
DEPTH = TASKS["depth-estimation"]


def _ids(cards: list[ModelCard] | None) -> list[str]:
    assert cards is not None
    return [card.id for card in cards]


def _age_cache(listing: HubListing, seconds: float) -> None:
    path = listing.cache_path(DEPTH)
    data = json.loads(path.read_text())
    data["fetched_at"] -= seconds
    path.write_text(json.dumps(data))


def _eventually(condition: Callable[[], bool], within_s: float = 10.0) -> bool:
    """Poll `condition` until it holds or `within_s` passes; return whether it held."""
    deadline = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _list_in_thread(listing: HubListing, join_s: float = 20.0) -> list[ModelCard] | None:
    """Call `listing.list` in a thread and fail if it does not return within `join_s`."""
    result: list[list[ModelCard] | None] = []
    thread = threading.Thread(target=lambda: result.append(listing.list(DEPTH)), daemon=True)
    thread.start()
    thread.join(join_s)
    assert not thread.is_alive(), "HubListing.list did not return: its wait is not bounded"
    return result[0]


def test_lists_models_from_the_hub(make_listing: MakeListing, fake_hub: FakeHub) -> None:
    cards = make_listing().list(DEPTH)
    assert _ids(cards) == [model["id"] for model in fixture_models("depth-estimation")]
    assert cards is not None
    first = cards[0]
    assert first.id == "Intel/dpt-large"
    assert first.task == "depth-estimation"
    assert first.source == "hub"
    assert (first.downloads, first.likes) == (412031, 190)
    assert first.license == "apache-2.0"
    assert first.library_name == "transformers"
    assert first.gated is False
    assert "license:apache-2.0" in first.tags


def test_request_carries_the_listing_parameters(
    make_listing: MakeListing, fake_hub: FakeHub
) -> None:
    make_listing(limit=7).list(DEPTH)
    assert fake_hub.state.count == 1
    query = fake_hub.state.requests[0]
    assert query["pipeline_tag"] == ["depth-estimation"]
    assert query["sort"] == ["downloads"]
    assert query["limit"] == ["7"]
    assert {"downloads", "likes", "tags", "library_name", "gated"} <= set(query["expand"])
    assert "filter" not in query
    assert "full" not in query


def test_controlnet_task_filters_on_its_hub_tags(
    make_listing: MakeListing, fake_hub: FakeHub
) -> None:
    cards = make_listing().list(TASKS["canny-text-to-image"])
    query = fake_hub.state.requests[0]
    assert query["pipeline_tag"] == ["text-to-image"]
    assert query["filter"] == ["controlnet", "canny"]
    # The fake Hub ignores `filter`; the listing itself keeps only models with both tags,
    # whatever their case.
    assert _ids(cards) == [
        "diffusers/controlnet-canny-sdxl-1.0",
        "xinsir/controlnet-canny-sdxl-1.0",
    ]
    assert cards is not None
    assert {card.task for card in cards} == {"canny-text-to-image"}


def test_gated_models_and_languages(make_listing: MakeListing, fake_hub: FakeHub) -> None:
    cards = make_listing().list(TASKS["text-generation"])
    assert cards is not None
    by_id = {card.id: card for card in cards}
    llama = by_id["meta-llama/Llama-3.1-8B-Instruct"]
    assert llama.gated is True
    assert llama.license == "llama3.1"
    assert llama.languages[:3] == ("en", "de", "fr")
    gpt2 = by_id["openai-community/gpt2"]
    assert gpt2.gated is False
    assert gpt2.languages == ("en",)
    assert by_id["moonshotai/Kimi-K2-Thinking"].languages == ()


def test_auto_gating_counts_as_gated(make_listing: MakeListing, fake_hub: FakeHub) -> None:
    cards = make_listing().list(TASKS["text-to-image"])
    assert cards is not None
    flux = next(card for card in cards if card.id == "black-forest-labs/FLUX.1-dev")
    assert flux.gated is True
    assert flux.license == "other"


def test_fresh_cache_makes_no_request(make_listing: MakeListing, fake_hub: FakeHub) -> None:
    listing = make_listing()
    first = listing.list(DEPTH)
    assert listing.cache_path(DEPTH).is_file()
    assert listing.list(DEPTH) == first
    # Another instance (another process, say) reads the same cache.
    assert make_listing().list(DEPTH) == first
    assert fake_hub.state.count == 1


def test_cache_file_is_versioned_json(make_listing: MakeListing, fake_hub: FakeHub) -> None:
    listing = make_listing()
    listing.list(DEPTH)
    data = json.loads(listing.cache_path(DEPTH).read_text())
    assert data["version"] == 1
    assert data["task"] == "depth-estimation"
    assert time.time() - data["fetched_at"] < 60
    assert [card["id"] for card in data["cards"]] == _ids(listing.list(DEPTH))
    # Nothing but the cache file is left behind (no temporary files).
    assert [path.name for path in listing.cache_dir.iterdir()] == ["depth-estimation.json"]


def test_expired_cache_is_fetched_again(make_listing: MakeListing, fake_hub: FakeHub) -> None:
    listing = make_listing(ttl_seconds=60)
    listing.list(DEPTH)
    _age_cache(listing, 120)
    # A later run finds the cache expired.
    later = make_listing(ttl_seconds=60)
    assert _ids(later.list(DEPTH))[0] == "Intel/dpt-large"
    assert fake_hub.state.count == 2
    assert time.time() - json.loads(later.cache_path(DEPTH).read_text())["fetched_at"] < 60


def test_listing_expires_within_one_run(make_listing: MakeListing, fake_hub: FakeHub) -> None:
    listing = make_listing(ttl_seconds=0.2)
    listing.list(DEPTH)
    time.sleep(0.3)
    listing.list(DEPTH)
    assert fake_hub.state.count == 2


def test_zero_ttl_always_asks(make_listing: MakeListing, fake_hub: FakeHub) -> None:
    listing = make_listing(ttl_seconds=0)
    listing.list(DEPTH)
    listing.list(DEPTH)
    assert fake_hub.state.count == 2


def test_cache_from_the_future_is_not_trusted(make_listing: MakeListing, fake_hub: FakeHub) -> None:
    listing = make_listing()
    listing.list(DEPTH)
    _age_cache(listing, -3600)
    make_listing().list(DEPTH)
    assert fake_hub.state.count == 2


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HF_HUB_OFFLINE", "1"),
        ("HF_HUB_OFFLINE", "true"),
        ("HF_HUB_OFFLINE", "YES"),
        ("HF_HUB_OFFLINE", "on"),
        ("TRANSFORMERS_OFFLINE", "1"),
    ],
)
def test_offline_makes_no_request(
    make_listing: MakeListing,
    fake_hub: FakeHub,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
) -> None:
    listing = make_listing()
    # Read at call time: set after the listing (and huggingface_hub) exist.
    monkeypatch.setenv(variable, value)
    assert hub_offline()
    assert listing.list(DEPTH) is None
    assert fake_hub.state.count == 0


def test_offline_still_serves_a_stale_cache(
    make_listing: MakeListing, fake_hub: FakeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    listing = make_listing(ttl_seconds=60)
    cached = listing.list(DEPTH)
    _age_cache(listing, 3600)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert make_listing(ttl_seconds=60).list(DEPTH) == cached
    assert fake_hub.state.count == 1


@pytest.mark.parametrize("value", ["0", "false", ""])
def test_falsy_offline_values_keep_the_hub_on(
    make_listing: MakeListing, fake_hub: FakeHub, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", value)
    assert not hub_offline()
    assert make_listing().list(DEPTH) is not None
    assert fake_hub.state.count == 1


def test_offline_at_import_time_makes_no_request(
    make_listing: MakeListing, fake_hub: FakeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    assert make_listing().list(DEPTH) is None
    assert fake_hub.state.count == 0


def test_server_that_never_answers_gives_none_in_bounded_time(
    make_listing: MakeListing, fake_hub: FakeHub
) -> None:
    fake_hub.state.mode = "hang"
    listing = make_listing(timeout_s=0.5)
    assert _list_in_thread(listing) is None
    assert fake_hub.state.hung.wait(5), "the request never reached the server"


def test_timeout_trips_the_circuit_breaker(make_listing: MakeListing, fake_hub: FakeHub) -> None:
    fake_hub.state.mode = "hang"
    listing = make_listing(timeout_s=0.3)
    assert listing.list(DEPTH) is None
    assert fake_hub.state.hung.wait(5)
    fake_hub.state.mode = "ok"
    assert listing.list(DEPTH) is None
    assert listing.list(TASKS["text-generation"]) is None
    assert fake_hub.state.count == 1


def test_late_answer_is_cached(make_listing: MakeListing, fake_hub: FakeHub) -> None:
    fake_hub.state.mode = "hang"
    listing = make_listing(timeout_s=0.3)
    assert listing.list(DEPTH) is None
    assert fake_hub.state.hung.wait(5)
    fake_hub.state.mode = "ok"
    fake_hub.state.release.set()
    assert _eventually(listing.cache_path(DEPTH).exists)
    # Served from the cache the late answer wrote, despite the open breaker.
    assert _ids(listing.list(DEPTH))[0] == "Intel/dpt-large"
    assert fake_hub.state.count == 1


def test_server_error_serves_the_stale_cache(make_listing: MakeListing, fake_hub: FakeHub) -> None:
    listing = make_listing(ttl_seconds=60)
    cached = listing.list(DEPTH)
    _age_cache(listing, 3600)
    fake_hub.state.mode = "error500"
    # huggingface_hub retries a 500 for ~23 s; the listing gives up after timeout_s.
    assert _list_in_thread(make_listing(ttl_seconds=60, timeout_s=0.5)) == cached
    assert _eventually(lambda: fake_hub.state.count >= 2)


def test_server_error_without_cache_gives_none(
    make_listing: MakeListing, fake_hub: FakeHub
) -> None:
    fake_hub.state.mode = "error500"
    assert _list_in_thread(make_listing(timeout_s=0.5)) is None
    assert _eventually(lambda: fake_hub.state.count >= 1)


def test_client_error_gives_none(make_listing: MakeListing, fake_hub: FakeHub) -> None:
    fake_hub.state.mode = "error400"
    assert make_listing().list(DEPTH) is None
    assert fake_hub.state.count == 1


def test_unreachable_hub_gives_none(
    tmp_path: Path, online: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # huggingface_hub retries a refused connection 5 times over ~23 s, closing its shared
    # client each time; without the waits the attempt ends within this test instead of
    # lingering into later ones.
    monkeypatch.setattr(hf_http, "time", SimpleNamespace(sleep=lambda _seconds: None))
    with socket.socket() as closed:
        # Bound but not listening: connecting to it is refused.
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        listing = HubListing(
            HfApi(endpoint=f"http://127.0.0.1:{port}", token=False),
            cache_dir=tmp_path,
            timeout_s=10,
        )
        assert _list_in_thread(listing) is None


def test_circuit_breaker_skips_the_next_attempt(
    make_listing: MakeListing, fake_hub: FakeHub
) -> None:
    fake_hub.state.mode = "error400"
    listing = make_listing(retry_after_s=60)
    assert listing.list(DEPTH) is None
    fake_hub.state.mode = "ok"
    assert listing.list(DEPTH) is None
    assert fake_hub.state.count == 1


def test_circuit_breaker_closes_after_retry_after(
    make_listing: MakeListing, fake_hub: FakeHub
) -> None:
    fake_hub.state.mode = "error400"
    listing = make_listing(retry_after_s=0.2)
    assert listing.list(DEPTH) is None
    fake_hub.state.mode = "ok"
    time.sleep(0.3)
    assert _ids(listing.list(DEPTH))[0] == "Intel/dpt-large"
    assert fake_hub.state.count == 2


def test_the_breaker_holds_for_the_next_process(
    make_listing: MakeListing, fake_hub: FakeHub
) -> None:
    # A timeout in one process (one listing) spares the next one the same wait.
    fake_hub.state.mode = "hang"
    assert make_listing(timeout_s=0.3).list(DEPTH) is None
    assert fake_hub.state.hung.wait(5)
    later = make_listing(timeout_s=0.3, retry_after_s=60)
    assert json.loads(later.breaker_path.read_text())["reason"] == "no answer within 0.3 s"
    fake_hub.state.mode = "ok"
    assert later.list(DEPTH) is None
    assert fake_hub.state.count == 1


def test_a_success_removes_the_kept_breaker(make_listing: MakeListing, fake_hub: FakeHub) -> None:
    fake_hub.state.mode = "error400"
    failed = make_listing(retry_after_s=0.2)
    assert failed.list(DEPTH) is None
    assert failed.breaker_path.is_file()
    fake_hub.state.mode = "ok"
    time.sleep(0.3)
    assert _ids(failed.list(DEPTH))[0] == "Intel/dpt-large"
    assert not failed.breaker_path.exists()
    # The next process asks the Hub at once (for a task not cached yet).
    assert make_listing(retry_after_s=60).list(TASKS["text-generation"]) is not None
    assert fake_hub.state.count == 3


def test_the_kept_breaker_expires_and_names_its_endpoint(
    make_listing: MakeListing, fake_hub: FakeHub, tmp_path: Path
) -> None:
    fake_hub.state.mode = "error400"
    assert make_listing().list(DEPTH) is None
    fake_hub.state.mode = "ok"
    path = make_listing().breaker_path
    data = json.loads(path.read_text())
    # Another Hub endpoint is not held back by this one's failure.
    path.write_text(json.dumps({**data, "endpoint": "https://elsewhere.example"}))
    assert make_listing(retry_after_s=60).list(DEPTH) is not None
    assert fake_hub.state.count == 2
    # Nor is anything once `retry_after_s` has passed since the failure.
    path.write_text(json.dumps({**data, "failed_at": time.time() - 120}))
    assert make_listing(retry_after_s=60, ttl_seconds=0).list(DEPTH) is not None
    assert fake_hub.state.count == 3


def test_an_unreadable_kept_breaker_is_ignored(
    make_listing: MakeListing, fake_hub: FakeHub, caplog: pytest.LogCaptureFixture
) -> None:
    listing = make_listing()
    listing.breaker_path.parent.mkdir(parents=True)
    listing.breaker_path.write_text("{not json")
    assert listing.list(DEPTH) is not None
    assert "ignoring unreadable Hub breaker file" in caplog.text
    assert not listing.breaker_path.exists()


@pytest.mark.parametrize(
    "content",
    [
        "not json {",
        "[]",
        '{"version": 1, "task": "depth-estimation"}',
        '{"version": 99, "task": "depth-estimation", "fetched_at": 1e12, "cards": []}',
        '{"version": 1, "task": "text-to-image", "fetched_at": 1e12, "cards": []}',
        '{"version": 1, "task": "depth-estimation", "fetched_at": 1e12, "cards": '
        '[{"id": "x", "downloads": 1, "likes": 0, "tags": "vision", "license": null, '
        '"languages": [], "library_name": null, "gated": false}]}',
        '{"version": 1, "task": "depth-estimation", "fetched_at": 1e12, "cards": '
        '[{"id": "x", "downloads": 1, "likes": 0, "tags": [], "license": 3, '
        '"languages": [], "library_name": null, "gated": false}]}',
    ],
)
def test_corrupt_cache_is_ignored_and_rewritten(
    make_listing: MakeListing, fake_hub: FakeHub, content: str
) -> None:
    listing = make_listing()
    path = listing.cache_path(DEPTH)
    path.parent.mkdir(parents=True)
    path.write_text(content)
    assert _ids(listing.list(DEPTH))[0] == "Intel/dpt-large"
    assert fake_hub.state.count == 1
    assert json.loads(path.read_text())["cards"][0]["id"] == "Intel/dpt-large"


def test_corrupt_cache_and_failing_hub_give_none(
    make_listing: MakeListing, fake_hub: FakeHub
) -> None:
    listing = make_listing()
    path = listing.cache_path(DEPTH)
    path.parent.mkdir(parents=True)
    path.write_text("\0garbage")
    fake_hub.state.mode = "error400"
    assert listing.list(DEPTH) is None


def test_unwritable_cache_dir_still_spares_the_hub(
    make_listing: MakeListing, fake_hub: FakeHub, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    listing = make_listing(cache_dir=blocker)
    first = listing.list(DEPTH)
    assert first is not None
    assert listing.list(DEPTH) == first
    assert fake_hub.state.count == 1


def test_concurrent_callers_share_one_request(make_listing: MakeListing, fake_hub: FakeHub) -> None:
    fake_hub.state.delay_s = 0.3
    listing = make_listing()
    results: list[list[ModelCard] | None] = []
    threads = [
        threading.Thread(target=lambda: results.append(listing.list(DEPTH))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert len(results) == 8
    assert all(result is not None and _ids(result)[0] == "Intel/dpt-large" for result in results)
    assert fake_hub.state.count == 1


def test_returned_lists_are_independent(make_listing: MakeListing, fake_hub: FakeHub) -> None:
    listing = make_listing()
    first = listing.list(DEPTH)
    assert first is not None
    first.clear()
    assert listing.list(DEPTH)


def test_default_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HUGGINGGPT_CACHE", str(tmp_path / "hg"))
    assert default_cache_dir() == tmp_path / "hg"
    assert HubListing().cache_dir == tmp_path / "hg" / "hub"
    monkeypatch.delenv("HUGGINGGPT_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / ".cache" / "langchain-hugginggpt"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ttl_seconds": -1}, "ttl_seconds"),
        ({"retry_after_s": -1}, "retry_after_s"),
        ({"timeout_s": 0}, "timeout_s"),
        ({"limit": 0}, "limit"),
    ],
)
def test_rejects_bad_settings(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        HubListing(**kwargs)  # type: ignore[arg-type]
