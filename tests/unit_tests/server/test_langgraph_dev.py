"""LangGraph Studio: `langgraph dev` serves the project's graph offline.

The server is the real one (langgraph-cli[inmem]) on a free loopback port, running
`graphs/hugginggpt.py` with the default engines; the task runs on the packaged spaCy model. The
controller is an OpenAI-compatible server on loopback answering from a script, reached through
the graph's own `OPENAI_BASE_URL` path.

The deployment's policy comes from the server's environment (`HUGGINGGPT_*`): a run's context may
narrow it, and one asking for more is refused before anything is read or created.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langgraph_sdk import get_sync_client

from benchmarks.agent_server import langgraph_dev_command, serve_process
from benchmarks.backing import free_port
from tests.unit_tests.fake_openai import FakeOpenAIServer

ROOT = Path(__file__).resolve().parents[3]
TEXT = "Ada Lovelace worked with Charles Babbage in London."
LISTED_CONTROLLER = "openai:listed-model"
"""The one controller, besides the graph's own, that the served deployment lets a run pick."""
SECRET = "Grace Hopper keeps the vault code 7319 in Arlington."


def plan_for(text: str) -> str:
    return json.dumps(
        {"tasks": [{"id": 1, "task": "token-classification", "dep": [], "args": {"text": text}}]}
    )


def controller(body: dict[str, Any]) -> str:
    """The scripted controller: a plan, a selection, or the answer, by the stage's prompt.

    A request naming a `.txt` file gets a plan reading that file; any other gets `TEXT`.
    """
    system = str(body["messages"][0]["content"])
    if "planning stage" in system:
        named = re.search(r"(/\S+\.txt)", str(body["messages"][-1]["content"]))
        return plan_for(named.group(1) if named else TEXT)
    if "model-selection stage" in system:
        return json.dumps(
            {"selections": [{"id": 1, "model": "spacy/en_core_web_sm", "reason": "offline"}]}
        )
    return "Found: Ada Lovelace, Charles Babbage (people) and London (a place)."


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's cache (`runs/` in it is an allowed input root) and its log."""
    return tmp_path_factory.mktemp("studio")


@pytest.fixture(scope="module")
def server(work: Path) -> Iterator[tuple[str, FakeOpenAIServer]]:
    port = free_port()
    with FakeOpenAIServer([], route=controller) as llm:
        env = {
            **os.environ,
            "OPENAI_BASE_URL": llm.base_url,
            "OPENAI_API_KEY": "sk-local",
            "HUGGINGGPT_CACHE": str(work / "cache"),
            "HF_HUB_OFFLINE": "1",
            "LANGSMITH_TRACING": "false",
            "LANGGRAPH_CLI_NO_ANALYTICS": "1",
            # Deployment policy: the default input roots, no private URLs, 50 MB inputs.
            "HUGGINGGPT_ALLOWED_CONTROLLERS": LISTED_CONTROLLER,
        }
        for name in (
            "HUGGINGGPT_LLM",
            "HUGGINGGPT_INPUT_ROOTS",
            "HUGGINGGPT_ALLOW_PRIVATE_URLS",
            "HUGGINGGPT_MAX_INPUT_MB",
            "HUGGINGGPT_INFERENCE_MODE",
            "HUGGINGGPT_CONTROLLER",
        ):
            env.pop(name, None)
        # Graph paths in langgraph.json are relative to the repository, where the server also
        # keeps its in-memory store (./.langgraph_api, ignored by git).
        command = langgraph_dev_command(port, ROOT / "langgraph.json")
        log = work / "server.log"
        with serve_process(command, port=port, env=env, log=log, what="langgraph dev") as proc:
            yield f"http://127.0.0.1:{port}", llm
    assert proc.poll() is not None  # the server this test started is gone


def test_run_streams_progress_and_final_state(server: tuple[str, FakeOpenAIServer]) -> None:
    url, _ = server
    client = get_sync_client(url=url)
    assistants = client.assistants.search(graph_id="hugginggpt")
    assert [a["graph_id"] for a in assistants] == ["hugginggpt"]
    thread = client.threads.create()
    events: list[dict[str, Any]] = []
    for part in client.runs.stream(
        thread["thread_id"],
        "hugginggpt",
        input={"messages": [{"role": "user", "content": f"find the names in: {TEXT}"}]},
        stream_mode=["custom", "values"],
    ):
        if part.event == "custom":
            events.append(part.data)
        assert part.event != "error", part.data
    stages = [(e["stage"], e["status"]) for e in events if e.get("event") == "stage"]
    assert stages == [
        (stage, status)
        for stage in ("plan", "select", "execute", "respond")
        for status in ("start", "end")
    ]
    finished = [e for e in events if e.get("event") == "task" and e["status"] != "start"]
    assert [(e["task_id"], e["status"], e["model"]) for e in finished] == [
        (1, "ok", "spacy/en_core_web_sm")
    ]

    state = client.threads.get_state(thread["thread_id"])["values"]
    result = state["results"]["1"]
    assert result["status"] == "ok" and result["engine"] == "spacy"
    # The packaged spaCy model really ran: it found the people and the place.
    found = {e["word"] for e in result["output"]["data"]}
    assert {"Ada Lovelace", "Charles Babbage", "London"} <= found
    assert state["messages"][-1]["type"] == "ai"
    assert "Ada Lovelace" in json.dumps(state["messages"][-1]["content"])


