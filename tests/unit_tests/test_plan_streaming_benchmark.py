"""The `plan_streaming` benchmark runs the real graph both ways and reports every size."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.plan_streaming import TARGET_AT_8, measure, plan_seconds


def test_measure_reports_each_size_both_ways(tmp_path: Path) -> None:
    figures = measure(tmp_path, sizes=(2, 8), tokens_per_s=4000.0, repeats=1)
    assert [row["tasks"] for row in figures["rows"]] == [2, 8]
    for row in figures["rows"]:
        assert row["with"] > 0 and row["without"] > 0
        # From the unrounded medians.
        assert row["speedup"] == pytest.approx(row["without"] / row["with"], rel=0.05)
        assert 0 <= row["started_during_planning"] <= row["tasks"]
    assert figures["speedup_at_8"] == figures["rows"][1]["speedup"]
    assert figures["target_at_8"] == TARGET_AT_8
    # By default a task takes half as long as writing the 8-task plan (it has two layers).
    assert figures["task_seconds"] == round(plan_seconds(8, 4000.0) / 2, 3)
    assert figures["tokens_per_s"] == 4000.0


def test_without_an_8_task_row_there_is_no_speedup_at_8(tmp_path: Path) -> None:
    figures = measure(tmp_path, sizes=(2,), tokens_per_s=4000.0, task_seconds=0.0, repeats=1)
    assert figures["speedup_at_8"] is None
    assert figures["task_seconds"] == 0.0
