"""Billy's public evaluation on embedded ClickHouse: the export imported into a chdb store, every question asked
as `spendscope ask` would (no API key), judged by ../shared/eval/score.py's own rule. At least 97% correct."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from pathlib import Path

import pytest
from backend_cases import copy_chdb_store
from samples import SHARED, shared_file

pytest.importorskip("chdb", reason="the clickhouse extra (chdb) is not installed")

from spendscope.agents.billy import ask  # noqa: E402
from spendscope.data.settings import Settings  # noqa: E402


def _judge() -> object:
    spec = importlib.util.spec_from_file_location("eval_score", shared_file(SHARED / "eval" / "score.py"))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.judge


def test_billy_answers_the_public_eval_on_chdb(_chdb_public_master: Path, tmp_path: Path) -> None:
    judge = _judge()
    questions = [
        json.loads(line)
        for line in shared_file(SHARED / "eval" / "questions_public.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()
        if line.strip()
    ]
    store = copy_chdb_store(_chdb_public_master, tmp_path / "eval-chdb")  # the export through `import focus`
    settings = Settings(state_dir=tmp_path / "state", anthropic_api_key=None)
    wrong = []
    for q in questions:
        day = dt.date.fromisoformat(q["as_of"]) if q.get("as_of") else None
        answer = ask(store, q["question"], as_of=day, settings=settings).to_json_dict()
        if not judge(q, answer):
            wrong.append((q["question"], q["expected"], answer.get("answer")))
    assert len(wrong) <= len(questions) * 0.03, wrong
