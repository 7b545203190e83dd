import json
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage

from langchain_hugginggpt import Catalog, create_hugginggpt_graph
from langchain_hugginggpt.graph.llm import (
    ControllerError,
    ControllerNotConfiguredError,
    Controllers,
    resolve_controller,
)
from tests.unit_tests.fake_openai import FakeOpenAIServer
from tests.unit_tests.fakes import RecordingEngine, ScriptedChatModel, cards

CONTROLLER_ENV = ("HUGGINGGPT_LLM", "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CONTROLLER_ENV:
        monkeypatch.delenv(name, raising=False)


def test_chat_model_is_used_as_is() -> None:
    llm = ScriptedChatModel(script=[])
    assert resolve_controller(llm) is llm


def test_init_chat_model_string(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    model = resolve_controller("openai:gpt-4o-mini")
    assert type(model).__name__ == "ChatOpenAI" and model.model_name == "gpt-4o-mini"


def test_environment_variable_names_the_controller(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("HUGGINGGPT_LLM", "openai:gpt-4.1-nano")
    assert resolve_controller(None).model_name == "gpt-4.1-nano"


def test_openai_base_url_alone_selects_a_compatible_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_MODEL", "qwen2.5")
    model = resolve_controller(None)
    assert model.model_name == "qwen2.5" and model.openai_api_base == "http://127.0.0.1:9/v1"


def test_offline_factory_is_the_last_resort() -> None:
    llm = ScriptedChatModel(script=[])
    assert resolve_controller(None, offline=lambda: llm) is llm


def test_nothing_configured_says_what_to_do() -> None:
    with pytest.raises(ControllerNotConfiguredError, match="HUGGINGGPT_LLM=PROVIDER:MODEL"):
        resolve_controller(None, offline=lambda: None)


def test_bad_provider_is_a_controller_error() -> None:
    with pytest.raises(ControllerError, match="cannot create controller 'nosuch:model'"):
        resolve_controller("nosuch:model")


def test_wrong_type_is_refused() -> None:
    with pytest.raises(ControllerError, match="got int"):
        resolve_controller(42)  # type: ignore[arg-type]


def test_controllers_resolve_lazily_and_once(monkeypatch: pytest.MonkeyPatch) -> None:
    made = []

    def offline() -> ScriptedChatModel:
        made.append(1)
        return ScriptedChatModel(script=[])

    controllers = Controllers(None, offline)
    assert made == []
    assert controllers.get() is controllers.get()
    assert made == [1]


def test_graph_builds_without_any_controller() -> None:
    graph = create_hugginggpt_graph(
        None, catalog=Catalog(cards=[]), offline_controller=lambda: None
    )
    state = graph.invoke({"messages": [HumanMessage("hi")]})
    assert state["error"].startswith("Cannot plan: no controller LLM is configured")


def test_openai_compatible_server_end_to_end(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    plan = {
        "tasks": [
            {"id": 1, "task": "summarization", "dep": [], "args": {"text": "a long text"}},
            {"id": 2, "task": "text-classification", "dep": [1], "args": {"text": "<GENERATED>-1"}},
        ]
    }
    selection = {
        "selections": [
            {"id": 1, "model": "sum/b", "reason": "fits"},
            {"id": 2, "model": "cls/a", "reason": "fits"},
        ]
    }
    replies = [json.dumps(plan), json.dumps(selection), "The text is positive."]
    catalog = Catalog(
        cards=[
            *cards("summarization", "sum/a", "sum/b"),
            *cards("text-classification", "cls/a", "cls/b"),
        ]
    )
    with FakeOpenAIServer(replies) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        graph = create_hugginggpt_graph(
            "openai:local-model",
            catalog=catalog,
            engines=[RecordingEngine()],
            artifacts_dir=tmp_path,
        )
        state = graph.invoke({"messages": [HumanMessage("summarise and classify")]})
    assert len(server.requests) == 3
    assert all(r["body"]["model"] == "local-model" for r in server.requests)
    assert server.requests[0]["auth"] == "Bearer not-needed"
    # planning and selection ask for schema-constrained JSON
    assert server.requests[0]["body"]["response_format"]["type"] == "json_schema"
    assert "summarization" in json.dumps(server.requests[0]["body"]["response_format"])
    assert "response_format" not in server.requests[2]["body"]
    assert state["selections"]["1"]["model"] == "sum/b"
    assert state["results"]["2"]["status"] == "ok"
    assert state["messages"][-1].content[0]["text"] == "The text is positive."
    assert state["usage"]["total"] == {
        "llm_calls": 3,
        "input_tokens": 33,
        "output_tokens": 21,
        "seconds": state["usage"]["total"]["seconds"],
    }


def test_server_refusing_structured_output_falls_back_to_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plan = json.dumps({"tasks": []})
    with FakeOpenAIServer([plan, "hello"], refuse_response_format=True) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
        graph = create_hugginggpt_graph("openai:m", catalog=Catalog(cards=[]))
        state = graph.invoke({"messages": [HumanMessage("hi")]})
    assert state["messages"][-1].content[0]["text"] == "hello"
    assert state["error"] is None
    assert server.requests[0]["auth"] == "Bearer sk-x"
    assert "response_format" in server.requests[0]["body"]
    assert "response_format" not in server.requests[1]["body"]  # the same plan asked as text
    assert len(server.requests) == 3


def test_ask_json_bounds_the_answer_for_models_with_a_token_setting() -> None:
    """A bounded question reaches the server with that bound, and the model is left as it was."""
    from langchain_openai import ChatOpenAI

    from langchain_hugginggpt.graph.llm import ask_json

    with FakeOpenAIServer(['{"a": "x"}', '{"a": "y"}']) as server:
        llm = ChatOpenAI(model="m", base_url=server.base_url, api_key="k", max_retries=0)
        schema = {"title": "t", "type": "object", "properties": {"a": {"type": "string"}}}
        decoded, _ = ask_json(llm, [HumanMessage("q")], schema, [], max_tokens=40)
        assert decoded == {"a": "x"}
        ask_json(llm, [HumanMessage("q")], schema, [])
    bounds = [
        r["body"].get("max_completion_tokens", r["body"].get("max_tokens")) for r in server.requests
    ]
    assert bounds == [40, None]
    assert llm.max_tokens is None
