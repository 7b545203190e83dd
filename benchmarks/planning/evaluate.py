"""Planning quality on the dev set: node, edge and argument F1 and the valid-plan rate.

Runs the graph's real planning stage (retrieved demonstrations, schema-constrained decoding,
repair) with any controller, or the retrieval-only baseline that copies the nearest
demonstration's plan. Writes JSON and a markdown report.

    python benchmarks/planning/evaluate.py --controller offline:0.5b
    python benchmarks/planning/evaluate.py --controller copy-nearest
    python benchmarks/planning/evaluate.py --controller sketch   # the skeleton alone, no LLM
    python benchmarks/planning/evaluate.py --controller openai:gpt-4o-mini --limit 20
    python benchmarks/planning/evaluate.py --dataset taskbench --kfold 5 --attached
    python benchmarks/planning/evaluate.py --dataset taskbench --kfold 5 --with-files

`--attached` plans the requests that name files as a user of the command line or the web page
asks them: the file attached (an "Input file:" line) and named in the text as "the attached
file". Each request keeps its own fold key, so no classifier sees it either way. `--with-files`
plans the same requests as written, in the same folds, for comparison.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage

from langchain_hugginggpt import Catalog, create_hugginggpt_graph
from langchain_hugginggpt.plan import parse_plan, validate_plan
from langchain_hugginggpt.plan.repair import value_modality
from langchain_hugginggpt.planning.demos import DemoBank
from langchain_hugginggpt.planning.guided import rule_fill
from langchain_hugginggpt.planning.request import request_with_inputs
from langchain_hugginggpt.planning.sketch import Sketcher
from langchain_hugginggpt.planning.steps import request_files

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script
from benchmarks.planning.folds import fold_classifier, folds
from benchmarks.planning.step_labels import request_key
from benchmarks.planning.taskbench import TASKBENCH_DEV, load_taskbench, micro_scores

HERE = Path(__file__).resolve().parent
_REF = re.compile(r"<GENERATED>-(\d+)")


def f1(predicted: Counter[Any], gold: Counter[Any]) -> float:
    if not predicted and not gold:
        return 1.0
    hits = sum((predicted & gold).values())
    if not hits:
        return 0.0
    precision, recall = hits / sum(predicted.values()), hits / sum(gold.values())
    return 2 * precision * recall / (precision + recall)


def _names(plan: list[dict[str, Any]]) -> dict[int, str]:
    return {int(t["id"]): t["task"] for t in plan}


def nodes(plan: list[dict[str, Any]]) -> Counter[str]:
    return Counter(t["task"] for t in plan)


def edges(plan: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    names = _names(plan)
    return Counter((names.get(int(d), "?"), t["task"]) for t in plan for d in t.get("dep", []))


def arguments(plan: list[dict[str, Any]]) -> Counter[tuple[str, str, str]]:
    names = _names(plan)

    def norm(value: str) -> str:
        value = _REF.sub(lambda m: f"<output of {names.get(int(m.group(1)), '?')}>", str(value))
        return " ".join(value.lower().split())

    return Counter((t["task"], k, norm(v)) for t in plan for k, v in t.get("args", {}).items())


def copy_nearest(request: str, bank: DemoBank) -> list[dict[str, Any]]:
    """The nearest demonstration's plan, its media arguments swapped for the request's files."""
    demo = bank.select(request, 1)[0]
    files: dict[str, list[str]] = {}
    for word in request.replace(",", " ").split():
        kind = value_modality(word.strip("'\"()?."), {})
        if kind:
            files.setdefault(kind, []).append(word.strip("'\"()?."))
    plan = json.loads(json.dumps(demo.tasks))
    for task in plan:
        for name, value in task["args"].items():
            kind = value_modality(value, {})
            if kind and files.get(kind):
                task["args"][name] = files[kind][0]
    return plan


def load_items(path: str | Path = HERE / "dev.jsonl", limit: int = 0) -> list[dict[str, Any]]:
    """The dataset's requests; with `limit`, the first `limit` of each shape.

    `path` is one of the team's sets, or TaskBench's (`taskbench` in the file name, or the
    word `taskbench` for the dev file in `../shared/data`).
    """
    if str(path) == "taskbench" or "taskbench" in Path(path).name:
        items = load_taskbench(TASKBENCH_DEV if str(path) == "taskbench" else path)
    else:
        items = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    if limit:
        items = [
            i
            for s in ("single", "chain", "dag")
            for i in [x for x in items if x["shape"] == s][:limit]
        ]
    return items


def attached(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items whose requests name files, rewritten with the files attached instead.

    Each mention ("'example.jpg'", "example.wav") becomes "the attached file" and the files go
    on an "Input file:" line under `/data`; `source_request` keeps the original (its fold key).
    """
    out = []
    for item in items:
        request = item["request"]
        names = list(dict.fromkeys(value for value, _ in request_files(request)))
        if not names:
            continue
        text = request
        for name in names:
            text = re.sub(rf"['\"]?{re.escape(name)}['\"]?", "the attached file", text)
        files = [Path("/data") / Path(name).name for name in names]
        out.append({**item, "request": request_with_inputs(text, files), "source_request": request})
    return out


