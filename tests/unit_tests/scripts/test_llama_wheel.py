"""llama-cpp-python's wheel: one per set of CMAKE_ARGS, built once, installed when it changes."""

from __future__ import annotations

import stat
from importlib.metadata import version
from pathlib import Path

import pytest

from scripts.llama_wheel import (
    WheelBuildError,
    build_wheel,
    install_wheel,
    main,
    pinned_version,
    wheel_cache,
    wheel_dir,
)

WHEEL = "llama_cpp_python-0.3.36-py3-none-linux_x86_64.whl"


def fake_python(tmp_path: Path, body: str) -> str:
    """An interpreter stand-in that logs its arguments and CMAKE_ARGS, then runs `body`."""
    path = tmp_path / "python"
    log = tmp_path / "calls.log"
    path.write_text(f'#!/bin/sh\necho "$CMAKE_ARGS|$*" >> {log}\n{body}\n')
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def calls(tmp_path: Path) -> list[str]:
    log = tmp_path / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


# Writes a wheel into the folder after --wheel-dir, as `pip wheel` does.
WRITES_WHEEL = f'while [ "$1" != "--wheel-dir" ]; do shift; done; touch "$2/{WHEEL}"'


def test_the_pinned_version_is_the_installed_one() -> None:
    assert pinned_version() == version("llama-cpp-python")


def test_a_pyproject_without_the_pin_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    with pytest.raises(WheelBuildError, match="pins no llama-cpp-python"):
        pinned_version(tmp_path / "pyproject.toml")


def test_each_set_of_arguments_has_its_own_folder(tmp_path: Path) -> None:
    one = wheel_dir("0.3.36", "-DGGML_AVX512=ON  -DGGML_AMX_TILE=OFF", tmp_path)
    assert one == wheel_dir("0.3.36", " -DGGML_AVX512=ON -DGGML_AMX_TILE=OFF ", tmp_path)
    assert one != wheel_dir("0.3.36", "-DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF", tmp_path)
    assert one.name.startswith("0.3.36-")
    assert wheel_cache({"HUGGINGGPT_CACHE": str(tmp_path)}) == tmp_path / "llama-wheels"


def test_a_build_runs_pip_once_with_the_arguments(tmp_path: Path) -> None:
    python = fake_python(tmp_path, WRITES_WHEEL)
    cache = tmp_path / "cache"
    wheel = build_wheel("0.3.36", "-DGGML_AVX512=ON", cache, python)
    assert wheel == wheel_dir("0.3.36", "-DGGML_AVX512=ON", cache) / WHEEL
    assert (wheel.parent / "cmake-args.txt").read_text().strip() == "-DGGML_AVX512=ON"
    (call,) = calls(tmp_path)
    assert call.startswith("-DGGML_AVX512=ON|-m pip wheel")
    assert "--no-cache-dir" in call and call.endswith("llama-cpp-python==0.3.36")
    assert build_wheel("0.3.36", "-DGGML_AVX512=ON", cache, python) == wheel
    assert len(calls(tmp_path)) == 1  # reused, not rebuilt
    assert [p.name for p in cache.iterdir()] == [wheel.parent.name]  # no staging left


def test_a_failed_build_says_what_pip_said_and_leaves_nothing(tmp_path: Path) -> None:
    python = fake_python(tmp_path, 'echo "CMake Error: no compiler" >&2; exit 1')
    cache = tmp_path / "cache"
    with pytest.raises(WheelBuildError, match=r"exit status 1\):\nCMake Error: no compiler"):
        build_wheel("0.3.36", "-DX=1", cache, python)
    assert list(cache.iterdir()) == []


def test_a_build_that_makes_no_wheel_is_a_failure(tmp_path: Path) -> None:
    python = fake_python(tmp_path, "exit 0")
    with pytest.raises(WheelBuildError, match="failed"):
        build_wheel("0.3.36", "-DX=1", tmp_path / "cache", python)


def test_install_only_when_the_wheel_changes(tmp_path: Path) -> None:
    python = fake_python(tmp_path, "exit 0")
    wheel = tmp_path / WHEEL
    assert install_wheel(wheel, python, tmp_path) is True
    (call,) = calls(tmp_path)
    assert "-m pip install --quiet --no-deps --force-reinstall" in call and call.endswith(WHEEL)
    assert install_wheel(wheel, python, tmp_path) is False
    assert len(calls(tmp_path)) == 1
    assert install_wheel(tmp_path / "other" / WHEEL, python, tmp_path) is True


def test_a_failed_install_is_an_error(tmp_path: Path) -> None:
    python = fake_python(tmp_path, 'echo "no space left" >&2; exit 1')
    with pytest.raises(WheelBuildError, match="no space left"):
        install_wheel(tmp_path / WHEEL, python, tmp_path)
    assert not (tmp_path / ".llama-cpp-wheel").exists()


def test_main_prints_the_wheel_or_the_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HUGGINGGPT_CACHE", str(tmp_path))
    monkeypatch.setenv("CMAKE_ARGS", "-DGGML_AVX512=ON")
    monkeypatch.setattr("scripts.llama_wheel.sys.executable", fake_python(tmp_path, "exit 3"))
    assert main(["build"]) == 1
    assert "error: building llama-cpp-python" in capsys.readouterr().err
    monkeypatch.setattr("scripts.llama_wheel.sys.executable", fake_python(tmp_path, WRITES_WHEEL))
    assert main(["build"]) == 0
    assert capsys.readouterr().out.strip().endswith(WHEEL)
