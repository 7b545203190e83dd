"""The select node: top-K runnable candidates per task, one controller call for all real choices."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from langchain_hugginggpt.catalog.architectures import unsupported_reason
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.catalog.directions import card_directions, translation_refusal
from langchain_hugginggpt.engines.availability import install_hint
from langchain_hugginggpt.engines.controller import controller_card
from langchain_hugginggpt.engines.ladder import translation_languages, untranslatable
from langchain_hugginggpt.engines.offline.tesseract_ocr import TESSERACT_LIBRARY
from langchain_hugginggpt.graph.context import Context
from langchain_hugginggpt.graph.events import emitter, stage_events
from langchain_hugginggpt.graph.llm import ask_json, embedded_controller
from langchain_hugginggpt.graph.services import Node, Services
from langchain_hugginggpt.graph.session import find_session
from langchain_hugginggpt.graph.state import State
from langchain_hugginggpt.graph.usage import StageMeter, with_stage
from langchain_hugginggpt.jsontext import JSONNotFoundError, as_int, extract_json
from langchain_hugginggpt.planning.request import request_text
from langchain_hugginggpt.prompts import SELECT_SYSTEM, selection_schema

__all__ = [
    "compact_card",
    "constrained_schema",
    "decide_alone",
    "describe_candidate",
    "fallback_card",
    "make_select_node",
    "read_choices",
]


_NO_MODEL_HINT = "register a local model or allow remote inference"
_COMPACT_FIELDS = tuple(f.name for f in fields(ModelCard) if f.name != "extra")


def make_select_node(services: Services) -> Node:
    """Build the select node over the graph's services."""

    def select(state: State, *, runtime: Runtime[Context]) -> dict[str, Any]:
        ctx = services.context(runtime)
        emit = emitter()
        meter = StageMeter()
        # Tasks a plan-streaming session already started keep the selection they ran with.
        session = find_session(state.get("run_id", ""))
        known = session.decided if session is not None else {}
        with stage_events(emit, "select"), meter.timed():
            selections = _select(state, ctx, services, meter, known)
        for key, sel in selections.items():
            emit({"event": "selection", "task_id": int(key), **_public(sel)})
        return {
            "selections": selections,
            "usage": with_stage(state.get("usage"), "select", meter.as_dict()),
        }

    return select


def _public(sel: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "task": sel["task"],
        "model": sel["model"],
        "engine": sel["engine"],
        "reason": sel["reason"],
        "decided_by": sel["decided_by"],
        "candidates": [c["id"] for c in sel["candidates"]],
    }


def _select(
    state: State,
    ctx: Context,
    services: Services,
    meter: StageMeter,
    known: Mapping[str, dict[str, Any]],
) -> dict[str, dict[str, Any]]:
    messages = state.get("messages", [])
    request = messages[-1].text if messages else ""
    selections: dict[str, dict[str, Any]] = {}
    contested: list[tuple[dict[str, Any], list[ModelCard]]] = []
    for task in state.get("plan", []):
        key = str(task["id"])
        if key in known:
            selections[key] = known[key]
            continue
        alone = _uncontested(task, ctx, services, request)
        if isinstance(alone, dict):
            selections[key] = alone
        else:
            contested.append((task, alone))
    # One call for every contested task; "per-task" is the original system's policy, kept for
    # comparison (benchmarks/).
    policy = _selection_policy(ctx, services)
    batches = (
        [] if policy == "none" else [contested] if policy == "one" else [[c] for c in contested]
    )
    outcome: dict[int, tuple[tuple[str, str] | None, str | None]] = {}
    for batch in batches:
        if not batch:
            continue
        choices, failure = _ask(state, ctx, services, batch, meter)
        for task, _ in batch:
            outcome[task["id"]] = (choices.get(task["id"]), failure)
    for task, cards in contested:
        chosen, decided_by, reason = _decision(
            cards, policy, *outcome.get(task["id"], (None, None))
        )
        selections[str(task["id"])] = _record(
            task, chosen, cards, services, ctx.inference_mode, decided_by, reason
        )
    return selections


