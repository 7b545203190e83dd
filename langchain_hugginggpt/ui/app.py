"""The web page: chat with uploads, live plan graph, chosen models, media inline, approval.

It runs the same graph with the same settings as the CLI.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_hugginggpt.ui.plan_svg import plan_svg
from langchain_hugginggpt.ui.session import Session, SessionLimitError, Sessions, Update

__all__ = ["build_app", "models_rows", "page_sessions", "upload_dir", "with_partial_answer"]

HUB = "https://huggingface.co/"


def upload_dir() -> Path:
    """Where Gradio keeps uploaded files (they must be allowed inputs of the graph)."""
    return Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio")


def _link(model: str) -> str:
    if not model or model == "controller-llm" or model.startswith("local/"):
        return model or "-"
    return f"[{model}]({HUB}{model})"


def models_rows(view: Update) -> list[list[str]]:
    """One row per task: task, chosen model (linked to the Hub), why, other candidates."""
    rows = []
    for task in view.plan:
        sel = view.selections.get(str(task["id"]), {})
        others = [c for c in sel.get("candidates", []) if c != sel.get("model")]
        rows.append(
            [
                f"{task['id']}. {task['task']}",
                _link(sel.get("model") or ""),
                sel.get("reason") or "",
                ", ".join(_link(c) for c in others[:4]),
            ]
        )
    return rows


def with_partial_answer(view: Update, history: list[Any]) -> list[Any]:
    """The chat with the answer so far as its last message, while the answer is being written."""
    if view.answer and not view.done and not view.error:
        return [*history, {"role": "assistant", "content": view.answer}]
    return history


def _review_text(review: dict[str, Any]) -> str:
    lines = ["**The plan is ready. Nothing has run yet.**", ""]
    for t in review["tasks"]:
        lines.append(f"- {t['id']}. `{t['task']}` on **{t['model']}**: {t['reason']}")
    est = review["estimate"]
    lines.append(
        f"\nEstimate: {est['tasks']} tasks, longest chain {est['longest_chain']}, "
        f"{est['llm_calls']} more LLM call(s)."
    )
    lines += [f"\n⚠️ {p}" for p in review.get("problems", [])]
    return "\n".join(lines)


def page_sessions(
    graph: Any,
    *,
    context: Any = None,
    uploads_root: Path | None = None,
    max_sessions: int = 100,
    idle_s: float = 3600.0,
) -> Sessions:
    """The page's sessions over `graph`, bounded and with their uploads kept apart.

    Each session has its own upload folder under `uploads_root` (default:
    `upload_dir()/sessions`), is closed after `idle_s` seconds idle, and at most
    `max_sessions` live at once (see `Sessions`).

    `context` (the run settings the graph was built with) lets each session run with its own
    upload folder as its only upload root; without it the graph's `input_roots` apply.
    """
    return Sessions(
        lambda sid, folder: Session(graph, sid, uploads=folder, context=context),
        uploads_root or upload_dir() / "sessions",
        max_sessions=max_sessions,
        idle_s=idle_s,
    )


def build_app(
    graph: Any,
    *,
    artifacts_dir: Path,
    context: Any = None,
    max_sessions: int = 100,
    idle_s: float = 3600.0,
    sessions: Sessions | None = None,
) -> Any:
    """A Gradio Blocks app over `graph` (compiled with a checkpointer).

    Sessions are bounded (see `page_sessions` for `context`, `max_sessions` and `idle_s`, or
    pass `sessions` built elsewhere).
    """
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    if sessions is None:
        sessions = page_sessions(graph, context=context, max_sessions=max_sessions, idle_s=idle_s)
    live = sessions

    def outputs(view: Update, history: list[Any]) -> tuple[Any, ...]:
        review = view.review
        return (
            history,
            gr.MultimodalTextbox(value=None, interactive=view.done or review is not None),
            plan_svg(
                view.plan,
                view.statuses,
                {int(k): v.get("model") or "" for k, v in view.selections.items()},
            ),
            models_rows(view),
            gr.update(visible=review is not None),
            _review_text(review) if review else "",
            json.dumps(review["tasks"] if review else [], indent=1),
        )

    def finish(view: Update, history: list[Any]) -> list[Any]:
        if view.error:
            history.append({"role": "assistant", "content": f"⚠️ {view.error}"})
        elif view.done and view.answer:
            history.append({"role": "assistant", "content": view.answer})
            for output in view.files:
                history.append({"role": "assistant", "content": {"path": output["path"]}})
        return history

    def stream(session: Session, updates: Iterator[Update], history: list[Any]) -> Iterator[Any]:
        view = session.view
        for view in updates:
            yield outputs(view, with_partial_answer(view, history))
        yield outputs(view, finish(view, history))

    def ask(message: dict[str, Any], history: list[Any], sid: str) -> Iterator[Any]:
        history = list(history or [])
        try:
            session = live.get(sid)
        except SessionLimitError as exc:
            history.append({"role": "assistant", "content": f"⚠️ {exc}"})
            yield (history, *[gr.update()] * 6, sid)
            return
        files = live.adopt(sid, list(message.get("files") or []))
        for f in files:
            history.append({"role": "user", "content": {"path": f}})
        if message.get("text"):
            history.append({"role": "user", "content": message["text"]})
        for out in stream(session, session.ask(message.get("text") or "", files), history):
            yield (*out, sid)
        live.find(sid)  # idle time counts from the end of the run

    def decide(kind: str) -> Any:
        def handler(history: list[Any], sid: str, plan_text: str, model_text: str) -> Iterator[Any]:
            history = list(history or [])
            session = live.find(sid)
            if session is None:
                idle = f"{live.idle_s / 60:g} minutes"
                message = f"⚠️ No run is waiting (conversations idle for {idle} are closed)."
                history.append({"role": "assistant", "content": message})
                yield (history, *[gr.update()] * 6, sid)
                return
            decision: dict[str, Any] = {"action": kind}
            if kind == "edit":
                models = dict(line.split("=", 1) for line in model_text.splitlines() if "=" in line)
                if models:
                    decision["models"] = {k.strip(): v.strip() for k, v in models.items()}
                else:
                    try:
                        decision["plan"] = json.loads(plan_text)
                    except ValueError as exc:
                        history.append(
                            {"role": "assistant", "content": f"⚠️ The plan is not JSON: {exc}"}
                        )
                        yield (history, *[gr.update()] * 6, sid)
                        return
            for out in stream(session, session.decide(decision), history):
                yield (*out, sid)
            live.find(sid)

        return handler

    with gr.Blocks(title="HuggingGPT", analytics_enabled=False) as app:
        sid = gr.State(lambda: uuid.uuid4().hex)
        gr.Markdown("## HuggingGPT: plans your request, picks Hugging Face models, runs them")
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(elem_id="chat", height=520)
                box = gr.MultimodalTextbox(
                    elem_id="chat-input",
                    file_types=[
                        "image",
                        "audio",
                        "video",
                        ".pdf",
                        ".txt",
                        ".md",
                        ".docx",
                        ".html",
                        ".csv",
                    ],
                    sources=["upload"],
                    file_count="multiple",
                    placeholder="Ask for something, attach images, audio or documents...",
                    show_label=False,
                )
            with gr.Column(scale=2):
                plan = gr.HTML(plan_svg([], {}), elem_id="plan")
                models = gr.Dataframe(
                    headers=["task", "model", "why", "other candidates"],
                    datatype=["str", "markdown", "str", "markdown"],
                    value=[],
                    interactive=False,
                    elem_id="models",
                )
                with gr.Group(visible=False, elem_id="approval") as approval:
                    review = gr.Markdown(elem_id="review")
                    plan_json = gr.Code(language="json", label="plan (edit, then Edit)")
                    model_edits = gr.Textbox(
                        label="other models, one per line: TASK_ID=org/model", lines=2
                    )
                    with gr.Row():
                        approve = gr.Button("Approve", elem_id="approve-btn", variant="primary")
                        edit = gr.Button("Edit", elem_id="edit-btn")
                        cancel = gr.Button("Cancel", elem_id="cancel-btn", variant="stop")
        outs = [chat, box, plan, models, approval, review, plan_json, sid]
        box.submit(ask, [box, chat, sid], outs)
        for button, kind in ((approve, "approve"), (edit, "edit"), (cancel, "cancel")):
            button.click(decide(kind), [chat, sid, plan_json, model_edits], outs)
    app.hugginggpt_allowed_paths = [str(artifacts_dir)]
    return app
