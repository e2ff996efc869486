"""The value summary behind the value catalog: each cost import keeps the parts of the imports it changed, and
the catalog read from it is exactly the catalog read by scanning every cost row, after restatements, partial
replacements, rows written by other paths and tag keys with empty values."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from spendscope.data.importing import import_files
from spendscope.data.store import Store
from spendscope.data.value_summary import SUMMARY_COLUMNS
from spendscope.tools.costs.answers import (
    CATALOG_DIMENSIONS,
    Catalog,
    CatalogInput,
    dimension_catalog,
    run_catalog,
)
from spendscope.tools.costs.dimensions import BUILTIN_DIMENSIONS


def _export(path: Path, version: int, accounts: dict[str, str], resource: str = "chat-{i}") -> Path:
    """Days 1-5 of October for each account (account -> provider), four line items a day; `version` revises costs."""
    rows = []
    for account, provider in accounts.items():
        for day in range(1, 6):
            for i in range(4):
                cost = f"{(i + 1) * 1.25 + day / 100 + version / 1000:.4f}"
                rows.append(
                    {
                        "BillingAccountId": account,
                        "BillingPeriodStart": "2026-10-01T00:00:00Z",
                        "BillingPeriodEnd": "2026-11-01T00:00:00Z",
                        "ProviderName": provider,
                        "ChargePeriodStart": f"2026-10-{day:02d}T00:00:00Z",
                        "ChargePeriodEnd": f"2026-10-{day:02d}T23:59:59Z",
                        "BilledCost": cost,
                        "EffectiveCost": cost,
                        "ChargeCategory": "Usage",
                        "BillingCurrency": "USD",
                        "ResourceId": f"{account}/r{i}",
                        "ResourceName": resource.format(i=i),
                        "SkuMeter": "Input Tokens",
                        "ServiceName": f"{provider} API",
                        "Tags": f'{{"team":"t{i % 2}","feature":""}}' if i < 3 else "",
                    }
                )
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def _both(store: Store) -> tuple[Catalog, Catalog]:
    with store.reader() as con:
        return run_catalog(con, CatalogInput(), summary=True), run_catalog(con, CatalogInput(), summary=False)


def _values(catalog: Catalog, name: str) -> dict[str, float]:
    return {v.value: v.cost for d in catalog.dimensions if d.name == name for v in d.values}


def test_the_summary_covers_every_column_the_catalog_lists() -> None:
    assert {BUILTIN_DIMENSIONS[d][0] for d in CATALOG_DIMENSIONS} == set(SUMMARY_COLUMNS)


def test_the_catalog_from_the_summary_equals_a_scan_of_every_row_on_the_demo(demo_store: Store) -> None:
    summarised, scanned = _both(demo_store)
    assert summarised == scanned
    assert dimension_catalog(demo_store, CatalogInput()) == scanned


def test_a_partial_restatement_refreshes_the_part_of_the_import_it_replaced(
    store: Store, tmp_path: Path
) -> None:
    both = {"acct-1": "OpenAI", "acct-2": "Anthropic"}
    import_files(store, "focus", [_export(tmp_path / "v1.csv", 1, both)])
    # acct-1 restated with a renamed resource: chat-* vanish from acct-1, acct-2 keeps them from the first import
    import_files(store, "focus", [_export(tmp_path / "v2.csv", 2, {"acct-1": "OpenAI"}, resource="bot-{i}")])
    summarised, scanned = _both(store)
    assert summarised == scanned
    with store.reader() as con:
        by_hand = dict(
            con.execute(
                "SELECT ResourceName, CAST(SUM(EffectiveCost) AS DOUBLE) FROM costs GROUP BY 1"
            ).fetchall()
        )
        stamps = dict(con.execute("SELECT import_key, rows FROM _value_summary_imports").fetchall())
        live = dict(con.execute("SELECT x_ImportId, count(*) FROM costs GROUP BY 1").fetchall())
    assert _values(summarised, "resource") == pytest.approx(by_hand)
    assert set(by_hand) == {"chat-0", "chat-1", "chat-2", "chat-3", "bot-0", "bot-1", "bot-2", "bot-3"}
    assert stamps == live  # the import writes the parts of both imports: nothing is left to the reader


def test_a_fully_replaced_import_leaves_no_value_behind(store: Store, tmp_path: Path) -> None:
    import_files(store, "focus", [_export(tmp_path / "v1.csv", 1, {"acct-1": "OpenAI"})])
    import_files(store, "focus", [_export(tmp_path / "v2.csv", 2, {"acct-1": "OpenAI"}, resource="bot-{i}")])
    summarised, scanned = _both(store)
    assert summarised == scanned
    assert set(_values(summarised, "resource")) == {"bot-0", "bot-1", "bot-2", "bot-3"}


def test_rows_written_by_another_path_are_read_from_the_rows(store: Store, tmp_path: Path) -> None:
    import_files(store, "focus", [_export(tmp_path / "v1.csv", 1, {"acct-1": "OpenAI"})])
    with store.writer() as con:  # no import, no summary
        con.execute(
            "INSERT INTO costs (ChargePeriodStart, ChargePeriodEnd, ProviderName, EffectiveCost, BilledCost, Tags) "
            "VALUES (TIMESTAMPTZ '2026-10-07', TIMESTAMPTZ '2026-10-08', 'Mistral', 3.5, 3.5, '{\"team\":\"t9\"}')"
        )
    summarised, scanned = _both(store)
    assert summarised == scanned
    assert _values(summarised, "provider")["Mistral"] == 3.5
    assert _values(summarised, "team")["t9"] == 3.5


def test_a_tag_key_whose_values_are_all_empty_is_listed_with_no_values(store: Store, tmp_path: Path) -> None:
    import_files(store, "focus", [_export(tmp_path / "v1.csv", 1, {"acct-1": "OpenAI"})])
    summarised, scanned = _both(store)
    assert summarised == scanned
    feature = next(d for d in summarised.dimensions if d.name == "feature")
    assert (feature.kind, feature.distinct, feature.values) == ("provider_tag", 0, [])


def test_rows_a_sync_rewrites_after_writing_them_are_summarised_as_they_end_up(store: Store) -> None:
    import datetime as dt

    from spendscope.data.import_assistants import import_cursor, import_github_copilot

    fixtures = Path(__file__).parent / "fixtures" / "assistants"
    import_cursor(store, fixtures / "cursor_usage_export.csv")
    as_of = dt.datetime(2026, 11, 3, 23, tzinfo=dt.UTC)
    import_github_copilot(store, fixtures / "copilot_seat_activity.csv", as_of=as_of)
    summarised, scanned = _both(store)
    assert summarised == scanned
    with store.reader() as con:
        stamps = dict(con.execute("SELECT import_key, rows FROM _value_summary_imports").fetchall())
        live = dict(con.execute("SELECT x_ImportId, count(*) FROM costs GROUP BY 1").fetchall())
    assert stamps == live


def test_an_import_whose_rows_its_writer_rewrote_in_place_is_summarised_again(
    store: Store, tmp_path: Path
) -> None:
    import duckdb
    from spendscope.data.value_summary import refresh_summary

    result = import_files(store, "focus", [_export(tmp_path / "v1.csv", 1, {"acct-1": "OpenAI"})])[0]
    con = duckdb.connect()
    with store.attached_writer(con) as db:  # as a sync does after its import: same rows, new values
        con.execute(
            f"UPDATE {db}.costs SET ProviderName = 'Azure OpenAI' WHERE x_ImportId = ?", [result.import_id]
        )
        refresh_summary(con, db, rewritten=[result.import_id])
    con.close()
    summarised, scanned = _both(store)
    assert summarised == scanned
    assert set(_values(summarised, "provider")) == {"Azure OpenAI"}


def test_virtual_tags_in_the_catalog_are_summed_first_and_match_a_scan(store: Store, tmp_path: Path) -> None:
    from spendscope.tools.allocation.versions import ApplyRulesInput, apply_rules
    from spendscope.tools.costs.breakdown import summed_relation
    from spendscope.tools.costs.dimensions import query_source

    both = {"acct-1": "OpenAI", "acct-2": "Anthropic"}
    import_files(store, "focus", [_export(tmp_path / "v1.csv", 1, both)])
    rules = "tags:\n  owner:\n    - copy: Tags.team\n    - when: {ProviderName: Anthropic}\n      value: research\n"
    apply_rules(store, ApplyRulesInput(document=rules))
    summarised, scanned = _both(store)
    assert summarised == scanned
    with store.reader() as con:
        source = query_source(con)
        assert summed_relation(con, source, set(source.reads), "EffectiveCost") is not None
        by_hand = dict(
            con.execute(
                """SELECT coalesce(nullif(trim(json_extract_string(Tags, '$.team')), ''),
                              CASE WHEN ProviderName = 'Anthropic' THEN 'research' ELSE 'unallocated' END),
                          CAST(SUM(EffectiveCost) AS DOUBLE)
                   FROM costs GROUP BY 1"""
            ).fetchall()
        )
    assert _values(summarised, "owner") == pytest.approx(by_hand)
