"""After install: llama.cpp evaluates a prompt in one batch and decodes, or the install fails.

A build for instruction sets the CPU (or the VM around it) does not grant crashes in the batched
matmuls of a prompt, not at import; so the packaged 0.5B controller evaluates a prompt of about a
hundred tokens at once and decodes a few, in a child process, whose crash is reported here with
how to fall back to the portable build. Run with the project's environment:

python -m scripts.llama_smoke    # exit status 0: the build works; 1: it does not, and why
"""

from __future__ import annotations

import json
import platform
import signal
import subprocess
import sys
from pathlib import Path

from scripts.llama_cmake_args import cmake_args

__all__ = ["SmokeError", "check", "main"]

TIMEOUT_S = 120
PROMPT = (
    "<|im_start|>system\nYou answer geography questions with one word, the name asked for. "
    "The capital of Germany is Berlin. The capital of Spain is Madrid. The capital of Japan "
    "is Tokyo. The capital of Kenya is Nairobi. The capital of Canada is Ottawa. The capital "
    "of Egypt is Cairo. The capital of Peru is Lima. The capital of Norway is Oslo.<|im_end|>\n"
    "<|im_start|>user\nWhat is the capital of France? Answer with the city only.<|im_end|>\n"
    "<|im_start|>assistant\n"
)
EXPECTED = "paris"
DECODE_TOKENS = 6
# Runs in the child: one batched evaluation of the whole prompt, then greedy decoding.
CHILD = """
import json, os, sys
from llama_cpp import Llama, llama_print_system_info
llama = Llama(sys.argv[1], n_ctx=512, n_batch=512, n_threads=os.cpu_count() or 1, verbose=False)
prompt = llama.tokenize(sys.argv[2].encode(), add_bos=False, special=True)
out = []
for token in llama.generate(prompt, temp=0.0, top_k=1):
    out.append(token)
    if len(out) == int(sys.argv[3]) or token == llama.token_eos():
        break
print(json.dumps({
    "prompt_tokens": len(prompt),
    "text": llama.detokenize(out).decode("utf-8", "replace"),
    "system_info": llama_print_system_info().decode(),
}))
llama.close()
"""


class SmokeError(RuntimeError):
    """The installed llama.cpp failed the smoke test; the message says how and what to do."""


def _fallback(what: str) -> SmokeError:
    # Without the CPU's flags, the choice is the portable build (AVX2, no AVX-512, no AMX).
    portable = cmake_args(platform.machine(), None, {})
    return SmokeError(
        f"llama-cpp-python failed its smoke test after install: {what}\n"
        "Fall back to the portable build and install again:\n"
        f'  make install CMAKE_ARGS="{portable}"'
    )


def check(
    model_path: Path, python: str | None = None, timeout_s: float = TIMEOUT_S
) -> dict[str, object]:
    """Evaluate the smoke prompt on `model_path` in a child process of `python` (this one's).

    Returns:
        What the child reported: prompt tokens, decoded text, llama.cpp's system info.

    Raises:
        SmokeError: the child crashed (the signal is named), hung, failed, or answered wrongly.
    """
    command = [python or sys.executable, "-c", CHILD, str(model_path), PROMPT, str(DECODE_TOKENS)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired:
        raise _fallback(f"no answer within {timeout_s:g} s") from None
    tail = "\n".join(done.stderr.strip().splitlines()[-15:])
    if done.returncode < 0:
        name = signal.Signals(-done.returncode).name
        raise _fallback(f"the process evaluating the prompt crashed ({name})\n{tail}")
    if done.returncode != 0:
        raise _fallback(f"the process evaluating the prompt failed:\n{tail}")
    try:
        report: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise _fallback(f"the process printed no report:\n{done.stdout[-500:]}") from None
    if EXPECTED not in str(report.get("text", "")).lower():
        raise _fallback(
            f"asked for the capital of France, it decoded {report.get('text')!r}: the build "
            "computes wrong numbers"
        )
    return report


def main() -> int:
    """Run the smoke test on the packaged 0.5B controller; print what happened."""
    try:
        from langchain_hugginggpt.offline.weights import QWEN_05B, WeightsError, assemble
    except ImportError as exc:
        print(f"error: the project is not installed in this environment: {exc}", file=sys.stderr)
        return 1
    try:
        report = check(assemble(QWEN_05B))
    except (SmokeError, WeightsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"llama.cpp smoke test passed: {report['prompt_tokens']} prompt tokens in one batch, "
        f"decoded {str(report['text']).strip()!r} ({str(report['system_info']).strip()})",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
