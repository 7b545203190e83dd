"""Checkpointers for durable runs: a SQLite file on one machine; Postgres for servers.

For a server, use `langgraph-checkpoint-postgres` instead (`PostgresSaver.from_conn_string`),
or let LangGraph Server bring its own checkpointer (compile the graph without one).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from langgraph.checkpoint.sqlite import SqliteSaver

from langchain_hugginggpt.catalog.hub import default_cache_dir

__all__ = ["default_threads_db", "sqlite_checkpointer"]


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