def decide_alone(
    task: Mapping[str, Any], ctx: Context, services: Services, request: str
) -> dict[str, Any] | None:
    """The task's selection when no controller call is needed to decide it, else None.

    No call is needed when the task has no runnable candidate or one, or when the ranking
    decides (`selection_calls=none`). Otherwise the controller chooses, in the select node's one
    call for all such tasks: the answer is None here, and the task waits for that call. Plan
    streaming starts a task at once only when this gives its selection.
    """
    outcome = _uncontested(task, ctx, services, request)
    if isinstance(outcome, dict):
        return outcome
    if _selection_policy(ctx, services) != "none":
        return None
    chosen, decided_by, reason = _decision(outcome, "none", None, None)
    return _record(task, chosen, outcome, services, ctx.inference_mode, decided_by, reason)


def _uncontested(
    task: Mapping[str, Any], ctx: Context, services: Services, request: str
) -> dict[str, Any] | list[ModelCard]:
    """The task's selection when it has one runnable candidate or none, else its candidates."""
    mode = ctx.inference_mode
    fits = _language_fit(task)
    cards = _for_request(_candidates(task["task"], ctx, services, fits), request)
    if not cards and fits is not None and (why := _untranslatable(task, ctx, services)):
        return _record(task, None, cards, services, mode, "none", why)
    if not cards:
        return _record(
            task,
            None,
            cards,
            services,
            mode,
            "none",
            f"no model for {task['task']} can run here (inference mode {mode}); "
            + _unsupported_note(task["task"], ctx, services)
            + (install_hint(task["task"]) or _NO_MODEL_HINT),
        )
    if len(cards) == 1:
        return _record(
            task,
            cards[0],
            cards,
            services,
            mode,
            "only-candidate",
            "the only candidate that can run here",
        )
    return cards


def _decision(
    cards: Sequence[ModelCard],
    policy: str,
    choice: tuple[str, str] | None,
    failure: str | None,
) -> tuple[ModelCard, str, str]:
    """The model of a contested task, who decided (`ranking`, `llm`, `fallback`), and why."""
    top = cards[0]
    if policy == "none":
        return (
            top,
            "ranking",
            (
                f"the top-ranked candidate ({_rank_reason(top)}); the embedded controller is not "
                "asked to choose (selection_calls=none)"
            ),
        )
    backup = fallback_card(cards)
    fallback = (
        f"using the most-downloaded runnable candidate {backup.id} ({backup.downloads:,} downloads)"
    )
    by_id = {c.id: c for c in cards}
    if failure:
        return backup, "fallback", f"{failure}; {fallback}"
    if choice is None:
        return backup, "fallback", f"the controller chose no model for this task; {fallback}"
    if choice[0] not in by_id:
        return (
            backup,
            "fallback",
            (f"the controller chose {choice[0]!r}, which is not a candidate; {fallback}"),
        )
    return by_id[choice[0]], "llm", choice[1] or "chosen by the controller"


def fallback_card(cards: Sequence[ModelCard]) -> ModelCard:
    """The model taken when the controller's choice is unusable.

    The most-downloaded runnable candidate (the first in rank order on a tie); the controller
    itself only when it is the sole candidate. `cards` is not empty.
    """
    experts = [c for c in cards if c.source != "controller"]
    return max(experts, key=lambda c: c.downloads) if experts else cards[0]


def constrained_schema(
    contested: Sequence[tuple[Mapping[str, Any], Sequence[ModelCard]]],
) -> dict[str, Any]:
    """The selection schema with `model` restricted to an enum of the candidates' ids."""
    schema = selection_schema([int(t["id"]) for t, _ in contested])
    ids = list(dict.fromkeys(c.id for _, cards in contested for c in cards))
    item = schema["properties"]["selections"]["items"]
    item["properties"]["model"] = {"type": "string", "enum": ids}
    return schema


def _language_fit(task: Mapping[str, Any]) -> Callable[[ModelCard], bool] | None:
    """For a translation with a target language: whether a card may translate its pair."""
    if task["task"] != "translation":
        return None
    source, target = translation_languages(_text_args(task))
    if target is None:
        return None
    return lambda card: translation_refusal(card, source, target) is None


