"""Throwaway PostgreSQL and Redis on free loopback ports, for tests and the load benchmark.

Each instance lives in a fresh temporary folder and is gone when its context ends. They use
Debian's `postgresql` and `redis-server` packages (`make system-packages` installs them); when a
binary is missing, starting raises `BackingServiceError` saying what to install.
PostgreSQL refuses to run as root, so as root its commands run as the `postgres` user the
Debian package creates.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "BackingServiceError",
    "Postgres",
    "Redis",
    "free_port",
    "postgres_instance",
    "redis_instance",
]

INSTALL_HINT = (
    "install Debian's postgresql and redis-server packages (`make system-packages` does it, as "
    "root or through sudo; or `apt-get install postgresql redis-server`)"
)


class BackingServiceError(RuntimeError):
    """PostgreSQL or Redis could not be started here."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass(frozen=True)
class Postgres:
    """A running throwaway PostgreSQL server (user `postgres`, trust authentication)."""

    port: int
    bin_dir: Path
    run_as: tuple[str, ...]

    def url(self, database: str = "postgres", *, driver: str = "postgresql") -> str:
        """Connection URL of `database`; `driver` e.g. `postgresql+asyncpg` for SQLAlchemy."""
        return f"{driver}://postgres@127.0.0.1:{self.port}/{database}?sslmode=disable"

    def create_database(self, name: str) -> str:
        """Create database `name`; return its URL."""
        _check(
            [
                *self.run_as,
                str(self.bin_dir / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                name,
            ],
            f"createdb {name}",
        )
        return self.url(name)


@dataclass(frozen=True)
class Redis:
    """A running throwaway Redis server without persistence."""

    port: int

    def url(self, db: int = 0) -> str:
        """URL of logical database `db` (0 to 15): servers on different ones do not meet."""
        return f"redis://127.0.0.1:{self.port}/{db}"


def _postgres_bin_dir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if not versions:
        raise BackingServiceError(f"PostgreSQL (pg_ctl, initdb) is not installed: {INSTALL_HINT}")
    return versions[-1].parent


def _as_postgres_user() -> tuple[tuple[str, ...], int | None]:
    """The command prefix to run PostgreSQL's programs, and the uid to own its folder."""
    if os.geteuid() != 0:
        return (), None
    try:
        uid = pwd.getpwnam("postgres").pw_uid
    except KeyError as exc:
        raise BackingServiceError(
            f"running as root and there is no `postgres` user to run PostgreSQL as: {INSTALL_HINT}"
        ) from exc
    runuser = shutil.which("runuser")
    if runuser is None:
        raise BackingServiceError("running as root: PostgreSQL needs `runuser` (util-linux)")
    return (runuser, "-u", "postgres", "--"), uid


def _check(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackingServiceError(f"{what} failed ({done.returncode}): {done.stderr[-2000:]}")


@contextmanager
def postgres_instance(*, max_connections: int = 300) -> Iterator[Postgres]:
    """Start PostgreSQL in a new temporary folder on a free port; stop it and delete it after."""
    bin_dir = _postgres_bin_dir()
    run_as, uid = _as_postgres_user()
    # Not under pytest's temporary folders: those are private to root, and the server may run
    # as `postgres`.
    root = Path(tempfile.mkdtemp(prefix="hugginggpt-pg-"))
    if uid is not None:
        os.chown(root, uid, -1)
    data, log, port = root / "data", root / "server.log", free_port()
    try:
        _check(
            [
                *run_as,
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            "initdb",
        )
        options = (
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 "
            f"-c max_connections={max_connections}"
        )
        _check(
            [
                *run_as,
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(log),
                "-w",
                "-t",
                "60",
                "-o",
                options,
                "start",
            ],
            "pg_ctl start",
        )
    except BackingServiceError:
        shutil.rmtree(root, ignore_errors=True)
        raise
    try:
        yield Postgres(port=port, bin_dir=bin_dir, run_as=run_as)
    finally:
        subprocess.run(
            [*run_as, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)


def _redis_ready(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _wait(ready: Callable[[], bool], proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 60
    while not ready():
        if proc.poll() is not None:
            raise BackingServiceError(f"{what} exited with {proc.returncode}")
        if time.monotonic() > deadline:
            raise BackingServiceError(f"{what} did not answer within 60 s")
        time.sleep(0.05)


@contextmanager
def redis_instance() -> Iterator[Redis]:
    """Start Redis on a free port without persistence; stop it after."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).is_file():
        raise BackingServiceError(f"redis-server is not installed: {INSTALL_HINT}")
    root = Path(tempfile.mkdtemp(prefix="hugginggpt-redis-"))
    port = free_port()
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(root),
            "--daemonize",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(lambda: _redis_ready(port), proc, "redis-server")
        yield Redis(port=port)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)