def evaluate(
    controller: str, items: list[dict[str, Any]], *, kfold: int = 0, **settings: Any
) -> dict[str, Any]:
    """Plan every request with `controller` (or `copy-nearest`); score against the gold plans.

    `settings` are `Context` fields for planning, e.g. `plan_demos=2`. With `kfold`, the
    requests are planned fold by fold, each with a step classifier trained without that fold's
    requests (`folds.py`); the result says so (`kfold`).
    """
    if not kfold:
        rows = _plan_all(controller, items, Sketcher(), settings)
    else:
        rows = []
        for part in folds(items, kfold):
            keys = {request_key(i.get("source_request", i["request"])) for i in part}
            classifier = fold_classifier(keys)
            rows += _plan_all(controller, part, Sketcher(classifier=classifier), settings)
        order = {id(i): n for n, i in enumerate(items)}
        rows.sort(key=lambda r: order[id(r["item"])])
    for row in rows:
        row.pop("item", None)
    return {"controller": controller, "settings": settings, "kfold": kfold, "n": len(rows),
            "attached": any("source_request" in i for i in items),
            **summary(rows), "rows": rows}  # fmt: skip


def _plan_all(
    controller: str, items: list[dict[str, Any]], sketcher: Sketcher, settings: dict[str, Any]
) -> list[dict[str, Any]]:
    bank = DemoBank()
    graph = None
    if controller not in ("copy-nearest", "sketch"):
        graph = create_hugginggpt_graph(
            controller,
            catalog=Catalog(cards=[]),
            engines=[],
            plan_only=True,
            sketcher=sketcher,
            **settings,
        )
    rows = []
    for item in items:
        start = time.perf_counter()
        error = None
        if controller == "sketch":
            skeleton = sketcher.sketch(item["request"])
            plan = [
                {**t.planned().to_dict(), "args": {
                    **t.args, **{a: rule_fill(a, t, item["request"]) for a in t.open_args}}}
                for t in skeleton
            ]  # fmt: skip
            problems = validate_plan(parse_plan(plan)) if plan else ["no step recognised"]
            error = "; ".join(problems) or None
        elif graph is None:
            plan = copy_nearest(item["request"], bank)
            problems = validate_plan(parse_plan(plan))
            error = "; ".join(problems) or None
        else:
            state = graph.invoke({"messages": [HumanMessage(item["request"])]})
            plan, error = state.get("plan", []), state.get("error")
        gold = item["plan"]
        rows.append({
            "item": item, "id": item["id"], "shape": item["shape"], "valid": error is None,
            "gold": gold,
            "node_f1": f1(nodes(plan), nodes(gold)), "edge_f1": f1(edges(plan), edges(gold)),
            "arg_f1": f1(arguments(plan), arguments(gold)),
            "seconds": round(time.perf_counter() - start, 2), "plan": plan, "error": error,
        })  # fmt: skip
        print(f"{item['id']} node={rows[-1]['node_f1']:.2f} edge={rows[-1]['edge_f1']:.2f} "
              f"valid={rows[-1]['valid']} {rows[-1]['seconds']}s", file=sys.stderr)  # fmt: skip
    return rows


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def mean(key: str, subset: list[dict[str, Any]]) -> float:
        return round(sum(r[key] for r in subset) / len(subset), 3) if subset else 0.0

    linked = [r for r in rows if r["shape"] != "single"]
    out: dict[str, Any] = {k: mean(k, rows) for k in ("node_f1", "arg_f1")}
    # Edge F1 over requests whose gold plan has links (chains and DAGs), as TaskBench scores it.
    out["edge_f1"] = mean("edge_f1", linked)
    out["valid_rate"] = round(sum(r["valid"] for r in rows) / len(rows), 3) if rows else 0.0
    out["seconds_per_plan"] = mean("seconds", rows)
    out["median_seconds"] = round(statistics.median(r["seconds"] for r in rows), 2) if rows else 0.0
    # TaskBench's own scoring: sets of names and links, micro-averaged over the requests.
    out.update(micro_scores(rows))
    out["by_shape"] = {
        shape: {
            k: mean(k, [r for r in rows if r["shape"] == shape]) for k in ("node_f1", "edge_f1")
        }
        for shape in ("chain", "dag")
    } | {"single": {"node_f1": mean("node_f1", [r for r in rows if r["shape"] == "single"])}}
    return out


