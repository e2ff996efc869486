"""`import metrics` and `import rates`: periods and dimensions read from CSV, Parquet and JSON lines; the first bad
value named; all or nothing; restatements replace by metric, source and period; the same data twice changes
nothing; money in another currency needs a rate for its period. Expected rows are written by hand here."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from analytics_facts import add_costs
from spendscope.data.errors import ImportRejected
from spendscope.data.import_metrics import import_metrics
from spendscope.data.import_rates import import_rates
from spendscope.data.store import Store
from typer.testing import CliRunner

from spendscope.cli import app


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def rows(store: Store, sql: str = "") -> list[tuple]:
    with store.reader() as con:
        return con.execute(
            sql
            or "SELECT metric, period_start, period_end, grain, value, unit, currency, aggregation, customer, "
            "feature, team, plan, CAST(tags AS VARCHAR), source FROM business_metrics ORDER BY ALL"
        ).fetchall()


D = dt.date
MONTHLY = """month,metric,value,currency,customer,plan,region
2026-09,revenue,1000.50,USD,acme,starter,eu
2026-10,revenue,1100,usd,acme,starter,eu
2026-10,revenue,900,EUR,globex,growth,
"""


def test_a_metrics_file_becomes_one_row_per_value_with_its_period_dimensions_and_tags(
    store: Store, tmp_path: Path
) -> None:
    daily = write(
        tmp_path / "daily.csv",
        "date,metric,value,unit,feature,team\n2026-10-05,Tickets Resolved,120,Tickets,support-bot,support\n"
        "2026-W42,tickets resolved,700,tickets,support-bot,support\n",
    )
    result = import_metrics(store, [write(tmp_path / "m.csv", MONTHLY), daily])
    assert (result.status, result.rows_read, result.rows_inserted) == ("ok", 5, 5)
    assert rows(store) == [
        ("revenue", D(2026, 9, 1), D(2026, 10, 1), "month", Decimal("1000.5"), None, "USD", "sum", "acme", None, None,
         "starter", '{"region":"eu"}', "default"),
        ("revenue", D(2026, 10, 1), D(2026, 11, 1), "month", Decimal("900"), None, "EUR", "sum", "globex", None, None,
         "growth", None, "default"),
        ("revenue", D(2026, 10, 1), D(2026, 11, 1), "month", Decimal("1100"), None, "USD", "sum", "acme", None, None,
         "starter", '{"region":"eu"}', "default"),
        ("tickets_resolved", D(2026, 10, 5), D(2026, 10, 6), "day", Decimal("120"), "tickets", None, "sum", None,
         "support-bot", "support", None, None, "default"),
        ("tickets_resolved", D(2026, 10, 12), D(2026, 10, 19), "week", Decimal("700"), "tickets", None, "sum", None,
         "support-bot", "support", None, None, "default"),
    ]  # fmt: skip
    assert {m.metric: m.rows for m in result.metrics} == {"revenue": 3, "tickets_resolved": 2}
    (imp,) = rows(store, "SELECT kind, rows_read, status FROM imports")
    assert imp == ("metrics", 5, "ok")


def test_parquet_and_json_lines_are_read_like_csv(store: Store, tmp_path: Path) -> None:
    con = duckdb.connect()
    pq = tmp_path / "m.parquet"
    con.execute(
        f"COPY (SELECT '2026-10' AS month, 'mau' AS metric, 41000 AS value, 'users' AS unit, 'average' AS "
        f"aggregation) TO '{pq}' (FORMAT parquet)"
    )
    jl = write(
        tmp_path / "m.jsonl",
        json.dumps(
            {"date": "2026-10-01", "metric": "documents_processed", "value": 5, "feature": "doc-ingest"}
        )
        + "\n",
    )
    import_metrics(store, [pq, jl])
    assert rows(
        store, "SELECT metric, grain, value, aggregation, feature FROM business_metrics ORDER BY 1"
    ) == [
        ("documents_processed", "day", Decimal("5"), "sum", "doc-ingest"),
        ("mau", "month", Decimal("41000"), "average", None),
    ]


@pytest.mark.parametrize(
    ("text", "row", "column", "value"),
    [
        ("month,metric,value\n2026-10,revenue,1\n2026-10,revenue,1.2.3\n", 2, "value", "1.2.3"),
        ("month,metric,value\n2026-10,revenue,1\n2026-13,revenue,2\n", 2, "month", "2026-13"),
        ("month,metric,value\n2026-10-05,revenue,1\n", 1, "month", "2026-10-05"),  # a month is its 1st
        ("week,metric,value\n2026-10-07,tickets,1\n", 1, "week", "2026-10-07"),  # a week is its Monday
        ("date,metric,value,currency\n2026-10-01,revenue,1,DOLLARS\n", 1, "currency", "DOLLARS"),
        ("date,metric,value\n2026-10-01,,1\n", 1, "metric", None),
        ("date,metric,value,aggregation\n2026-10-01,mau,1,median\n", 1, "aggregation", "median"),
    ],
)
def test_the_first_bad_value_rejects_the_import_naming_row_column_and_value(
    store: Store, tmp_path: Path, text: str, row: int, column: str, value: str | None
) -> None:
    with pytest.raises(ImportRejected) as err:
        import_metrics(store, write(tmp_path / "bad.csv", text))
    assert err.value.code == "import_rejected"
    assert (err.value.details["row"], err.value.details["column"], err.value.details["value"]) == (
        row,
        column,
        value,
    )
    assert rows(store) == []


def test_a_file_without_a_metric_column_says_what_a_metrics_file_holds(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ImportRejected) as err:
        import_metrics(store, write(tmp_path / "wide.csv", "month,revenue,mau\n2026-10,5,6\n"))
    assert err.value.code == "import_rejected" and "one row per value" in err.value.message


def test_files_given_together_are_all_or_nothing(store: Store, tmp_path: Path) -> None:
    good = write(tmp_path / "good.csv", MONTHLY)
    bad = write(tmp_path / "bad.csv", "month,metric,value\n2026-10,revenue,x\n")
    with pytest.raises(ImportRejected):
        import_metrics(store, [good, bad])
    assert rows(store) == [] and rows(store, "SELECT * FROM imports") == []


def test_importing_the_same_data_again_changes_nothing(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "m.csv", MONTHLY)
    first = import_metrics(store, path)
    again = import_metrics(store, write(tmp_path / "renamed.csv", MONTHLY))
    assert (again.status, again.import_id, again.rows_inserted) == ("unchanged", None, 0)
    assert len(rows(store)) == 3 and len(rows(store, "SELECT * FROM imports")) == 1
    assert first.status == "ok"


def test_a_restatement_replaces_the_periods_it_covers_for_its_metric_and_source_only(
    store: Store, tmp_path: Path
) -> None:
    import_metrics(store, write(tmp_path / "m.csv", MONTHLY))
    import_metrics(
        store,
        write(tmp_path / "crm.csv", "month,metric,value,currency,customer\n2026-10,revenue,7,USD,initech\n"),
        source="crm",
    )
    restated = import_metrics(
        store,
        write(
            tmp_path / "restated.csv", "month,metric,value,currency,customer\n2026-10,revenue,1200,USD,acme\n"
        ),
    )
    assert restated.rows_replaced == 2 and [
        (r.metric, r.source, r.rows_before, r.rows_after) for r in restated.replaced
    ] == [("revenue", "default", 2, 1)]
    got = rows(store, "SELECT period_start, customer, value, source FROM business_metrics ORDER BY ALL")
    assert got == [
        (D(2026, 9, 1), "acme", Decimal("1000.5"), "default"),  # another period: kept
        (D(2026, 10, 1), "acme", Decimal("1200"), "default"),  # October restated: acme 1200, globex gone
        (D(2026, 10, 1), "initech", Decimal("7"), "crm"),  # another source: kept
    ]


def test_a_restatement_at_another_grain_replaces_the_days_inside_its_month(
    store: Store, tmp_path: Path
) -> None:
    import_metrics(
        store, write(tmp_path / "d.csv", "date,metric,value\n2026-10-01,tickets,5\n2026-10-02,tickets,6\n")
    )
    import_metrics(store, write(tmp_path / "m.csv", "month,metric,value\n2026-10,tickets,100\n"))
    assert rows(store, "SELECT grain, value FROM business_metrics") == [("month", Decimal("100"))]


def test_a_monthly_value_over_daily_values_of_the_same_series_is_refused(
    store: Store, tmp_path: Path
) -> None:
    text = "period,metric,value\n2026-10,tickets,100\n2026-10-02,tickets,6\n"
    with pytest.raises(ImportRejected) as err:
        import_metrics(store, write(tmp_path / "m.csv", text))
    assert "count twice" in err.value.message


def test_a_metric_mixing_money_and_counts_is_refused_in_a_file_and_against_the_store(
    store: Store, tmp_path: Path
) -> None:
    with pytest.raises(ImportRejected) as err:
        import_metrics(
            store,
            write(
                tmp_path / "a.csv", "month,metric,value,currency\n2026-10,revenue,1,USD\n2026-09,revenue,2,\n"
            ),
        )
    assert "money and counts" in err.value.message
    import_metrics(store, write(tmp_path / "b.csv", "month,metric,value,unit\n2026-10,tickets,1,tickets\n"))
    with pytest.raises(ImportRejected) as err:
        import_metrics(store, write(tmp_path / "c.csv", "month,metric,value,unit\n2026-09,tickets,1,calls\n"))
    assert "several units" in err.value.message and "store already holds" in err.value.message


def test_money_in_another_currency_needs_a_rate_for_its_period(store: Store, tmp_path: Path) -> None:
    add_costs(
        store, [{"day": "2026-10-01", "ProviderName": "OpenAI", "EffectiveCost": 1}]
    )  # the bill is in USD
    eur = write(tmp_path / "eur.csv", "month,metric,value,currency\n2026-10,revenue,900,EUR\n")
    with pytest.raises(ImportRejected) as err:
        import_metrics(store, eur)
    assert (err.value.details["currency"], err.value.details["period"]) == ("EUR", "2026-10")
    assert "EUR" in err.value.message and "2026-10" in err.value.message and rows(store) == []
    import_rates(store, write(tmp_path / "r.csv", "currency,month,rate\nEUR,2026-10,1.08\n"))
    assert import_metrics(store, eur).status == "ok"
    assert rows(
        store, "SELECT currency, to_currency, period_start, period_end, rate FROM currency_rates"
    ) == [("EUR", "USD", D(2026, 10, 1), D(2026, 11, 1), Decimal("1.08"))]


def test_overlapping_rates_are_refused_and_a_corrected_rate_replaces_the_old_one(
    store: Store, tmp_path: Path
) -> None:
    with pytest.raises(ImportRejected) as err:
        import_rates(
            store,
            write(
                tmp_path / "o.csv",
                "currency,to_currency,period,rate\nEUR,USD,2026-10,1.1\nEUR,USD,2026-10-05,1.2\n",
            ),
        )
    assert "overlap" in err.value.message
    first = write(
        tmp_path / "r1.csv", "currency,to_currency,month,rate\nEUR,USD,2026-09,1.1\nEUR,USD,2026-10,1.2\n"
    )
    import_rates(store, first)
    assert import_rates(store, first).status == "unchanged"
    fixed = import_rates(
        store, write(tmp_path / "r2.csv", "currency,to_currency,month,rate\nEUR,USD,2026-10,1.15\n")
    )
    assert fixed.rows_replaced == 1
    assert rows(store, "SELECT period_start, rate FROM currency_rates ORDER BY 1") == [
        (D(2026, 9, 1), Decimal("1.1")),
        (D(2026, 10, 1), Decimal("1.15")),
    ]
    with pytest.raises(ImportRejected) as err:
        import_rates(
            store, write(tmp_path / "r3.csv", "currency,to_currency,month,rate\nEUR,USD,2026-11,-1\n")
        )
    assert err.value.details["column"] == "rate"


def test_cli_imports_a_folder_one_delivery_at_a_time_and_names_what_it_did(
    store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "exports"
    (folder / "month=2026-09").mkdir(parents=True)
    (folder / "month=2026-10").mkdir()
    write(folder / "month=2026-09" / "part-0.csv", "month,metric,value,unit\n2026-09,tickets,10,tickets\n")
    write(folder / "month=2026-10" / "part-0.csv", "month,metric,value,unit\n2026-10,tickets,20,tickets\n")
    write(
        folder / "month=2026-10" / "part-1.csv",
        "month,metric,value,unit,team\n2026-10,tickets,5,tickets,ops\n",
    )
    runner = CliRunner()
    out = runner.invoke(app, ["import", "metrics", str(folder), "--db", str(store.path)])
    assert out.exit_code == 0, out.output
    assert out.output.count("rows imported") == 2  # the two partitions, each one import
    assert rows(store, "SELECT period_start, sum(value) FROM business_metrics GROUP BY 1 ORDER BY 1") == [
        (D(2026, 9, 1), Decimal("10")),
        (D(2026, 10, 1), Decimal("25")),
    ]
    again = runner.invoke(app, ["import", "metrics", str(folder), "--db", str(store.path), "--json"])
    assert [r["status"] for r in json.loads(again.output)] == ["unchanged", "unchanged"]
    bad = runner.invoke(
        app, ["import", "rates", str(write(tmp_path / "r.csv", "currency\nEUR\n")), "--db", str(store.path)]
    )
    assert isinstance(bad.exception, ImportRejected) and "month" in bad.exception.message  # main() prints it
