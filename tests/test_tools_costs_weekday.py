"""The calendar dimensions `weekday` (Monday..Sunday) and `day_type` (weekday / weekend): the day of the week of a
row's charge period start (UTC), rows charged over more than a day in their own `(multi-day)` bucket. A small bill
of known days, imported into DuckDB and into chdb, answers alike; expected figures are summed from the rows here.

October 2026: the 3rd is a Saturday, the 4th a Sunday, the 5th a Monday."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from focus_rows import row, write
from spendscope.data.errors import InvalidArgument, UnknownValue
from spendscope.data.import_focus import import_focus
from spendscope.data.store import Store
from spendscope.tools.access import LOCAL, Caller
from spendscope.tools.invoke import invoke
from typer.testing import CliRunner


def _hourly(day: int, hour: int, cost: str, team: str, model: str) -> dict[str, str]:
    r = row(day, cost, team=team, model=model)
    r["ChargePeriodStart"] = f"2026-10-{day:02d}T{hour:02d}:00:00Z"
    r["ChargePeriodEnd"] = f"2026-10-{day:02d}T{hour + 1:02d}:00:00Z"
    return r


def _rows() -> list[dict[str, str]]:
    rows = [
        # the 'gpu' line runs every day, hourly rows at 23:00 UTC (still the start's day)
        *(_hourly(d, 23, "10.00", "research", "gpu-box") for d in range(1, 11)),
        # the 'chat' line runs on weekdays only, one daily row each
        *(row(d, "100.00", team="search", model="gpt-4o") for d in (1, 2, 5, 6, 7, 8, 9)),
    ]
    fee = row(1, "300.00", team="search", model="support-plan")
    fee["ChargePeriodStart"], fee["ChargePeriodEnd"] = "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z"
    return [*rows, fee]


# by weekday over October 1-10: Thursday 1 and 8, Friday 2 and 9, Saturday 3 and 10, Sunday 4, Monday 5, ...
WEEKDAY = {
    "Monday": 110,
    "Tuesday": 110,
    "Wednesday": 110,
    "Thursday": 220,
    "Friday": 220,
    "Saturday": 20,
    "Sunday": 10,
    "(multi-day)": 300,
}


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Store]:
    base = tmp_path_factory.mktemp("weekday")
    bill = write(base / "bill.csv", _rows())
    out = {"duckdb": Store(base / "w.duckdb", lock_timeout=10)}
    try:
        import chdb  # noqa: F401

        out["chdb"] = Store(f"chdb:{base / 'w-chdb'}", lock_timeout=10)
    except ImportError:
        pass
    for store in out.values():
        import_focus(store, bill)
    return out


BACKENDS = ["duckdb", "chdb"]


def _store(stores: dict[str, Store], backend: str) -> Store:
    if backend not in stores:
        pytest.skip("the clickhouse extra (chdb) is not installed")
    return stores[backend]


def _by(result: object) -> dict[str, float]:
    return {r.group[result.group_by[0]]: r.value for r in result.rows}  # type: ignore[attr-defined]


@pytest.mark.parametrize("backend", BACKENDS)
def test_costs_by_weekday_put_each_row_on_its_start_day_and_a_monthly_fee_on_no_day(
    stores: dict[str, Store], backend: str
) -> None:
    result = invoke(_store(stores, backend), "query_costs", {"period": "2026-10", "group_by": ["weekday"]})
    assert _by(result) == pytest.approx(WEEKDAY)
    assert result.total == pytest.approx(sum(WEEKDAY.values()))  # every row in one bucket: the month's total
    by_type = _by(
        invoke(_store(stores, backend), "query_costs", {"period": "2026-10", "group_by": ["day_type"]})
    )
    assert by_type == pytest.approx({"weekday": 770, "weekend": 30, "(multi-day)": 300})


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_day_filter_takes_the_ways_people_spell_days(stores: dict[str, Store], backend: str) -> None:
    store = _store(stores, backend)
    weekend = invoke(
        store,
        "query_costs",
        {"period": "2026-10", "filters": [{"dimension": "day_type", "values": ["Weekends"]}]},
    )
    assert weekend.total == pytest.approx(30)
    sat = invoke(
        store,
        "query_costs",
        {"period": "2026-10", "filters": [{"dimension": "weekday", "values": ["sat", "Sundays"]}]},
    )
    assert sat.total == pytest.approx(30)
    # a line that never runs at weekends has a real 0 there: not refused as a pair never seen together
    chat = invoke(
        store,
        "query_costs",
        {
            "period": "2026-10",
            "filters": [
                {"dimension": "model", "values": ["gpt-4o"]},
                {"dimension": "day_type", "values": ["weekend"]},
            ],
        },
    )
    assert chat.total == 0


def test_a_day_that_is_no_day_is_refused_with_the_days_there_are(stores: dict[str, Store]) -> None:
    with pytest.raises(UnknownValue) as err:
        invoke(
            stores["duckdb"],
            "query_costs",
            {"period": "2026-10", "filters": [{"dimension": "weekday", "values": ["funday"]}]},
        )
    assert err.value.code == "unknown_value"
    assert "Sunday" in err.value.message


def test_a_day_and_a_day_type_that_exclude_each_other_are_refused_not_a_zero(
    stores: dict[str, Store],
) -> None:
    filters = [{"dimension": "weekday", "values": ["sat"]}, {"dimension": "day_type", "values": ["weekday"]}]
    with pytest.raises(InvalidArgument) as err:
        invoke(stores["duckdb"], "query_costs", {"period": "2026-10", "filters": filters})
    assert err.value.code == "invalid_argument"


def test_the_cli_lists_the_days_monday_first_and_chdb_answers_alike(stores: dict[str, Store]) -> None:
    from spendscope.cli import app

    def run(db: str, *args: str) -> str:
        result = CliRunner().invoke(app, [*args, "--db", db])
        assert result.exit_code == 0, result.output
        return result.stdout

    duck = str(stores["duckdb"].path)
    table = run(duck, "costs", "--period", "2026-10", "--by", "weekday")
    order = [d for d in WEEKDAY if d in table]
    assert order == list(WEEKDAY)
    assert [table.index(d) for d in order] == sorted(table.index(d) for d in order)
    if "chdb" in stores:
        args = ("costs", "--period", "2026-10", "--by", "day_type", "--filter", "team=research", "--json")
        assert json.loads(run(duck, *args)) == json.loads(run(f"chdb:{stores['chdb'].path}", *args))


def test_a_row_scoped_caller_sees_only_its_days(stores: dict[str, Store]) -> None:
    search = Caller("search", row_scope={"team": ("search",)})
    result = invoke(stores["duckdb"], "query_costs", {"period": "2026-10", "group_by": ["day_type"]}, search)
    assert _by(result) == pytest.approx({"weekday": 700, "(multi-day)": 300})


def test_anomaly_series_by_day_of_week_are_refused_not_scanned(
    stores: dict[str, Store], tmp_path: Path
) -> None:
    with pytest.raises(InvalidArgument) as err:
        invoke(stores["duckdb"], "detect_anomalies", {"dimensions": ["weekday"]}, LOCAL)
    assert err.value.code == "invalid_argument"


def test_the_dimension_list_names_the_calendar_dimensions(stores: dict[str, Store]) -> None:
    names = {d.name: d.kind for d in invoke(stores["duckdb"], "list_dimensions", {}).dimensions}
    assert names["weekday"] == names["day_type"] == "time"


def test_the_sql_transpiles_to_clickhouse_day_of_week() -> None:
    from spendscope.data.dialect import to_clickhouse
    from spendscope.tools.costs.dimensions import calendar_sql

    sql = to_clickhouse(f"SELECT {calendar_sql('weekday')} FROM costs").sql
    assert "toDayOfWeek" in sql and "Decimal" not in sql
