"""The llama.cpp build options chosen from a CPU's flags, and the Makefile's use of them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.llama_cmake_args import AMX_OPT_IN, PORTABLE_X86, cmake_args, cpu_flags

REPO = Path(__file__).resolve().parents[3]

# The flags line of this project's machine (Xeon with AVX-512, VNNI, BF16 and AMX), cut short.
XEON = (
    "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\n"
    "flags\t\t: fpu sse sse2 ssse3 sse4_1 sse4_2 avx f16c fma bmi2 avx2 avx_vnni avx512f "
    "avx512dq avx512cd avx512bw avx512vl avx512vbmi avx512_vnni avx512_bf16 amx_bf16 "
    "amx_tile amx_int8\n\nprocessor\t: 1\nflags\t\t: fpu\n"
)
HASWELL = "flags\t\t: fpu sse sse2 ssse3 sse4_1 sse4_2 avx f16c fma bmi2 avx2\n"
# Knights Landing: AVX-512 F and CD, but no VL, DQ or BW, which GGML_AVX512 compiles for.
KNL = f"{HASWELL.rstrip()} avx512f avx512cd avx512er avx512pf\n"
OLD_ATOM = "flags\t\t: fpu sse sse2 ssse3\n"


def options(args: str) -> dict[str, str]:
    return dict(arg.removeprefix("-D").split("=", 1) for arg in args.split())


def test_flags_come_from_the_first_processor() -> None:
    flags = cpu_flags(XEON)
    assert flags is not None and "avx512_vnni" in flags and "fpu" in flags
    assert cpu_flags("processor\t: 0\n") is None


def test_avx512_with_vnni_and_bf16_is_used_where_present_and_amx_stays_off() -> None:
    chosen = options(cmake_args("x86_64", XEON, {}))
    assert chosen["GGML_NATIVE"] == "OFF"
    for option in ("AVX", "AVX2", "FMA", "F16C", "BMI2", "AVX_VNNI", "AVX512"):
        assert chosen[f"GGML_{option}"] == "ON", option
    for option in ("AVX512_VBMI", "AVX512_VNNI", "AVX512_BF16"):
        assert chosen[f"GGML_{option}"] == "ON", option
    for option in ("AMX_TILE", "AMX_INT8", "AMX_BF16"):
        assert chosen[f"GGML_{option}"] == "OFF", option


@pytest.mark.parametrize("value", ["1", "on", "yes"])
def test_amx_only_on_explicit_opt_in(value: str) -> None:
    chosen = options(cmake_args("x86_64", XEON, {AMX_OPT_IN: value}))
    assert chosen["GGML_AMX_TILE"] == chosen["GGML_AMX_INT8"] == chosen["GGML_AMX_BF16"] == "ON"
    assert options(cmake_args("x86_64", XEON, {AMX_OPT_IN: "0"}))["GGML_AMX_TILE"] == "OFF"
    # Opting in does not invent tiles the CPU lacks.
    without = options(cmake_args("x86_64", HASWELL, {AMX_OPT_IN: "1"}))
    assert without["GGML_AMX_TILE"] == without["GGML_AMX_INT8"] == "OFF"


def test_an_avx2_cpu_gets_the_portable_instruction_sets_and_no_avx512() -> None:
    chosen = options(cmake_args("x86_64", HASWELL, {}))
    assert chosen["GGML_AVX2"] == chosen["GGML_FMA"] == chosen["GGML_F16C"] == "ON"
    assert chosen["GGML_AVX512"] == chosen["GGML_AVX512_VNNI"] == "OFF"
    assert chosen["GGML_AVX_VNNI"] == "OFF"


def test_partial_avx512_is_not_enough() -> None:
    chosen = options(cmake_args("x86_64", KNL, {}))
    assert chosen["GGML_AVX512"] == "OFF"
    assert chosen["GGML_AVX2"] == "ON"


def test_instruction_sets_the_cpu_lacks_are_switched_off() -> None:
    chosen = options(cmake_args("x86_64", OLD_ATOM, {}))
    for option in ("AVX", "AVX2", "FMA", "F16C", "BMI2", "AVX512"):
        assert chosen[f"GGML_{option}"] == "OFF", option


@pytest.mark.parametrize("machine", ["aarch64", "arm64", "ppc64le", "riscv64"])
def test_other_architectures_build_without_native(machine: str) -> None:
    assert cmake_args(machine, XEON, {}) == "-DGGML_NATIVE=OFF"


def test_unknown_x86_flags_fall_back_to_the_portable_build() -> None:
    assert cmake_args("x86_64", None, {}) == PORTABLE_X86
    assert cmake_args("x86_64", "no flags here", {}) == PORTABLE_X86


def test_cmake_args_set_by_the_user_win() -> None:
    assert cmake_args("x86_64", XEON, {"CMAKE_ARGS": "-DGGML_BLAS=ON"}) == "-DGGML_BLAS=ON"
    assert cmake_args("aarch64", None, {"CMAKE_ARGS": "-DX=1"}) == "-DX=1"


def test_the_script_prints_them() -> None:
    env = {k: v for k, v in os.environ.items() if k != "CMAKE_ARGS"}
    run = subprocess.run(
        [sys.executable, "-m", "scripts.llama_cmake_args"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert run.stdout.startswith("-DGGML_NATIVE=OFF")
    env["CMAKE_ARGS"] = "-DMINE=ON"
    run = subprocess.run(
        [sys.executable, "-m", "scripts.llama_cmake_args"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert run.stdout.strip() == "-DMINE=ON"


def make_cmake_args(env: dict[str, str], *args: str) -> str:
    run = subprocess.run(
        ["make", "-n", "-p", *args, "lint"], cwd=REPO, env=env, capture_output=True, text=True
    )
    line = next(x for x in run.stdout.splitlines() if x.startswith("CMAKE_ARGS "))
    return line.split("=", 1)[1].strip()


def test_the_makefile_chooses_them_unless_given() -> None:
    env = {k: v for k, v in os.environ.items() if k != "CMAKE_ARGS"}
    chosen = subprocess.run(
        [sys.executable, "-m", "scripts.llama_cmake_args"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert make_cmake_args(env) == chosen
    assert make_cmake_args({**env, "CMAKE_ARGS": ""}) == chosen
    assert make_cmake_args({**env, "CMAKE_ARGS": "-DMINE=ON"}) == "-DMINE=ON"
    assert make_cmake_args(env, f"CMAKE_ARGS={PORTABLE_X86}") == PORTABLE_X86
