"""Restated exports: a month of daily month-to-date exports imported in order leaves exactly the last export's
rows and totals, for FOCUS, AWS CUR 2.0, Azure and GCP; parts of one export add up; other days append; an
identical re-import adds nothing; and `spendscope imports` shows what each import replaced."""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from spendscope.data.errors import ImportRejected
from spendscope.data.import_history import list_imports
from spendscope.data.importing import import_delivery, import_files
from spendscope.data.store import Store
from typer.testing import CliRunner

from spendscope.cli import app

FIRST, DAYS = 21, 30  # a month's last ten daily exports: day 21's (days 1-21) to day 30's


def _cost(day: int, item: int, version: int) -> str:
    """A line item's cost as the export of `version` states it: later versions revise earlier days."""
    return str(Decimal(item + 1) * Decimal("1.25") + Decimal(day) / 100 + Decimal(version) / 1000)


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def focus_export(path: Path, version: int, days: range, account: str = "acct-1") -> Path:
    header = [
        "BillingAccountId",
        "BillingPeriodStart",
        "BillingPeriodEnd",
        "ProviderName",
        "ChargePeriodStart",
        "ChargePeriodEnd",
        "BilledCost",
        "EffectiveCost",
        "ChargeCategory",
        "BillingCurrency",
        "ResourceId",
        "SkuMeter",
        "ServiceName",
    ]
    rows = [
        [
            account,
            "2026-10-01T00:00:00Z",
            "2026-11-01T00:00:00Z",
            "OpenAI",
            f"2026-10-{d:02d}T00:00:00Z",
            f"2026-10-{d:02d}T23:59:59Z",
            _cost(d, i, version),
            _cost(d, i, version),
            "Usage",
            "USD",
            f"proj_{i}",
            "Input Tokens",
            "OpenAI API",
        ]
        for d in days
        for i in range(4)
    ]
    return _write(path, header, rows)


def cur_export(path: Path, version: int, days: range, account: str = "999988887777") -> Path:
    header = [
        "bill_payer_account_id",
        "bill_billing_period_start_date",
        "bill_billing_period_end_date",
        "line_item_usage_account_id",
        "line_item_line_item_type",
        "line_item_usage_start_date",
        "line_item_usage_end_date",
        "line_item_product_code",
        "line_item_usage_type",
        "line_item_resource_id",
        "line_item_usage_amount",
        "line_item_unblended_cost",
        "line_item_currency_code",
        "pricing_unit",
    ]
    rows = [
        [
            account,
            "2026-10-01T00:00:00Z",
            "2026-11-01T00:00:00Z",
            "111122223333",
            "Usage",
            f"2026-10-{d:02d}T00:00:00Z",
            f"2026-10-{d:02d}T23:59:59Z",
            "AmazonS3",
            "USE1-TimedStorage-ByteHrs",
            f"bucket-{i}",
            "1",
            _cost(d, i, version),
            "USD",
            "GB-Mo",
        ]
        for d in days
        for i in range(4)
    ]
    return _write(path, header, rows)


def azure_export(path: Path, version: int, days: range, account: str = "8611537") -> Path:
    header = [
        "BillingAccountId",
        "BillingAccountName",
        "BillingPeriodStartDate",
        "BillingPeriodEndDate",
        "Date",
        "CostInBillingCurrency",
        "BillingCurrencyCode",
        "MeterName",
        "MeterCategory",
        "ResourceId",
        "SubscriptionId",
        "ChargeType",
        "Quantity",
        "UnitOfMeasure",
    ]
    rows = [
        [
            account,
            "Contoso",
            "10/01/2026",
            "10/31/2026",
            f"10/{d:02d}/2026",
            _cost(d, i, version),
            "USD",
            "Hot LRS Data Stored",
            "Storage",
            f"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa{i}",
            "sub-1",
            "Usage",
            "1",
            "1 GB/Month",
        ]
        for d in days
        for i in range(4)
    ]
    return _write(path, header, rows)