def _untranslatable(task: Mapping[str, Any], ctx: Context, services: Services) -> str | None:
    """Why no candidate translates the task's pair, naming what the runnable ones translate."""
    source, target = translation_languages(_text_args(task))
    runnable = _candidates(task["task"], ctx, services)
    if not runnable:
        return None
    reach = {c.id: translation_refusal(c, source, target) or "" for c in runnable}
    return untranslatable(source, target, reach)


def _text_args(task: Mapping[str, Any]) -> dict[str, str]:
    args = task.get("args") or {}
    return {str(k): v for k, v in args.items() if isinstance(v, str)}


def _selection_policy(ctx: Context, services: Services) -> str:
    if ctx.selection_calls != "auto":
        return ctx.selection_calls
    return "none" if _embedded(ctx, services) else "one"


def _embedded(ctx: Context, services: Services) -> bool:
    try:
        return embedded_controller(services.controllers.get(ctx.controller))
    except Exception:  # noqa: BLE001 - an unavailable controller is reported where it is called
        return False


def _rank_reason(card: ModelCard) -> str:
    if card.source in ("local", "packaged"):
        return "on this machine"
    if card.source == "controller":
        return "the controller itself"
    return f"{card.downloads:,} downloads"


_READS_TEXT = re.compile(
    r"\b(?:text|read|reads|written|writing|words?|says?|sign|signs|ocr|scan|scanned|letters?|"
    r"screenshot|receipt|label|transcribe)\b",
    re.IGNORECASE,
)


def _for_request(cards: list[ModelCard], request: str) -> list[ModelCard]:
    """The candidates in the order the request calls for.

    OCR reads text, it does not describe a scene: it comes first when the request is about
    reading the text in an image, after the captioners otherwise (`image-to-text` is both).
    """
    ocr = [c for c in cards if c.library_name == TESSERACT_LIBRARY]
    if not ocr or len(ocr) == len(cards):
        return cards
    rest = [c for c in cards if c.library_name != TESSERACT_LIBRARY]
    return ocr + rest if _READS_TEXT.search(request) else rest + ocr


def _candidates(
    task: str,
    ctx: Context,
    services: Services,
    fits: Callable[[ModelCard], bool] | None = None,
) -> list[ModelCard]:
    """Top-K runnable models, the controller itself first for the tasks it may take.

    `fits` (a translation's language pair) filters before the top-K cut, so a model that
    fits is not crowded out by more downloaded ones that do not.

    An embedded offline controller comes after the experts that run here: a 0.5B model is a
    weaker summariser than a dedicated one (it returned the text unchanged as its "summary").
    """
    mode = ctx.inference_mode
    own = [controller_card(task)] if task in ctx.controller_task_set else []
    own = [c for c in own if services.engines.can_run(c, mode) and (fits is None or fits(c))]
    experts = services.catalog.candidates(
        task,
        k=ctx.top_k,
        available=lambda card: (
            _architecture_runs(card, mode)
            and services.engines.can_run(card, mode)
            and (fits is None or fits(card))
        ),
        exclude_licenses=ctx.excluded_licenses,
        allow_gated=ctx.allow_gated,
    )
    if own and _embedded(ctx, services):
        local = [c for c in experts if c.is_local]
        return (local + own + [c for c in experts if not c.is_local])[: ctx.top_k]
    return (own + experts)[: ctx.top_k]


def _architecture_runs(card: ModelCard, mode: str) -> bool:
    """False for an architecture no local engine runs (remote mode leaves it to the provider)."""
    return mode == "remote" or unsupported_reason(card) is None


def _unsupported_note(task: str, ctx: Context, services: Services) -> str:
    """Names the top models left out for their architecture, as `"not offered: ...; "`."""
    if ctx.inference_mode == "remote":
        return ""
    left_out = [
        f"{card.id} ({why})"
        for card in services.catalog.models(task)[: ctx.top_k]
        if (why := unsupported_reason(card))
    ]
    return f"not offered: {'; '.join(left_out)}; " if left_out else ""


def _record(
    task: Mapping[str, Any],
    chosen: ModelCard | None,
    cards: Sequence[ModelCard],
    services: Services,
    mode: str,
    decided_by: str,
    reason: str,
) -> dict[str, Any]:
    """The selection of one task; `candidates` is the fallback ladder, chosen model first."""
    ladder = ([chosen] if chosen else []) + [c for c in cards if c is not chosen]
    engine = services.engines.for_model(chosen, mode) if chosen else None  # type: ignore[arg-type]
    return {
        "task": task["task"],
        "model": chosen.id if chosen else None,
        "engine": engine.name if engine else None,
        "reason": reason,
        "decided_by": decided_by,
        "candidates": [compact_card(c) for c in ladder],
    }


