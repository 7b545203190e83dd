"""Fuzzed and hostile plans through parse -> repair -> validate -> execute (`benchmarks.fuzz`)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks import fuzz
from langchain_hugginggpt.plan import PlanParseError, parse_plan, validate_plan


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[fuzz.Harness]:
    made = fuzz.Harness(tmp_path)
    yield made
    made.close()


def run_one(harness: fuzz.Harness, plan: Any) -> fuzz.Outcome:
    return fuzz.run_plan(plan, harness, random.Random(0))


def execute(harness: fuzz.Harness, *tasks: dict[str, Any]) -> dict[int, dict[str, Any]]:
    planned = parse_plan({"tasks": list(tasks)})
    assert validate_plan(planned) == []
    return harness.execute(planned)


def test_seeded_campaign_has_no_crash_hang_or_silent_failure() -> None:
    figures = fuzz.run(plans=400, seed=7)
    assert figures["plans"] == 400
    assert figures["crashes"] == 0 and figures["hangs"] == 0, figures["examples"]
    assert figures["contract_violations"] == 0, figures["examples"]
    # The campaign reaches every stage and every way a task can end.
    assert set(figures["outcomes"]) == {"executed", "invalid", "parse_error"}
    assert set(figures["task_statuses"]) == {"ok", "error", "skipped"}
    assert figures["engine_calls"] > 0


def test_generation_is_reproducible_from_the_seed(tmp_path: Path) -> None:
    files = ["a.png"]
    first = [fuzz.generate_plan(random.Random(5), files) for _ in range(3)]
    again = [fuzz.generate_plan(random.Random(5), files) for _ in range(3)]
    assert json.dumps(first, default=str) == json.dumps(again, default=str)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", "local or private address"),
        ("http://127.0.0.1/", "local or private address"),
        ("http://[::1]/x.png", "local or private address"),
        ("http://2130706433/a.png", "local or private address"),
        ("../../etc/passwd", "outside the allowed folders"),
        ("file:///etc/passwd", "outside the allowed folders"),
        ("file://otherhost/etc/shadow", "on another machine"),
        ("a\x00b.png", "NUL character"),
        ("{inputs}/missing.png", "does not exist"),
        ("gopher://127.0.0.1/", "unsupported scheme"),
    ],
)
def test_hostile_media_inputs_fail_their_task_only(
    harness: fuzz.Harness, value: str, reason: str
) -> None:
    value = value.replace("{inputs}", str(Path(harness.files[0]).parent))
    results = execute(
        harness,
        {"id": 1, "task": "image-to-text", "args": {"image": value}},
        {"id": 2, "task": "summarization", "dep": [1], "args": {"text": "<GENERATED>-1"}},
        {"id": 3, "task": "summarization", "args": {"text": "an unrelated text to sum up"}},
    )
    assert results[1]["status"] == "error" and reason in results[1]["error"]
    assert results[2]["status"] == "skipped" and "task 1" in results[2]["error"]
    assert results[3]["status"] == "ok"
    assert harness.engine.calls == 1  # nothing read the hostile input


@pytest.mark.parametrize(
    "text",
    ["x" * fuzz.MEGABYTE, "\u202e" * fuzz.MEGABYTE, "\x1b[2J\r\n\x0b\u2066evil\u2069\ufeff"],
)
def test_huge_and_control_character_text_runs(harness: fuzz.Harness, text: str) -> None:
    results = execute(harness, {"id": 1, "task": "summarization", "args": {"text": text}})
    assert results[1]["status"] in ("ok", "error")
    assert results[1]["status"] == "ok" or results[1]["error"].strip()


def test_reference_chains_over_huge_strings_stay_per_task(harness: fuzz.Harness) -> None:
    big = "<GENERATED>-1 " * 70_000  # about 1 MB of references
    outcome = run_one(
        harness,
        {
            "tasks": [
                {"id": 1, "task": "summarization", "args": {"text": "a text"}},
                {"id": 2, "task": "translation", "dep": [1], "args": {"text": big}},
            ]
        },
    )
    assert outcome.kind == "executed" and outcome.problem == ""


@pytest.mark.parametrize(
    ("plan", "problem"),
    [
        ([{"id": 1, "task": "summarization", "dep": [1], "args": {"text": "x"}}], "itself"),
        (
            [
                {"id": 1, "task": "summarization", "dep": [2], "args": {"text": "<GENERATED>-2"}},
                {"id": 2, "task": "translation", "dep": [1], "args": {"text": "<GENERATED>-1"}},
            ],
            "cycle",
        ),
        ([{"id": 1, "task": "summarization", "args": {"text": "<GENERATED>-999"}}], "no task 999"),
        ([{"id": -3, "task": "summarization", "args": {"text": "x"}}], "positive"),
        ([{"id": 1, "task": "fly-to-the-moon", "args": {}}], "unknown task type"),
        ([{"id": 1, "task": "image-to-text", "args": {}}], "needs argument 'image'"),
    ],
)
def test_broken_plans_are_refused_with_each_problem(plan: Any, problem: str) -> None:
    problems = validate_plan(parse_plan(plan))
    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize(
    "plan",
    [
        [{"id": 1.5, "task": "summarization"}],
        [{"id": "one", "task": "summarization"}],
        [{"id": True, "task": "summarization"}],
        [{"id": 1, "task": ["summarization"]}],
        [{"id": 1, "task": "summarization", "dep": ["x"]}],
        [{"id": 1, "task": "summarization", "args": [1, 2]}],
        [7],
        "[" * 5000,
        "\x00" * 1000,
        None,
    ],
)
def test_unreadable_plans_are_parse_errors_with_a_message(plan: Any) -> None:
    with pytest.raises(PlanParseError) as caught:
        parse_plan(plan)
    assert str(caught.value).strip()


def test_wrong_typed_argument_values_become_text(harness: fuzz.Harness) -> None:
    outcome = run_one(
        harness,
        [
            {"id": "1", "task": "summarization", "dep": "-1", "args": {"text": [1, {"a": None}]}},
            {"id": 2.0, "task": "translation", "dep": "1", "args": {"text": 1e308}},
        ],
    )
    assert outcome.kind == "executed" and outcome.statuses == {"ok": 2}


@pytest.mark.parametrize(("task", "arg"), [("image-to-text", "image"), ("summarization", "text")])
def test_lone_surrogate_in_a_file_name_is_refused_as_an_input(
    harness: fuzz.Harness, task: str, arg: str
) -> None:
    """Found by the fuzzer: the error was a raw `UnicodeEncodeError` from resolving the path."""
    results = execute(harness, {"id": 1, "task": task, "args": {arg: "a\ud800.png"}})
    assert results[1]["status"] == "error"
    assert "not valid text" in results[1]["error"]
    assert "UnicodeEncodeError" not in results[1]["error"]
