"""Print the CMAKE_ARGS that llama-cpp-python's llama.cpp build should use on this CPU.

Standard library only: the Makefile runs it with the system Python before any venv exists.

The baseline is the portable AVX2 build the project always used. On x86-64, each instruction
set the CPU reports in /proc/cpuinfo is switched on (and each it lacks off, so the build never
holds an instruction the CPU would fault on): AVX-512 F/CD/VL/DQ/BW, VBMI, VNNI and BF16 where
present. AMX tiles stay off unless `HUGGINGGPT_LLAMA_AMX=1`: a native build used them and its
batched matmuls crashed (segfault) in a VM that does not grant the tiles. Any other CPU gets
`-DGGML_NATIVE=OFF`. A CMAKE_ARGS already set in the environment is printed unchanged.

Option names are llama.cpp's (ggml/CMakeLists.txt of the copy llama-cpp-python 0.3.36 vendors).
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

__all__ = [
    "AMX_OPT_IN",
    "PORTABLE_X86",
    "cmake_args",
    "cpu_flags",
    "main",
]

AMX_OPT_IN = "HUGGINGGPT_LLAMA_AMX"
"""Set to 1 to build llama.cpp's AMX tile kernels (only where the CPU reports the tiles)."""

PORTABLE_X86 = (
    "-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON "
    "-DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF"
)
"""The portable build the Makefile used before the choice was made per CPU."""

_X86 = ("x86_64", "amd64", "i386", "i686")
# (option, /proc/cpuinfo flags that must all be present); an option whose flags are missing is
# written OFF. GGML_AVX512 compiles with -mavx512f -mavx512cd -mavx512vl -mavx512dq -mavx512bw.
_BASELINE = (
    ("GGML_SSE42", ("sse4_2",)),
    ("GGML_AVX", ("avx",)),
    ("GGML_AVX2", ("avx2",)),
    ("GGML_FMA", ("fma",)),
    ("GGML_F16C", ("f16c",)),
    ("GGML_BMI2", ("bmi2",)),
    ("GGML_AVX_VNNI", ("avx_vnni",)),
)
_AVX512 = ("avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw")
_AVX512_EXTRAS = (
    ("GGML_AVX512_VBMI", ("avx512vbmi",)),
    ("GGML_AVX512_VNNI", ("avx512_vnni",)),
    ("GGML_AVX512_BF16", ("avx512_bf16",)),
)
# llama.cpp's AMX kernels also need AVX512-VNNI (ggml-cpu/amx/amx.h).
_AMX = (
    ("GGML_AMX_TILE", ("amx_tile",)),
    ("GGML_AMX_INT8", ("amx_int8", "avx512_vnni")),
    ("GGML_AMX_BF16", ("amx_bf16",)),
)


def cpu_flags(cpuinfo: str) -> frozenset[str] | None:
    """The instruction-set flags of the first processor in a /proc/cpuinfo text, if any."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return frozenset(value.split())
    return None


def _switch(option: str, needs: Iterable[str], flags: frozenset[str], allowed: bool) -> str:
    on = allowed and all(flag in flags for flag in needs)
    return f"-D{option}={'ON' if on else 'OFF'}"


def cmake_args(machine: str, cpuinfo: str | None, env: Mapping[str, str]) -> str:
    """CMAKE_ARGS for a `machine` (as `uname -m` says) with this cpuinfo text and environment."""
    if env.get("CMAKE_ARGS"):
        return env["CMAKE_ARGS"]
    if machine.lower() not in _X86:
        return "-DGGML_NATIVE=OFF"
    flags = cpu_flags(cpuinfo or "")
    if flags is None:
        return PORTABLE_X86
    avx512 = all(flag in flags for flag in _AVX512)
    amx = avx512 and env.get(AMX_OPT_IN, "").strip().lower() in ("1", "on", "true", "yes")
    args = ["-DGGML_NATIVE=OFF"]
    args += [_switch(option, needs, flags, True) for option, needs in _BASELINE]
    args.append(f"-DGGML_AVX512={'ON' if avx512 else 'OFF'}")
    args += [_switch(option, needs, flags, avx512) for option, needs in _AVX512_EXTRAS]
    args += [_switch(option, needs, flags, amx) for option, needs in _AMX]
    return " ".join(args)


def main() -> int:
    """Print the CMAKE_ARGS for this machine."""
    try:
        cpuinfo: str | None = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        cpuinfo = None
    print(cmake_args(platform.machine(), cpuinfo, os.environ))
    return 0


if __name__ == "__main__":
    sys.exit(main())