def compact_card(card: ModelCard) -> dict[str, Any]:
    """A card as kept in `selections`: JSON-ready, without `extra`, at most 12 tags.

    Read field by field: `ModelCard.to_dict` deep-copies `extra` only for it to be dropped,
    which made this a tenth of a millisecond per candidate of every task.
    """
    data = {name: getattr(card, name) for name in _COMPACT_FIELDS}
    data["tags"] = list(card.tags[:12])
    data["languages"] = list(card.languages)
    return data


def describe_candidate(card: ModelCard) -> str:
    """One line about a candidate, as the controller sees it."""
    if card.source == "controller":
        return f"  - {card.id} (you, the controller LLM, do the task yourself; nothing to download)"
    parts = [f"{card.downloads:,} downloads", f"{card.likes:,} likes"]
    if card.license:
        parts.append(f"license {card.license}")
    if card.source in ("local", "packaged"):
        parts.append("on this machine")
    directions = card_directions(card) if card.task == "translation" else None
    if directions is not None:
        parts.append(f"translates {directions.describe()}")
    elif card.languages:
        parts.append("languages " + ",".join(card.languages[:6]))
    if card.tags:
        parts.append("tags " + ",".join(card.tags[:8]))
    line = f"  - {card.id} ({'; '.join(parts)})"
    return f"{line}: {card.description[:200]}" if card.description else line


def _ask(
    state: State,
    ctx: Context,
    services: Services,
    contested: Sequence[tuple[Mapping[str, Any], Sequence[ModelCard]]],
    meter: StageMeter,
) -> tuple[dict[int, tuple[str, str]], str | None]:
    blocks = []
    for task, cards in contested:
        args = json.dumps(task["args"], ensure_ascii=False)
        lines = "\n".join(describe_candidate(c) for c in cards)
        blocks.append(f"Task {task['id']}: {task['task']}, args {args}\n  candidates:\n{lines}")
    try:
        request = request_text(state.get("messages", []))
        llm = services.controllers.get(ctx.controller)
        prompt = SELECT_SYSTEM.format(request=request, tasks="\n\n".join(blocks))
        decoded, raw = ask_json(
            llm,
            [SystemMessage(content=prompt), HumanMessage(content="Choose the models now.")],
            constrained_schema(contested),
            [meter],
        )
    except Exception as exc:  # noqa: BLE001 - selection degrades to ranking, never fails the run
        return {}, f"model selection failed ({type(exc).__name__}: {exc})"
    return read_choices(decoded if decoded is not None else raw), None


def read_choices(answer: Any) -> dict[int, tuple[str, str]]:
    """Read `{task id: (model id, reason)}` from the controller's selection answer.

    Accepts `{"selections": [{"id", "model", "reason"}]}`, a bare list of such objects, or a
    mapping of task id to model id or to `{"model", "reason"}`. Unreadable entries are dropped
    (their tasks fall back to the top-ranked candidate).
    """
    if isinstance(answer, str):
        try:
            answer = extract_json(answer)
        except JSONNotFoundError:
            return {}
    if isinstance(answer, Mapping) and isinstance(answer.get("selections"), list):
        answer = answer["selections"]
    choices: dict[int, tuple[str, str]] = {}
    if isinstance(answer, list):
        for item in answer:
            if isinstance(item, Mapping):
                task_id = as_int(item.get("id", item.get("task_id")))
                model = item.get("model", item.get("id_model"))
                if task_id is not None and isinstance(model, str):
                    choices.setdefault(task_id, (model.strip(), str(item.get("reason", ""))))
    elif isinstance(answer, Mapping):
        for key, value in answer.items():
            task_id = as_int(key)
            if task_id is None:
                continue
            if isinstance(value, str):
                choices[task_id] = (value.strip(), "")
            elif isinstance(value, Mapping) and isinstance(value.get("model"), str):
                choices[task_id] = (value["model"].strip(), str(value.get("reason", "")))
    return choices
