"""Running one task down its fallback ladder of models, each attempt under a timeout."""

from __future__ import annotations

import contextvars
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, cast

from langchain_hugginggpt.artifacts.language import detect_language, language_code, language_name
from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.catalog.directions import translation_refusal
from langchain_hugginggpt.engines.base import Engine, EngineRequest, Engines, InferenceMode
from langchain_hugginggpt.engines.checks import output_problem
from langchain_hugginggpt.tasks import TaskSpec

__all__ = [
    "LANGUAGE_FOLLOWS_INPUT",
    "EngineAbortError",
    "TaskTimeoutError",
    "UnfitOutputError",
    "ladder_card",
    "order_by_language",
    "run_ladder",
    "translation_languages",
    "translation_refusals",
    "untranslatable",
]

LANGUAGE_FOLLOWS_INPUT = frozenset(
    {
        "conversational",
        "question-answering",
        "summarization",
        "text-classification",
        "text-generation",
        "text-to-speech",
        "text2text-generation",
        "token-classification",
    }
)
"""Tasks whose model must read (or speak) the language of the text input. Not translation: its
output language is the target's."""

_LANGUAGE_SAMPLE = 2_000
"""Characters of the text input that language detection looks at."""


class TaskTimeoutError(TimeoutError):
    """A model did not finish within the task timeout; its call was abandoned (see `run_ladder`)."""


class EngineAbortError(RuntimeError):
    """An engine raised a `BaseException` that is not an `Exception` (e.g. `GeneratorExit`)."""


class UnfitOutputError(ValueError):
    """A model returned something that does not do the task (a "summary" as long as the text)."""


def ladder_card(data: Mapping[str, Any]) -> ModelCard:
    """A `ModelCard` back from its JSON form (as kept in `selections`)."""
    fields = dict(data)
    fields["tags"] = tuple(fields.get("tags") or ())
    fields["languages"] = tuple(fields.get("languages") or ())
    return ModelCard(**fields)


def order_by_language(
    task_name: str, ladder: Sequence[ModelCard], inputs: Mapping[str, str]
) -> tuple[list[ModelCard], str | None, dict[str, str]]:
    """Put the models that serve the text's language first, for tasks that follow it.

    A card serves a language when its `languages` name it, say `multilingual`, or are empty
    (unknown, e.g. the controller LLM). The others keep their order but go last: a model for
    another language may still do better than nothing.

    Args:
        task_name: the task type; only `LANGUAGE_FOLLOWS_INPUT` tasks are reordered.
        ladder: the candidates, best first.
        inputs: the task's arguments; the language is detected in `text` (else `context`).

    Returns:
        The ladder (stable-reordered), the detected ISO 639-1 code or None, and a note per
        moved model id saying which languages it serves.
    """
    if task_name == "translation":
        refused = translation_refusals(task_name, ladder, inputs)
        source = translation_languages(inputs)[0]
        fit = [card for card in ladder if card.id not in refused]
        return fit + [card for card in ladder if card.id in refused], source, refused
    if task_name not in LANGUAGE_FOLLOWS_INPUT:
        return list(ladder), None, {}
    text = inputs.get("text") or inputs.get("context") or ""
    language = detect_language(text[:_LANGUAGE_SAMPLE])
    if language is None:
        return list(ladder), None, {}
    served = [card for card in ladder if _serves(card, language)]
    moved = [card for card in ladder if not _serves(card, language)]
    notes = {
        card.id: f"serves {', '.join(card.languages)} only; the text is {language}"
        for card in moved
    }
    return served + moved, language, notes


def translation_languages(inputs: Mapping[str, str]) -> tuple[str | None, str | None]:
    """A translation's (source, target) ISO 639-1 codes; the source detected when not given."""
    target = language_code(inputs.get("target_language") or "")
    given = inputs.get("source_language") or ""
    source = language_code(given) if given.strip() else None
    if source is None:  # not given, or not a language known here ("auto")
        source = detect_language((inputs.get("text") or "")[:_LANGUAGE_SAMPLE])
    return source, target


def translation_refusals(
    task_name: str, ladder: Sequence[ModelCard], inputs: Mapping[str, str]
) -> dict[str, str]:
    """Model id -> the pairs it translates, for the translation models that miss the request's.

    Models whose card says nothing of their languages are not refused here (their engine
    checks the loaded model).
    """
    if task_name != "translation":
        return {}
    source, target = translation_languages(inputs)
    refused: dict[str, str] = {}
    for card in ladder:
        why = translation_refusal(card, source, target)
        if why:
            refused[card.id] = why
    return refused


