"""CUR, Azure and GCP files are read once into an in-memory table and inserted without order preservation (so the
INSERT writes on every core): every row must still be named by its own line of the file, also when the file is
read in parallel in several chunks, and a bad date (parsed once per distinct text in Azure) must still reject the
file naming its first row."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from spendscope.data import csv_parts
from spendscope.data.errors import ImportRejected
from spendscope.data.import_azure import import_azure
from spendscope.data.importing import import_delivery
from spendscope.data.store import Store

ROWS = 130_000  # more than one DuckDB row group (122,880), and several parallel CSV chunks


@pytest.fixture(autouse=True, params=["whole", "parts"])
def reading(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object] | None]:
    """Each file read whole (in file order) and in numbered parts on every core (data/csv_parts.py: forced here
    with four parts of whole 1,024-row groups; the real threshold is 16 MB a part)."""
    made: list[object] = []
    if request.param == "parts":
        monkeypatch.setattr(csv_parts, "part_count", lambda _con, _size: 4)
        monkeypatch.setattr(csv_parts, "ROW_GROUP", 1024)
        plan = csv_parts.plan_parts

        def recording(*args: object) -> object:
            got = plan(*args)  # type: ignore[arg-type]
            made.append(got)
            return got

        monkeypatch.setattr("spendscope.data.import_common.plan_parts", recording)
    yield made if request.param == "parts" else None


def _was_cut(reading: list[object] | None) -> None:
    if reading is not None:
        assert any(p is not None for p in reading), "the file was not read in parts"


def _write(path: Path, select: str) -> Path:
    """Write `SELECT ... FROM range(ROWS) AS t(r)` as a CSV; row r + 1 is the (r + 1)-th data row."""
    con = duckdb.connect()
    con.execute(f"COPY (SELECT {select} FROM range({ROWS}) AS t(r) ORDER BY r) TO '{path}' (HEADER)")
    return path


def _mismatches(store: Store, quantity: str) -> tuple[int, int]:
    with store.reader() as con:
        return con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE {quantity} IS DISTINCT FROM x_SourceRow) FROM costs "
            "WHERE ChargeCategory <> 'Credit'"
        ).fetchall()[0]


def test_every_cur_row_keeps_its_own_line_number(tmp_path: Path, reading: list[object] | None) -> None:
    cur = _write(
        tmp_path / "cur.csv",
        "'li' || r AS identity_line_item_id, '2026-04-01T00:00:00Z' AS line_item_usage_start_date, "
        "'2026-04-01T01:00:00Z' AS line_item_usage_end_date, '2026-04' AS billing_period, "
        "'999988887777' AS bill_payer_account_id, 'Usage' AS line_item_line_item_type, "
        "CASE r % 3 WHEN 0 THEN 'AmazonEC2' WHEN 1 THEN 'AmazonS3' ELSE 'AmazonBedrock' END AS line_item_product_code, "
        "CASE r % 3 WHEN 0 THEN 'USE1-BoxUsage:g5.xlarge' WHEN 1 THEN 'USE1-TimedStorage-ByteHrs' "
        "ELSE 'USE1-Claude4.6Sonnet-input-tokens' END AS line_item_usage_type, "
        "CASE WHEN r % 3 = 0 THEN 'g5.xlarge' END AS product_instance_type, "
        "CAST(r + 1 AS VARCHAR) AS line_item_usage_amount, '0.01' AS line_item_unblended_cost, "
        "'{\"user_team\":\"t' || (r % 7) || '\"}' AS resource_tags",
    )
    store = Store(tmp_path / "s.duckdb")
    assert import_delivery(store, "aws_cur", [cur]).rows_inserted == ROWS
    assert _mismatches(store, "PricingQuantity") == (ROWS, 0)
    _was_cut(reading)


def test_every_azure_row_keeps_its_own_line_number(tmp_path: Path, reading: list[object] | None) -> None:
    azure = _write(
        tmp_path / "azure.csv",
        "strftime(DATE '2026-04-01' + CAST(r % 30 AS INTEGER), '%m/%d/%Y') AS Date, "
        "CAST(r + 1 AS VARCHAR) AS Quantity, '0.01' AS CostInBillingCurrency, 'Usage' AS ChargeType, "
        "CASE r % 2 WHEN 0 THEN 'gpt-4o-0806-Inp-glbl Tokens' ELSE 'Hot LRS Data Stored' END AS MeterName, "
        "CASE r % 2 WHEN 0 THEN 'Cognitive Services' ELSE 'Storage' END AS MeterCategory, "
        "CASE r % 2 WHEN 0 THEN '1K' ELSE '1 GB/Month' END AS UnitOfMeasure, "
        "'{\"team\":\"t' || (r % 7) || '\"}' AS Tags",
    )
    store = Store(tmp_path / "s.duckdb")
    assert import_azure(store, azure).rows_inserted == ROWS
    assert _mismatches(store, "PricingQuantity") == (ROWS, 0)
    _was_cut(reading)
    with store.reader() as con:  # the dates, parsed once per distinct text, land on their own rows
        bad = con.execute(
            "SELECT count(*) FROM costs WHERE CAST(ChargePeriodStart AS DATE) "
            "<> DATE '2026-04-01' + CAST((x_SourceRow - 1) % 30 AS INTEGER)"
        ).fetchall()[0][0]
    assert bad == 0


def test_every_gcp_row_keeps_its_own_line_number_and_credits_follow_their_row(
    tmp_path: Path, reading: list[object] | None
) -> None:
    gcp = _write(
        tmp_path / "gcp.csv",
        "'018984-D0AAA4-940B88' AS billing_account_id, 'Compute Engine' AS \"service.description\", "
        "'N2 Instance Core running in Americas' AS \"sku.description\", "
        "'2026-04-01 00:00:00+00:00' AS usage_start_time, '2026-04-01 01:00:00+00:00' AS usage_end_time, "
        "'res-' || (r % 5000) AS \"resource.name\", '0.5' AS cost, 'USD' AS currency, "
        'CAST(r + 1 AS VARCHAR) AS "usage.amount", \'seconds\' AS "usage.unit", '
        'CAST(r + 1 AS VARCHAR) AS "usage.amount_in_pricing_units", \'hour\' AS "usage.pricing_unit", '
        'CASE WHEN r % 10 = 0 THEN \'[{"name":"CUD","amount":-\' || (r + 1) || \',"type":"COMMITTED_USAGE_DISCOUNT"}]\' '
        "ELSE '[]' END AS credits, '202604' AS \"invoice.month\", 'regular' AS cost_type",
    )
    store = Store(tmp_path / "s.duckdb")
    import_delivery(store, "gcp", [gcp])
    assert _mismatches(store, "PricingQuantity") == (ROWS, 0)
    _was_cut(reading)
    with store.reader() as con:
        credits = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE -BilledCost <> x_SourceRow) FROM costs "
            "WHERE ChargeCategory = 'Credit'"
        ).fetchall()[0]
    assert credits == (ROWS // 10, 0)


def test_an_azure_date_that_does_not_parse_names_its_first_row_and_writes_nothing(tmp_path: Path) -> None:
    rows = [["Date", "CostInBillingCurrency", "Quantity", "MeterName"]]
    rows += [
        ["4/2/2026", "1.5", "1", "D4 v5"],
        ["4/3/2026", "2", "1", "D4 v5"],
        ["4/31/2026", "3", "1", "D4 v5"],
    ]
    rows += [["4/31/2026", "4", "1", "D4 v5"]]
    path = tmp_path / "bad-date.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    store = Store(tmp_path / "s.duckdb")
    store.ensure_schema()
    with pytest.raises(ImportRejected) as info:
        import_azure(store, path)
    assert info.value.code == "import_rejected"
    assert (info.value.details["row"], info.value.details["column"], info.value.details["value"]) == (
        3,
        "Date",
        "4/31/2026",
    )
    with store.reader() as con:
        assert con.execute("SELECT count(*) FROM costs").fetchall()[0][0] == 0
