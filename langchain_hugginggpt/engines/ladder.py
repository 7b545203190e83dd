"""Running one task down its fallback ladder of models, each attempt under a timeout."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import EngineRequest, Engines, InferenceMode
from langchain_hugginggpt.tasks import TaskSpec

__all__ = ["TaskTimeoutError", "ladder_card", "run_ladder"]


class TaskTimeoutError(TimeoutError):
    """A model did not finish within the task timeout."""


def ladder_card(data: Mapping[str, Any]) -> ModelCard:
    """A `ModelCard` back from its JSON form (as kept in `selections`)."""
    fields = dict(data)
    fields["tags"] = tuple(fields.get("tags") or ())
    fields["languages"] = tuple(fields.get("languages") or ())
    return ModelCard(**fields)


def run_ladder(
    task: TaskSpec,
    ladder: Sequence[ModelCard],
    inputs: Mapping[str, str],
    *,
    engines: Engines,
    mode: InferenceMode,
    run_dir: Path,
    timeout_s: float,
    extra: Mapping[str, str] | None = None,
    callbacks: Sequence[Any] = (),
) -> dict[str, Any]:
    """Try each model in turn until one returns a valid output; never raise.

    Returns:
        `{"status": "ok", "model", "engine", "output", "attempts"}`, or `{"status": "error",
        "model", "engine", "error", "attempts"}` naming every model's failure.
    """
    attempts: list[dict[str, Any]] = []
    for card in ladder:
        engine = engines.for_model(card, mode)
        if engine is None:
            attempts.append(
                {
                    "model": card.id,
                    "engine": None,
                    "status": "error",
                    "error": "no engine can run this model here",
                    "seconds": 0.0,
                }
            )
            continue
        start = time.perf_counter()
        request = EngineRequest(
            task=task,
            model=card,
            inputs=dict(inputs),
            run_dir=run_dir,
            timeout_s=timeout_s,
            extra=dict(extra or {}),
            callbacks=tuple(callbacks),
        )
        try:
            run_dir.mkdir(parents=True, exist_ok=True)
            output = _checked(_with_timeout(engine.run, request, timeout_s))
        except Exception as exc:  # noqa: BLE001 - a failing model sends the task down the ladder
            attempts.append(
                {
                    "model": card.id,
                    "engine": engine.name,
                    "status": "error",
                    "error": f"{type(exc).__name__}: {exc}",
                    "seconds": round(time.perf_counter() - start, 4),
                }
            )
            continue
        attempts.append(
            {
                "model": card.id,
                "engine": engine.name,
                "status": "ok",
                "seconds": round(time.perf_counter() - start, 4),
            }
        )
        return {
            "status": "ok",
            "task": task.name,
            "model": card.id,
            "engine": engine.name,
            "output": output,
            "attempts": attempts,
        }
    failures = "; ".join(f"{a['model']}: {a['error']}" for a in attempts) or "no candidates"
    last = attempts[-1] if attempts else {"model": None, "engine": None}
    return {
        "status": "error",
        "task": task.name,
        "model": last["model"],
        "engine": last["engine"],
        "error": f"every candidate failed ({failures})",
        "attempts": attempts,
    }


def _checked(output: Any) -> TaskOutput:
    if (
        not isinstance(output, dict)
        or "type" not in output
        or not isinstance(output.get("text"), str)
    ):
        raise TypeError(
            f"engine returned {type(output).__name__}, not a TaskOutput with type and text"
        )
    if output["type"] in ("image", "audio", "video", "table"):
        if not output.get("path") or not Path(output["path"]).is_file():
            raise TypeError(f"engine returned a {output['type']} output without its file")
        if not output.get("mime_type"):
            raise TypeError(f"engine returned a {output['type']} output without its mime_type")
    elif not output["text"].strip():
        raise ValueError("the model returned an empty result")
    checked: TaskOutput = output  # type: ignore[assignment]
    return checked


def _with_timeout(
    fn: Callable[[EngineRequest], TaskOutput], request: EngineRequest, timeout_s: float
) -> TaskOutput:
    """Run `fn` in a watchdog thread; give up after `timeout_s`.

    Python cannot stop a thread, so a model that hangs keeps its thread until it returns; the run
    goes on without it and its late result is dropped.
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn(request)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=target, name=f"engine-{request.task.name}", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        raise TaskTimeoutError(f"{request.model.id} gave no result within {timeout_s:g} s")
    if "error" in box:
        raise box["error"]
    value: TaskOutput = box["value"]
    return value
