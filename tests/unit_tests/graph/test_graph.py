"""The four stages end to end, with a scripted controller and recording engines."""

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from langchain_hugginggpt import Catalog, Context, create_hugginggpt_graph
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines import EngineError
from tests.unit_tests.engines.tiny_models import write_wav
from tests.unit_tests.fakes import RecordingEngine, ScriptedChatModel, cards

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 16


def plan_json(*tasks: dict[str, Any]) -> str:
    return json.dumps({"tasks": list(tasks)})


def task(i: int, name: str, dep: list[int] | None = None, **args: str) -> dict[str, Any]:
    return {"id": i, "task": name, "dep": dep or [], "args": args}


@pytest.fixture(autouse=True)
def media_in_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The audio files the plans name, in the working directory (an allowed input root)."""
    monkeypatch.chdir(tmp_path)
    for name in ("talk.wav", "a.wav"):
        write_wav(tmp_path / name, seconds=0.2)


@pytest.fixture
def catalog() -> Catalog:
    return Catalog(
        cards=[
            *cards("automatic-speech-recognition", "asr/a", "asr/b", "asr/c"),
            *cards("summarization", "sum/a", "sum/b"),
            *cards("text-to-speech", "tts/a", "tts/b", "tts/c"),
            *cards("token-classification", "ner/only"),
            *cards("text-to-image", "t2i/a", "t2i/b"),
            *cards("text-classification", "cls/a", "cls/b"),
        ]
    )


def build(
    llm: Any, catalog: Catalog, engine: RecordingEngine, tmp_path: Path, **settings: Any
) -> Any:
    # Expert models only: the controller-as-expert has tests of its own.
    settings.setdefault("controller_tasks", "")
    return create_hugginggpt_graph(
        llm, catalog=catalog, engines=[engine], artifacts_dir=tmp_path / "runs", **settings
    )


FOUR_TASKS = plan_json(
    task(1, "automatic-speech-recognition", audio="talk.wav"),
    task(2, "summarization", [1], text="<GENERATED>-1"),
    task(3, "text-to-speech", [2], text="<GENERATED>-2"),
    task(4, "token-classification", [1], text="<GENERATED>-1"),
)
SELECT_THREE = json.dumps(
    {
        "selections": [
            {"id": 1, "model": "asr/b", "reason": "best for meetings"},
            {"id": 2, "model": "sum/a", "reason": "short summaries"},
            {"id": 3, "model": "tts/c", "reason": "natural voice"},
        ]
    }
)


def test_four_tasks_cost_exactly_three_llm_calls(catalog: Catalog, tmp_path: Path) -> None:
    llm = ScriptedChatModel(script=[FOUR_TASKS, SELECT_THREE, "Here is your summary."])
    engine = RecordingEngine(media={"text-to-speech": (".wav", WAV)})
    graph = build(llm, catalog, engine, tmp_path)
    state = graph.invoke(
        {"messages": [HumanMessage("transcribe talk.wav, summarise, read aloud, list names")]}
    )

    assert len(llm.calls) == 3
    assert [t["task"] for t in state["plan"]] == [
        "automatic-speech-recognition",
        "summarization",
        "text-to-speech",
        "token-classification",
    ]
    sel = state["selections"]
    assert (sel["1"]["model"], sel["1"]["decided_by"], sel["1"]["reason"]) == (
        "asr/b",
        "llm",
        "best for meetings",
    )
    assert [c["id"] for c in sel["1"]["candidates"]] == ["asr/b", "asr/a", "asr/c"]  # ladder
    assert (sel["4"]["model"], sel["4"]["decided_by"]) == ("ner/only", "only-candidate")
    # the one selection call showed every contested task with its candidates, and not task 4
    select_prompt = llm.calls[1][0].content
    assert all(f"Task {i}:" in select_prompt for i in (1, 2, 3)) and "Task 4:" not in select_prompt
    assert "asr/c (1,000 downloads" in select_prompt

    results = state["results"]
    assert {k: r["status"] for k, r in results.items()} == {
        "1": "ok",
        "2": "ok",
        "3": "ok",
        "4": "ok",
    }
    assert results["2"]["model"] == "sum/a" and results["2"]["engine"] == "recording"
    # outputs flowed along the references
    assert (
        engine.calls_for("summarization")[0]
        .inputs["text"]
        .startswith("[automatic-speech-recognition by asr/b]")
    )
    for r in results.values():
        assert r["started_at"] <= r["ended_at"] and r["seconds"] >= 0

    answer = state["messages"][-1]
    assert isinstance(answer, AIMessage)
    assert answer.content[0]["type"] == "text" and answer.content[0]["text"].startswith(
        "Here is your summary."
    )
    audio = [b for b in answer.content if b["type"] == "audio"]
    assert len(audio) == 1 and audio[0]["mime_type"] == "audio/wav"
    assert results["3"]["output"]["path"] in answer.content[0]["text"]


def test_usage_is_recorded_per_stage_and_in_total(catalog: Catalog, tmp_path: Path) -> None:
    llm = ScriptedChatModel(script=[FOUR_TASKS, SELECT_THREE, "done"])
    state = build(llm, catalog, RecordingEngine(), tmp_path).invoke(
        {"messages": [HumanMessage("go")]}
    )
    usage = state["usage"]
    assert set(usage) == {"plan", "select", "execute", "respond", "total"}
    assert [usage[s]["llm_calls"] for s in ("plan", "select", "execute", "respond")] == [1, 1, 0, 1]
    for stage in ("plan", "select", "respond"):
        assert usage[stage]["input_tokens"] > 0 and usage[stage]["output_tokens"] > 0
    assert usage["total"]["llm_calls"] == 3
    assert usage["total"]["input_tokens"] == sum(
        usage[s]["input_tokens"] for s in ("plan", "select", "respond")
    )
    assert usage["execute"]["engine_seconds"] == pytest.approx(
        sum(r["seconds"] for r in state["results"].values()), abs=1e-3
    )


def test_single_candidates_need_no_selection_call(catalog: Catalog, tmp_path: Path) -> None:
    llm = ScriptedChatModel(
        script=[plan_json(task(1, "token-classification", text="Ada met Alan")), "ok"]
    )
    state = build(llm, catalog, RecordingEngine(), tmp_path).invoke(
        {"messages": [HumanMessage("names?")]}
    )
    assert len(llm.calls) == 2
    assert state["selections"]["1"]["decided_by"] == "only-candidate"


def test_choice_outside_the_candidates_falls_back_to_the_top(
    catalog: Catalog, tmp_path: Path
) -> None:
    llm = ScriptedChatModel(
        script=[
            plan_json(task(1, "summarization", text="t"), task(2, "text-classification", text="t")),
            '{"selections": [{"id": 1, "model": "made/up", "reason": "?"}]}',
            "ok",
        ]
    )
    state = build(llm, catalog, RecordingEngine(), tmp_path).invoke(
        {"messages": [HumanMessage("x")]}
    )
    s1, s2 = state["selections"]["1"], state["selections"]["2"]
    assert (s1["model"], s1["decided_by"]) == ("sum/a", "fallback")
    assert (
        "'made/up', which is not a candidate" in s1["reason"]
        and "sum/a (2,000 downloads)" in s1["reason"]
    )
    assert (s2["model"], s2["decided_by"]) == ("cls/a", "fallback")
    assert "chose no model for this task" in s2["reason"]


def test_selection_call_failure_falls_back_to_ranking(catalog: Catalog, tmp_path: Path) -> None:
    llm = ScriptedChatModel(
        script=[plan_json(task(1, "summarization", text="t")), RuntimeError("server down"), "ok"]
    )
    state = build(llm, catalog, RecordingEngine(), tmp_path).invoke(
        {"messages": [HumanMessage("x")]}
    )
    assert state["selections"]["1"]["model"] == "sum/a"
    assert (
        "model selection failed (RuntimeError: server down)" in state["selections"]["1"]["reason"]
    )
    assert state["results"]["1"]["status"] == "ok"


def test_failed_model_walks_down_the_ladder(catalog: Catalog, tmp_path: Path) -> None:
    def broken(_req: Any) -> None:
        raise EngineError("weights missing")

    engine = RecordingEngine(behaviour={"asr/b": broken})
    llm = ScriptedChatModel(
        script=[
            plan_json(task(1, "automatic-speech-recognition", audio="a.wav")),
            '{"selections": [{"id": 1, "model": "asr/b", "reason": "r"}]}',
            "ok",
        ]
    )
    state = build(llm, catalog, engine, tmp_path).invoke({"messages": [HumanMessage("x")]})
    r = state["results"]["1"]
    assert (r["status"], r["model"]) == ("ok", "asr/a")
    assert [(a["model"], a["status"]) for a in r["attempts"]] == [
        ("asr/b", "error"),
        ("asr/a", "ok"),
    ]
    assert r["attempts"][0]["error"] == "EngineError: weights missing"


def test_all_candidates_failing_skips_dependents_with_reason(
    catalog: Catalog, tmp_path: Path
) -> None:
    def broken(_req: Any) -> None:
        raise EngineError("no")

    engine = RecordingEngine(behaviour={"summarization": broken})
    llm = ScriptedChatModel(script=[FOUR_TASKS, SELECT_THREE, "partial answer"])
    state = build(llm, catalog, engine, tmp_path).invoke({"messages": [HumanMessage("x")]})
    res = state["results"]
    assert res["2"]["status"] == "error"
    assert (
        res["2"]["error"]
        == "every candidate failed (sum/a: EngineError: no; sum/b: EngineError: no)"
    )
    assert res["3"] == {
        "status": "skipped",
        "error": "dependency task 2 (summarization) failed",
        "task": "text-to-speech",
    }
    assert res["4"]["status"] == "ok"
    assert not engine.calls_for("text-to-speech")
    record = json.loads(llm.calls[2][0].content.split("Record of the run:\n", 1)[1])
    assert record["tasks"][2]["status"] == "skipped"


def test_a_skip_recorded_on_a_worker_thread_reaches_the_stream(
    catalog: Catalog, tmp_path: Path
) -> None:
    """Without a checkpointer, the worker that ran the failed task records its dependent as
    skipped; the skip event must still reach the `custom` stream (the run's writer needs the
    run's context, which a worker thread does not have)."""

    def broken(_req: Any) -> None:
        raise EngineError("no")

    engine = RecordingEngine(behaviour={"summarization": broken})
    llm = ScriptedChatModel(script=[FOUR_TASKS, SELECT_THREE, "partial answer"])
    graph = build(llm, catalog, engine, tmp_path)
    events = [
        chunk
        for mode, chunk in graph.stream(
            {"messages": [HumanMessage("x")]}, stream_mode=["custom", "values"]
        )
        if mode == "custom"
    ]
    skipped = [e for e in events if e.get("event") == "task" and e.get("status") == "skipped"]
    assert [(e["task_id"], e["error"]) for e in skipped] == [
        (3, "dependency task 2 (summarization) failed")
    ]


def test_independent_tasks_overlap_through_the_graph(catalog: Catalog, tmp_path: Path) -> None:
    barrier = threading.Barrier(2, timeout=5)

    def slow(_req: Any) -> None:
        barrier.wait()
        time.sleep(0.2)

    engine = RecordingEngine(behaviour={"summarization": slow, "text-classification": slow})
    llm = ScriptedChatModel(
        script=[
            plan_json(task(1, "summarization", text="a"), task(2, "text-classification", text="b")),
            "{}",
            "ok",
        ]
    )
    state = build(llm, catalog, engine, tmp_path).invoke({"messages": [HumanMessage("x")]})
    assert {r["status"] for r in state["results"].values()} == {"ok"}
    a, b = engine.calls_for("summarization")[0], engine.calls_for("text-classification")[0]
    assert a.start < b.end and b.start < a.end


def test_concurrency_setting_serialises_tasks(catalog: Catalog, tmp_path: Path) -> None:
    engine = RecordingEngine(
        behaviour={
            "summarization": lambda r: time.sleep(0.05),
            "text-classification": lambda r: time.sleep(0.05),
        }
    )
    llm = ScriptedChatModel(
        script=[
            plan_json(task(1, "summarization", text="a"), task(2, "text-classification", text="b")),
            "{}",
            "ok",
        ]
    )
    build(llm, catalog, engine, tmp_path, max_concurrency=1).invoke(
        {"messages": [HumanMessage("x")]}
    )
    first, second = sorted(engine.calls, key=lambda c: c.start)
    assert second.start >= first.end


def test_chain_with_independent_branch_runs_alongside(catalog: Catalog, tmp_path: Path) -> None:
    c_started, b_started = threading.Event(), threading.Event()
    engine = RecordingEngine(
        behaviour={
            "asr/a": lambda r: (
                c_started.wait(5) or (_ for _ in ()).throw(AssertionError("C not alongside A"))
            ),
            "summarization": lambda r: b_started.set(),
            "text-to-image": lambda r: (
                c_started.set()
                or b_started.wait(5)
                or (_ for _ in ()).throw(AssertionError("B did not start while C ran"))
            ),
        },
        media={"text-to-image": (".png", PNG)},
    )
    llm = ScriptedChatModel(
        script=[
            plan_json(
                task(1, "automatic-speech-recognition", audio="a.wav"),
                task(2, "summarization", [1], text="<GENERATED>-1"),
                task(3, "text-to-image", text="a cat"),
            ),
            '{"selections": [{"id": 1, "model": "asr/a", "reason": "r"}]}',
            "ok",
        ]
    )
    state = build(llm, catalog, engine, tmp_path).invoke({"messages": [HumanMessage("x")]})
    assert {k: r["status"] for k, r in state["results"].items()} == {
        "1": "ok",
        "2": "ok",
        "3": "ok",
    }
    a, b, c = (
        engine.calls_for(t)[0]
        for t in ("automatic-speech-recognition", "summarization", "text-to-image")
    )
    assert c.start < a.end and b.start >= a.end and b.start < c.end
    image = [blk for blk in state["messages"][-1].content if blk["type"] == "image"]
    assert image and image[0]["mime_type"] == "image/png"


def test_progress_events_on_the_custom_stream(catalog: Catalog, tmp_path: Path) -> None:
    llm = ScriptedChatModel(script=[FOUR_TASKS, SELECT_THREE, "ok"])
    graph = build(llm, catalog, RecordingEngine(), tmp_path)
    events = [e for e in graph.stream({"messages": [HumanMessage("x")]}, stream_mode="custom")]
    stages = [(e["stage"], e["status"]) for e in events if e["event"] == "stage"]
    assert stages == [
        (s, p) for s in ("plan", "select", "execute", "respond") for p in ("start", "end")
    ]
    assert all("seconds" in e for e in events if e["event"] == "stage" and e["status"] == "end")
    assert [e["tasks"][0]["task"] for e in events if e["event"] == "plan"] == [
        "automatic-speech-recognition"
    ]
    assert sorted(e["task_id"] for e in events if e["event"] == "selection") == [1, 2, 3, 4]
    task_events = [(e["task_id"], e["status"]) for e in events if e["event"] == "task"]
    for i in (1, 2, 3, 4):
        assert task_events.index((i, "start")) < task_events.index((i, "ok"))
    assert all(e["seconds"] >= 0 for e in events if e["event"] == "task" and e["status"] == "ok")
    # dependency order is visible in the events: 2 starts only after 1 finished
    assert task_events.index((1, "ok")) < task_events.index((2, "start"))


def test_invalid_plan_is_repaired_with_the_exact_errors(catalog: Catalog, tmp_path: Path) -> None:
    bad = plan_json(
        task(1, "summarization", text="x"), task(2, "text-to-speech", text="<GENERATED>-1")
    )
    good = plan_json(
        task(1, "summarization", text="x"), task(2, "text-to-speech", [1], text="<GENERATED>-1")
    )
    llm = ScriptedChatModel(script=[bad, good, "{}", "ok"])
    graph = build(llm, catalog, RecordingEngine(), tmp_path, auto_repair=False)
    events, state = [], {}
    for mode, chunk in graph.stream(
        {"messages": [HumanMessage("x")]}, stream_mode=["custom", "values"]
    ):
        if mode == "custom":
            events.append(chunk)
        else:
            state = chunk
    repair_prompt = llm.calls[1][-1].content
    assert "references <GENERATED>-1, but 1 is not among its dependencies" in repair_prompt
    assert llm.calls[1][-2].content == bad  # the model sees its own answer before the errors
    assert [e["attempt"] for e in events if e["event"] == "plan_invalid"] == [1]
    assert state["plan"][1]["dep"] == [1] and state["error"] is None
    assert state["usage"]["plan"]["llm_calls"] == 2


def test_plan_that_stays_invalid_ends_with_an_error_answer(
    catalog: Catalog, tmp_path: Path
) -> None:
    llm = ScriptedChatModel(
        script=[
            "I think you should paint it.",
            '[{"id": 1, "task": "paint"}]',
            '[{"id": 1, "task": "paint"}]',
        ]
    )
    engine = RecordingEngine()
    state = build(llm, catalog, engine, tmp_path).invoke({"messages": [HumanMessage("x")]})
    assert len(llm.calls) == 3  # the first answer and two repairs (default max_repairs=2)
    assert state["error"].startswith(
        "I could not turn the request into a valid plan after 3 attempts"
    )
    assert "unknown task type 'paint'" in state["error"]
    assert state["messages"][-1].content == state["error"]
    assert state["plan"] == []
    assert state["results"] == {}
    assert engine.calls == []


def test_max_repairs_is_configurable(catalog: Catalog, tmp_path: Path) -> None:
    llm = ScriptedChatModel(script=["nothing"])
    state = build(llm, catalog, RecordingEngine(), tmp_path, max_repairs=0).invoke(
        {"messages": [HumanMessage("x")]}
    )
    assert len(llm.calls) == 1 and "after 1 attempt." in state["error"]


def test_controller_exception_while_planning_ends_cleanly(catalog: Catalog, tmp_path: Path) -> None:
    llm = ScriptedChatModel(script=[ConnectionError("refused")])
    state = build(llm, catalog, RecordingEngine(), tmp_path).invoke(
        {"messages": [HumanMessage("x")]}
    )
    assert state["error"] == "The controller failed while planning: ConnectionError: refused"


def test_controller_exception_while_answering_still_answers(
    catalog: Catalog, tmp_path: Path
) -> None:
    llm = ScriptedChatModel(
        script=[plan_json(task(1, "token-classification", text="Ada")), TimeoutError("slow")]
    )
    state = build(llm, catalog, RecordingEngine(), tmp_path).invoke(
        {"messages": [HumanMessage("x")]}
    )
    assert "the controller failed while answering: TimeoutError: slow" in state["error"]
    text = state["messages"][-1].content[0]["text"]
    assert text.startswith("I could not write the answer (the controller failed while answering")
    assert (
        "- Token classification (task 1, on ner/only): [token-classification by ner/only]" in text
    )


def test_request_must_come_last_from_the_user(catalog: Catalog, tmp_path: Path) -> None:
    llm = ScriptedChatModel(script=[])
    state = build(llm, catalog, RecordingEngine(), tmp_path).invoke({"messages": [AIMessage("hi")]})
    assert (
        state["error"]
        == "Cannot plan: the last message must be the user's request (a HumanMessage)"
    )
    assert llm.calls == []


def test_empty_plan_goes_straight_to_the_answer(catalog: Catalog, tmp_path: Path) -> None:
    llm = ScriptedChatModel(script=['{"tasks": []}', "Hello to you too!"])
    state = build(llm, catalog, RecordingEngine(), tmp_path).invoke(
        {"messages": [HumanMessage("hello")]}
    )
    assert len(llm.calls) == 2 and state["results"] == {}
    assert state["messages"][-1].content[0]["text"] == "Hello to you too!"


def test_no_runnable_model_is_an_error_for_that_task_only(catalog: Catalog, tmp_path: Path) -> None:
    engine = RecordingEngine(runnable={"sum/a", "sum/b"})
    llm = ScriptedChatModel(
        script=[
            plan_json(task(1, "summarization", text="a"), task(2, "text-to-image", text="b")),
            "{}",
            "ok",
        ]
    )
    state = build(llm, catalog, engine, tmp_path).invoke({"messages": [HumanMessage("x")]})
    assert state["selections"]["2"]["model"] is None
    assert state["selections"]["2"]["reason"].startswith("no model for text-to-image can run here")
    assert state["results"]["2"]["status"] == "error"
    assert state["results"]["1"]["status"] == "ok"


def test_task_timeout(catalog: Catalog, tmp_path: Path) -> None:
    release = threading.Event()
    engine = RecordingEngine(behaviour={"sum/a": lambda r: release.wait(10)})
    llm = ScriptedChatModel(script=[plan_json(task(1, "summarization", text="a")), "{}", "ok"])
    state = build(llm, catalog, engine, tmp_path, task_timeout_s=1.5).invoke(
        {"messages": [HumanMessage("x")]}
    )
    release.set()
    r = state["results"]["1"]
    assert r["attempts"][0]["error"] == "TaskTimeoutError: sum/a timed out after 1.5 s"
    assert r["status"] == "ok" and r["model"] == "sum/b"


def test_engine_returning_garbage_is_an_error(catalog: Catalog, tmp_path: Path) -> None:
    class Garbage(RecordingEngine):
        def run(self, request: Any) -> Any:
            return "not a dict"

    llm = ScriptedChatModel(script=[plan_json(task(1, "token-classification", text="a")), "ok"])
    state = build(llm, catalog, Garbage(), tmp_path).invoke({"messages": [HumanMessage("x")]})
    assert "TypeError: engine returned str, not a TaskOutput" in state["results"]["1"]["error"]


def test_plan_only_stops_after_planning(catalog: Catalog, tmp_path: Path) -> None:
    llm = ScriptedChatModel(script=[FOUR_TASKS])
    engine = RecordingEngine()
    state = build(llm, catalog, engine, tmp_path, plan_only=True).invoke(
        {"messages": [HumanMessage("x")]}
    )
    assert len(state["plan"]) == 4 and state["results"] == {} and engine.calls == []


def test_context_at_invoke_overrides_graph_defaults(catalog: Catalog, tmp_path: Path) -> None:
    llm = ScriptedChatModel(
        script=[plan_json(task(1, "automatic-speech-recognition", audio="a")), "ok"]
    )
    graph = build(llm, catalog, RecordingEngine(), tmp_path, top_k=3)
    state = graph.invoke({"messages": [HumanMessage("x")]}, context=Context(top_k=1))
    assert [c["id"] for c in state["selections"]["1"]["candidates"]] == ["asr/a"]
    assert len(llm.calls) == 2  # one candidate: no selection call


def test_license_exclusion_removes_candidates(tmp_path: Path) -> None:
    catalog = Catalog(
        cards=[
            ModelCard("nc/model", "summarization", 10, license="cc-by-nc-4.0"),
            ModelCard("ok/model", "summarization", 5, license="mit"),
        ]
    )
    llm = ScriptedChatModel(script=[plan_json(task(1, "summarization", text="a")), "ok"])
    state = build(
        llm, catalog, RecordingEngine(), tmp_path, exclude_licenses="CC-BY-NC-4.0"
    ).invoke({"messages": [HumanMessage("x")]})
    assert [c["id"] for c in state["selections"]["1"]["candidates"]] == ["ok/model"]


async def test_async_invoke(catalog: Catalog, tmp_path: Path) -> None:
    llm = ScriptedChatModel(script=[FOUR_TASKS, SELECT_THREE, "async answer"])
    state = await build(llm, catalog, RecordingEngine(), tmp_path).ainvoke(
        {"messages": [HumanMessage("x")]}
    )
    assert {r["status"] for r in state["results"].values()} == {"ok"}
    assert len(llm.calls) == 3


def test_mechanical_mistakes_are_repaired_without_an_llm_call(
    catalog: Catalog, tmp_path: Path
) -> None:
    bad = plan_json(
        task(1, "automatic-speech-recognition", audio="talk.wav"),
        task(2, "summarization", text="<GENERATED>-2"),  # its own output, and no dep
    )
    llm = ScriptedChatModel(script=[bad, "{}", "ok"])
    graph = build(llm, catalog, RecordingEngine(), tmp_path)
    events, state = [], {}
    for mode, chunk in graph.stream(
        {"messages": [HumanMessage("x")]}, stream_mode=["custom", "values"]
    ):
        if mode == "custom":
            events.append(chunk)
        else:
            state = chunk
    assert state["plan"][1] == {
        "id": 2,
        "task": "summarization",
        "dep": [1],
        "args": {"text": "<GENERATED>-1"},
    }
    assert state["usage"]["plan"]["llm_calls"] == 1
    (repaired,) = [e for e in events if e["event"] == "plan_repaired"]
    assert "task 2: 'text' used its own output; now uses task 1's" in repaired["fixes"]
    assert not [e for e in events if e["event"] == "plan_invalid"]


def test_per_task_selection_policy_makes_one_call_per_contested_task(
    catalog: Catalog, tmp_path: Path
) -> None:
    """The original system's policy, kept for the benchmarks: 3 contested tasks, 3 calls."""

    def choose(model: str) -> Any:
        def reply(messages: list[Any]) -> str:
            prompt = messages[0].content
            task_id = int(prompt.split("Task ")[1].split(":")[0])
            assert prompt.count("Task ") == 1  # one task per call
            return json.dumps({"selections": [{"id": task_id, "model": model, "reason": "r"}]})

        return reply

    llm = ScriptedChatModel(
        script=[FOUR_TASKS, choose("asr/c"), choose("sum/b"), choose("tts/a"), "Done."]
    )
    engine = RecordingEngine(media={"text-to-speech": (".wav", WAV)})
    graph = build(llm, catalog, engine, tmp_path, selection_calls="per-task")
    state = graph.invoke({"messages": [HumanMessage("transcribe talk.wav and so on")]})
    assert len(llm.calls) == 5
    assert state["usage"]["select"]["llm_calls"] == 3
    assert {k: s["model"] for k, s in state["selections"].items()} == {
        "1": "asr/c",
        "2": "sum/b",
        "3": "tts/a",
        "4": "ner/only",
    }


def test_unknown_selection_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="selection_calls must be auto, one, per-task or none"):
        Context(selection_calls="sometimes")


def test_sixteen_independent_tasks_run_at_once(tmp_path: Path) -> None:
    """All 16 meet at a barrier: LangGraph's default pool (CPUs + 4 threads) would deadlock it."""
    n = 16
    barrier = threading.Barrier(n, timeout=20)
    engine = RecordingEngine(behaviour={"summarization": lambda _request: barrier.wait()})
    plan = plan_json(*(task(i, "summarization", text=f"part {i}") for i in range(1, n + 1)))
    graph = build(
        ScriptedChatModel(script=[plan, "ok"]),
        Catalog(cards=cards("summarization", "sum/a")),
        engine,
        tmp_path,
        max_concurrency=n,
    )
    state = graph.invoke({"messages": [HumanMessage("summarise the sixteen parts")]})
    assert {r["status"] for r in state["results"].values()} == {"ok"}
    assert len(engine.calls) == n
