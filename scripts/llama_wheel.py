"""Build llama-cpp-python once per (version, CMAKE_ARGS) into a wheel cache, and install it.

Standard library only: it runs before the project is installed. pip's own wheel cache keys a
wheel built from a source distribution by its download, not by the CMAKE_ARGS it was built
with, so a build for other instruction sets would silently be reused; here each set of
arguments has its own wheel, `$HUGGINGGPT_CACHE/llama-wheels/<version>-<hash of the args>/`
(`~/.cache/langchain-hugginggpt/...` by default), built with pip's cache off.

python -m scripts.llama_wheel build     # print the wheel's path (building it if missing)
python -m scripts.llama_wheel install   # put it into this interpreter's environment
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "WheelBuildError",
    "build_wheel",
    "install_wheel",
    "main",
    "pinned_version",
    "wheel_cache",
    "wheel_dir",
]

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
_PIN = re.compile(r"""["']llama-cpp-python==([^"';\s]+)["']""")
_MARKER = ".llama-cpp-wheel"


class WheelBuildError(RuntimeError):
    """llama-cpp-python could not be built or installed; the message says what pip said."""


def pinned_version(pyproject: Path = PYPROJECT) -> str:
    """The llama-cpp-python version the project pins (its `offline` extra)."""
    found = _PIN.search(pyproject.read_text(encoding="utf-8"))
    if found is None:
        raise WheelBuildError(f"{pyproject} pins no llama-cpp-python==<version>")
    return found.group(1)


def wheel_cache(env: Mapping[str, str] = os.environ) -> Path:
    """`$HUGGINGGPT_CACHE/llama-wheels`, else `~/.cache/langchain-hugginggpt/llama-wheels`."""
    root = env.get("HUGGINGGPT_CACHE")
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "langchain-hugginggpt"
    return base / "llama-wheels"


def wheel_dir(version: str, cmake_args: str, cache: Path) -> Path:
    """The folder holding the wheel of `version` built with `cmake_args` (blanks normalised)."""
    digest = hashlib.sha256(" ".join(cmake_args.split()).encode()).hexdigest()[:12]
    return cache / f"{version}-{digest}"


def _wheel_in(folder: Path) -> Path | None:
    wheels = sorted(folder.glob("llama_cpp_python-*.whl"))
    return wheels[0] if wheels else None


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def build_wheel(
    version: str,
    cmake_args: str,
    cache: Path,
    python: str | None = None,
) -> Path:
    """The wheel of `version` built with `cmake_args`, built now (minutes) unless cached.

    Raises:
        WheelBuildError: pip failed to build it; the message ends with pip's last lines.
    """
    folder = wheel_dir(version, cmake_args, cache)
    cached = _wheel_in(folder)
    if cached is not None:
        return cached
    cache.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=cache, prefix=".building-"))
    print(
        f"building llama-cpp-python {version} with CMAKE_ARGS={cmake_args} "
        "(several minutes on 2 cores)",
        file=sys.stderr,
        flush=True,
    )
    command = [
        python or sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "--no-cache-dir",
        "--no-binary",
        "llama-cpp-python",
        "--wheel-dir",
        str(staging),
        f"llama-cpp-python=={version}",
    ]
    try:
        done = subprocess.run(
            command,
            env={**os.environ, "CMAKE_ARGS": cmake_args},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or _wheel_in(staging) is None:
            raise WheelBuildError(
                f"building llama-cpp-python {version} with CMAKE_ARGS={cmake_args} failed "
                f"(pip exit status {done.returncode}):\n{_tail(done.stderr or done.stdout)}"
            )
        (staging / "cmake-args.txt").write_text(cmake_args + "\n", encoding="utf-8")
        try:
            staging.rename(folder)
        except OSError:
            # Another build of the same arguments finished first; its wheel is as good.
            if _wheel_in(folder) is None:
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    found = _wheel_in(folder)
    if found is None:
        raise WheelBuildError(f"the wheel built for CMAKE_ARGS={cmake_args} vanished from {folder}")
    return found


def install_wheel(wheel: Path, python: str | None = None, prefix: Path | None = None) -> bool:
    """Install `wheel` into `python`'s environment (this one's) unless it is installed there.

    `prefix` is that environment's folder, where a marker records the wheel installed.

    Returns:
        Whether it was installed now.

    Raises:
        WheelBuildError: pip failed.
    """
    marker = (prefix or Path(sys.prefix)) / _MARKER
    if marker.is_file() and marker.read_text(encoding="utf-8").strip() == str(wheel):
        return False
    done = subprocess.run(
        [
            python or sys.executable,
            *("-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall", str(wheel)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise WheelBuildError(f"installing {wheel} failed:\n{_tail(done.stderr or done.stdout)}")
    marker.write_text(f"{wheel}\n", encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    """Build (and with `install`, install) the wheel for `$CMAKE_ARGS`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("build", "install"))
    args = parser.parse_args(argv)
    cmake_args = os.environ.get("CMAKE_ARGS", "")
    try:
        wheel = build_wheel(pinned_version(), cmake_args, wheel_cache())
        if args.action == "install" and install_wheel(wheel):
            print(f"installed {wheel.name} built with CMAKE_ARGS={cmake_args}", file=sys.stderr)
    except WheelBuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(wheel)
    return 0


if __name__ == "__main__":
    sys.exit(main())
