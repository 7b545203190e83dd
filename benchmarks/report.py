"""The benchmarks' markdown table and plots, from `latest.json`'s content."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["write_markdown", "write_plots"]


def _row(name: str, figure: str, detail: str) -> str:
    return f"| {name} | {figure} | {detail} |"


def write_markdown(results: dict[str, Any], path: Path) -> None:
    """One table of headline figures, then the planning scores."""
    m = results["machine"]
    lines = [
        f"Measured {results['date']} at commit {results.get('commit')} on {m['cpu']}, "
        f"{m['cores']} cores, {m['ram_gib']} GiB RAM, no GPU; Python {m['python']}, "
        f"torch {m['torch']}, langgraph {m['langgraph']}.",
        "",
        "| key | figure | detail |",
        "|---|---|---|",
    ]
    if "llm_calls" in results:
        r = results["llm_calls"]
        lines.append(
            _row(
                "`llm_calls`",
                f"{r['this_graph_at_16']} vs {r['per_task_selection_at_16']} at 16 tasks",
                "LLM calls per request, this graph vs one selection call per task; "
                + ", ".join(
                    f"{x['tasks']}: {x['this_graph']}/{x['per_task_selection']}"
                    for x in r["rows"]
                    if x["tasks"] in (1, 2, 4, 8, 16)
                ),
            )
        )
    if "critical_path_ratio" in results:
        r = results["critical_path_ratio"]
        worst = max(r["rows"], key=lambda x: x["ratio"])
        lines.append(
            _row(
                "`critical_path_ratio`",
                f"worst {r['worst']:.3f}, median {r['median']:.3f} (target {r['target']})",
                f"end-to-end over plan + longest task chain + answer; widths 1-32 x depths 1-8, "
                f"LLM {r['llm_latency_s']} s per call, tasks {r['task_seconds'][0]}-"
                f"{r['task_seconds'][1]} s, `max_concurrency` the plan's size; worst at width "
                f"{worst['width']}, depth {worst['depth']} ({worst['tasks']} tasks)",
            )
        )
        if "at_width" in r:
            w = r["at_width"]
            capped = max(r["rows"], key=lambda x: x["ratio_at_width"])
            lines.append(
                _row(
                    "`critical_path_ratio` at width",
                    f"worst {w['worst']:.3f}, median {w['median']:.3f}",
                    f"the same shapes with `max_concurrency` = width, where no schedule reaches "
                    f"the bound: worst at width {capped['width']}, depth {capped['depth']}, "
                    f"whose best schedule at that cap is {capped['concurrency_bound']:.3f}; "
                    f"worst over that best {w['worst_over_concurrency_bound']:.3f}",
                )
            )
    if "scheduler_overhead_us_per_task" in results:
        r = results["scheduler_overhead_us_per_task"]
        lines.append(
            _row(
                "`scheduler_overhead_us_per_task`",
                f"{r['us_per_task']:,.0f} us",
                f"execute stage over {r['tasks']:,} zero-time tasks (LangGraph `@task` calls, "
                f"inputs, watchdog, events); the scheduler alone "
                f"{r['run_dag_only_us_per_task']:.1f} us",
            )
        )
    if "warm_over_cold" in results:
        r = results["warm_over_cold"]
        lines.append(
            _row(
                "`warm_over_cold`",
                f"{r['warm_over_cold']:.3f}",
                f"execute stage, 4 real packaged models: cold {r['cold']['execute_seconds']:.1f} s,"
                f" warm {r['warm']['execute_seconds']:.1f} s; peak RSS {r['peak_rss_mb']:,.0f} MB",
            )
        )
    if "offline_demo_seconds" in results:
        r = results["offline_demo_seconds"]
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in r["by_stage"].items())
        lines.append(
            _row(
                "`offline_demo_seconds`",
                f"{r['total']:.1f} s",
                f"`make demo`'s job end to end ({stages}; "
                f"{r.get('outside_stages', 0):.1f} s outside the stages: process start and "
                f"imports; {r['llm_calls']} LLM calls). Models: "
                + "; ".join(f"{k}: {v}" for k, v in r.get("stage_models", {}).items()),
            )
        )
    if "time_to_first_answer_token" in results:
        r = results["time_to_first_answer_token"]
        demo, sim = r["demo"], r["simulated_written"]
        lines.append(
            _row(
                "`time_to_first_answer_token`",
                f"{demo['seconds']:.1f} s",
                f"`make demo`'s job, answer on stdout {demo['seconds']:.1f} s after the command "
                f"started (of {demo['total']:.1f} s; composed by code, sent whole); a written "
                f"answer streamed by a simulated controller: first piece {sim['seconds']:.2f} s, "
                f"whole run {sim['total']:.2f} s",
            )
        )
    if "controller_speed" in results:
        r = results["controller_speed"]
        for size, row in r["models"].items():
            if "skipped" in row:
                lines.append(_row(f"`controller_speed` ({size})", "skipped", row["skipped"]))
                continue
            port, chosen = row.get("portable", {}), row.get("chosen", {})
            lines.append(
                _row(
                    f"`controller_speed` ({size})",
                    f"prompt {port.get('prompt_tok_s')} -> {chosen.get('prompt_tok_s')} tok/s",
                    f"portable -> chosen llama.cpp build, {r['prompt_tokens']}-token prompt; "
                    f"decode {port.get('decode_tok_s')} -> {chosen.get('decode_tok_s')} tok/s "
                    f"({r['decode_tokens']} tokens, best of {r['repeats']}); load average "
                    f"{r['load_average'][0]} -> {r['load_average'][1]}",
                )
            )
        before = r["prefix_reuse"].get("before", {})
        after = r["prefix_reuse"].get("after", {})
        if "evaluated_per_later_plan" in before and "evaluated_per_later_plan" in after:
            lines.append(
                _row(
                    "`controller_speed` (prefix reuse)",
                    f"{before['evaluated_per_later_plan']:.0f} -> "
                    f"{after['evaluated_per_later_plan']:.0f} prompt tokens evaluated",
                    "per planning request after the first (same process and the next one), "
                    f"of {after['prompt_tokens_per_plan']:.0f}; 0.5B, the real free-planning "
                    f"prompt; {before['seconds_per_later_plan']:.1f} -> "
                    f"{after['seconds_per_later_plan']:.1f} s per request",
                )
            )
    if "plan_streaming" in results:
        r = results["plan_streaming"]
        lines.append(
            _row(
                "`plan_streaming`",
                f"{r['speedup_at_8']}x at 8 tasks (target {r['target_at_8']}x)",
                f"end to end without / with plans streamed into the executor; simulated "
                f"controller at {r['tokens_per_s']:.0f} tokens/s, tasks of {r['task_seconds']} s; "
                + ", ".join(f"{x['tasks']}: {x['speedup']}x" for x in r["rows"]),
            )
        )
    for backend, r in results.get("load", {}).items():
        if not isinstance(r, dict):
            continue
        lines.append(
            _row(
                f"`load` ({backend})",
                f"{r['runs_per_minute']:,.0f} runs/min, p50 {r['p50_seconds']:.2f} s, "
                f"p95 {r['p95_seconds']:.2f} s",
                f"{r['lost']} lost, {r['crossed']} crossed, {r['duplicated']} duplicated; "
                f"{results['load']['workload']}",
            )
        )
    planning = results.get("planning")
    if planning:
        lines += [
            "",
            "Planning quality. `dev`: 79 requests the team wrote and used while building the "
            "planner; `test`: 60 held-out requests the team wrote separately; `taskbench-dev`: "
            "68 TaskBench requests (written by GPT-4 for TaskBench, not by this team). Node and "
            "edge F1 per request, averaged (the team's measure), and TaskBench's own micro F1 "
            "over sets of task names and links. The step classifier was trained on clauses of "
            "all three sets: `folds` says how each set was scored without it seeing the scored "
            "requests (K: K folds, each planned by a classifier trained without that fold; 1: "
            "the set left out whole; -: nothing learned).",
            "",
            "| set | planner | n | folds | node F1 | edge F1 | node F1 (micro) | edge F1 (micro) | "
            "valid plans | median s per plan |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for dataset, planners in planning.items():
            for name, r in planners.items():
                folds = r.get("kfold") or "-"
                lines.append(
                    f"| {dataset} | {name} | {r['n']} | {folds} | {r['node_f1']:.3f} | "
                    f"{r['edge_f1']:.3f} | "
                    f"{r.get('node_f1_micro', 0):.3f} | {r.get('edge_f1_micro', 0):.3f} | "
                    f"{r['valid_rate']:.3f} | {r.get('median_seconds', 0):.1f} |"
                )
    path.write_text("\n".join(lines) + "\n")


def write_plots(results: dict[str, Any], folder: Path) -> list[Path]:
    """LLM calls against tasks, and the critical-path ratio by DAG shape (needs matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    written = []
    if "llm_calls" in results:
        rows = results["llm_calls"]["rows"]
        fig, ax = plt.subplots(figsize=(5, 3.2))
        ax.plot(
            [r["tasks"] for r in rows], [r["this_graph"] for r in rows], "o-", label="this graph"
        )
        ax.plot(
            [r["tasks"] for r in rows],
            [r["per_task_selection"] for r in rows],
            "s--",
            label="one selection call per task",
        )
        ax.set_xlabel("tasks in the plan")
        ax.set_ylabel("LLM calls per request")
        ax.legend()
        fig.tight_layout()
        written.append(folder / "llm_calls.png")
        fig.savefig(written[-1], dpi=120)
        plt.close(fig)
    if "critical_path_ratio" in results:
        rows = results["critical_path_ratio"]["rows"]
        fig, ax = plt.subplots(figsize=(5, 3.2))
        for depth in sorted({r["depth"] for r in rows}):
            sub = [r for r in rows if r["depth"] == depth]
            line = ax.plot(
                [r["width"] for r in sub], [r["ratio"] for r in sub], "o-", label=f"depth {depth}"
            )
            if "ratio_at_width" in sub[0]:
                ax.plot(
                    [r["width"] for r in sub],
                    [r["ratio_at_width"] for r in sub],
                    "x--",
                    color=line[0].get_color(),
                    alpha=0.6,
                )
        ax.axhline(results["critical_path_ratio"]["target"], color="grey", linestyle=":")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("DAG width")
        ax.set_ylabel("time / critical-path bound")
        ax.set_title("solid: no cap; dashed: max_concurrency = width", fontsize=8)
        ax.legend()
        fig.tight_layout()
        written.append(folder / "critical_path.png")
        fig.savefig(written[-1], dpi=120)
        plt.close(fig)
    return written
