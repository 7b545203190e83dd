"""The `hugginggpt` command: a request in, progress on stderr, the answer and files on stdout."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from langchain_core.messages import HumanMessage

from langchain_hugginggpt.graph.builder import create_hugginggpt_graph
from langchain_hugginggpt.graph.llm import ControllerError, resolve_controller

__all__ = ["build_parser", "main", "state_to_json"]


def build_parser() -> argparse.ArgumentParser:
    """The command's arguments."""
    parser = argparse.ArgumentParser(
        prog="hugginggpt",
        description="Plan a request into Hugging Face tasks, pick models, run them and answer.",
    )
    parser.add_argument("request", help="what you want done, in plain words")
    parser.add_argument(
        "--llm",
        metavar="PROVIDER:MODEL",
        default=None,
        help="controller LLM (default: $HUGGINGGPT_LLM, else OPENAI_API_KEY/OPENAI_BASE_URL, "
        "else the embedded offline model)",
    )
    parser.add_argument("--json", action="store_true", help="print the final state as JSON")
    parser.add_argument("--plan-only", action="store_true", help="stop after planning")
    parser.add_argument("--top-k", type=int, default=None, help="candidates per task (default 5)")
    parser.add_argument(
        "--max-concurrency", type=int, default=None, help="tasks run at once (default 4)"
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return the exit status (0 ok, 1 the run failed, 2 bad usage/setup)."""
    args = build_parser().parse_args(argv)
    # Library chatter (Hub retries when offline, load warnings) is not progress; errors still show.
    for name in ("huggingface_hub", "transformers", "diffusers"):
        logging.getLogger(name).setLevel(logging.ERROR)
    settings: dict[str, Any] = {"plan_only": args.plan_only}
    if args.top_k is not None:
        settings["top_k"] = args.top_k
    if args.max_concurrency is not None:
        settings["max_concurrency"] = args.max_concurrency
    try:
        llm = resolve_controller(args.llm)
        graph = create_hugginggpt_graph(llm, engines=_default_engines(), **settings)
    except (ControllerError, ValueError) as exc:
        print(f"hugginggpt: {exc}", file=sys.stderr)
        return 2
    state: dict[str, Any] = {}
    try:
        for mode, chunk in graph.stream(
            {"messages": [HumanMessage(content=args.request)]},
            stream_mode=["custom", "values"],
        ):
            if not isinstance(chunk, dict):
                continue
            if mode == "custom" and not args.quiet:
                _progress(chunk, sys.stderr)
            elif mode == "values":
                state = chunk
    except KeyboardInterrupt:
        print("hugginggpt: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        print(f"hugginggpt: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(state_to_json(state), indent=2, ensure_ascii=False))
    else:
        _print_answer(state, args.plan_only, sys.stdout)
    failure = _failure(state)
    if failure:
        print(f"hugginggpt: {failure}", file=sys.stderr)
        return 1
    return 0


def _failure(state: dict[str, Any]) -> str | None:
    """One line saying why the run did not do what was asked, or None."""
    if state.get("error"):
        return str(state["error"]).splitlines()[0]
    failed = [(k, r) for k, r in state.get("results", {}).items() if r.get("status") == "error"]
    if failed:
        key, result = failed[0]
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        return f"task {key} ({result.get('task')}) failed: {result.get('error')}{more}"
    return None


def _default_engines() -> list[Any]:
    from langchain_hugginggpt.engines import default_engines

    return default_engines()


def state_to_json(state: dict[str, Any]) -> dict[str, Any]:
    """The final state as JSON-ready data: the answer text instead of message objects."""
    messages = state.get("messages", [])
    answer = messages[-1].text if messages and messages[-1].type == "ai" else None
    out = {k: v for k, v in state.items() if k != "messages"}
    out["answer"] = answer
    out["files"] = [
        r["output"]["path"]
        for r in state.get("results", {}).values()
        if r.get("status") == "ok" and r.get("output", {}).get("path")
    ]
    return out


def _print_answer(state: dict[str, Any], plan_only: bool, out: TextIO) -> None:
    if plan_only and not state.get("error"):
        print(json.dumps(state.get("plan", []), indent=2, ensure_ascii=False), file=out)
        return
    data = state_to_json(state)
    if data["answer"]:
        print(data["answer"], file=out)


def _progress(event: dict[str, Any], err: TextIO) -> None:
    kind = event.get("event")
    if kind == "stage" and event.get("status") == "end":
        print(f"[{event['stage']}] done in {event['seconds']:.2f}s", file=err)
    elif kind == "plan":
        for t in event["tasks"]:
            deps = ",".join(map(str, t["dep"])) or "-"
            print(f"[plan] {t['id']}. {t['task']} (after {deps})", file=err)
    elif kind == "plan_invalid":
        print(f"[plan] attempt {event['attempt']} invalid: {event['problems'][0]}", file=err)
    elif kind == "selection":
        print(f"[select] task {event['task_id']}: {event['model']} ({event['reason']})", file=err)
    elif kind == "task" and event.get("status") != "start":
        took = f" in {event['seconds']:.2f}s" if event.get("seconds") is not None else ""
        detail = f": {event['error']}" if event.get("error") else ""
        print(
            f"[task {event['task_id']}] {event['task']} {event['status']}{took}{detail}", file=err
        )


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
