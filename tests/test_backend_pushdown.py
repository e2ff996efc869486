"""Virtual tags summed before their rules run (breakdowns, showback, shared-cost pools) on embedded ClickHouse:
the check that rows repeat (a sample and a hash in DuckDB's SQL) runs there too, the pushdown is taken on both
backends, and the answers are the same (numbers to 1e-6)."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest
from backend_cases import differences, run_case
from test_tools_allocation_pushdown import V1

pytest.importorskip("chdb", reason="the clickhouse extra (chdb) is not installed")

from spendscope.data.import_focus import import_focus  # noqa: E402
from spendscope.data.store import Store  # noqa: E402
from spendscope.tools.costs import breakdown  # noqa: E402

RULES = (
    V1
    + """
shared:
  - name: platform
    when: {SubAccountName: sub-7}
    to: team
    split: proportional
"""
)
BILL = """
    SELECT TIMESTAMPTZ '2026-09-01 00:00:00+00' + to_days(CAST(k % 61 AS INT)) AS ChargePeriodStart,
           TIMESTAMPTZ '2026-09-02 00:00:00+00' + to_days(CAST(k % 61 AS INT)) AS ChargePeriodEnd,
           date_trunc('month', TIMESTAMPTZ '2026-09-01 00:00:00+00' + to_days(CAST(k % 61 AS INT))) AS BillingPeriodStart,
           date_trunc('month', TIMESTAMPTZ '2026-09-01 00:00:00+00' + to_days(CAST(k % 61 AS INT)))
               + INTERVAL 1 MONTH AS BillingPeriodEnd,
           'USD' AS BillingCurrency, 'Usage' AS ChargeCategory,
           ['OpenAI', 'Anthropic', 'Google Cloud'][1 + k % 3] AS ProviderName, 'AI API' AS ServiceName,
           'sub-' || (k % 23) AS SubAccountName, 'acct' AS BillingAccountId, 'us-east-1' AS RegionId,
           'Tokens' AS ConsumedUnit, 1000 + i % 37 AS ConsumedQuantity, 'tokens' AS ChargeDescription,
           CAST((i % 997) * 0.0137 + 0.0001 AS DECIMAL(20,4)) AS BilledCost,
           CAST((i % 997) * 0.0137 + 0.0001 AS DECIMAL(20,4)) AS EffectiveCost,
           CAST((i % 991) * 0.02 AS DECIMAL(20,4)) AS ListCost,
           CASE WHEN k % 5 = 0 THEN NULL ELSE '{"team":"t' || (k % 4) || '"}' END AS Tags
    FROM (SELECT i, i % 600 AS k FROM range(12000) t(i))"""  # a bill repeats its line items


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Store]:
    base = tmp_path_factory.mktemp("pushdown-backends")
    bill = base / "focus.csv"
    duckdb.sql(f"COPY ({BILL}) TO '{bill}' (HEADER)")
    stores = Store(base / "s.duckdb", lock_timeout=10), Store(f"chdb:{base / 's-chdb'}", lock_timeout=10)
    for store in stores:
        import_focus(store, bill)
        assert "error" not in run_case(store, "apply_allocation_rules", {"document": RULES, "author": "t"})
    return stores


CASES = [
    ("query_costs", {"period": "2026-10", "group_by": ["team", "provider"]}),
    (
        "query_costs",
        {
            "period": "2026-10",
            "group_by": ["provider"],
            "filters": [{"dimension": "team", "op": "eq", "values": ["search"]}],
        },
    ),
    ("get_showback_report", {"month": "2026-10", "by": "team"}),
    ("get_shared_cost_allocation", {"key": "team", "period": "2026-10"}),
]


@pytest.mark.parametrize(("name", "params"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_a_pushed_down_virtual_tag_query_answers_alike_on_duckdb_and_clickhouse(
    pair: tuple[Store, Store], monkeypatch: pytest.MonkeyPatch, name: str, params: dict[str, Any]
) -> None:
    summed: list[bool] = []
    real = breakdown.rows_repeat

    def spy(con: Any, exprs: list[str]) -> bool:
        summed.append(real(con, exprs))
        return summed[-1]

    monkeypatch.setattr(breakdown, "rows_repeat", spy)
    duck, click = (run_case(s, name, params) for s in pair)
    assert "error" not in duck, duck
    assert differences(duck, click) == []
    assert summed and all(summed), "the rows were not summed before the rules ran"
