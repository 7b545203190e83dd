"""The controller's fixed prompt prefix: evaluated once, reused across calls and runs, same output.

Real llama.cpp on the packaged 0.5B. What is asserted is how many prompt tokens llama.cpp
evaluated (its own count, reported in `response_metadata`) and what the model answered.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from langchain_hugginggpt.offline.chat_model import ChatLlamaCpp
from langchain_hugginggpt.offline.controller import offline_controller
from langchain_hugginggpt.offline.prefix_cache import fixed_prefix, trim_folder

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[3]
SYSTEM = SystemMessage(
    "You answer geography quizzes in one short sentence. Name the city, nothing else. "
    "Capitals you may be asked about: Paris for France, Rome for Italy, Madrid for Spain, "
    "Berlin for Germany, Lisbon for Portugal, Vienna for Austria, Athens for Greece, "
    "Warsaw for Poland, Prague for Czechia, Dublin for Ireland, Oslo for Norway."
)
OTHER = SystemMessage("You repeat the user's words back in capital letters, and nothing else.")
ITALY = [SYSTEM, HumanMessage("What is the capital of Italy?")]


def model(cache: Path | None, n_ctx: int = 4096) -> ChatLlamaCpp:
    path = offline_controller("0.5b").gguf()  # type: ignore[attr-defined]
    if cache is None:
        return ChatLlamaCpp(model_path=path, prefix_cache=False, max_tokens=12, n_ctx=n_ctx)
    return ChatLlamaCpp(model_path=path, prefix_cache_dir=str(cache), max_tokens=12, n_ctx=n_ctx)


def flushed(chat: ChatLlamaCpp) -> ChatLlamaCpp:
    """`chat`, its context (shared by every test on this model) made to hold another prompt."""
    chat.invoke([OTHER, HumanMessage("hello")])
    return chat


def evaluated(reply: BaseMessage) -> int:
    assert isinstance(reply, AIMessage)
    return int(reply.response_metadata["prompt_tokens_evaluated"])


def prefix_tokens(chat: ChatLlamaCpp) -> int:
    """Tokens of SYSTEM as it starts the rendered prompt."""
    llama, _ = chat._llama()
    payload = [{"role": "system", "content": SYSTEM.text}, {"role": "user", "content": "?"}]
    prefix = fixed_prefix(llama, payload)
    assert prefix is not None
    return len(prefix)


@pytest.fixture(scope="module")
def uncached_italy() -> str:
    """The answer with the whole prompt evaluated at once, on a context of its own."""
    return model(None, n_ctx=2048).invoke(ITALY).text


def test_a_later_call_evaluates_only_what_follows_the_prefix(
    tmp_path: Path, uncached_italy: str
) -> None:
    chat = flushed(model(tmp_path))
    first = chat.invoke([SYSTEM, HumanMessage("What is the capital of France?")])
    chat.invoke([OTHER, HumanMessage("hello")])  # the context no longer holds SYSTEM
    second = chat.invoke(ITALY)
    assert second.usage_metadata is not None
    size = prefix_tokens(chat)
    assert evaluated(second) == second.usage_metadata["input_tokens"] - size
    assert evaluated(second) < evaluated(first)
    assert second.usage_metadata["input_token_details"]["cache_read"] == size
    assert "Rome" in second.text and second.text == uncached_italy
    assert len(list(tmp_path.glob("*.kv"))) == 1  # OTHER is too short to keep


def test_a_prompt_sent_again_is_not_evaluated_again(tmp_path: Path, uncached_italy: str) -> None:
    chat = flushed(model(tmp_path))
    chat.invoke(ITALY)
    again = chat.invoke(ITALY)
    assert again.usage_metadata is not None
    assert evaluated(again) == 0
    assert (
        again.usage_metadata["input_token_details"]["cache_read"]
        == (again.usage_metadata["input_tokens"])
    )
    assert again.text == uncached_italy


def test_the_prefix_is_reused_by_the_next_run(tmp_path: Path, uncached_italy: str) -> None:
    flushed(model(tmp_path)).invoke([SYSTEM, HumanMessage("What is the capital of Spain?")])
    script = (
        "import json, sys\n"
        "from langchain_core.messages import HumanMessage, SystemMessage\n"
        "from langchain_hugginggpt.offline.chat_model import ChatLlamaCpp\n"
        "from langchain_hugginggpt.offline.controller import offline_controller\n"
        "chat = ChatLlamaCpp(model_path=offline_controller().gguf(), max_tokens=12,\n"
        "                    prefix_cache_dir=sys.argv[1])\n"
        "reply = chat.invoke([SystemMessage(sys.argv[2]), HumanMessage(sys.argv[3])])\n"
        "print(json.dumps({'text': reply.text, 'usage': reply.usage_metadata,\n"
        "                  'evaluated': reply.response_metadata['prompt_tokens_evaluated']}))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path), SYSTEM.text, ITALY[1].text],
        cwd=REPO,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    out = json.loads(run.stdout.strip().splitlines()[-1])
    size = prefix_tokens(model(tmp_path))
    assert out["evaluated"] == out["usage"]["input_tokens"] - size
    assert out["text"] == uncached_italy


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_a_damaged_state_file_is_evaluated_again(
    tmp_path: Path, uncached_italy: str, damage: str
) -> None:
    chat = flushed(model(tmp_path))
    chat.invoke(ITALY)
    (state,) = tmp_path.glob("*.kv")
    good = state.read_bytes()
    state.write_bytes(
        {"garbage": os.urandom(4096), "truncated": good[: len(good) // 2], "empty": b""}[damage]
    )
    chat.invoke([OTHER, HumanMessage("hello")])
    again = chat.invoke(ITALY)
    assert again.usage_metadata is not None
    assert evaluated(again) >= prefix_tokens(chat)
    assert again.text == uncached_italy
    assert state.stat().st_size == len(good)  # written anew, every cell of the prefix in it


def test_an_unwritable_cache_costs_only_the_evaluation(tmp_path: Path, uncached_italy: str) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    chat = model(blocker / "prefixes")
    chat.invoke([OTHER, HumanMessage("hello")])
    reply = chat.invoke(ITALY)
    assert reply.text == uncached_italy
    assert evaluated(reply) > prefix_tokens(chat)


def test_without_a_system_message_nothing_is_cached(tmp_path: Path) -> None:
    reply = model(tmp_path).invoke([HumanMessage("What is the capital of Italy?")])
    assert evaluated(reply) > 0
    assert list(tmp_path.iterdir()) == []


def test_switched_off_nothing_is_written(tmp_path: Path) -> None:
    chat = model(None)
    chat.invoke([OTHER, HumanMessage("hello")])
    reply = chat.invoke(ITALY)
    assert evaluated(reply) > prefix_tokens(chat)
    assert not any(tmp_path.iterdir())


def test_prompts_rendered_otherwise_are_not_mirrored() -> None:
    messages = [{"role": "system", "content": "x " * 100}, {"role": "user", "content": "hi"}]
    other_format = SimpleNamespace(chat_handler=None, chat_format="chatml")
    own_handler = SimpleNamespace(chat_handler=object(), chat_format="chat_template.default")
    assert fixed_prefix(other_format, messages) is None
    assert fixed_prefix(own_handler, messages) is None
    assert fixed_prefix(other_format, messages[1:]) is None


def test_a_short_prefix_is_not_worth_a_file(tmp_path: Path) -> None:
    chat = model(tmp_path)
    llama, _ = chat._llama()
    short = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]
    assert fixed_prefix(llama, short) is None


def test_the_folder_keeps_under_its_bound_least_recently_used_out(tmp_path: Path) -> None:
    for age, name in enumerate(["old", "mid", "new"]):
        path = tmp_path / f"{name}.kv"
        path.write_bytes(b"x" * 100)
        os.utime(path, ns=(age * 10**9, age * 10**9))
    (tmp_path / "other.txt").write_bytes(b"x" * 1000)
    trim_folder(tmp_path, 250)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mid.kv", "new.kv", "other.txt"]
    trim_folder(tmp_path, 0)
    assert [p.name for p in tmp_path.iterdir()] == ["other.txt"]
