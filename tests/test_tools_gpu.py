"""GPU utilisation on a hand-made store (idle hours and cost worked out by hand) and on the public file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from analytics_facts import add_costs, add_gpu_samples, month, near, total
from spendscope.data.store import Store
from spendscope.tools.charts import chart_for
from spendscope.tools.optimize.gpu import GpuInput, gpu_utilization

UTC = dt.UTC


@pytest.fixture
def small(store: Store) -> Store:
    gpu = {"ConsumedUnit": "Hours", "ServiceName": "Amazon Elastic Compute Cloud", "ProviderName": "AWS"}
    add_costs(
        store,
        [
            # i-1: 2 GPUs at $2/hour, billed two whole days; sampled on the first only
            {
                "day": "2026-10-01",
                **gpu,
                "ResourceId": "i-1",
                "ResourceName": "trainer",
                "x_GpuCount": 2,
                "x_InstanceType": "g5.12xlarge",
                "ConsumedQuantity": 24,
                "EffectiveCost": 48,
                "Tags": {"team": "ml"},
            },
            {
                "day": "2026-10-02",
                **gpu,
                "ResourceId": "i-1",
                "ResourceName": "trainer",
                "x_GpuCount": 2,
                "x_InstanceType": "g5.12xlarge",
                "ConsumedQuantity": 24,
                "EffectiveCost": 48,
                "Tags": {"team": "ml"},
            },
            # i-2: 1 GPU at $1/hour, billed 12 hours, idle throughout
            {
                "day": "2026-10-01",
                "hours": 12,
                **gpu,
                "ResourceId": "i-2",
                "ResourceName": "notebook",
                "x_GpuCount": 1,
                "ConsumedQuantity": 12,
                "EffectiveCost": 12,
                "Tags": {"team": "data"},
            },
            {"day": "2026-10-01", "ProviderName": "OpenAI", "x_Model": "gpt-4o", "EffectiveCost": 1000},
        ],
    )
    day1 = dt.datetime(2026, 10, 1, tzinfo=UTC)
    samples = []
    for h in range(24):
        for minute in (0, 30):
            t = day1 + dt.timedelta(hours=h, minutes=minute)
            samples.append(("i-1", 0, t, 50.0 if h < 12 else 5.0))  # GPU 0 idle in the afternoon
            samples.append(("i-1", 1, t, 50.0))
    samples.append(("i-9", 0, day1, 0.0))  # an instance the bill does not know: ignored
    add_gpu_samples(store, samples)
    # i-2's agent reports its host name (the bill's ResourceName), not the instance id
    add_gpu_samples(
        store,
        [("notebook", 0, day1 + dt.timedelta(hours=h, minutes=m), 0.0) for h in range(12) for m in (0, 30)],
        by_host=True,
    )
    return store


def test_idle_gpu_hours_and_cost_per_instance(small: Store) -> None:
    result = gpu_utilization(small, GpuInput(period="2026-10"))
    by = {x.instance_id: x for x in result.instances}
    assert set(by) == {"i-1", "i-2"}
    one = by["i-1"]
    assert (one.cost, one.billed_hours, one.gpu_hours) == (96, 48, 96)
    assert (one.monitored_hours, one.unmonitored_hours) == (24, 24)
    assert one.idle_gpu_hours == pytest.approx(12) and one.idle_cost == pytest.approx(12)
    assert one.idle_instance_hours == 0
    assert one.avg_utilization_pct == pytest.approx((12 * 50 + 12 * 27.5) / 24)
    assert one.idle_cost_pct == pytest.approx(12 / 48 * 100)
    assert (one.team, one.month, one.instance_name, one.gpus) == ("ml", "2026-10", "trainer", 2)
    two = by["i-2"]
    assert two.idle_cost == pytest.approx(12) and two.idle_instance_hours == 12 and two.idle_gpu_hours == 12
    assert result.instances[0].idle_cost >= result.instances[1].idle_cost


def test_team_month_and_total_roll_ups(small: Store) -> None:
    result = gpu_utilization(small, GpuInput(period="2026-10"))
    teams = {g.key: g for g in result.by_team}
    assert teams["ml"].idle_cost == pytest.approx(12) and teams["data"].idle_cost == pytest.approx(12)
    assert [g.key for g in result.by_month] == ["2026-10"]
    assert result.total.cost == pytest.approx(108) and result.total.idle_cost == pytest.approx(24)
    assert any("no samples" in a for a in result.assumptions)
    assert chart_for(result) is not None


def test_the_idle_threshold_is_configurable(small: Store) -> None:
    result = gpu_utilization(small, GpuInput(period="2026-10", idle_threshold_pct=60))
    one = next(x for x in result.instances if x.instance_id == "i-1")
    assert one.idle_gpu_hours == pytest.approx(48) and one.idle_cost == pytest.approx(48)
    assert one.idle_instance_hours == 24
    none_idle = gpu_utilization(small, GpuInput(period="2026-10", idle_threshold_pct=0))
    assert none_idle.total.idle_cost == 0


def test_gpu_cost_without_samples_on_the_public_file(focus_public_store: Store) -> None:
    result = gpu_utilization(focus_public_store, GpuInput(period="2026-10"))
    gpu_rows = lambda r: month(r) == "2026-10" and "InstanceType" in (r.get("SkuPriceDetails") or "")  # noqa: E731
    assert near(result.total.cost, Decimal("66048.00")) and near(result.total.cost, total(gpu_rows))
    # no samples: idle time and idle cost are unknown (null, with the reason), never a confident 0.0
    assert result.total.monitored_hours == 0 and result.total.idle_cost is None
    assert (
        result.total.idle_gpu_hours is None
        and "no GPU utilisation samples" in result.total.idle_unknown_reason
    )
    assert {x.team for x in result.instances} == {"research"}
    assert any("no GPU utilisation samples" in a for a in result.assumptions)


def test_the_demo_finds_idle_gpus(demo_store: Store) -> None:
    result = gpu_utilization(demo_store, GpuInput(period="2026-10"))
    assert result.total.monitored_hours > 0
    assert result.total.idle_cost > 0
    for x in result.instances:
        assert 0 <= x.idle_cost <= x.cost + 1e-6 and x.monitored_hours <= x.billed_hours


@pytest.fixture
def with_blind(small: Store) -> Store:
    """`small` plus i-3, a 4-GPU box billed 10 hours that sent no samples, alone in team research."""
    add_costs(
        small,
        [
            {
                "day": "2026-10-01",
                "hours": 10,
                "ConsumedUnit": "Hours",
                "ServiceName": "Amazon Elastic Compute Cloud",
                "ProviderName": "AWS",
                "ResourceId": "i-3",
                "ResourceName": "blind-box",
                "x_GpuCount": 4,
                "ConsumedQuantity": 10,
                "EffectiveCost": 80,
                "Tags": {"team": "research"},
            }
        ],
    )
    return small


def test_a_gpu_without_samples_has_unknown_idle_cost_with_the_reason(with_blind: Store) -> None:
    from spendscope.tools.invoke import invoke

    result = gpu_utilization(with_blind, GpuInput(period="2026-10"))
    by = {x.instance_id: x for x in result.instances}
    blind = by["i-3"]
    assert (blind.cost, blind.monitored_hours, blind.unmonitored_hours) == (80, 0, 10)
    assert blind.idle_cost is None and blind.idle_gpu_hours is None and blind.idle_instance_hours is None
    assert blind.idle_cost_pct is None and "no GPU utilisation samples" in blind.idle_unknown_reason
    # the sampled GPUs keep their figures; a group that holds only the blind GPU is unknown too
    assert by["i-1"].idle_cost == pytest.approx(12) and by["i-2"].idle_cost == pytest.approx(12)
    assert by["i-1"].idle_unknown_reason is None
    teams = {g.key: g for g in result.by_team}
    assert teams["research"].idle_cost is None and teams["ml"].idle_cost == pytest.approx(12)
    assert result.total.idle_cost == pytest.approx(24) and result.total.cost == pytest.approx(188)
    assert any("blind-box" in a and "unknown" in a for a in result.assumptions)
    assert chart_for(result) is not None
    # the entry point's JSON (what MCP sends as structured content and text) says null and why
    dumped = invoke(with_blind, "gpu_utilization", {"period": "2026-10"}).model_dump(mode="json")
    row = next(x for x in dumped["instances"] if x["instance_id"] == "i-3")
    assert row["idle_cost"] is None and row["idle_unknown_reason"]


def test_the_gpu_table_says_unknown_for_a_gpu_without_samples(with_blind: Store) -> None:
    from typer.testing import CliRunner

    from spendscope.cli import app

    out = CliRunner().invoke(app, ["gpu", "--period", "2026-10", "--db", str(with_blind.path)])
    assert out.exit_code == 0, out.output
    line = next(ln for ln in out.stdout.splitlines() if "blind-box" in ln and "2026-10" in ln)
    assert "unknown" in line and "$0.00" not in line, line
    assert "idle cost is unknown" in " ".join(out.stdout.split())


def test_the_dashboard_says_idle_cost_is_unknown_for_a_gpu_without_samples(with_blind: Store) -> None:
    pytest.importorskip("jinja2", reason="the dashboard needs the web extra (jinja2)")
    import re

    from spendscope.web.app import build_app
    from starlette.testclient import TestClient

    client = TestClient(
        build_app(with_blind, as_of=dt.date(2026, 11, 5), warm=False), base_url="http://127.0.0.1"
    )
    page = client.get("/commitments", headers={"accept": "text/html"})
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", page.text[page.text.find("<h2>GPU</h2>") :]))
    row = text[text.find("research") :][:80]
    assert "unknown" in row and "$0.00" not in row, row