def markdown(result: dict[str, Any]) -> str:
    """A report: the summary, then one line per request."""
    lines = [
        f"# Planning: {result['controller']} on {result['n']} requests",
        "",
        "| node F1 | edge F1 (chains, DAGs) | argument F1 | valid plans | s per plan |",
        "|---|---|---|---|---|",
        f"| {result['node_f1']:.3f} | {result['edge_f1']:.3f} | {result['arg_f1']:.3f} | "
        f"{result['valid_rate']:.3f} | {result['seconds_per_plan']:.1f} |",
        "",
        "| id | shape | node F1 | edge F1 | valid | tasks planned |",
        "|---|---|---|---|---|---|",
    ]
    for row in result["rows"]:
        tasks = ", ".join(
            f"{t['id']}:{t['task']}<{','.join(map(str, t['dep']))}>" for t in row["plan"]
        )
        lines.append(
            f"| {row['id']} | {row['shape']} | {row['node_f1']:.2f} | {row['edge_f1']:.2f} | "
            f"{'yes' if row['valid'] else 'no'} | {tasks} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--controller", default="offline:0.5b")
    parser.add_argument("--dataset", default=str(HERE / "dev.jsonl"))
    parser.add_argument("--limit", type=int, default=0, help="first N requests of each shape")
    parser.add_argument("--demos", type=int, default=None, help="plan_demos (default: Context's)")
    parser.add_argument("--out", default=None)
    parser.add_argument("--kfold", type=int, default=0, metavar="K",
                        help="plan K folds, each with a step classifier trained without it "
                        "(1: the whole set left out)")  # fmt: skip
    parser.add_argument("--with-files", action="store_true",
                        help="only the requests that name files")  # fmt: skip
    parser.add_argument("--attached", action="store_true",
                        help="those requests with their files attached instead")  # fmt: skip
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="a Context setting for planning, e.g. plan_task_list=12")  # fmt: skip
    args = parser.parse_args()
    items = load_items(args.dataset, args.limit)
    if args.attached:
        items = attached(items)
    elif args.with_files:
        items = [i for i in items if request_files(i["request"])]
    settings = {k: int(v) if v.isdigit() else v for k, v in (s.split("=", 1) for s in args.set)}
    if args.demos is not None:
        settings["plan_demos"] = args.demos
    result = evaluate(args.controller, items, kfold=args.kfold, **settings)
    name = args.out or str(
        HERE.parent / "results" / f"planning-{args.controller.replace(':', '-')}.json"
    )
    Path(name).parent.mkdir(parents=True, exist_ok=True)
    Path(name).write_text(json.dumps(result, indent=1))
    Path(name).with_suffix(".md").write_text(markdown(result))
    print(json.dumps({k: v for k, v in result.items() if k != "rows"}, indent=1))


if __name__ == "__main__":
    main()
