"""Child process of `controller_speed`: measures the llama.cpp build first on its `sys.path`.

python -m benchmarks.llama_probe speed MODEL.gguf PROMPT_TOKENS DECODE_TOKENS REPEATS
python -m benchmarks.llama_probe prefix MODEL.gguf CACHE_DIR|- FIRST|NEXT

Each prints one JSON object on its last line. `speed`: prompt and decode tokens per second of
one prompt (cut from the free planner's real system prompt), greedy, best of the repeats.
`prefix`: prompt tokens evaluated by each planning request of one process through the project's
chat model (`-`: its prefix cache off), with the real planning prompt (task list, retrieved
demonstrations, request); `FIRST` runs three planning requests with an unrelated call between
the second and third, `NEXT` one more request, as the next run would.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage

from langchain_hugginggpt.planning.demos import DemoBank
from langchain_hugginggpt.planning.free import plan_messages
from langchain_hugginggpt.planning.prompts import FILL_SYSTEM, PLAN_SYSTEM, render_task_list

__all__ = ["REQUESTS", "main", "prefix", "speed"]

THREADS = os.cpu_count() or 1
REQUESTS = (
    "Is the following tweet positive or negative? 'Finally got my order, love this shop!'",
    "Transcribe meeting.wav and summarise what was decided.",
    "Describe photo.jpg and read the description aloud.",
    "Translate this note into French and tell me which people it mentions: 'Anna met Omar "
    "in Lisbon on Friday.'",
)
# A call of another stage between planning requests (the guided planner's fill).
OTHER = [SystemMessage(FILL_SYSTEM), HumanMessage("Summarise notes.txt in two sentences.")]


def speed(model: Path, prompt_tokens: int, decode_tokens: int, repeats: int) -> dict[str, Any]:
    """Prompt and decode tokens per second, each the best of `repeats` runs."""
    from llama_cpp import Llama, llama_print_system_info

    llama = Llama(
        str(model),
        n_ctx=prompt_tokens + decode_tokens + 64,
        n_batch=512,
        n_threads=THREADS,
        n_threads_batch=THREADS,
        verbose=False,
    )
    text = PLAN_SYSTEM.format(task_list=render_task_list())
    tokens = llama.tokenize(text.encode("utf-8"), add_bos=False)[:prompt_tokens]
    if len(tokens) < prompt_tokens:
        raise SystemExit(f"the prompt has only {len(tokens)} tokens, {prompt_tokens} asked")
    runs = []
    for _ in range(repeats):
        llama.reset()  # nothing held: the whole prompt is evaluated again
        start = time.perf_counter()
        first = None
        made = 0
        for _token in llama.generate(tokens, temp=0.0, top_k=1):
            if first is None:
                first = time.perf_counter()
            else:
                made += 1
            if made == decode_tokens:
                break
        end = time.perf_counter()
        assert first is not None
        runs.append(
            {
                "prompt_tok_s": round(len(tokens) / (first - start), 1),
                "decode_tok_s": round(made / (end - first), 1),
            }
        )
    info = llama_print_system_info().decode("utf-8", "replace").strip()
    llama.close()
    return {
        "prompt_tok_s": max(r["prompt_tok_s"] for r in runs),
        "decode_tok_s": max(r["decode_tok_s"] for r in runs),
        "runs": runs,
        "system_info": info,
    }


def prefix(model: Path, cache: str, phase: str) -> dict[str, Any]:
    """Prompt tokens evaluated per planning request in this process (and the other call's)."""
    from langchain_hugginggpt.offline.chat_model import ChatLlamaCpp
    from langchain_hugginggpt.offline.prefix_cache import fixed_prefix

    chat = ChatLlamaCpp(
        model_path=str(model),
        max_tokens=4,  # only the prompt's evaluation is measured
        prefix_cache=cache != "-",
        prefix_cache_dir=None if cache == "-" else cache,
    )
    bank = DemoBank()
    calls: list[tuple[str, list[Any]]]
    if phase == "FIRST":
        planning = [("plan", plan_messages(r, bank.select(r, 3))) for r in REQUESTS[:3]]
        calls = [*planning[:2], ("other stage", OTHER), planning[2]]
    else:
        calls = [("plan", plan_messages(REQUESTS[3], bank.select(REQUESTS[3], 3)))]
    out = []
    for kind, messages in calls:
        start = time.perf_counter()
        reply = chat.invoke(messages)
        usage = reply.usage_metadata
        out.append(
            {
                "call": kind,
                "prompt_tokens": usage["input_tokens"] if usage else 0,
                "evaluated": reply.response_metadata["prompt_tokens_evaluated"],
                "seconds": round(time.perf_counter() - start, 2),
            }
        )
    system = plan_messages(REQUESTS[0], [])[0].text
    fixed = fixed_prefix(
        chat._llama()[0], [{"role": "system", "content": system}, {"role": "user", "content": "?"}]
    )
    return {"prefix_tokens": len(fixed or []), "calls": out}


def main(argv: list[str]) -> int:
    """Run one probe; print its JSON."""
    if len(argv) >= 5 and argv[0] == "speed":
        result = speed(Path(argv[1]), int(argv[2]), int(argv[3]), int(argv[4]))
    elif len(argv) >= 4 and argv[0] == "prefix":
        result = prefix(Path(argv[1]), argv[2], argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
