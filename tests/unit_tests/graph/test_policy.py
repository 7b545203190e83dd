"""Deployment policy vs run settings: a run's context may narrow the policy, never widen it.

The policy logic on its own (`Policy`, `run_context`), the precedence of explicit settings over
the environment, the controller cache, and whole graphs with a scripted controller and a
recording engine: a refused run fails at its start, before any file is read or model created.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from langchain_hugginggpt import Catalog, Context, create_hugginggpt_graph
from langchain_hugginggpt.graph import llm as llm_module
from langchain_hugginggpt.graph.llm import ControllerError, Controllers
from langchain_hugginggpt.graph.policy import (
    ALLOWED_CONTROLLERS_ENV,
    Policy,
    PolicyError,
    allowed_controllers_from,
    run_context,
)
from tests.unit_tests.fakes import RecordingEngine, ScriptedChatModel, cards

SECRET = "the-launch-code-is-0000"


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A served folder (the working directory), an extra allowed root, and a folder outside."""
    for name in (
        "HUGGINGGPT_INPUT_ROOTS",
        "HUGGINGGPT_ALLOW_PRIVATE_URLS",
        ALLOWED_CONTROLLERS_ENV,
    ):
        monkeypatch.delenv(name, raising=False)
    made = {name: tmp_path / name for name in ("served", "shared", "outside", "runs")}
    for path in made.values():
        path.mkdir()
    (made["shared"] / "sub").mkdir()
    (made["outside"] / "secret.txt").write_text(SECRET)
    monkeypatch.chdir(made["served"])
    return made


def policy_of(folders: dict[str, Path], **settings: Any) -> tuple[Context, Policy]:
    settings.setdefault("input_roots", str(folders["shared"]))
    defaults = Context(**settings)
    policy = Policy.of(defaults, artifacts_root=folders["runs"], controllers=["fake:allowed"])
    return defaults, policy


# --- precedence: explicit argument > environment > default ---------------------------------


def test_explicit_value_equal_to_the_default_beats_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUGGINGGPT_TOP_K", "3")
    monkeypatch.setenv("HUGGINGGPT_ALLOW_PRIVATE_URLS", "true")
    ctx = Context(top_k=5, allow_private_urls=False)
    assert (ctx.top_k, ctx.allow_private_urls) == (5, False)
    assert ctx.explicit_fields == {"top_k", "allow_private_urls"}


def test_environment_beats_the_default_when_nothing_is_passed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUGGINGGPT_TOP_K", "3")
    monkeypatch.setenv("HUGGINGGPT_ALLOW_PRIVATE_URLS", "true")
    ctx = Context()
    assert (ctx.top_k, ctx.allow_private_urls, ctx.explicit_fields) == (3, True, frozenset())


def test_with_overrides_keeps_explicit_fields_and_does_not_reread_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = Context(top_k=5)
    monkeypatch.setenv("HUGGINGGPT_TOP_K", "3")
    monkeypatch.setenv("HUGGINGGPT_MAX_REPAIRS", "0")
    copy = base.with_overrides(plan_demos=1)
    assert (copy.top_k, copy.max_repairs, copy.plan_demos) == (5, 2, 1)
    assert copy.explicit_fields == {"top_k", "plan_demos"}


def test_allowed_controllers_argument_beats_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ALLOWED_CONTROLLERS_ENV, "openai:gpt-4o, anthropic:claude ,")
    assert allowed_controllers_from(None) == ("openai:gpt-4o", "anthropic:claude")
    assert allowed_controllers_from([]) == ()
    assert allowed_controllers_from([" fake:one "]) == ("fake:one",)
    monkeypatch.delenv(ALLOWED_CONTROLLERS_ENV)
    assert allowed_controllers_from(None) == ()


