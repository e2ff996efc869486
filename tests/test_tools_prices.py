"""`spendscope prices show|diff` and `spendscope reprice`: the operations through tools.invoke and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from spendscope.data.errors import InvalidArgument, UnknownValue
from spendscope.data.events import import_events_file
from spendscope.data.store import Store
from spendscope.tools.invoke import invoke
from typer.testing import CliRunner


def _cli(args: list[str], env: dict[str, str] | None = None) -> dict:
    from spendscope.cli import app

    result = CliRunner().invoke(app, [*args, "--json"], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_price_sheet_lists_tiers_bands_and_the_dates_each_price_is_valid(store: Store) -> None:
    sheet = invoke(store, "show_model_prices", {"model": "claude-sonnet-4-6", "on": "2026-03-01"})
    rows = {(r.tier, r.band): r for r in sheet.rows}
    long = rows[("standard", "> 200,000 input tokens")]
    assert (long.input, long.output, long.valid_until) == (6.0, 22.5, dt.date(2026, 3, 13))
    assert rows[("batch", "all")].input == 1.5
    assert rows[("priority", "all")].committed  # Anthropic Priority Tier: committed capacity
    later = invoke(store, "show_model_prices", {"model": "claude-sonnet-4-6", "on": "2026-04-01"})
    assert not any(r.above_tokens for r in later.rows)  # the long-context premium ended on 2026-03-13
    assert [(t.valid_from, t.valid_until) for t in later.timeline] == [
        (None, dt.date(2026, 3, 13)),
        (dt.date(2026, 3, 13), None),
    ]


def test_an_unknown_model_is_an_error_with_suggestions(store: Store) -> None:
    with pytest.raises(UnknownValue) as info:
        invoke(store, "show_model_prices", {"model": "claude-sonet-4-5"})
    assert info.value.code == "unknown_value" and "claude-sonnet-4-5" in info.value.message


def test_price_diff_names_what_changed_and_when(store: Store) -> None:
    diff = invoke(
        store,
        "diff_model_prices",
        {"from_date": "2026-03-01", "to_date": "2026-04-01", "model": "claude-sonnet-4-6"},
    )
    long_input = next(c for c in diff.changes if c.kind == "input" and c.band.startswith(">"))
    assert (long_input.before, long_input.after, long_input.changed_on) == (6.0, None, [dt.date(2026, 3, 13)])
    same = invoke(
        store,
        "diff_model_prices",
        {"from_date": "2026-04-01", "to_date": "2026-05-01", "model": "claude-sonnet-4-6"},
    )
    assert same.changes == [] and any("no price" in n for n in same.notes)
    with pytest.raises(InvalidArgument):
        invoke(store, "diff_model_prices", {"from_date": "2026-05-01", "to_date": "2026-04-01"})


def test_price_diff_compares_the_models_the_store_uses_and_the_price_file(
    store: Store, tmp_path: Path
) -> None:
    events = tmp_path / "ev.jsonl"
    events.write_text(
        json.dumps({"ts": "2026-10-01T00:00:00Z", "provider": "anthropic", "model": "claude-haiku-4-5"})
        + "\n",
        encoding="utf-8",
    )
    import_events_file(store, events)
    prices = tmp_path / "prices.yaml"
    prices.write_text(
        "discounts:\n  - {model: claude-haiku-4-5, percent: 10, from: 2026-11-01}\n", encoding="utf-8"
    )
    out = _cli(
        ["prices", "diff", "--from", "2026-10-15", "--to", "2026-11-15", "--db", str(store.path)],
        {"SPENDSCOPE_PRICES_FILE": str(prices)},
    )
    assert out["models_compared"] == 1
    change = next(c for c in out["changes"] if c["kind"] == "input" and c["tier"] == "standard")
    assert (change["before"], change["after"], change["changed_on"]) == (1, 0.9, ["2026-11-01"])


def test_prices_show_works_without_a_store(tmp_path: Path) -> None:
    out = _cli(
        ["prices", "show", "gemini-2.5-pro", "--on", "2026-10-01", "--db", str(tmp_path / "none.duckdb")]
    )
    standard = [r for r in out["rows"] if r["tier"] == "standard"]
    assert [(r["band"], r["input"], r["output"]) for r in standard] == [
        ("all", 1.25, 10),
        ("> 200,000 input tokens", 2.5, 15),
    ]


def test_reprice_cli_dry_run_then_write_after_a_price_file_change(store: Store, tmp_path: Path) -> None:
    events = tmp_path / "ev.jsonl"
    rows = [
        {"event_id": "a", "ts": "2026-10-02T00:00:00Z", "provider": "openai", "model": "gpt-4.1-mini",
         "input_tokens": 1000000},
        {"event_id": "b", "ts": "2026-09-02T00:00:00Z", "provider": "openai", "model": "gpt-4.1-mini",
         "input_tokens": 1000000},
    ]  # fmt: skip
    events.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    import_events_file(store, events)
    prices = tmp_path / "prices.yaml"
    prices.write_text(
        "models:\n  - {model: gpt-4.1-mini, provider: openai, input: 0.3, output: 1.2}\n", "utf-8"
    )
    env = {"SPENDSCOPE_PRICES_FILE": str(prices)}
    dry = _cli(["reprice", "--dry-run", "--since", "2026-10-01", "--db", str(store.path)], env)
    assert (dry["dry_run"], dry["events"], dry["changed"], dry["run_id"]) == (True, 1, 1, None)
    assert dry["estimated_before"] == pytest.approx(0.4) and dry["estimated_after"] == pytest.approx(0.3)
    done = _cli(["reprice", "--since", "2026-10-01", "--db", str(store.path)], env)
    assert done["run_id"].startswith("rep_")
    with store.reader() as con:
        costs = dict(con.execute("SELECT event_id, estimated_cost FROM usage_events").fetchall())
    assert costs == {"a": Decimal("0.3"), "b": Decimal("0.4")}
