"""Agent Server workers on shared PostgreSQL and Redis, for tests and the load benchmark.

A worker is stock `langgraph-api` on the MIT `langgraph-runtime-pg` runtime, started by the
`langhost serve` command. They pin `langgraph-api==0.11.1`, older than the one `langgraph dev`
uses in `.venv`, so they live in their own virtual environment, `.venv-server` (`make
server-venv`, from the `server` dependency group and this project). Each worker is one process
in its own process group, so a test can kill it (SIGKILL) without touching the others.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks.backing import free_port

__all__ = [
    "ROOT",
    "SERVER_VENV",
    "ServerError",
    "Worker",
    "langgraph_dev_command",
    "serve_process",
    "server_config",
    "server_worker",
    "stop_process",
]

ROOT = Path(__file__).resolve().parents[1]
SERVER_VENV = ROOT / ".venv-server"


class ServerError(RuntimeError):
    """A worker could not be started."""


@dataclass
class Worker:
    """One running Agent Server process."""

    url: str
    proc: subprocess.Popen[bytes]
    log: Path

    def kill(self) -> None:
        """SIGKILL the worker and everything it started: no cleanup, no goodbye."""
        with suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def owns(self, pid: int) -> bool:
        """Whether process `pid` is this worker or one of its processes."""
        try:
            return os.getpgid(pid) == self.proc.pid
        except ProcessLookupError:
            return pid == self.proc.pid


def langhost() -> Path:
    """The `langhost` command of `.venv-server`; raises `ServerError` saying how to build it."""
    command = SERVER_VENV / "bin" / "langhost"
    if not command.is_file():
        raise ServerError(
            f"{command} is missing: build the server's environment with `make server-venv` "
            "(`make test` and `make bench` do it)"
        )
    return command


def server_config(folder: Path, graphs: Mapping[str, str]) -> Path:
    """Write a `langgraph.json` serving `graphs` (name -> `./path.py:attr`, from the repo)."""
    path = folder / "langgraph.json"
    path.write_text(json.dumps({"dependencies": ["."], "graphs": dict(graphs)}))
    return path


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group of `proc`, SIGKILL if it lingers; wait for it."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=20)
            break
        except subprocess.TimeoutExpired:
            continue
    proc.wait(timeout=30)


@contextmanager
def server_worker(
    config: Path,
    *,
    database_url: str,
    redis_url: str,
    log: Path,
    env: Mapping[str, str] | None = None,
    jobs: int = 4,
    heartbeat_s: float = 2.0,
) -> Iterator[Worker]:
    """Start one worker on the shared database and Redis; stop it when done.

    Args:
        config: the `langgraph.json` to serve (see `server_config`).
        database_url: PostgreSQL URL; threads, runs, checkpoints and the run queue live there.
        redis_url: Redis URL; streaming, queue wake-ups and the runs' heartbeats.
        log: file for the worker's output.
        env: extra environment for the graph.
        jobs: runs this worker executes at once (`N_JOBS_PER_WORKER`).
        heartbeat_s: a run's heartbeat interval: a run whose worker stopped beating for about
            twice this long is put back in the queue for another worker.
    """
    port = free_port()
    environment = {
        **os.environ,
        **(env or {}),
        "DATABASE_URI": database_url,
        "REDIS_URI": redis_url,
        "LG_BG_JOB_HEARTBEAT": str(heartbeat_s),
        "LANGSMITH_TRACING": "false",
        "LANGGRAPH_CLI_NO_ANALYTICS": "1",
        "PYTHONPATH": str(ROOT),
    }
    environment.pop("VIRTUAL_ENV", None)
    command = [
        str(langhost()),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--config",
        str(config),
        "--n-jobs-per-worker",
        str(jobs),
    ]
    with serve_process(command, port=port, env=environment, log=log, what="worker") as proc:
        yield Worker(url=f"http://127.0.0.1:{port}", proc=proc, log=log)


def langgraph_dev_command(port: int, config: Path, *extra: str) -> list[str]:
    """`langgraph dev` (in memory, from this environment's langgraph-cli) serving `config`."""
    return [
        str(Path(sys.executable).parent / "langgraph"),
        "dev",
        "--port",
        str(port),
        "--host",
        "127.0.0.1",
        "--no-browser",
        "--no-reload",
        "--config",
        str(config),
        *extra,
    ]


@contextmanager
def serve_process(
    command: list[str], *, port: int, env: Mapping[str, str], log: Path, what: str
) -> Iterator[subprocess.Popen[bytes]]:
    """Start server `command` in its own process group; yield it once `/ok` answers; stop it.

    It runs from the repository (graph paths in a config are relative to it), its output goes
    to `log`. Raises `ServerError` with the log's end when it exits or gives no `/ok` within
    180 s.
    """
    out = log.open("wb")
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env=dict(env),
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                raise ServerError(f"{what} exited with {proc.returncode}: {_tail(log)}")
            try:
                if httpx.get(f"{url}/ok", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise ServerError(f"{what} gave no /ok within 180 s: {_tail(log)}")
            time.sleep(0.3)
        yield proc
    finally:
        if proc.poll() is None:
            stop_process(proc)
        out.close()


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"
