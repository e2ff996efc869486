"""`spendscope import gpu`: nvidia-smi CSV (header/units or not), dmon and DCGM-exporter text -> gpu_samples,
keyed to the instance's cost rows. Real H200 logs plus fixtures built from the documented formats
(tests/fixtures/gpu/README.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from focus_rows import row, write
from spendscope.data.errors import ImportRejected, InvalidArgument
from spendscope.data.import_focus import import_focus
from spendscope.data.import_gpu import import_gpu, load_map
from spendscope.data.store import Store
from typer.testing import CliRunner

GPU = Path(__file__).parent / "fixtures" / "gpu"
H200_UUID = "GPU-03daf855-c3c9-5df2-5e87-639cb52b4dac"
UTC = dt.UTC


def _samples(store: Store, where: str = "true") -> list[dict[str, Any]]:
    with store.reader() as con:
        cur = con.execute(f"SELECT * FROM gpu_samples WHERE {where} ORDER BY ts, gpu_index")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def test_real_nvidia_smi_csv_with_header_and_units_imports_every_sample(store: Store) -> None:
    result = import_gpu(store, GPU / "nvidia-smi_query-gpu_h.csv", instance="i-0h200a1b2c3d4e5f6")
    assert result.rows_inserted == 92
    s = _samples(store)
    first = s[0]
    assert (first["gpu_uuid"], first["gpu_name"], first["gpu_index"], first["instance_id"]) == (
        H200_UUID,
        "NVIDIA H200",
        0,
        "i-0h200a1b2c3d4e5f6",
    )
    assert first["ts"] == dt.datetime(2026, 11, 27, 0, 24, 40, 967000, tzinfo=UTC)
    assert (
        first["utilization_pct"],
        first["memory_used_mib"],
        first["memory_total_mib"],
        first["power_w"],
    ) == (0.0, 0.0, 143771.0, 78.41)
    assert sum(1 for x in s if x["utilization_pct"] == 100.0) == 29
    assert any("read as UTC" in w for w in result.warnings)


def test_local_timestamps_are_converted_with_the_given_time_zone(store: Store) -> None:
    import_gpu(store, GPU / "nvidia-smi_query-gpu_h.csv", timezone="Europe/Berlin", host="h200-box")
    assert _samples(store)[0]["ts"] == dt.datetime(2026, 11, 26, 23, 24, 40, 967000, tzinfo=UTC)


def test_noheader_nounits_csv_needs_the_query_columns_and_keeps_na_as_null(store: Store) -> None:
    path = GPU / "nvidia-smi_query-gpu_noheader_nounits_2gpu.csv"
    with pytest.raises(ImportRejected) as err:
        import_gpu(store, path)
    assert "--columns" in err.value.message
    cols = ["timestamp", "index", "uuid", "utilization.gpu", "memory.used", "memory.total", "power.draw"]
    assert import_gpu(store, path, columns=cols, host="gpu-node-1").rows_inserted == 4
    s = _samples(store)
    assert [(x["gpu_index"], x["utilization_pct"], x["power_w"]) for x in s[:2]] == [
        (0, 87.0, 612.3),
        (1, 0.0, None),
    ]


def test_the_real_error_output_of_nvidia_smi_is_rejected_with_its_message(store: Store) -> None:
    with pytest.raises(ImportRejected) as err:
        import_gpu(store, GPU / "nvidia-smi_query-gpu_error.txt")
    assert "nvidia-smi error message" in err.value.message and "is not recognized" in err.value.message


def test_real_dmon_output_without_time_columns_is_placed_from_start_and_interval(store: Store) -> None:
    path = GPU / "nvidia-smi_dmon.txt"
    with pytest.raises(ImportRejected) as err:
        import_gpu(store, path)
    assert "--start" in err.value.message
    start = dt.datetime(2026, 11, 27, 0, 24, 40, tzinfo=UTC)
    result = import_gpu(store, path, start=start, interval=1.0, instance="i-0h200a1b2c3d4e5f6")
    assert result.rows_inserted == 40
    s = _samples(store)
    assert s[0]["ts"] == start and s[-1]["ts"] == start + dt.timedelta(seconds=39)
    busy = [x for x in s if x["utilization_pct"] == 100.0]
    assert busy and busy[0]["memory_used_mib"] == 1139.0 and busy[0]["power_w"] > 600


def test_dmon_with_date_and_time_columns_needs_no_start(store: Store) -> None:
    assert import_gpu(store, GPU / "nvidia-smi_dmon_dt.txt", host="gpu-node-1").rows_inserted == 4
    s = _samples(store)
    assert s[-1]["ts"] == dt.datetime(2026, 11, 27, 0, 30, 1, tzinfo=UTC)
    assert (s[-1]["gpu_index"], s[-1]["utilization_pct"], s[-1]["memory_used_mib"]) == (1, 100.0, 61200.0)


def test_dcgm_exporter_text_pivots_metrics_per_gpu_and_scrape(store: Store) -> None:
    path = GPU / "dcgm_exporter_metrics.prom"
    with pytest.raises(ImportRejected):
        import_gpu(store, path)  # no timestamps, no --start
    start = dt.datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    mapping = load_map(GPU / "instances.yaml")
    assert import_gpu(store, path, start=start, interval=15, mapping=mapping).rows_inserted == 4
    s = _samples(store)
    g0 = [x for x in s if x["gpu_index"] == 0]
    assert [x["utilization_pct"] for x in g0] == [87.0, 93.0]
    assert g0[1]["ts"] == start + dt.timedelta(seconds=15)
    assert (g0[0]["host"], g0[0]["instance_id"], g0[0]["gpu_name"]) == (
        "gpu-node-1",
        "i-0a1b2c3d4e5f60718",
        "NVIDIA H100 80GB HBM3",
    )
    assert (g0[0]["memory_used_mib"], g0[0]["memory_total_mib"], g0[0]["power_w"]) == (
        40211.0,
        81559.0,
        612.305,
    )


def test_reimport_adds_nothing(store: Store) -> None:
    import_gpu(store, GPU / "nvidia-smi_query-gpu_h.csv", instance="i-1")
    assert import_gpu(store, GPU / "nvidia-smi_query-gpu_h.csv", instance="i-1").status == "duplicate"
    assert len(_samples(store)) == 92


def test_a_bad_value_names_the_line_and_field(store: Store, tmp_path: Path) -> None:
    lines = (GPU / "nvidia-smi_query-gpu_h.csv").read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].replace("78.", "seventy.")
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as err:
        import_gpu(store, bad)
    assert (err.value.details["row"], err.value.details["column"]) == (6, "power.draw")
    assert _samples(store) == []


def test_a_bad_time_zone_or_map_file_is_an_invalid_argument(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument) as err:
        import_gpu(store, GPU / "nvidia-smi_query-gpu_h.csv", timezone="Mars/Olympus")
    assert err.value.code == "invalid_argument"
    broken = tmp_path / "map.csv"
    broken.write_text("key,instance_id\nGPU-1\n", encoding="utf-8")
    with pytest.raises(InvalidArgument):
        load_map(broken)


def test_samples_join_the_gpu_instance_cost_rows_by_instance_id(store: Store, tmp_path: Path) -> None:
    r = row(27, "31.464", model="p5e.48xlarge", kind="Usage", tokens=1, provider="AWS", month="2026-11")
    r.update(
        {
            "ResourceId": "i-0h200a1b2c3d4e5f6",
            "ResourceName": "h200-box",
            "ServiceName": "Amazon EC2",
            "SkuMeter": "BoxUsage:p5e.48xlarge",
            "ChargeDescription": "p5e.48xlarge Linux on demand",
            "ConsumedUnit": "Hours",
            "PricingUnit": "Hours",
            "PricingQuantity": "1",
            "ServiceCategory": "Compute",
        }
    )
    import_focus(store, write(tmp_path / "ec2.csv", [r]))
    import_gpu(store, GPU / "nvidia-smi_query-gpu_h.csv", mapping=load_map(GPU / "instances.yaml"))
    with store.reader() as con:
        joined = con.execute(
            """SELECT c.ResourceId, c.x_GpuCount, count(*), round(avg(g.utilization_pct), 1)
               FROM gpu_samples g JOIN gpu_instance_costs c ON c.ResourceId = g.instance_id
                 AND c.ChargeDate = CAST(g.ts AS DATE) GROUP BY ALL"""
        ).fetchall()
    assert joined == [("i-0h200a1b2c3d4e5f6", 8, 92, round(29 * 100 / 92, 1))]


def test_cli_import_gpu_with_instance_and_map(tmp_path: Path) -> None:
    from spendscope.cli import app

    db = str(tmp_path / "c.duckdb")
    out = CliRunner().invoke(
        app,
        [
            "import",
            "gpu",
            str(GPU / "nvidia-smi_dmon.txt"),
            "--start",
            "2026-11-27T00:24:40Z",
            "--interval",
            "1",
            "--instance",
            "i-9",
            "--db",
            db,
        ],
    )
    assert out.exit_code == 0, out.output
    assert "40 rows imported" in out.output
    out = CliRunner().invoke(
        app,
        [
            "import",
            "gpu",
            str(GPU / "dcgm_exporter_metrics.prom"),
            "--start",
            "2026-11-27T02:00:00Z",
            "--interval",
            "15",
            "--map",
            str(GPU / "instances.yaml"),
            "--db",
            db,
        ],
    )
    assert out.exit_code == 0, out.output
    assert _samples(Store(db), "instance_id = 'i-0a1b2c3d4e5f60718'")[0]["gpu_uuid"].startswith("GPU-5a1e")
