"""Tests of the catalog: registration, Hub precedence, ranking and filters."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from langchain_hugginggpt.catalog import Catalog, HubListing, ModelCard
from langchain_hugginggpt.tasks import TaskSpec, UnknownTaskError

from .conftest import FakeHub, fixture_models

TASK = "text-to-image"


def card(model_id: str, task: str = TASK, **fields: Any) -> ModelCard:
    """Return a card with just the fields a test cares about."""
    return ModelCard(id=model_id, task=task, **fields)


class StubHub(HubListing):
    """A Hub listing that answers from memory and records what it was asked."""

    def __init__(self, answer: list[ModelCard] | None) -> None:
        super().__init__(cache_dir=Path("/nonexistent"))
        self.answer = answer
        self.asked: list[str] = []

    def list(self, task: TaskSpec) -> list[ModelCard] | None:
        self.asked.append(task.name)
        return None if self.answer is None else list(self.answer)


def _ids(cards: list[ModelCard]) -> list[str]:
    return [c.id for c in cards]


# --- ranking -----------------------------------------------------------------------------


def test_ranks_by_downloads_not_likes() -> None:
    catalog = Catalog(
        cards=[
            card("hyped", downloads=10, likes=5000),
            card("used", downloads=90_000, likes=3),
            card("middle", downloads=500, likes=100),
        ]
    )
    assert _ids(catalog.candidates(TASK)) == ["used", "middle", "hyped"]


def test_likes_then_id_break_download_ties() -> None:
    catalog = Catalog(
        cards=[
            card("b", downloads=7, likes=1),
            card("a", downloads=7, likes=1),
            card("c", downloads=7, likes=9),
        ]
    )
    assert _ids(catalog.models(TASK)) == ["c", "a", "b"]


def test_local_and_packaged_models_come_first() -> None:
    catalog = Catalog(
        cards=[
            card("popular", downloads=10**7),
            card("mine", source="local", path="/models/mine"),
            card("shipped", source="packaged", downloads=3, path="/site-packages/x"),
        ]
    )
    assert _ids(catalog.candidates(TASK)) == ["shipped", "mine", "popular"]


def test_top_k() -> None:
    catalog = Catalog(cards=[card(f"m{i}", downloads=i) for i in range(10)])
    assert _ids(catalog.candidates(TASK, k=3)) == ["m9", "m8", "m7"]
    assert _ids(catalog.candidates(TASK)) == ["m9", "m8", "m7", "m6", "m5"]
    assert len(catalog.candidates(TASK, k=50)) == 10


@pytest.mark.parametrize("k", [0, -1])
def test_k_below_one_is_rejected(k: int) -> None:
    with pytest.raises(ValueError, match="k must be >= 1"):
        Catalog(cards=[card("a")]).candidates(TASK, k=k)


# --- filters -----------------------------------------------------------------------------


def test_available_predicate_is_called_lazily_in_rank_order() -> None:
    catalog = Catalog(cards=[card(f"m{i}", downloads=i) for i in range(10)])
    seen: list[str] = []

    def available(model: ModelCard) -> bool:
        seen.append(model.id)
        return model.downloads % 2 == 0

    assert _ids(catalog.candidates(TASK, k=2, available=available)) == ["m8", "m6"]
    assert seen == ["m9", "m8", "m7", "m6"]


def test_nothing_available_gives_an_empty_list() -> None:
    catalog = Catalog(cards=[card("a"), card("b")])
    assert catalog.candidates(TASK, available=lambda model: False) == []


def test_excluded_licenses_case_insensitive() -> None:
    catalog = Catalog(
        cards=[
            card("nc", license="CC-BY-NC-4.0", downloads=3),
            card("dual", license="apache-2.0,cc-by-nc-4.0", downloads=2),
            card("ok", license="mit", downloads=1),
            card("unknown", license=None, downloads=0),
        ]
    )
    chosen = catalog.candidates(TASK, exclude_licenses=["cc-by-nc-4.0 "])
    assert _ids(chosen) == ["ok", "unknown"]
    assert _ids(catalog.candidates(TASK, exclude_licenses={"MIT", "apache-2.0"})) == [
        "nc",
        "unknown",
    ]


def test_a_single_license_string_is_one_license() -> None:
    catalog = Catalog(cards=[card("m", license="m"), card("mit", license="mit")])
    assert _ids(catalog.candidates(TASK, exclude_licenses="mit")) == ["m"]


def test_gated_models_dropped_only_when_not_allowed() -> None:
    catalog = Catalog(cards=[card("gated", gated=True, downloads=9), card("open", downloads=1)])
    assert _ids(catalog.candidates(TASK)) == ["gated", "open"]
    assert _ids(catalog.candidates(TASK, allow_gated=False)) == ["open"]


# --- registration ------------------------------------------------------------------------


def test_register_replaces_same_id_and_task_only() -> None:
    catalog = Catalog(cards=[card("x", downloads=1), card("x", task="image-to-image")])
    catalog.register(card("x", downloads=99))
    assert [c.downloads for c in catalog.models(TASK)] == [99]
    assert _ids(catalog.models("image-to-image")) == ["x"]


def test_register_local(model_dir: Callable[..., Path]) -> None:
    catalog = Catalog(cards=[card("popular", downloads=10**6)])
    registered = catalog.register_local(
        model_dir("model_index.json", name="my-sd"), TASK, description="fine-tuned"
    )
    assert registered.id == "local/my-sd"
    assert registered.library_name == "diffusers"
    assert catalog.candidates(TASK, k=1) == [registered]


def test_register_local_failure_registers_nothing(tmp_path: Path) -> None:
    catalog = Catalog(cards=[])
    with pytest.raises(FileNotFoundError):
        catalog.register_local(tmp_path / "missing", TASK)
    with pytest.raises(ValueError, match="unknown task"):
        catalog.register_local(tmp_path, "no-such-task")
    assert catalog.models(TASK) == []


def test_unknown_task_everywhere() -> None:
    catalog = Catalog(cards=[])
    with pytest.raises(UnknownTaskError, match="unknown task 'paint'"):
        catalog.models("paint")
    with pytest.raises(UnknownTaskError):
        catalog.candidates("paint")
    with pytest.raises(UnknownTaskError):
        catalog.register(card("a", task="paint"))
    with pytest.raises(UnknownTaskError):
        Catalog(cards=[card("a", task="paint")])


def test_known_task_without_models_is_empty() -> None:
    assert Catalog(cards=[]).models("canny-control") == []


def test_default_catalog_is_the_bundled_snapshot() -> None:
    catalog = Catalog()
    models = catalog.models(TASK)
    assert len(models) == 30
    assert {m.source for m in models} == {"bundled"}
    assert catalog.candidates(TASK, k=1)[0].id == "runwayml/stable-diffusion-v1-5"


# --- Hub precedence ----------------------------------------------------------------------


def test_hub_listing_replaces_bundled_cards_for_the_task() -> None:
    hub = StubHub([card("hub/a", source="hub", downloads=5), card("hub/b", source="hub")])
    catalog = Catalog(
        cards=[card("old/bundled", downloads=10**9), card("other/task", task="image-to-image")],
        hub=hub,
    )
    assert _ids(catalog.models(TASK)) == ["hub/a", "hub/b"]
    assert hub.asked == [TASK]
    # Other tasks keep their own bundled cards when the Hub has nothing for them.
    hub.answer = None
    assert _ids(catalog.models("image-to-image")) == ["other/task"]


def test_local_cards_win_over_hub_duplicates_and_stay_first() -> None:
    hub = StubHub([card("org/model", source="hub", downloads=10**6), card("hub/b", source="hub")])
    mine = card("org/model", source="local", path="/m")
    catalog = Catalog(cards=[mine, card("kept/registered-hub", source="hub", downloads=7)], hub=hub)
    models = catalog.models(TASK)
    assert _ids(models) == ["org/model", "kept/registered-hub", "hub/b"]
    assert models[0] is mine


@pytest.mark.parametrize("answer", [None, []])
def test_bundled_cards_used_when_the_hub_has_no_listing(answer: list[ModelCard] | None) -> None:
    catalog = Catalog(cards=[card("bundled/a", downloads=1)], hub=StubHub(answer))
    assert _ids(catalog.models(TASK)) == ["bundled/a"]


def test_catalog_with_the_live_listing(fake_hub: FakeHub, tmp_path: Path) -> None:
    hub = HubListing(fake_hub.api(), cache_dir=tmp_path, timeout_s=10)
    catalog = Catalog(hub=hub)
    depth = catalog.models("depth-estimation")
    assert _ids(depth) == [m["id"] for m in fixture_models("depth-estimation")]
    assert {m.source for m in depth} == {"hub"}
    # No recorded listing for this task: the fake Hub answers [], the snapshot stays.
    tabular = catalog.models("tabular-classification")
    assert len(tabular) == 30
    assert {m.source for m in tabular} == {"bundled"}
    assert [q["pipeline_tag"] for q in fake_hub.state.requests] == [
        ["depth-estimation"],
        ["tabular-classification"],
    ]


def test_catalog_falls_back_to_bundled_offline(
    fake_hub: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    catalog = Catalog(hub=HubListing(fake_hub.api(), cache_dir=tmp_path))
    assert {m.source for m in catalog.models("depth-estimation")} == {"bundled"}
    assert fake_hub.state.count == 0


# --- concurrency -------------------------------------------------------------------------


def test_concurrent_registers_and_reads() -> None:
    catalog = Catalog(cards=[])
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(200):
                catalog.register(card(f"w{n}/m{i}", downloads=i))
        except BaseException as err:  # noqa: BLE001 - collected and asserted on below
            errors.append(err)

    def reader() -> None:
        try:
            for _ in range(200):
                models = catalog.candidates(TASK, k=3)
                assert len(models) <= 3
        except BaseException as err:  # noqa: BLE001 - collected and asserted on below
            errors.append(err)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    threads += [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(catalog.models(TASK)) == 800
