"""Timeouts that free resources: per-model load locks, bounded waits, abandoned calls.

Events and barriers order the threads; the short timeouts are the behaviour under test and the
long ones only guard against a hang. No test asserts how long anything took.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from langchain_hugginggpt.engines.base import EngineRequest, Engines
from langchain_hugginggpt.engines.cache import LoadTimeoutError, ModelCache
from langchain_hugginggpt.engines.ladder import run_ladder
from langchain_hugginggpt.engines.shared import BUILD_LOCK, LockTimeoutError, build_guard
from langchain_hugginggpt.tasks import TASKS
from tests.unit_tests.fakes import LoadingEngine, cards

GUARD_S = 20.0
"""Only a hang guard: nothing here should ever wait this long."""


def in_thread(fn: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - inspected by the test
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, box


def hang(entered: threading.Event, release: threading.Event) -> Callable[..., None]:
    def action(*_: Any) -> None:
        entered.set()
        release.wait(GUARD_S)

    return action


def request(model: str, tmp_path: Path, timeout_s: float = GUARD_S) -> EngineRequest:
    (card,) = cards("summarization", model)
    return EngineRequest(
        task=TASKS["summarization"],
        model=card,
        inputs={"text": "some text"},
        run_dir=tmp_path,
        timeout_s=timeout_s,
    )


def test_a_hanging_load_of_one_model_does_not_block_loading_another(
    release: threading.Event,
) -> None:
    cache = ModelCache(max_items=4)
    entered = threading.Event()
    loader_a = hang(entered, release)
    first_a, box_a = in_thread(lambda: cache.get("A", lambda: loader_a() or "a", lambda _: 0))
    assert entered.wait(GUARD_S)

    other, box_b = in_thread(lambda: cache.get("B", lambda: "b", lambda _: 0))
    other.join(GUARD_S)
    assert box_b == {"value": "b"} and not release.is_set() and first_a.is_alive()

    # A second caller for A waits for the same load, no longer than its own timeout.
    with pytest.raises(LoadTimeoutError, match=r"still being loaded by another call after 0\.05 s"):
        cache.get("A", lambda: "a again", lambda _: 0, timeout_s=0.05)

    release.set()
    first_a.join(GUARD_S)
    assert box_a == {"value": "a"}
    assert cache.get("A", lambda: "a again", lambda _: 0) == "a"
    assert cache.loads == 2  # A once, B once: A's waiter did not load it again


def test_same_model_asked_by_two_callers_during_its_load_is_loaded_once(
    release: threading.Event,
) -> None:
    cache = ModelCache(max_items=4)
    entered = threading.Event()
    calls: list[str] = []

    def loader() -> str:
        calls.append("load")
        entered.set()
        release.wait(GUARD_S)
        return "a"

    first, box1 = in_thread(lambda: cache.get("A", loader, lambda _: 0))
    assert entered.wait(GUARD_S)  # the second caller surely arrives while A is loading
    second, box2 = in_thread(lambda: cache.get("A", loader, lambda _: 0, timeout_s=GUARD_S))
    release.set()
    first.join(GUARD_S)
    second.join(GUARD_S)
    assert box1 == box2 == {"value": "a"} and calls == ["load"]


def test_a_load_failing_with_timeout_error_is_not_taken_for_a_wait_timeout() -> None:
    failed: Future[Any] = Future()
    failed.set_exception(TimeoutError("the Hub did not answer"))
    with pytest.raises(TimeoutError, match="the Hub did not answer") as failure:
        ModelCache._wait_for("A", failed, 0.05)
    assert not isinstance(failure.value, LoadTimeoutError)


def test_a_hung_run_holds_only_its_own_model(release: threading.Event, tmp_path: Path) -> None:
    entered = threading.Event()
    engine = LoadingEngine(on_run={"sum/a": hang(entered, release)})
    hung, _ = in_thread(lambda: engine.run(request("sum/a", tmp_path)))
    assert entered.wait(GUARD_S)

    assert engine.run(request("sum/b", tmp_path))["text"] == "[summarization by sum/b]"
    with pytest.raises(LockTimeoutError, match=r"model sum/a stayed busy for 0\.05 s"):
        engine.run(request("sum/a", tmp_path, timeout_s=0.05))
    assert hung.is_alive()


def test_a_timed_out_model_is_abandoned_and_the_ladder_moves_on(
    release: threading.Event, tmp_path: Path
) -> None:
    entered = threading.Event()
    engine = LoadingEngine(on_run={"sum/a": hang(entered, release)})
    result = run_ladder(
        TASKS["summarization"],
        cards("summarization", "sum/a", "sum/b"),
        {"text": "some text"},
        engines=Engines([engine]),
        mode="local",
        run_dir=tmp_path,
        timeout_s=0.2,
    )
    assert (result["status"], result["model"]) == ("ok", "sum/b")
    assert result["attempts"][0]["error"] == "TaskTimeoutError: sum/a timed out after 0.2 s"
    # The abandoned call is still running, in a thread that says so.
    abandoned = [t for t in threading.enumerate() if t.name.endswith("sum/a (abandoned)")]
    assert abandoned and abandoned[0].is_alive() and not release.is_set()


class Aborted(BaseException):
    """A BaseException that is not an Exception, as some libraries raise."""


@pytest.mark.parametrize("error", [Aborted("stop"), KeyboardInterrupt(), SystemExit(3)])
@pytest.mark.parametrize("where", ["load", "run"])
def test_anything_an_engine_raises_is_that_attempts_error(
    error: BaseException, where: str, tmp_path: Path
) -> None:
    def fail(*_: Any) -> None:
        raise error

    engine = LoadingEngine(**{f"on_{where}": {"sum/a": fail}})  # type: ignore[arg-type]
    result = run_ladder(
        TASKS["summarization"],
        cards("summarization", "sum/a", "sum/b"),
        {"text": "some text"},
        engines=Engines([engine]),
        mode="local",
        run_dir=tmp_path,
        timeout_s=GUARD_S,
    )
    assert (result["status"], result["model"]) == ("ok", "sum/b")
    assert result["attempts"][0]["error"].startswith(
        f"EngineAbortError: the engine raised {type(error).__name__}"
    )


def test_an_engine_whose_supports_raises_fails_that_model_only(tmp_path: Path) -> None:
    class Picky(LoadingEngine):
        def supports(self, model: Any, mode: str) -> bool:
            if model.id == "sum/a":
                raise RuntimeError("no idea")
            return True

    result = run_ladder(
        TASKS["summarization"],
        cards("summarization", "sum/a", "sum/b"),
        {"text": "some text"},
        engines=Engines([Picky()]),
        mode="local",
        run_dir=tmp_path,
        timeout_s=GUARD_S,
    )
    assert (result["status"], result["model"]) == ("ok", "sum/b")
    assert result["attempts"][0]["error"] == "choosing its engine failed: RuntimeError: no idea"


def test_the_construction_guard_wait_is_bounded(release: threading.Event) -> None:
    entered = threading.Event()

    def hold() -> None:
        with BUILD_LOCK:
            entered.set()
            release.wait(GUARD_S)

    holder, _ = in_thread(hold)
    assert entered.wait(GUARD_S)
    with (
        pytest.raises(LockTimeoutError, match=r"construction step stayed busy for 0\.05 s"),
        build_guard(0.05),
    ):
        pass
    release.set()
    holder.join(GUARD_S)
    with build_guard(GUARD_S):
        pass
