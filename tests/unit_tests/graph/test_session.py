"""The plan-streaming session on its own: admitted, settled against the final plan, joined."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future
from typing import Any

import pytest

from langchain_hugginggpt.graph import session as sessions
from langchain_hugginggpt.graph.session import Session, find_session, open_session, take_session
from langchain_hugginggpt.plan import PlannedTask


def T(i: int, *dep: int, text: str = "x") -> PlannedTask:
    return PlannedTask(i, "summarization", tuple(dep), {"text": text})


class FakeJobs:
    """Starts tasks at once with a result naming the selection's model; records each start."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.started: list[tuple[int, str | None]] = []
        self.finished_ids: list[int] = []

    def start(
        self, task: PlannedTask, done: Mapping[int, Any], selection: Mapping[str, Any] | None
    ) -> Future[dict[str, Any]] | dict[str, Any]:
        model = (selection or {}).get("model")
        self.started.append((task.id, model))
        return {"status": "ok", "by": self.name, "model": model, "text": task.args["text"]}

    def finished(self, task: PlannedTask, result: dict[str, Any]) -> None:
        self.finished_ids.append(task.id)


def make(decide: Any = None, run_id: str = "run") -> tuple[Session, FakeJobs, list[dict[str, Any]]]:
    events: list[dict[str, Any]] = []
    jobs = FakeJobs("plan")
    session = Session(
        run_id,
        jobs=jobs,
        decide=decide or (lambda task: {"model": f"m{task.id}"}),
        max_concurrency=2,
        emit=events.append,
    )
    return session, jobs, events


def test_decided_tasks_start_during_planning_undecided_ones_wait_for_the_join() -> None:
    session, jobs, events = make(lambda t: {"model": "only"} if t.id == 1 else None)
    session.offer(T(1))
    session.offer(T(2))
    assert session.settle([T(1), T(2)])
    assert jobs.started == [(1, "only")]
    assert session.decided == {"1": {"model": "only"}}
    late = FakeJobs("execute")
    dag = session.join({"1": {"model": "only"}, "2": {"model": "chosen"}}, late)
    results = dag.wait()
    session.annotate(results)
    assert late.started == [(2, "chosen")]
    assert results[1]["started_during_planning"] is True
    assert "started_during_planning" not in results[2]
    assert [e["waits_for_selection"] for e in events if e["event"] == "plan_task"] == [False, True]


def test_settle_keeps_what_the_final_plan_has_unchanged_and_reruns_the_rest() -> None:
    session, _, events = make()
    for task in (T(1), T(2, 1), T(3), T(4)):
        session.offer(task)
    # 1 changed, so 2 (which uses it) goes too; 4 is gone; 3 is kept; 5 is new.
    final = [T(1, text="changed"), T(2, 1), T(3), T(5)]
    assert session.settle(final)
    assert set(session.decided) == {"3"}
    (streamed,) = [e for e in events if e["event"] == "plan_streamed"]
    assert streamed == {"event": "plan_streamed", "kept": [3], "rerun": [1, 2], "dropped": [4]}
    late = FakeJobs("execute")
    selections = {str(i): {"model": f"final{i}"} for i in (1, 2, 3, 5)}
    results = session.join(selections, late).wait()
    session.annotate(results)
    assert set(results) == {1, 2, 3, 5}
    assert results[1]["text"] == "changed" and results[1]["by"] == "execute"
    assert "ran again" in results[1]["rerun"] and "ran again" in results[2]["rerun"]
    assert results[3]["by"] == "plan" and results[3]["started_during_planning"] is True
    assert sorted(i for i, _ in late.started) == [1, 2, 5]


def test_a_decision_that_fails_leaves_the_task_to_the_select_node() -> None:
    def decide(task: PlannedTask) -> dict[str, Any]:
        raise RuntimeError("catalog down")

    session, jobs, events = make(decide)
    session.offer(T(1))
    assert session.settle([T(1)])
    assert jobs.started == []
    assert [e["waits_for_selection"] for e in events if e["event"] == "plan_task"] == [True]


def test_nothing_streamed_means_nothing_to_settle() -> None:
    session, _, events = make()
    assert not session.settle([T(1)])
    assert events == []


def test_a_cancelled_session_starts_nothing_more() -> None:
    session, jobs, events = make()
    session.cancel()
    session.offer(T(1))
    assert not session.settle([T(1)])
    assert jobs.started == [] and events == []


def test_the_registry_hands_a_session_to_its_run_once_and_drops_stale_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old, old_jobs, _ = make(lambda t: None, run_id="old-run")
    open_session(old)
    assert find_session("old-run") is old
    monkeypatch.setattr(sessions, "SESSION_TTL_S", -1.0)
    fresh, _, _ = make(run_id="fresh-run")
    open_session(fresh)  # the old one is past its time: dropped and cancelled
    assert find_session("old-run") is None
    old.offer(T(1))
    assert old_jobs.started == []
    assert take_session("fresh-run") is fresh
    assert take_session("fresh-run") is None