def gcp_export(
    path: Path, version: int, days: range, account: str = "01A2B3-C4D5E6-F7A8B9", exported: str | None = None
) -> Path:
    """Rows as cut from the BigQuery export: each keeps the export_time it was exported at (its own day), or
    `exported` for every row (an incremental pull of what was exported since the last one)."""
    header = [
        "billing_account_id",
        "invoice.month",
        "usage_start_time",
        "usage_end_time",
        "cost",
        "currency",
        "service.description",
        "sku.description",
        "sku.id",
        "project.id",
        "export_time",
    ]
    rows = [
        [
            account,
            "202610",
            f"2026-10-{d:02d}T00:00:00Z",
            f"2026-10-{d:02d}T23:59:59Z",
            _cost(d, i, version),
            "USD",
            "Cloud Storage",
            "Standard Storage US Multi-region",
            "E5F0-6A5D-7BAD",
            f"proj-{i}",
            exported or f"2026-10-{d:02d}T06:00:00Z",
        ]
        for d in days
        for i in range(4)
    ]
    return _write(path, header, rows)


FORMATS: dict[str, tuple[Callable[..., Path], str]] = {
    "focus": (focus_export, "BilledCost"),
    "aws_cur": (cur_export, "line_item_unblended_cost"),
    "azure": (azure_export, "CostInBillingCurrency"),
    "gcp": (gcp_export, "cost"),
}


def _file_total(path: Path, column: str) -> tuple[int, Decimal]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return len(rows), sum((Decimal(r[column]) for r in rows), Decimal(0))


def _store_total(store: Store) -> tuple[int, Decimal]:
    with store.reader() as con:
        return tuple(con.execute("SELECT count(*), coalesce(sum(BilledCost), 0) FROM costs").fetchall()[0])


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_a_month_of_daily_restated_exports_leaves_exactly_the_last_one(
    store: Store, tmp_path: Path, kind: str
) -> None:
    make, column = FORMATS[kind]
    last = None
    for day in range(FIRST, DAYS + 1):  # export of day N: days 1..N, every earlier day revised
        last = make(tmp_path / f"{kind}-{day:02d}.csv", day, range(1, day + 1))
        import_delivery(store, kind, [last])
    assert _store_total(store) == _file_total(last, column)
    with store.reader() as con:
        live = con.execute("SELECT count(DISTINCT x_ImportId) FROM costs").fetchall()[0][0]
    assert live == 1


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_daily_restated_exports_imported_in_any_order_leave_exactly_the_newest_one(
    store: Store, tmp_path: Path, kind: str
) -> None:
    make, column = FORMATS[kind]
    exports = {day: make(tmp_path / f"{kind}-{day:02d}.csv", day, range(1, day + 1)) for day in range(1, 11)}
    order = list(exports)
    random.Random(12).shuffle(order)
    assert order != sorted(order)
    for day in order:
        import_delivery(store, kind, [exports[day]])
    assert _store_total(store) == _file_total(exports[10], column)