def untranslatable(source: str | None, target: str | None, candidates: Mapping[str, str]) -> str:
    """The reason a translation has no model: `no translation model here translates ...`."""
    listed = "; ".join(f"{model} ({why})" for model, why in candidates.items()) or "none"
    return (
        f"no translation model here translates {_pair_name(source, target)}; candidates: {listed}"
    )


def _pair_name(source: str | None, target: str | None) -> str:
    into = language_name(target) if target else "the target language"
    return f"{language_name(source)} to {into}" if source else f"into {into}"


def _serves(card: ModelCard, language: str) -> bool:
    declared = {d.strip().lower() for d in card.languages}
    if not declared or "multilingual" in declared:
        return True
    return any((language_code(d) or d.split("-")[0]) == language for d in declared)


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

    Each model gets `timeout_s` seconds, on an engine thread of its own (a parked one reused,
    see `_Runner`). Python cannot stop a thread, so a model that has not answered by then is
    abandoned: the attempt fails at once with "<model> timed out after N s" and the ladder (and
    so the task's concurrency slot) moves on; the abandoned thread is never reused.
    The abandoned call may go on running in the background; its late result is dropped. It
    holds no scheduler slot and no process-wide lock, only the locks of its own model, which
    other calls wait for no longer than their own timeout (`engines.shared.held`).

    Whatever an engine raises becomes that attempt's error, `BaseException`s included: they
    come from the engine's own thread (Python delivers Ctrl-C to the main thread only), so a
    `KeyboardInterrupt` or `SystemExit` there is the engine's failure, not the user's.

    Models that serve the language of the text go first (`order_by_language`); a model tried
    although it serves other languages only has a `note` in its attempt saying so.

    Returns:
        `{"status": "ok", "model", "engine", "output", "attempts"}`, or `{"status": "error",
        "model", "engine", "error", "attempts"}` naming every model's failure; with
        `"language"` (ISO 639-1) when the text's language was detected.
    """
    ladder, language, notes = order_by_language(task.name, ladder, inputs)
    refused = translation_refusals(task.name, ladder, inputs)
    attempts: list[dict[str, Any]] = []
    for card in ladder:
        if card.id in refused:
            pair = _pair_name(*translation_languages(inputs))
            attempts.append(_not_tried(card, f"{refused[card.id]}, not {pair}"))
            continue
        engine, why_not = _engine_for(engines, card, mode)
        if engine is None:
            attempts.append(
                {
                    "model": card.id,
                    "engine": None,
                    "status": "error",
                    "error": why_not,
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
            problem = output_problem(task.name, request.inputs, output)
            if problem:
                raise UnfitOutputError(problem)
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
        return _annotated(
            {
                "status": "ok",
                "task": task.name,
                "model": card.id,
                "engine": engine.name,
                "output": output,
                "attempts": attempts,
            },
            language,
            notes,
        )
    failures = "; ".join(f"{a['model']}: {a['error']}" for a in attempts) or "no candidates"
    last = attempts[-1] if attempts else {"model": None, "engine": None}
    if attempts and all(a["model"] in refused for a in attempts):
        error = untranslatable(*translation_languages(inputs), refused)
    else:
        error = f"every candidate failed ({failures})"
    return _annotated(
        {
            "status": "error",
            "task": task.name,
            "model": last["model"],
            "engine": last["engine"],
            "error": error,
            "attempts": attempts,
        },
        language,
        notes,
    )


def _not_tried(card: ModelCard, why: str) -> dict[str, Any]:
    return {"model": card.id, "engine": None, "status": "error", "error": why, "seconds": 0.0}


def _engine_for(
    engines: Engines, card: ModelCard, mode: InferenceMode
) -> tuple[Engine | None, str]:
    """The engine for `card`, or None and why: no engine supports it, or asking one failed."""
    try:
        engine = engines.for_model(card, mode)
    except Exception as exc:  # noqa: BLE001 - a broken `supports` fails this model only
        return None, f"choosing its engine failed: {type(exc).__name__}: {exc}"
    return engine, "" if engine else "no engine can run this model here"


def _annotated(
    result: dict[str, Any], language: str | None, notes: Mapping[str, str]
) -> dict[str, Any]:
    """The result with the text's language, and a note on each model tried out of its language."""
    for attempt in result["attempts"]:
        if attempt["model"] in notes:
            attempt["note"] = notes[attempt["model"]]
    if language:
        result["language"] = language
    return result


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
    """Run `fn` on an engine thread (`_Runner`); give up on it after `timeout_s`.

    On a timeout the thread is abandoned, not stopped (Python cannot stop a thread): it is
    renamed "... (abandoned)", keeps running until `fn` returns, its result is dropped and it
    then ends; it never runs another call. Only locks `fn` itself took stay held meanwhile; the
    caller holds none. The caller giving up for any other reason (a `KeyboardInterrupt` while it
    waits) abandons the call the same way.

    Raises:
        TaskTimeoutError: `fn` gave no result within `timeout_s`.
        EngineAbortError: `fn` raised a `BaseException` that is not an `Exception`.
        Exception: Whatever `fn` raised.
    """
    call = _Call(fn, request)
    name = f"engine-{request.task.name}-{request.model.id}"
    runner = _Runner.take()
    runner.hand(call, name)
    wait = -1.0 if timeout_s >= threading.TIMEOUT_MAX else max(timeout_s, 0.0)
    try:
        answered = call.done.acquire(timeout=wait)
    except BaseException:
        _abandon(call, runner, name)
        raise
    if not answered and _abandon(call, runner, name):
        raise TaskTimeoutError(f"{request.model.id} timed out after {timeout_s:g} s")
    if not answered:  # it finished as the time ran out: its `done` is released at once
        call.done.acquire()
    if call.error is not None:
        raise _as_exception(call.error)
    return cast(TaskOutput, call.value)


def _abandon(call: _Call, runner: _Runner, name: str) -> bool:
    """Give up on `call` unless it has just finished; whether it was given up."""
    with _Runner.lock:
        if call.finished:
            return False
        call.abandoned = True
    runner.thread.name = f"{name} (abandoned)"
    return True


class _Call:
    """One engine call handed to a runner: its outcome, and whether its caller gave up."""

    __slots__ = ("abandoned", "done", "error", "finished", "fn", "request", "value")

    def __init__(self, fn: Callable[[EngineRequest], TaskOutput], request: EngineRequest) -> None:
        self.fn = fn
        self.request = request
        self.value: TaskOutput | None = None
        self.error: BaseException | None = None
        self.finished = False
        """Set by the runner, under `_Runner.lock`, once the outcome is in."""
        self.abandoned = False
        """Set by the caller, under `_Runner.lock`, when it gave up before the outcome came."""
        self.done = threading.Lock()
        """Held until the outcome is in; the caller waits on it."""
        self.done.acquire()


class _Runner:
    """A daemon thread that runs engine calls one at a time, parked between calls.

    Starting a thread per call cost each attempt a thread start that the caller waits for (a
    round trip for the GIL, ~2 ms measured on 2 cores, far more while other threads run); a
    parked runner is handed its call with one lock release and the caller goes straight to
    waiting. A runner whose call was abandoned is never reused: it ends when the call returns,
    and `take` starts a new runner when none is parked. Each call runs in an empty context, as
    in a new thread.
    """

    MAX_IDLE: ClassVar[int] = 64
    """Runners kept parked for later calls; one finishing beyond that ends instead."""

    lock: ClassVar[threading.Lock] = threading.Lock()
    """Guards `idle` and the `finished` / `abandoned` flags of the calls."""
    idle: ClassVar[list[_Runner]] = []
    """Parked runners, the most recently parked last (taken first)."""

    def __init__(self) -> None:
        self._go = threading.Lock()
        self._go.acquire()
        self._call: _Call | None = None
        self.thread = threading.Thread(target=self._serve, name=_IDLE_NAME, daemon=True)
        self.thread.start()

    @classmethod
    def take(cls) -> _Runner:
        """A parked runner, else a new one."""
        with cls.lock:
            if cls.idle:
                return cls.idle.pop()
        return cls()

    def hand(self, call: _Call, name: str) -> None:
        """Run `call` now, under the thread name `name`."""
        self._call = call
        self.thread.name = name
        self._go.release()

    def _serve(self) -> None:
        while True:
            self._go.acquire()
            call, self._call = self._call, None
            if call is None:  # cannot happen: `hand` sets the call before it releases `_go`
                continue
            try:
                call.value = contextvars.Context().run(call.fn, call.request)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                call.error = exc
            with _Runner.lock:
                call.finished = True
                park = not call.abandoned and len(_Runner.idle) < _Runner.MAX_IDLE
                if park:
                    self.thread.name = _IDLE_NAME
                    _Runner.idle.append(self)
            call.done.release()
            del call  # parked, it keeps nothing of the call alive (an output, a traceback)
            if not park:
                return


_IDLE_NAME = "engine (idle)"


def _forget_runners() -> None:
    """In a forked child: the parked runners are threads of the parent, absent here."""
    _Runner.lock = threading.Lock()
    _Runner.idle = []


os.register_at_fork(after_in_child=_forget_runners)


def _as_exception(error: BaseException) -> Exception:
    """`error` itself when it is an `Exception`, else an `EngineAbortError` naming it."""
    if isinstance(error, Exception):
        return error
    wrapped = EngineAbortError(f"the engine raised {type(error).__name__}: {error}")
    wrapped.__cause__ = error
    return wrapped
