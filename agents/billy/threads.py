"""Conversation threads: each turn's question, answer and plan, so a follow-up ("and for Anthropic?") can
carry the previous plan over. Kept in a small SQLite file under Settings.state_dir, next to the LangGraph
checkpoints of the LLM path (same file, own table), using only the standard library so the deterministic path
stays fast.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

from spendscope.agents.billy.models import Plan

FILE_NAME = "billy.sqlite"


def thread_file(state_dir: Path) -> Path:
    return Path(state_dir).expanduser() / FILE_NAME


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10)
    con.execute(
        "CREATE TABLE IF NOT EXISTS billy_turns (thread_id TEXT NOT NULL, turn INTEGER NOT NULL, at TEXT NOT NULL,"
        " question TEXT NOT NULL, answer TEXT NOT NULL, plan TEXT, llm INTEGER NOT NULL,"
        " PRIMARY KEY (thread_id, turn))"
    )
    return con


def last_plan(state_dir: Path, thread_id: str) -> Plan | None:
    """The plan of the thread's most recent planned turn, if any."""
    path = thread_file(state_dir)
    if not path.exists():
        return None
    con = _connect(path)
    try:
        row = con.execute(
            "SELECT plan FROM billy_turns WHERE thread_id = ? AND plan IS NOT NULL ORDER BY turn DESC LIMIT 1",
            [thread_id],
        ).fetchone()
    finally:
        con.close()
    return Plan.model_validate_json(row[0]) if row else None


def history(state_dir: Path, thread_id: str, limit: int = 10) -> list[tuple[str, str, bool]]:
    """(question, answer, llm) of the thread's last turns, oldest first."""
    path = thread_file(state_dir)
    if not path.exists():
        return []
    con = _connect(path)
    try:
        rows = con.execute(
            "SELECT question, answer, llm FROM billy_turns WHERE thread_id = ? ORDER BY turn DESC LIMIT ?",
            [thread_id, limit],
        ).fetchall()
    finally:
        con.close()
    return [(q, a, bool(llm)) for q, a, llm in reversed(rows)]


def record(state_dir: Path, thread_id: str, question: str, answer: str, plan: Plan | None, llm: bool) -> None:
    con = _connect(thread_file(state_dir))
    try:
        with con:
            n = con.execute(
                "SELECT coalesce(max(turn), 0) + 1 FROM billy_turns WHERE thread_id = ?", [thread_id]
            ).fetchone()[0]
            con.execute(
                "INSERT INTO billy_turns VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    thread_id,
                    n,
                    dt.datetime.now(dt.UTC).isoformat(),
                    question,
                    answer,
                    plan.model_dump_json() if plan is not None else None,
                    int(llm),
                ],
            )
    finally:
        con.close()


def dump(state_dir: Path, thread_id: str) -> str:
    """The thread as JSON lines (for debugging and tests)."""
    return "\n".join(
        json.dumps({"q": q, "a": a, "llm": llm}) for q, a, llm in history(state_dir, thread_id, 1000)
    )
