"""Every install profile works: the bare package and the `ui` extra, each in a fresh venv.

`pip install langchain-hugginggpt` is what a team running remote models installs; it must
import, plan with a remote controller, run what it can remotely, and say which extra a task
needs when it cannot run here. Each profile is a real, non-editable `pip install` of this
checkout with its real dependencies (from pip's cache when warm), built once per module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.unit_tests.fake_openai import FakeOpenAIServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

REPO = Path(__file__).resolve().parents[2]
PIP_TIMEOUT_S = 1200
RUN_TIMEOUT_S = 300
PROFILES = {"bare": str(REPO), "ui": f"{REPO}[ui]"}

PLAN = json.dumps(
    {
        "tasks": [
            {"id": 1, "task": "summarization", "dep": [], "args": {"text": "A long story."}},
            {"id": 2, "task": "text-classification", "dep": [], "args": {"text": "I love it"}},
        ]
    }
)
SUMMARY = "A short story."
ANSWER = "Here is the summary; the classification could not run."

# Imports every module of the installed package; prints the failures as JSON.
IMPORT_ALL = """
import importlib, json, pkgutil
import langchain_hugginggpt
failed = {}
for info in pkgutil.walk_packages(langchain_hugginggpt.__path__, "langchain_hugginggpt."):
    try:
        importlib.import_module(info.name)
    except Exception as exc:
        failed[info.name] = f"{type(exc).__name__}: {exc}"
print(json.dumps({"file": langchain_hugginggpt.__file__, "failed": failed}))
"""
HAS = "import importlib.util as u, sys; print(u.find_spec(sys.argv[1]) is not None)"
BUILD_UI = """
import sys
from pathlib import Path
from langchain_hugginggpt.graph.builder import create_hugginggpt_graph
from langchain_hugginggpt.ui.app import build_app
app = build_app(create_hugginggpt_graph("openai:fake", engines=[]), artifacts_dir=Path(sys.argv[1]))
print(type(app).__name__)
"""


class Venv:
    """A fresh virtual environment with one install profile of this package."""

    def __init__(self, profile: str, root: Path) -> None:
        self.profile = profile
        self.root = root
        self.bin = root / ("Scripts" if os.name == "nt" else "bin")
        self.python = self.bin / "python"
        self.work = root / "work"

    def env(self, **extra: str) -> dict[str, str]:
        """A clean environment: nothing of this checkout or of the user's caches and keys."""
        home = self.work / "home"
        home.mkdir(parents=True, exist_ok=True)
        env = {
            "PATH": f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": str(home),
            "HF_HOME": str(home / "hf"),
            "HF_HUB_OFFLINE": "1",
            "HF_HUB_DISABLE_PROGRESS_BARS": "1",
            "HUGGINGGPT_CACHE": str(self.work / "cache"),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        env.update(extra)
        return env

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        """Run a program of the venv (`python`, `hugginggpt`) outside the checkout."""
        return subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            cwd=self.work,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
            check=False,
        )

    def has(self, module: str) -> bool:
        """Whether `module` can be imported in the venv."""
        out = self.run("python", "-c", HAS, module)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip() == "True"


