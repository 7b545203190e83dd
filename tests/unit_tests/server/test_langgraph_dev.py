"""LangGraph Studio: `langgraph dev` serves the project's graph offline.

The server is the real one (langgraph-cli[inmem]) on a free loopback port, running
`graphs/hugginggpt.py` with the default engines; the task runs on the packaged spaCy model. The
controller is an OpenAI-compatible server on loopback answering from a script, reached through
the graph's own `OPENAI_BASE_URL` path.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_sync_client

from tests.unit_tests.fake_openai import FakeOpenAIServer

ROOT = Path(__file__).resolve().parents[3]
TEXT = "Ada Lovelace worked with Charles Babbage in London."
PLAN = json.dumps(
    {"tasks": [{"id": 1, "task": "token-classification", "dep": [], "args": {"text": TEXT}}]}
)


def controller(body: dict[str, Any]) -> str:
    """The scripted controller: a plan, a selection, or the answer, by the stage's prompt."""
    system = str(body["messages"][0]["content"])
    if "planning stage" in system:
        return PLAN
    if "model-selection stage" in system:
        return json.dumps(
            {"selections": [{"id": 1, "model": "spacy/en_core_web_sm", "reason": "offline"}]}
        )
    return "Found: Ada Lovelace, Charles Babbage (people) and London (a place)."


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server and everything it started (it runs in its own process group)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=30)
            break
        except subprocess.TimeoutExpired:
            continue
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FakeOpenAIServer]]:
    work = tmp_path_factory.mktemp("studio")
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
        }
        env.pop("HUGGINGGPT_LLM", None)
        log = (work / "server.log").open("w")
        proc = subprocess.Popen(
            [
                # From langgraph-cli[inmem], in the test dependency group.
                str(Path(sys.executable).parent / "langgraph"),
                "dev",
                "--port",
                str(port),
                "--host",
                "127.0.0.1",
                "--no-browser",
                "--no-reload",
                "--config",
                str(ROOT / "langgraph.json"),
            ],
            # Graph paths in langgraph.json are relative to the working directory; the server
            # keeps its in-memory store in ./.langgraph_api (ignored by git).
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180
            while True:
                if proc.poll() is not None:
                    pytest.fail(
                        f"langgraph dev exited: {(work / 'server.log').read_text()[-3000:]}"
                    )
                try:
                    if httpx.get(f"{url}/ok", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"no /ok in 180 s: {(work / 'server.log').read_text()[-3000:]}")
                time.sleep(0.5)
            yield url, llm
        finally:
            stop(proc)
            log.close()
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
