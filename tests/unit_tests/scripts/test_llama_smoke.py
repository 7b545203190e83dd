"""The post-install smoke test of llama.cpp: passes on a working build, fails loudly otherwise."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from langchain_hugginggpt.offline.weights import QWEN_05B, assemble
from scripts.llama_cmake_args import PORTABLE_X86
from scripts.llama_smoke import SmokeError, check, main


def fake_python(tmp_path: Path, body: str) -> str:
    """An executable standing in for the interpreter: runs `body` whatever it is asked."""
    path = tmp_path / "python"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


@pytest.mark.slow
def test_the_installed_build_evaluates_a_batched_prompt_and_answers() -> None:
    report = check(assemble(QWEN_05B))
    assert int(str(report["prompt_tokens"])) >= 64
    assert "paris" in str(report["text"]).lower()


@pytest.mark.slow
def test_main_reports_success(capsys: pytest.CaptureFixture[str]) -> None:
    assert main() == 0
    assert "smoke test passed" in capsys.readouterr().err


def test_a_crash_is_named_with_the_fallback(tmp_path: Path) -> None:
    python = fake_python(tmp_path, 'echo "ggml_compute_forward_mul_mat" >&2; kill -SEGV $$')
    with pytest.raises(SmokeError) as caught:
        check(tmp_path / "model.gguf", python)
    message = str(caught.value)
    assert "crashed (SIGSEGV)" in message and "ggml_compute_forward_mul_mat" in message
    assert f'make install CMAKE_ARGS="{PORTABLE_X86}"' in message


def test_a_failure_shows_its_error(tmp_path: Path) -> None:
    python = fake_python(tmp_path, 'echo "ImportError: libllama.so" >&2; exit 1')
    with pytest.raises(SmokeError, match=r"failed:\nImportError: libllama.so"):
        check(tmp_path / "model.gguf", python)


def test_a_hang_is_bounded(tmp_path: Path) -> None:
    python = fake_python(tmp_path, "exec sleep 30")
    with pytest.raises(SmokeError, match="no answer within 1 s"):
        check(tmp_path / "model.gguf", python, timeout_s=1)


def test_no_report_is_a_failure(tmp_path: Path) -> None:
    python = fake_python(tmp_path, "echo not json")
    with pytest.raises(SmokeError, match="printed no report"):
        check(tmp_path / "model.gguf", python)


def test_a_wrong_answer_means_wrong_numbers(tmp_path: Path) -> None:
    report = json.dumps({"prompt_tokens": 95, "text": "!!!!!!", "system_info": ""})
    python = fake_python(tmp_path, f"echo '{report}'")
    with pytest.raises(SmokeError, match="computes wrong numbers"):
        check(tmp_path / "model.gguf", python)


def test_main_fails_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    python = fake_python(tmp_path, "kill -ABRT $$")
    monkeypatch.setattr("scripts.llama_smoke.sys.executable", python)
    assert main() == 1
    err = capsys.readouterr().err
    assert err.startswith("error: llama-cpp-python failed its smoke test") and "SIGABRT" in err