def _build(profile: str, root: Path) -> Venv:
    venv = Venv(profile, root)
    made = subprocess.run(
        [sys.executable, "-m", "venv", str(root)], capture_output=True, text=True, check=False
    )
    if made.returncode != 0:
        pytest.fail(f"cannot create a venv for {profile}:\n{made.stdout}\n{made.stderr}")
    # pip's own settings (index, cache) carry over; nothing of the dev venv's Python does.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PIP_NO_CACHE_DIR")
    }
    cmd = [str(venv.python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    try:
        out = subprocess.run(
            [*cmd, PROFILES[profile]],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=PIP_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"pip install {PROFILES[profile]} took over {PIP_TIMEOUT_S} s:\n{exc.output}")
    if out.returncode != 0:
        pytest.fail(
            f"pip install {PROFILES[profile]} failed ({out.returncode}):\n"
            f"{out.stdout}\n{out.stderr}"
        )
    venv.work.mkdir()
    return venv


@pytest.fixture(scope="module", params=sorted(PROFILES))
def venv(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Venv:
    profile: str = request.param
    return _build(profile, tmp_path_factory.mktemp(f"venv-{profile}"))


@pytest.fixture
def controller() -> Iterator[FakeOpenAIServer]:
    """The controller's scripted replies: the plan, the summary (as an expert), the answer."""
    planned: list[bool] = []

    def route(body: dict[str, Any]) -> str:
        system = " ".join(
            str(m.get("content")) for m in body.get("messages", []) if m.get("role") == "system"
        )
        if "expert model inside HuggingGPT" in system:
            return SUMMARY
        if not planned:
            planned.append(True)
            return PLAN
        return ANSWER

    with FakeOpenAIServer([], route=route) as server:
        yield server


def test_profile_installs_what_it_should_and_every_module_imports(venv: Venv) -> None:
    # The profile really lacks the local runtimes, so the rest proves something about them.
    assert not venv.has("torch") and not venv.has("transformers")
    if venv.profile == "bare":
        assert not venv.has("numpy") and not venv.has("gradio")
    else:
        assert venv.has("gradio")
    out = venv.run("python", "-c", IMPORT_ALL)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert Path(report["file"]).is_relative_to(venv.root), "imported the checkout, not the install"
    assert report["failed"] == {}
    help_ = venv.run("hugginggpt", "--help")
    assert help_.returncode == 0, help_.stderr
    assert help_.stdout.startswith("usage: hugginggpt")


def test_remote_controller_plans_runs_text_remotely_and_names_the_extra(
    venv: Venv, controller: FakeOpenAIServer
) -> None:
    out = venv.run(
        "hugginggpt",
        "summarise 'A long story.' and classify 'I love it'",
        "--json",
        OPENAI_BASE_URL=controller.base_url,
        OPENAI_API_KEY="sk-test",
        HUGGINGGPT_LLM="openai:fake-controller",
    )
    assert "Traceback" not in out.stderr, out.stderr
    # One task could not run here: exit 1 with one line, not a crash.
    assert out.returncode == 1, out.stderr
    state = json.loads(out.stdout)
    # The scripted plan was accepted as is.
    assert [(t["id"], t["task"]) for t in state["plan"]] == [
        (1, "summarization"),
        (2, "text-classification"),
    ]
    # Summarization ran remotely, on the controller's server.
    assert state["results"]["1"]["status"] == "ok", state["results"]["1"]
    assert state["results"]["1"]["model"] == "controller-llm"
    assert state["results"]["1"]["output"]["text"] == SUMMARY
    bodies = [r["body"] for r in controller.requests]
    assert all(r["path"] == "/v1/chat/completions" for r in controller.requests)
    assert {b["model"] for b in bodies} == {"fake-controller"}
    assert any("A long story." in json.dumps(b["messages"]) for b in bodies[1:])
    # Text classification needs a local runtime: the failure names the extra to install.
    assert state["results"]["2"]["status"] == "error"
    assert state["answer"].startswith(ANSWER)
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("hugginggpt: task 2 (text-classification) failed:"), out.stderr
    assert "install langchain-hugginggpt[local] to run text-classification on this machine" in last


def test_ui_command_starts_with_the_extra_and_names_it_without(venv: Venv, tmp_path: Path) -> None:
    if venv.profile == "bare":
        out = venv.run("hugginggpt", "ui", OPENAI_BASE_URL="http://127.0.0.1:9/v1")
        assert out.returncode == 2
        assert "Traceback" not in out.stderr
        assert 'pip install "langchain-hugginggpt[ui]"' in out.stderr
    else:
        out = venv.run(
            "python",
            "-c",
            BUILD_UI,
            str(tmp_path),
            OPENAI_BASE_URL="http://127.0.0.1:9/v1",
            OPENAI_API_KEY="sk-test",
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip().splitlines()[-1] == "Blocks"
