"""The `hugginggpt` command: a request in, progress on stderr, the answer and files on stdout.

The answer is printed as it is made: the respond node's `answer_token` events go to stdout as
they come (never the planning or selection calls' text), then whatever the final answer adds.
`--json` and `--quiet` print the answer once, at the end, as before.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from langchain_hugginggpt.artifacts.text_inputs import SUPPORTED_KINDS, readable_kind
from langchain_hugginggpt.engines.availability import install_hint
from langchain_hugginggpt.graph.builder import create_hugginggpt_graph
from langchain_hugginggpt.graph.context import Context
from langchain_hugginggpt.graph.durable import sqlite_checkpointer
from langchain_hugginggpt.graph.llm import ControllerError, resolve_controller
from langchain_hugginggpt.graph.respond import file_outputs
from langchain_hugginggpt.offline.controller import offline_controller_factory
from langchain_hugginggpt.planning.request import request_with_inputs

__all__ = ["AnswerStream", "ask_decision", "build_parser", "main", "state_to_json"]


def build_parser() -> argparse.ArgumentParser:
    """The command's arguments."""
    parser = argparse.ArgumentParser(
        prog="hugginggpt",
        description="Plan a request into Hugging Face tasks, pick models, run them and answer.",
    )
    parser.add_argument(
        "request", nargs="?", default=None, help="what you want done, in plain words"
    )
    parser.add_argument(
        "--input",
        "-i",
        action="append",
        default=[],
        metavar="FILE",
        help="a file the request is about (image, audio, video, table, or a document: .txt, .md, "
        ".pdf, .docx, .html); may be given several times",
    )
    parser.add_argument(
        "--llm",
        metavar="PROVIDER:MODEL",
        default=None,
        help="controller LLM, e.g. openai:gpt-4o-mini or offline:1.5b (default: $HUGGINGGPT_LLM, "
        "else OPENAI_API_KEY/OPENAI_BASE_URL, else the embedded offline model)",
    )
    parser.add_argument("--json", action="store_true", help="print the final state as JSON")
    parser.add_argument("--plan-only", action="store_true", help="stop after planning")
    parser.add_argument("--top-k", type=int, default=None, help="candidates per task (default 5)")
    parser.add_argument(
        "--max-concurrency", type=int, default=None, help="tasks run at once (default 4)"
    )
    parser.add_argument(
        "--approve",
        action="store_true",
        help="show the plan and chosen models before anything runs; approve, edit or cancel",
    )
    parser.add_argument(
        "--thread",
        metavar="ID",
        default=None,
        help="keep this conversation in the threads database: follow-up requests see earlier "
        "answers and files, and an interrupted run can be resumed",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the interrupted run of --thread (no request needed)",
    )
    parser.add_argument(
        "--db",
        metavar="FILE",
        default=None,
        help="threads database (default ~/.cache/langchain-hugginggpt/threads.sqlite)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    return parser


def _configured() -> bool:
    return any(os.environ.get(v) for v in ("HUGGINGGPT_LLM", "OPENAI_API_KEY", "OPENAI_BASE_URL"))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return the exit status (0 ok, 1 the run failed, 2 bad usage/setup)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["ui"]:
        return ui_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    usage = _usage_problem(args)
    if usage:
        parser.print_usage(sys.stderr)
        print(f"hugginggpt: {usage}", file=sys.stderr)
        return 2
    # Library chatter (Hub retries when offline, load warnings) is not progress; errors still show.
    for name in ("huggingface_hub", "transformers", "diffusers"):
        logging.getLogger(name).setLevel(logging.ERROR)
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    if os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] == "1":
        # Read by huggingface_hub at its import, before this line ran; transformers (imported
        # later, with the first model) asks huggingface_hub, so its "Loading weights" bar goes too.
        from huggingface_hub.utils import disable_progress_bars

        disable_progress_bars()
    # No markup (the "[plan]" prefixes are text) and no wrapping (pipes get whole lines).
    err = Console(stderr=True, quiet=args.quiet, highlight=False, markup=False, soft_wrap=True)
    inputs = [Path(p).expanduser().resolve() for p in args.input]
    missing = [str(p) for p in inputs if not p.is_file()]
    if missing:
        print(f"hugginggpt: input file not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    unreadable = [f"{p.name} ({p.suffix or 'no suffix'})" for p in inputs if not readable_kind(p)]
    if unreadable:
        print(
            f"hugginggpt: cannot use input file {', '.join(unreadable)}: its type is not one "
            f"this reads; give {SUPPORTED_KINDS}",
            file=sys.stderr,
        )
        return 2
    settings: dict[str, Any] = {"plan_only": args.plan_only, "approve_plan": args.approve}
    if args.top_k is not None:
        settings["top_k"] = args.top_k
    if args.max_concurrency is not None:
        settings["max_concurrency"] = args.max_concurrency
    if inputs:
        settings["input_roots"] = os.pathsep.join(sorted({str(p.parent) for p in inputs}))
    try:
        llm = resolve_controller(args.llm, offline_controller_factory)
        checkpointer = (
            sqlite_checkpointer(args.db)
            if args.thread
            else InMemorySaver()
            if args.approve
            else None
        )
        graph = create_hugginggpt_graph(
            llm, engines=_default_engines(), checkpointer=checkpointer, **settings
        )
    except (ControllerError, ValueError) as exc:
        print(f"hugginggpt: {exc}", file=sys.stderr)
        return 2
    if args.llm is None and not _configured():
        err.print(f"hugginggpt: no controller configured; using the embedded {_name(llm)}")
    config: RunnableConfig = {"configurable": {"thread_id": args.thread or uuid.uuid4().hex}}
    if args.resume:
        snapshot = graph.get_state(config)
        if not snapshot.next:
            print(f"hugginggpt: thread {args.thread!r} has no unfinished run", file=sys.stderr)
            return 2
        payload: Any = None
    else:
        request = request_with_inputs(args.request, inputs)
        payload = {"messages": [HumanMessage(content=request)]}
    state: dict[str, Any] = {}
    progress = _Progress(err)
    live = None if args.json or args.quiet or args.plan_only else AnswerStream(sys.stdout)
    try:
        while True:
            state = _stream(graph, payload, config, progress, live) or state
            pending = graph.get_state(config).interrupts if checkpointer else ()
            if not pending:
                break
            payload = Command(resume=ask_decision(pending[0].value, err))
    except KeyboardInterrupt:
        print("hugginggpt: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - one line, no traceback, non-zero exit
        print(f"hugginggpt: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(state_to_json(state), indent=2, ensure_ascii=False))
    else:
        _print_answer(state, args.plan_only, live)
    failure = _failure(state)
    if failure:
        print(f"hugginggpt: {failure}", file=sys.stderr)
        return 1
    return 0


def ui_main(argv: Sequence[str]) -> int:
    """`hugginggpt ui`: the web page on loopback, with the CLI's graph and settings."""
    parser = argparse.ArgumentParser(prog="hugginggpt ui", description="Start the web page.")
    parser.add_argument("--host", default="127.0.0.1", help="interface (default loopback)")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--llm", metavar="PROVIDER:MODEL", default=None)
    parser.add_argument("--approve", action="store_true", help="ask before running each plan")
    args = parser.parse_args(argv)
    try:
        import gradio  # noqa: F401
    except ImportError:
        print('hugginggpt: the web page needs the ui extra: pip install "langchain-hugginggpt[ui]"',
              file=sys.stderr)  # fmt: skip
        return 2
    from langchain_hugginggpt.graph.services import default_artifacts_root
    from langchain_hugginggpt.ui.app import build_app, upload_dir

    try:
        llm = resolve_controller(args.llm, offline_controller_factory)
        graph = create_hugginggpt_graph(
            llm,
            engines=_default_engines(),
            checkpointer=InMemorySaver(),
            approve_plan=args.approve,
            input_roots=str(upload_dir()),
        )
    except (ControllerError, ValueError) as exc:
        print(f"hugginggpt: {exc}", file=sys.stderr)
        return 2
    # Each page session runs with its own upload folder as its only input root (a run may
    # narrow the graph's `input_roots`, never widen it).
    app = build_app(graph, artifacts_dir=default_artifacts_root(), context=Context())
    app.launch(
        server_name=args.host,
        server_port=args.port,
        share=False,
        allowed_paths=app.hugginggpt_allowed_paths,
    )
    return 0


def _usage_problem(args: argparse.Namespace) -> str | None:
    if args.resume and not args.thread:
        return "--resume needs --thread ID (the thread to continue)"
    if args.resume and args.request:
        return "--resume continues a run; give no new request with it"
    if not args.resume and not (args.request or "").strip():
        return "give a request (what you want done), or --resume with --thread"
    if args.db and not args.thread:
        return "--db is used with --thread"
    return None


def _stream(
    graph: Any,
    payload: Any,
    config: RunnableConfig,
    progress: _Progress,
    live: AnswerStream | None = None,
) -> dict[str, Any]:
    """Run (or resume) the graph; return the last full state it streamed.

    Progress goes to stderr as it happens; with `live`, the answer's pieces go to stdout.
    """
    state: dict[str, Any] = {}
    with progress:
        for mode, chunk in graph.stream(payload, config, stream_mode=["custom", "values"]):
            if not isinstance(chunk, dict):
                continue
            if mode == "custom" and chunk.get("event") == "answer_token":
                if live is not None:
                    progress.pause()  # the bar would draw over the answer's lines
                    live.piece(str(chunk.get("text", "")))
            elif mode == "custom":
                if live is not None and chunk.get("event") == "stage":
                    live.end_line()
                progress.event(chunk)
            elif mode == "values":
                state = chunk
    return state


APPROVAL_HELP = """\
  a                 approve and run
  c                 cancel (nothing runs)
  m TASK MODEL      run task TASK on MODEL (a candidate, or a catalog model of that task)
  p FILE            replace the plan with the tasks in JSON file FILE (models are chosen again)"""


def ask_decision(
    review: dict[str, Any], console: Console, read: Callable[[str], str] | None = None
) -> dict[str, Any]:
    """Show the plan review on stderr and read the user's decision from stdin.

    End of input (a pipe that ran dry, Ctrl-D) cancels: nothing runs without a yes.
    """
    read = read or input
    print_ = console.print
    print_("[approve] the plan, before anything runs:")
    for t in review["tasks"]:
        deps = ",".join(map(str, t["dep"])) or "-"
        print_(f"  {t['id']}. {t['task']} (after {deps}) {json.dumps(t['args'])}")
        print_(f"     model {t['model']} on {t['engine']}: {t['reason']}")
        others = [c for c in t["candidates"] if c != t["model"]]
        if others:
            print_(f"     other candidates: {', '.join(others)}")
    est = review["estimate"]
    print_(
        f"  estimate: {est['tasks']} tasks, longest chain {est['longest_chain']}, "
        f"{est['llm_calls']} more LLM call(s), {len(est['models'])} model(s)"
        + (f", may download {', '.join(est['may_download'])}" if est["may_download"] else "")
    )
    for problem in review.get("problems", []):
        print_(f"  problem: {problem}")
    models: dict[str, str] = {}
    while True:
        try:
            line = read("approve? [a]pprove, [c]ancel, m TASK MODEL, p FILE, ? for help: ")
        except EOFError:
            print_("[approve] no answer (end of input): cancelling")
            return {"action": "cancel"}
        words = line.split()
        if not words:
            continue
        head = words[0].lower()
        if head in ("a", "approve", "y", "yes"):
            return {"action": "edit", "models": models} if models else {"action": "approve"}
        if head in ("c", "cancel", "n", "no"):
            return {"action": "cancel"}
        if head == "m" and len(words) == 3:
            models[words[1]] = words[2]
            print_(f"  task {words[1]} -> {words[2]} (a to run with it)")
            continue
        if head == "p" and len(words) == 2:
            try:
                plan = json.loads(Path(words[1]).expanduser().read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                print_(f"  cannot read {words[1]}: {exc}")
                continue
            return {"action": "edit", "plan": plan}
        print_(APPROVAL_HELP)


def _name(llm: BaseChatModel) -> str:
    return str(getattr(llm, "model_name", None) or type(llm).__name__)


def _default_engines() -> list[Any]:
    from langchain_hugginggpt.engines import default_engines

    return default_engines()


def _failure(state: dict[str, Any]) -> str | None:
    """One line saying why the run did not do what was asked, or None."""
    if state.get("error"):
        return str(state["error"]).splitlines()[0]
    failed = [(k, r) for k, r in state.get("results", {}).items() if r.get("status") == "error"]
    if failed:
        key, result = failed[0]
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        return f"task {key} ({result.get('task')}) failed: {_task_error(result)}{more}"
    return None


def _task_error(result: dict[str, Any]) -> str:
    """A failed task's error; when no model could run it for want of an extra, naming that extra."""
    error = str(result.get("error") or "")
    if result.get("status") == "error" and not result.get("model"):
        hint = install_hint(str(result.get("task") or ""))
        if hint and hint not in error:
            return f"{error}; {hint}" if error else hint
    return error


def state_to_json(state: dict[str, Any]) -> dict[str, Any]:
    """The final state as JSON-ready data: the answer text instead of message objects."""
    messages = state.get("messages", [])
    answer = messages[-1].text if messages and messages[-1].type == "ai" else None
    out = {k: v for k, v in state.items() if k != "messages"}
    out["answer"] = answer
    out["files"] = [o["path"] for o in file_outputs(state.get("results"))]
    return out


class AnswerStream:
    """The answer on `out` piece by piece as it is made, then what the final answer adds."""

    def __init__(self, out: TextIO) -> None:
        """Write to `out` (stdout)."""
        self.out = out
        self.printed = ""
        self.line_open = False

    def piece(self, text: str) -> None:
        """Print a piece of the answer now."""
        if text:
            self.out.write(text)
            self.out.flush()
            self.printed += text
            self.line_open = not text.endswith("\n")

    def end_line(self) -> None:
        """End the answer's line (before a progress line shows up in the same terminal)."""
        if self.line_open:
            self.out.write("\n")
            self.out.flush()
            self.line_open = False

    def finish(self, answer: str) -> None:
        """Print what the final `answer` has beyond the pieces already printed.

        When it does not continue them (they were cut where they repeated themselves, or the
        controller failed part way), print it whole, marked as the answer kept.
        """
        head = self.printed.strip()
        if not head:
            print(answer, file=self.out)
            return
        if answer.startswith(head):
            rest = answer[len(head) :]
            if self.line_open:
                print(rest, file=self.out)
            elif rest:
                print(rest.removeprefix("\n"), file=self.out)
        else:
            self.end_line()
            print(f"\n[the answer as kept]\n{answer}", file=self.out)
        self.line_open = False


def _print_answer(state: dict[str, Any], plan_only: bool, live: AnswerStream | None = None) -> None:
    if plan_only and not state.get("error"):
        print(json.dumps(state.get("plan", []), indent=2, ensure_ascii=False))
        return
    data = state_to_json(state)
    if data["answer"] and live is not None:
        live.finish(data["answer"])
    elif data["answer"]:
        print(data["answer"])
    results = state.get("results", {})
    messages = state.get("messages", [])
    composed = bool(messages) and messages[-1].response_metadata.get("answer") == "facts"
    if results and not composed:
        # Every task's own result, so nothing is lost to a terse answer.
        print("\nResults:")
        for key, result in results.items():
            detail = (result.get("output") or {}).get("text") or _task_error(result)
            model = f" on {result['model']}" if result.get("model") else ""
            print(f"{key}. {result.get('task')}{model}: {result['status']}. {_clip(detail)}")


def _clip(text: str, limit: int = 400) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "..."


class _Progress:
    """Stage lines and a task bar on stderr, from the graph's custom events."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.task: TaskID | None = None

    def __enter__(self) -> _Progress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(None, None, None)

    def pause(self) -> None:
        """Take the bar off the terminal (for good: the answer is being printed)."""
        self.bar.stop()

    def event(self, event: dict[str, Any]) -> None:
        print_ = self.console.print
        kind = event.get("event")
        if kind == "stage" and event.get("status") == "start":
            print_(f"[{event['stage']}] ...")
        elif kind == "stage" and event.get("status") == "end":
            print_(f"[{event['stage']}] done in {event['seconds']:.2f}s")
        elif kind == "plan":
            for t in event["tasks"]:
                deps = ",".join(map(str, t["dep"])) or "-"
                print_(f"[plan] {t['id']}. {t['task']} (after {deps}) {json.dumps(t['args'])}")
            if event["tasks"]:
                self.task = self.bar.add_task("tasks", total=len(event["tasks"]))
        elif kind == "plan_invalid":
            print_(f"[plan] attempt {event['attempt']} invalid: {event['problems'][0]}")
        elif kind == "plan_repaired":
            for fix in event["fixes"]:
                print_(f"[plan] repaired: {fix}")
        elif kind == "selection":
            print_(f"[select] task {event['task_id']}: {event['model']} ({event['reason']})")
        elif kind == "task" and event.get("status") != "start":
            took = f" in {event['seconds']:.2f}s" if event.get("seconds") is not None else ""
            detail = f": {event['error']}" if event.get("error") else ""
            print_(f"[task {event['task_id']}] {event['task']} {event['status']}{took}{detail}")
            if self.task is not None:
                self.bar.advance(self.task)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