def test_plan_approval_through_the_server(server: tuple[str, FakeOpenAIServer]) -> None:
    url, _ = server
    client = get_sync_client(url=url)
    thread = client.threads.create()
    tid = thread["thread_id"]
    client.runs.wait(
        tid,
        "hugginggpt",
        input={"messages": [{"role": "user", "content": f"find the names in: {TEXT}"}]},
        context={"approve_plan": True},
    )
    paused = client.threads.get_state(tid)
    assert paused["next"] == ["approve"]
    (pending,) = paused["interrupts"]
    review = pending["value"]
    assert review["kind"] == "plan_approval"
    assert review["tasks"][0]["model"] == "spacy/en_core_web_sm"
    assert paused["values"].get("results", {}) == {}

    client.runs.wait(tid, "hugginggpt", command={"resume": {"action": "approve"}})
    done = client.threads.get_state(tid)
    assert done["next"] == []
    assert done["values"]["results"]["1"]["status"] == "ok"


# --- deployment policy through the server -----------------------------------------------------


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside every folder the served graph may read."""
    path = tmp_path / "outside" / "secret.txt"
    path.parent.mkdir()
    path.write_text(SECRET)
    return path


def run_on_server(url: str, request: str, context: dict[str, Any]) -> dict[str, Any]:
    """Run `request` with `context` on a new thread; return everything the server kept of it."""
    client = get_sync_client(url=url)
    tid = client.threads.create()["thread_id"]
    output = client.runs.wait(
        tid,
        "hugginggpt",
        input={"messages": [{"role": "user", "content": request}]},
        context=context,
        raise_error=False,
    )
    return {
        "output": output,
        "runs": client.runs.list(tid),
        "state": client.threads.get_state(tid),
        "history": client.threads.get_history(tid),
    }


def controller_requests(llm: FakeOpenAIServer) -> int:
    return sum(1 for r in llm.requests if r["path"].endswith("/chat/completions"))


def test_a_file_in_an_allowed_root_is_read(
    server: tuple[str, FakeOpenAIServer], work: Path
) -> None:
    """The control for the refusals: the scripted plan does read the file it names."""
    url, _ = server
    public = work / "cache" / "runs" / "public.txt"  # the run folders are an input root
    public.parent.mkdir(parents=True, exist_ok=True)
    public.write_text("Ada Lovelace wrote to Charles Babbage from London.")
    kept = run_on_server(url, f"find the names in {public}", {})
    assert kept["runs"][0]["status"] == "success"
    result = kept["state"]["values"]["results"]["1"]
    assert result["status"] == "ok", result
    assert "Ada Lovelace" in {e["word"] for e in result["output"]["data"]}


@pytest.mark.parametrize(
    ("context", "setting"),
    [
        ({"input_roots": "OUTSIDE"}, "context.input_roots"),
        ({"allow_private_urls": True}, "context.allow_private_urls"),
        ({"input_roots": "OUTSIDE", "allow_private_urls": True}, "context.input_roots"),
        ({"controller": "openai:gpt-4o"}, "context.controller"),
        ({"max_input_mb": 5000}, "context.max_input_mb"),
    ],
)
def test_a_run_widening_the_policy_is_refused_and_reads_nothing(
    server: tuple[str, FakeOpenAIServer],
    work: Path,
    secret: Path,
    context: dict[str, Any],
    setting: str,
) -> None:
    url, llm = server
    context = {k: str(secret.parent) if v == "OUTSIDE" else v for k, v in context.items()}
    calls_before = controller_requests(llm)
    kept = run_on_server(url, f"find the names in {secret}", context)
    assert kept["runs"][0]["status"] == "error"
    error = kept["output"]["__error__"]
    assert error["error"] == "PolicyError"
    assert error["message"].startswith(f"run refused: {setting}: ")
    # Refused at the start: the controller was never asked, no task ran, nothing was read.
    assert controller_requests(llm) == calls_before
    assert "results" not in kept["state"]["values"]
    assert SECRET not in json.dumps(kept, default=str)
    assert "7319" not in (work / "server.log").read_text()


def test_a_widened_input_root_is_named_with_the_deployments_roots(
    server: tuple[str, FakeOpenAIServer], secret: Path
) -> None:
    url, _ = server
    kept = run_on_server(url, f"find the names in {secret}", {"input_roots": str(secret.parent)})
    message = kept["output"]["__error__"]["message"]
    assert f"context.input_roots: {secret.parent} is outside the deployment's input roots [" in (
        message
    )
    assert str(ROOT) in message  # the served folder is one of the listed roots


def test_without_a_widened_root_the_file_outside_is_still_refused(
    server: tuple[str, FakeOpenAIServer], secret: Path
) -> None:
    """Narrowing is accepted (a sub-folder of the served root), and the task cannot reach out."""
    url, _ = server
    kept = run_on_server(url, f"find the names in {secret}", {"input_roots": str(ROOT / "tests")})
    assert kept["runs"][0]["status"] == "success"
    result = kept["state"]["values"]["results"]["1"]
    assert result["status"] == "error" and "outside the allowed folders" in result["error"]
    assert SECRET not in json.dumps(kept, default=str)


def test_a_listed_controller_may_be_picked(server: tuple[str, FakeOpenAIServer]) -> None:
    url, llm = server
    before = len(llm.requests)
    kept = run_on_server(url, f"find the names in: {TEXT}", {"controller": LISTED_CONTROLLER})
    assert kept["runs"][0]["status"] == "success"
    assert kept["state"]["values"]["results"]["1"]["status"] == "ok"
    models = {r["body"]["model"] for r in llm.requests[before:]}
    assert models == {"listed-model"}