def test_explicit_build_setting_beats_the_environment_for_policy(
    folders: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`allow_private_urls=False` at build time stays policy even when the environment says true."""
    monkeypatch.setenv("HUGGINGGPT_ALLOW_PRIVATE_URLS", "true")
    graph, llm, engine = summarize_graph(folders, allow_private_urls=False)
    with pytest.raises(PolicyError, match=re.escape("context.allow_private_urls")):
        graph.invoke({"messages": [HumanMessage("x")]}, context={"allow_private_urls": True})
    assert llm.calls == [] and engine.calls == []


# --- widening is refused, naming the setting -------------------------------------------------


@pytest.mark.parametrize(
    ("run", "message"),
    [
        (
            {"input_roots": "/etc"},
            "context.input_roots: /etc is outside the deployment's input roots [",
        ),
        ({"allow_private_urls": True}, "context.allow_private_urls: true is refused"),
        ({"max_input_mb": 51.0}, "context.max_input_mb: 51 is above the deployment's limit of 50"),
        ({"inference_mode": "remote"}, "context.inference_mode: 'remote' is refused"),
        (
            {"controller": "openai:gpt-5"},
            "context.controller: 'openai:gpt-5' is not one of the deployment's controllers "
            "['fake:allowed']",
        ),
    ],
)
def test_every_widening_is_refused_with_the_setting_named(
    folders: dict[str, Path], run: dict[str, Any], message: str
) -> None:
    defaults, policy = policy_of(folders, inference_mode="local")
    with pytest.raises(PolicyError, match=re.escape(message)):
        run_context(defaults, policy, Context(**run))


def test_a_folder_outside_is_refused_and_listed_among_the_allowed_roots(
    folders: dict[str, Path],
) -> None:
    _, policy = policy_of(folders)
    (problem,) = policy.violations(Context(input_roots=str(folders["outside"])))
    assert str(folders["outside"]) in problem
    for root in (folders["served"], folders["shared"], folders["runs"]):
        assert str(root.resolve()) in problem


def test_every_violation_of_one_run_is_reported(folders: dict[str, Path]) -> None:
    _, policy = policy_of(folders)
    run = Context(
        input_roots=os.pathsep.join([str(folders["shared"]), str(folders["outside"])]),
        allow_private_urls=True,
        controller="openai:gpt-5",
    )
    problems = policy.violations(run)
    assert [p.split(":")[0] for p in problems] == [
        "context.input_roots",
        "context.allow_private_urls",
        "context.controller",
    ]
    assert str(folders["shared"]) + " " not in problems[0]  # only the outside folder is named


def test_a_symlink_inside_a_root_pointing_outside_is_refused(folders: dict[str, Path]) -> None:
    link = folders["shared"] / "link"
    link.symlink_to(folders["outside"], target_is_directory=True)
    defaults, policy = policy_of(folders)
    with pytest.raises(PolicyError, match=re.escape("context.input_roots")):
        run_context(defaults, policy, Context(input_roots=str(link)))


def test_a_relative_path_escaping_the_working_directory_is_refused(
    folders: dict[str, Path],
) -> None:
    defaults, policy = policy_of(folders)
    with pytest.raises(PolicyError, match=re.escape("context.input_roots: ../outside is outside")):
        run_context(defaults, policy, Context(input_roots="../outside"))


@pytest.mark.parametrize("mode", ["local", "remote"])
def test_a_one_place_deployment_refuses_auto(folders: dict[str, Path], mode: str) -> None:
    defaults, policy = policy_of(folders, inference_mode=mode)
    with pytest.raises(PolicyError, match=re.escape("context.inference_mode: 'auto' is refused")):
        run_context(defaults, policy, Context(inference_mode="auto"))


# --- narrowing is accepted ------------------------------------------------------------------


@pytest.mark.parametrize(
    "run",
    [
        {"input_roots": "SHARED/sub"},
        {"input_roots": "SERVED"},
        {"input_roots": ""},
        {"max_input_mb": 1.0},
        {"max_input_mb": 50.0},
        {"allow_private_urls": False},
        {"allow_private_urls": True},
        {"inference_mode": "local"},
        {"inference_mode": "remote"},
        {"controller": "fake:allowed"},
        {"controller": ""},
    ],
)
def test_narrowing_is_accepted_and_applied(folders: dict[str, Path], run: dict[str, Any]) -> None:
    placeholders = {"SHARED": str(folders["shared"]), "SERVED": str(folders["served"])}
    for key, value in run.items():
        if isinstance(value, str):
            for placeholder, path in placeholders.items():
                value = value.replace(placeholder, path)
            run[key] = value
    defaults, policy = policy_of(folders, allow_private_urls=True)
    effective = run_context(defaults, policy, Context(**run))
    assert {key: getattr(effective, key) for key in run} == run


def test_the_run_overrides_only_the_fields_it_sets(
    folders: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    defaults, policy = policy_of(folders, top_k=3, allow_private_urls=True, max_input_mb=20.0)
    monkeypatch.setenv("HUGGINGGPT_TOP_K", "9")  # the run's own environment reading is ignored
    effective = run_context(defaults, policy, Context(approve_plan=True))
    assert (effective.top_k, effective.approve_plan) == (3, True)
    assert (effective.allow_private_urls, effective.max_input_mb) == (True, 20.0)
    assert effective.input_roots == str(folders["shared"])


def test_no_context_or_an_empty_one_is_the_graphs_defaults(folders: dict[str, Path]) -> None:
    defaults, policy = policy_of(folders)
    assert run_context(defaults, policy, None) is defaults
    assert run_context(defaults, policy, Context()) == defaults


# --- the controller cache --------------------------------------------------------------------


@pytest.fixture
def created(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every controller string the graph really creates (`init_chat_model` never runs)."""
    made: list[str] = []

    def fake_init(spec: str) -> BaseChatModel:
        made.append(spec)
        return ScriptedChatModel(script=[])

    monkeypatch.setattr(llm_module, "_init", fake_init)
    return made


def test_only_allowed_controllers_are_created_and_each_once(created: list[str]) -> None:
    controllers = Controllers(ScriptedChatModel(script=[]), allowed=["fake:one"])
    for n in range(50):
        with pytest.raises(ControllerError, match=f"controller 'fake:{n}x' is not allowed here"):
            controllers.get(f"fake:{n}x")
    assert created == []
    assert controllers.get("fake:one") is controllers.get(" fake:one ")
    assert created == ["fake:one"]


@pytest.mark.parametrize("name", ["fake:built-with", "fake:listed", "fake:default-run"])
def test_a_graph_allows_its_own_listed_and_default_controllers(
    folders: dict[str, Path], created: list[str], name: str
) -> None:
    graph = create_hugginggpt_graph(
        "fake:built-with",
        catalog=Catalog(cards=[]),
        engines=[],
        artifacts_dir=folders["runs"],
        allowed_controllers=["fake:listed"],
        controller="fake:default-run",
    )
    graph.invoke({"messages": [HumanMessage("x")]}, context={"controller": name})
    assert created == [name]
    with pytest.raises(PolicyError, match=re.escape("context.controller: 'fake:other'")):
        graph.invoke({"messages": [HumanMessage("x")]}, context={"controller": "fake:other"})
    assert created == [name]


def test_a_run_picking_a_listed_controller_plans_with_it(
    folders: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = json.dumps(
        {"tasks": [{"id": 1, "task": "summarization", "dep": [], "args": {"text": "a"}}]}
    )
    listed = ScriptedChatModel(script=[plan, "done"])
    monkeypatch.setattr(llm_module, "_init", lambda spec: listed)
    graph, default_llm, _ = summarize_graph(folders, allowed_controllers=["fake:listed"])
    state = graph.invoke({"messages": [HumanMessage("x")]}, context={"controller": "fake:listed"})
    assert state["results"]["1"]["status"] == "ok"
    assert len(listed.calls) == 2 and default_llm.calls == []


def test_an_unlisted_controller_is_refused_before_anything_is_created(
    folders: dict[str, Path], created: list[str]
) -> None:
    made: list[int] = []

    def offline() -> BaseChatModel:
        made.append(1)
        return ScriptedChatModel(script=[])

    graph = create_hugginggpt_graph(
        None,
        catalog=Catalog(cards=[]),
        engines=[],
        artifacts_dir=folders["runs"],
        offline_controller=offline,
    )
    with pytest.raises(
        PolicyError, match=re.escape("context.controller: 'openai:gpt-5' is not one of")
    ):
        graph.invoke({"messages": [HumanMessage("x")]}, context={"controller": "openai:gpt-5"})
    assert created == [] and made == []


# --- whole graphs: refused at the start, nothing read ----------------------------------------


def summarize_graph(
    folders: dict[str, Path], **settings: Any
) -> tuple[Any, ScriptedChatModel, RecordingEngine]:
    """A graph whose plan summarizes the secret file; its engine echoes what it was given."""
    plan = json.dumps(
        {
            "tasks": [
                {
                    "id": 1,
                    "task": "summarization",
                    "dep": [],
                    "args": {"text": str(folders["outside"] / "secret.txt")},
                }
            ]
        }
    )
    llm = ScriptedChatModel(script=[plan, "done"])
    engine = RecordingEngine()
    graph = create_hugginggpt_graph(
        llm,
        catalog=Catalog(cards=cards("summarization", "sum/only")),
        engines=[engine],
        artifacts_dir=folders["runs"],
        controller_tasks="",
        **settings,
    )
    return graph, llm, engine


def test_the_secret_is_readable_when_the_deployment_allows_its_folder(
    folders: dict[str, Path],
) -> None:
    """The control for the refusals below: the plan does reach the file when it may."""
    graph, _, engine = summarize_graph(folders, input_roots=str(folders["outside"]))
    state = graph.invoke({"messages": [HumanMessage("x")]})
    assert SECRET in state["results"]["1"]["output"]["text"]
    assert [c.model for c in engine.calls] == ["sum/only"]


def test_a_run_widening_input_roots_is_refused_before_anything_is_read(
    folders: dict[str, Path],
) -> None:
    graph, llm, engine = summarize_graph(folders)
    with pytest.raises(PolicyError) as refused:
        graph.invoke(
            {"messages": [HumanMessage("x")]},
            context={"input_roots": str(folders["outside"]), "allow_private_urls": True},
        )
    message = str(refused.value)
    assert "context.input_roots" in message and "context.allow_private_urls" in message
    assert SECRET not in message
    assert llm.calls == [] and engine.calls == []
    assert not any(folders["runs"].iterdir())  # no run folder, no copied input


def test_a_run_narrowing_input_roots_cannot_read_what_the_deployment_allows(
    folders: dict[str, Path],
) -> None:
    graph, _, engine = summarize_graph(folders, input_roots=str(folders["outside"]))
    state = graph.invoke({"messages": [HumanMessage("x")]}, context={"input_roots": ""})
    result = state["results"]["1"]
    assert result["status"] == "error" and "outside the allowed folders" in result["error"]
    assert SECRET not in json.dumps(state, default=str) and engine.calls == []


def test_the_graph_still_serves_good_runs_after_a_refusal(folders: dict[str, Path]) -> None:
    graph, llm, _ = summarize_graph(folders, input_roots=str(folders["outside"]))
    with pytest.raises(PolicyError, match=re.escape("context.max_input_mb")):
        graph.invoke({"messages": [HumanMessage("x")]}, context={"max_input_mb": 500})
    state = graph.invoke({"messages": [HumanMessage("x")]}, context={"max_input_mb": 1})
    assert SECRET in state["results"]["1"]["output"]["text"]
    assert len(llm.calls) == 2