def test_an_older_export_imported_after_a_newer_one_is_kept_out_and_said_so(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    newer = focus_export(tmp_path / "oct-03.csv", 3, range(1, 4))
    older = focus_export(tmp_path / "oct-02.csv", 2, range(1, 3))
    runner = CliRunner()
    assert runner.invoke(app, ["import", "focus", str(newer), "--db", str(db)]).exit_code == 0
    out = runner.invoke(app, ["import", "focus", str(older), "--db", str(db)])
    assert out.exit_code == 0, out.output
    assert "older export" in out.output and "rows imported" not in out.output
    store = Store(db)
    assert _store_total(store) == _file_total(newer, "BilledCost")
    [scope] = list_imports(store)[0].scopes
    assert scope.action == "kept" and list_imports(store)[0].state.startswith("kept out")
    forced = import_delivery(store, "focus", [older], mode="replace-period")
    assert forced.rows_inserted == 8 and _store_total(store) == _file_total(older, "BilledCost")


def test_the_issues_example_counts_the_last_export_once_not_both(store: Store, tmp_path: Path) -> None:
    first = focus_export(tmp_path / "day1.csv", 1, range(1, 2))
    second = focus_export(tmp_path / "day2.csv", 2, range(1, 3))
    import_delivery(store, "focus", [first])
    result = import_delivery(store, "focus", [second])
    assert _store_total(store) == _file_total(second, "BilledCost")
    assert (result.rows_replaced, result.superseded) == (4, [list_imports(store)[1].import_id])
    [scope] = result.scopes
    assert (scope.action, scope.rows_before, scope.rows) == ("replaced", 4, 8)


def test_versions_given_in_one_command_are_imported_in_order(store: Store, tmp_path: Path) -> None:
    files = [focus_export(tmp_path / f"v{d}.csv", d, range(1, d + 1)) for d in range(1, 6)]
    results = import_files(store, "focus", files)
    assert len(results) == 5
    assert _store_total(store) == _file_total(files[-1], "BilledCost")


def test_parts_of_one_export_add_up_as_one_import(store: Store, tmp_path: Path) -> None:
    part1 = focus_export(tmp_path / "part-1.csv", 3, range(1, 4), account="acct-1")
    part2 = cur_like = focus_export(tmp_path / "part-2.csv", 3, range(1, 4), account="acct-1")
    # the second part holds other line items of the same days
    text = cur_like.read_text(encoding="utf-8").replace("proj_", "other_")
    part2.write_text(text, encoding="utf-8")
    [result] = import_files(store, "focus", [part1, part2])
    rows1, cost1 = _file_total(part1, "BilledCost")
    rows2, cost2 = _file_total(part2, "BilledCost")
    assert (result.rows_inserted, result.status) == (rows1 + rows2, "ok")
    assert _store_total(store) == (rows1 + rows2, cost1 + cost2)
    # the next day's delivery, again in two parts, replaces both
    nxt1 = focus_export(tmp_path / "n-1.csv", 4, range(1, 5))
    nxt2 = focus_export(tmp_path / "n-2.csv", 4, range(1, 5))
    nxt2.write_text(nxt2.read_text(encoding="utf-8").replace("proj_", "other_"), encoding="utf-8")
    import_files(store, "focus", [nxt1, nxt2])
    assert _store_total(store)[0] == _file_total(nxt1, "BilledCost")[0] * 2


def test_files_of_other_days_are_appended(store: Store, tmp_path: Path) -> None:
    for day in range(1, 6):  # a tool that writes one file per day, each holding only that day
        import_delivery(store, "focus", [focus_export(tmp_path / f"d{day}.csv", 1, range(day, day + 1))])
    assert _store_total(store)[0] == 5 * 4


def test_an_identical_re_import_adds_nothing(store: Store, tmp_path: Path) -> None:
    path = focus_export(tmp_path / "f.csv", 1, range(1, 4))
    import_delivery(store, "focus", [path])
    again = import_delivery(store, "focus", [path])
    assert again.status == "duplicate"
    assert _store_total(store) == _file_total(path, "BilledCost")


def test_replace_period_removes_days_the_new_export_no_longer_has(store: Store, tmp_path: Path) -> None:
    import_delivery(store, "focus", [focus_export(tmp_path / "a.csv", 1, range(1, 11))])
    late = focus_export(tmp_path / "b.csv", 2, range(5, 8))
    import_delivery(store, "focus", [late], mode="replace-period")
    assert _store_total(store) == _file_total(late, "BilledCost")


def test_a_gcp_incremental_pull_is_appended_by_its_export_time(store: Store, tmp_path: Path) -> None:
    first = gcp_export(tmp_path / "pull1.csv", 3, range(1, 4))
    import_delivery(store, "gcp", [first])
    # a later pull: rows exported after the first pull's, late rows for earlier days among them
    late = gcp_export(tmp_path / "pull2.csv", 5, range(2, 6), exported="2026-10-06T06:00:00Z")
    result = import_delivery(store, "gcp", [late])
    assert result.scopes[0].action == "appended"
    assert _store_total(store)[0] == _file_total(first, "cost")[0] + _file_total(late, "cost")[0]


def test_revising_part_of_the_stored_days_is_refused_with_the_choices(store: Store, tmp_path: Path) -> None:
    import_delivery(store, "focus", [focus_export(tmp_path / "a.csv", 1, range(1, 11))])
    partial = focus_export(tmp_path / "b.csv", 2, range(1, 11))
    lines = partial.read_text(encoding="utf-8").splitlines()
    # re-sends 3 of 40 line items with other values, plus other lines
    keep = lines[:4] + [line.replace("proj_", "zz_") for line in lines[4:]]
    partial.write_text("\n".join(keep) + "\n", encoding="utf-8")
    before = _store_total(store)
    with pytest.raises(ImportRejected) as info:
        import_delivery(store, "focus", [partial])
    assert info.value.code == "import_rejected"
    assert "--replace-period" in info.value.message and "--append" in info.value.message
    assert _store_total(store) == before


def test_imports_command_shows_the_superseded_import_and_the_delta(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    runner = CliRunner()
    for day in (1, 2):
        path = focus_export(tmp_path / f"day{day}.csv", day, range(1, day + 1))
        result = runner.invoke(app, ["import", "focus", str(path), "--db", str(db)])
        assert result.exit_code == 0, result.output
    assert "replaced 4 rows" in result.output
    listed = runner.invoke(app, ["imports", "--db", str(db), "--json"])
    assert listed.exit_code == 0, listed.output
    newest, oldest = json.loads(listed.stdout)
    assert oldest["state"] == "superseded" and oldest["superseded_by"] == newest["import_id"]
    assert oldest["rows_now"] == 0 and newest["rows_now"] == 8
    [scope] = newest["scopes"]
    day1_cost = _file_total(tmp_path / "day1.csv", "BilledCost")[1]
    day2_cost = _file_total(tmp_path / "day2.csv", "BilledCost")[1]
    assert (scope["rows_before"], scope["rows"], scope["delta_rows"]) == (4, 8, 4)
    assert Decimal(str(scope["effective_cost_before"])) == day1_cost
    assert Decimal(str(scope["delta_cost"])) == day2_cost - day1_cost
    table = runner.invoke(app, ["imports", "--db", str(db)])
    assert table.exit_code == 0 and "superseded" in table.output


def test_modes_that_exclude_each_other_are_refused(tmp_path: Path) -> None:
    path = focus_export(tmp_path / "f.csv", 1, range(1, 2))
    result = CliRunner().invoke(
        app,
        ["import", "focus", str(path), "--db", str(tmp_path / "s.duckdb"), "--append", "--replace-period"],
    )
    assert result.exit_code != 0


def test_a_large_restatement_is_recognised_on_a_sample_of_its_line_items(
    store: Store, tmp_path: Path
) -> None:
    import duckdb

    def export(path: Path, bump: str) -> Path:
        with duckdb.connect() as con:
            con.execute(
                f"""COPY (SELECT 'acct-9' AS BillingAccountId, '2026-10-01' AS BillingPeriodStart,
                        'OpenAI' AS ProviderName, 1 + i % 7 + {bump} AS BilledCost, 1 + i % 7 AS EffectiveCost,
                        TIMESTAMP '2026-10-01' + to_hours(CAST(i % 600 AS INT)) AS ChargePeriodStart,
                        TIMESTAMP '2026-10-01' + to_hours(CAST(i % 600 + 1 AS INT)) AS ChargePeriodEnd,
                        'res-' || (i // 600) AS ResourceId, 'Input Tokens' AS SkuMeter
                    FROM range(60000) t(i)) TO '{path}' (HEADER)"""
            )
        return path

    first = export(tmp_path / "a.csv", "0")
    second = export(tmp_path / "b.csv", "0.5")
    import_delivery(store, "focus", [first])
    result = import_delivery(store, "focus", [second])
    assert (result.scopes[0].action, result.rows_replaced) == ("replaced", 60_000)
    assert _store_total(store) == _file_total(second, "BilledCost")


@pytest.mark.parametrize("backend", ["duckdb", "chdb"])
def test_another_source_of_the_same_bill_is_refused_replaces_with_replace_period_and_adds_with_append(
    tmp_path: Path, backend: str
) -> None:
    """A CUR and a FOCUS export of one AWS account and month are the same bill: by default the second is refused
    (naming the source the store holds), --replace-period switches the bill to it, --append adds it on purpose.
    On a ClickHouse store too, whose import sees only the partitions it copies in (it added both, before)."""
    if backend == "chdb":
        pytest.importorskip("chdb", reason="the clickhouse extra (chdb) is not installed")
    header = [
        "BillingAccountId",
        "BillingPeriodStart",
        "ProviderName",
        "ChargePeriodStart",
        "ChargePeriodEnd",
        "BilledCost",
        "EffectiveCost",
        "ServiceName",
        "ResourceId",
    ]
    focus = _write(
        tmp_path / "aws-focus.csv",
        header,
        [
            [
                "999988887777",
                "2026-10-01T00:00:00Z",
                "AWS",
                f"2026-10-0{d}T00:00:00Z",
                f"2026-10-0{d + 1}T00:00:00Z",
                "2.50",
                "2.50",
                "Amazon Bedrock",
                "r1",
            ]
            for d in (3, 4)
        ],
    )

    def total(store: Store) -> Decimal:
        with store.reader() as con:
            return con.execute("SELECT coalesce(sum(BilledCost), 0) FROM costs").fetchall()[0][0]

    for mode, expected in (("auto", None), ("replace-period", Decimal("5.00")), ("append", "both")):
        store = Store(str(tmp_path / f"{mode}.duckdb") if backend == "duckdb" else f"chdb:{tmp_path / mode}")
        import_files(store, "aws_cur", [cur_export(tmp_path / f"cur-{mode}.csv", 1, range(1, 6))])
        cur_total = total(store)
        if mode == "auto":
            with pytest.raises(ImportRejected) as info:
                import_files(store, "focus", [focus])
            assert info.value.code == "import_rejected"
            assert "`spendscope import aws-cur`" in info.value.details["sources"][0]
            assert total(store) == cur_total
        else:
            import_files(store, "focus", [focus], mode=mode)  # type: ignore[arg-type]
            assert total(store) == (cur_total + Decimal("5.00") if expected == "both" else expected)


def _unnamed_bill_file(path: Path, sub_account: str, cost: Decimal) -> Path:
    """A FOCUS file that names no billing account (the column left out): one sub-account, four days."""
    header = ["ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd", "BilledCost"]
    header += ["EffectiveCost", "ProviderName", "SubAccountId", "ResourceId", "SkuMeter", "ChargeCategory"]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for day in range(1, 5):
            w.writerow(
                [f"2026-10-0{day}T00:00:00Z", f"2026-10-0{day + 1}T00:00:00Z", "2026-10-01T00:00:00Z"]
                + ["2026-11-01T00:00:00Z", str(cost), str(cost), "OpenAI", sub_account, f"{sub_account}/m"]
                + ["Input Tokens", "Usage"]
            )
    return path


@pytest.mark.parametrize("backend", ["duckdb", "chdb"])
def test_files_naming_no_billing_account_are_scoped_by_sub_account(tmp_path: Path, backend: str) -> None:
    """Two projects' files without a billing account, then a restatement of one: the other project's rows stay
    (they shared one scope, and the restatement replaced both: probe 27)."""
    if backend == "chdb":
        pytest.importorskip("chdb", reason="the clickhouse extra (chdb) is not installed")
    store = Store(str(tmp_path / "s.duckdb") if backend == "duckdb" else f"chdb:{tmp_path / 'chdb'}")
    import_files(store, "focus", [_unnamed_bill_file(tmp_path / "a.csv", "proj_a", Decimal("1.5"))])
    import_files(store, "focus", [_unnamed_bill_file(tmp_path / "b.csv", "proj_b", Decimal(10))])
    import_files(store, "focus", [_unnamed_bill_file(tmp_path / "b2.csv", "proj_b", Decimal(20))])
    with store.reader() as con:
        got = con.execute("SELECT SubAccountId, sum(BilledCost) FROM costs GROUP BY 1 ORDER BY 1").fetchall()
    assert [(s, Decimal(v)) for s, v in got] == [("proj_a", Decimal(6)), ("proj_b", Decimal(80))]
    # what `spendscope imports` shows for the restated scope: the sub-account standing in for the billing account
    # (session 23's leftover: it said "(no account)" whichever project it was)
    labels = [s.label for i in list_imports(store) for s in i.scopes if s.action == "replaced"]
    assert len(labels) == 1 and "sub-account proj_b (no billing account)" in labels[0], labels
