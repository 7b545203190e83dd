"""Load: many concurrent runs of a 3-task plan through an Agent Server, checked one by one.

Each run is a new thread with the request `job TOKEN: three` of `benchmarks.served_graph`
(controller answering from the request, engine echoing its inputs at once), so every output
names the request it belongs to. A run is *lost* when it did not end with three finished tasks
and an answer, *crossed* when an output or the answer names another run's token or misses its
own, *duplicated* when the engine log shows one of its tasks started more than once.

`measure()` starts everything itself for `make bench` (key `load`): throwaway PostgreSQL and
Redis with two `langgraph-runtime-pg` workers, and `langgraph dev` (in memory, one process) for
comparison. Tests call `concurrent_runs` on servers they started.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
from langgraph_sdk import get_client

from benchmarks.agent_server import (
    langgraph_dev_command,
    serve_process,
    server_config,
    server_worker,
)
from benchmarks.backing import free_port, postgres_instance, redis_instance
from benchmarks.served_graph import TOKEN_RE

__all__ = ["concurrent_runs", "measure", "served_env"]

GRAPHS = {"served": "./benchmarks/served_graph.py:graph"}


def served_env(work: Path) -> dict[str, str]:
    """The environment of workers serving `benchmarks.served_graph`, logging to `work`."""
    return {
        "HUGGINGGPT_SERVED_LOG": str(work / "calls.log"),
        "HUGGINGGPT_CACHE": str(work / "cache"),
        "HF_HUB_OFFLINE": "1",
    }


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def _all_runs(
    urls: Sequence[str], tokens: Sequence[str], concurrency: int, timeout_s: float
) -> list[tuple[str, Any, float]]:
    clients = [
        get_client(url=url, timeout=httpx.Timeout(timeout_s, pool=timeout_s)) for url in urls
    ]
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int, token: str) -> tuple[str, Any, float]:
        client = clients[i % len(clients)]
        async with gate:
            start = time.perf_counter()
            try:
                thread = await client.threads.create()
                output = await client.runs.wait(
                    thread["thread_id"],
                    "served",
                    input={"messages": [{"role": "user", "content": f"job {token}: three"}]},
                    raise_error=False,
                )
            except (httpx.HTTPError, OSError) as exc:
                output = {"__error__": f"{type(exc).__name__}: {exc}"}
            return token, output, time.perf_counter() - start

    return await asyncio.gather(*(one(i, t) for i, t in enumerate(tokens)))


def _crossed(token: str, output: dict[str, Any]) -> bool:
    texts = [r.get("output", {}).get("text", "") for r in output["results"].values()]
    answer = output["messages"][-1]["content"]
    texts.append(answer if isinstance(answer, str) else str(answer))
    return any(set(TOKEN_RE.findall(text)) != {token} for text in texts)


def concurrent_runs(
    urls: Sequence[str],
    *,
    runs: int = 50,
    concurrency: int = 50,
    log: Path | None = None,
    timeout_s: float = 600.0,
) -> dict[str, Any]:
    """Send `runs` runs, `concurrency` at a time, round-robin over the servers at `urls`.

    Returns:
        `runs`, `concurrency`, `lost`, `crossed`, `duplicated` (from `log`, the engine's call
        log, when given), `runs_per_minute`, `p50_seconds`, `p95_seconds` (per run, from
        creating its thread to its final state), and `problems` (up to five examples).
    """
    tokens = [f"T{i:04d}{uuid.uuid4().hex[:6]}" for i in range(runs)]
    before = len(log.read_text().splitlines()) if log and log.exists() else 0
    start = time.perf_counter()
    done = asyncio.run(_all_runs(urls, tokens, concurrency, timeout_s))
    wall = time.perf_counter() - start
    lost, crossed, problems = 0, 0, []
    for token, output, _ in done:
        results = output.get("results", {}) if isinstance(output, dict) else {}
        if len(results) != 3 or any(r.get("status") != "ok" for r in results.values()):
            lost += 1
            problems.append(f"{token}: {str(output)[:300]}")
        elif _crossed(token, output):
            crossed += 1
            problems.append(f"{token} crossed: {str(output['results'])[:300]}")
    duplicated = 0
    if log is not None:
        lines = log.read_text().splitlines()[before:]
        starts = Counter(tuple(line.split()[1:3]) for line in lines)
        duplicated = sum(1 for n in starts.values() if n > 1)
    seconds = [s for _, _, s in done]
    return {
        "runs": runs,
        "concurrency": concurrency,
        "lost": lost,
        "crossed": crossed,
        "duplicated": duplicated,
        "runs_per_minute": round(runs / wall * 60, 1),
        "p50_seconds": round(statistics.median(seconds), 3),
        "p95_seconds": round(_percentile(seconds, 0.95), 3),
        "problems": problems[:5],
    }


@contextmanager
def _dev_server(config: Path, work: Path) -> Iterator[str]:
    """`langgraph dev` (in memory, this environment) serving `config`; yields its URL."""
    port = free_port()
    command = langgraph_dev_command(port, config, "--n-jobs-per-worker", "4")
    env = {**os.environ, **served_env(work), "LANGGRAPH_CLI_NO_ANALYTICS": "1"}
    with serve_process(command, port=port, env=env, log=work / "dev.log", what="langgraph dev"):
        yield f"http://127.0.0.1:{port}"


def measure(work: Path, *, runs: int = 50, concurrency: int = 50) -> dict[str, Any]:
    """The `load` figures per backend: PostgreSQL + Redis with two workers; `langgraph dev`."""
    figures: dict[str, Any] = {}
    pg_work, dev_work = work / "pg", work / "dev"
    pg_work.mkdir(parents=True)
    dev_work.mkdir(parents=True)
    with ExitStack() as stack:
        postgres = stack.enter_context(postgres_instance())
        redis = stack.enter_context(redis_instance())
        database = postgres.create_database("load")
        config = server_config(pg_work, GRAPHS)
        urls = [
            stack.enter_context(
                server_worker(
                    config,
                    database_url=database,
                    redis_url=redis.url(),
                    log=pg_work / f"worker{i}.log",
                    env=served_env(pg_work),
                )
            ).url
            for i in range(2)
        ]
        figures["postgres_redis_2_workers"] = concurrent_runs(
            urls, runs=runs, concurrency=concurrency, log=pg_work / "calls.log"
        )
    with _dev_server(server_config(dev_work, GRAPHS), dev_work) as url:
        figures["langgraph_dev_in_memory"] = concurrent_runs(
            [url], runs=runs, concurrency=concurrency, log=dev_work / "calls.log"
        )
    figures["workload"] = (
        f"{runs} runs, {concurrency} at a time, of a 3-task plan (1 -> 2, and 3) with a "
        "controller answering from the request and instant engines; 4 runs at once per worker"
    )
    return figures
