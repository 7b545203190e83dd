"""Checkpointers for durable runs: a SQLite file on one machine; PostgreSQL shared by many.

On an Agent Server (`langgraph dev`, LangGraph Server, `langgraph-runtime-pg`), let the server
bring its own checkpointer: compile the graph without one.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from langgraph.checkpoint.sqlite import SqliteSaver

from langchain_hugginggpt.catalog.hub import default_cache_dir

if TYPE_CHECKING:
    from langgraph.checkpoint.postgres import PostgresSaver

__all__ = ["default_threads_db", "postgres_checkpointer", "sqlite_checkpointer"]


def default_threads_db() -> Path:
    """Where the CLI keeps its threads: `~/.cache/langchain-hugginggpt/threads.sqlite`."""
    return default_cache_dir() / "threads.sqlite"


def sqlite_checkpointer(path: str | Path | None = None) -> SqliteSaver:
    """A SQLite checkpointer on `path` (default `default_threads_db()`), tables created.

    Each step and each finished task is written as it completes, so a run whose process dies
    resumes from the file (`graph.invoke(None, {"configurable": {"thread_id": ...}})`) without
    re-running the tasks that had finished.

    Raises:
        ValueError: the path is a directory, or its folder cannot be created.
    """
    db = Path(path).expanduser() if path is not None else default_threads_db()
    if db.is_dir():
        raise ValueError(f"checkpoint database path is a directory: {db}")
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"cannot create the folder for {db}: {exc}") from exc
    # The saver serialises access with its own lock, so threads may share the connection.
    saver = SqliteSaver(sqlite3.connect(str(db), check_same_thread=False))
    saver.setup()
    return saver


def postgres_checkpointer(
    url: str, *, max_connections: int = 10, connect_timeout_s: float = 30.0
) -> PostgresSaver:
    """A PostgreSQL checkpointer on database `url`, tables created (extra `postgres`).

    Saves what `sqlite_checkpointer` saves, as it completes, in a database that processes on
    several machines share: a run whose process dies resumes from any of them
    (`graph.invoke(None, {"configurable": {"thread_id": ...}})`) without re-running finished
    tasks. Connections come from a pool of up to `max_connections`, opened now and kept for
    the life of the process.

    Args:
        url: a libpq URL, e.g. `postgresql://user:password@host:5432/db?sslmode=require`.
        max_connections: most connections the pool opens (concurrent tasks share them).
        connect_timeout_s: how long to wait for the first connection.

    Raises:
        ImportError: `langgraph-checkpoint-postgres` is not installed.
        ValueError: the database cannot be reached.
    """
    try:
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool
    except ImportError as exc:
        raise ImportError(
            "postgres_checkpointer needs langgraph-checkpoint-postgres: "
            "pip install 'langchain-hugginggpt[postgres]'"
        ) from exc
    import psycopg

    # The settings PostgresSaver needs: autocommit, dict rows, no server-side prepared
    # statements (they break behind PgBouncer in transaction mode).
    pool: ConnectionPool[psycopg.Connection[dict[str, object]]] = ConnectionPool(
        url,
        min_size=1,
        max_size=max_connections,
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
        open=False,
    )
    try:
        pool.open(wait=True, timeout=connect_timeout_s)
        saver = PostgresSaver(pool)
        saver.setup()
    except psycopg.Error as exc:  # PoolTimeout included
        pool.close()
        raise ValueError(f"cannot use PostgreSQL at {_redacted(url)}: {exc}") from exc
    return saver


def _redacted(url: str) -> str:
    """`url` without its password."""
    head, sep, tail = url.partition("@")
    if not sep or "://" not in head:
        return url
    scheme, _, user = head.partition("://")
    return f"{scheme}://{user.split(':', 1)[0]}:***@{tail}" if ":" in user else url
