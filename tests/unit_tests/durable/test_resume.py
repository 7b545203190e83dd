"""Durable runs: a process killed mid-run resumes from SQLite or PostgreSQL without redoing
finished tasks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from benchmarks.backing import Postgres
from langchain_hugginggpt.graph.durable import (
    default_threads_db,
    postgres_checkpointer,
    sqlite_checkpointer,
)

ROOT = Path(__file__).resolve().parents[3]


def _worker(db: str, log: Path, phase: str) -> subprocess.Popen[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.unit_tests.durable.worker", db, str(log), phase, "t1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _lines(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh checkpoint database: a SQLite file, or a database on the session's PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "threads.sqlite")
    postgres: Postgres = request.getfixturevalue("postgres")
    return postgres.create_database(f"resume_{uuid.uuid4().hex[:12]}")


def test_killed_run_resumes_without_rerunning_finished_tasks(database: str, tmp_path: Path) -> None:
    db, log = database, tmp_path / "calls.log"
    first = _worker(db, log, "start")
    try:
        deadline = time.monotonic() + 120
        while "start text-classification" not in _lines(log):
            if first.poll() is not None:
                pytest.fail(f"worker ended before the hang: {first.communicate()[1][-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail("worker never reached the third task")
            time.sleep(0.05)
        # 2 and 4 finished first, then 1; 3 (after 1) is running. Kill without cleanup.
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == -signal.SIGKILL
    before = _lines(log)
    assert sorted(before) == [
        "start summarization",
        "start text-classification",
        "start text-to-speech",
        "start translation",
    ]

    second = _worker(db, log, "resume")
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err[-2000:]
    after = _lines(log)[len(before) :]
    # Only the unfinished task ran again; the three finished ones were not redone.
    assert after == ["start text-classification"]
    final = json.loads(out.strip().splitlines()[-1])
    assert {k: r["status"] for k, r in final["results"].items()} == {
        "1": "ok",
        "2": "ok",
        "3": "ok",
        "4": "ok",
    }
    # Each saved result went back to its own task, and task 3 got task 1's saved output.
    for key, task in {"1": "summarization", "2": "translation", "4": "text-to-speech"}.items():
        assert final["results"][key]["output"]["text"].startswith(f"[{task} by {task}/only]")
    assert "summarization/only" in final["results"]["3"]["output"]["text"]
    assert final["answer"] == "Done: all four tasks ran."


def test_sqlite_checkpointer_creates_the_folder(tmp_path: Path) -> None:
    saver = sqlite_checkpointer(tmp_path / "deep" / "dir" / "t.sqlite")
    assert (tmp_path / "deep" / "dir" / "t.sqlite").is_file()
    assert list(saver.list(None)) == []


def test_postgres_checkpointer_creates_its_tables(postgres: Postgres) -> None:
    saver = postgres_checkpointer(postgres.create_database(f"tables_{uuid.uuid4().hex[:12]}"))
    assert list(saver.list(None)) == []
    saver.conn.close()  # type: ignore[union-attr]


def test_postgres_checkpointer_names_an_unreachable_database() -> None:
    from benchmarks.backing import free_port

    url = f"postgresql://someone:hunter2@127.0.0.1:{free_port()}/nowhere"
    with pytest.raises(
        ValueError, match=r"cannot use PostgreSQL at postgresql://someone:\*\*\*@"
    ) as e:
        postgres_checkpointer(url, connect_timeout_s=2)
    assert "hunter2" not in str(e.value)


def test_sqlite_checkpointer_refuses_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is a directory"):
        sqlite_checkpointer(tmp_path)


def test_default_db_follows_the_cache_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUGGINGGPT_CACHE", str(tmp_path))
    assert default_threads_db() == tmp_path / "threads.sqlite"


def test_replay_skips_markers_of_earlier_resumes() -> None:
    """Saved values come back by call position: results and old markers, then a live call."""
    from concurrent.futures import Future
    from typing import Any

    from langchain_hugginggpt.graph.execute import _saved_results

    saved: list[dict[str, Any]] = [
        {"task_id": 2, "status": "ok"},
        {"replay": "from-an-earlier-resume"},
        {"task_id": 1, "status": "error"},
    ]
    calls: list[dict[str, Any]] = []

    def model_task(job: dict[str, Any]) -> Future[dict[str, Any]]:
        calls.append(job)
        future: Future[dict[str, Any]] = Future()
        future.set_result(saved[len(calls) - 1] if len(calls) <= len(saved) else dict(job))
        return future

    assert _saved_results(model_task) == {2: saved[0], 1: saved[2]}
    assert len(calls) == 4
    assert len({c["replay"] for c in calls}) == 1
