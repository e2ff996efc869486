"""`spendscope import aws-cur|focus s3://...` against a real S3 API: moto's server on 127.0.0.1, reached through
the standard AWS_ENDPOINT_URL override, in a subprocess that sees only the standard AWS variables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from export_layouts import CUR2_HEADER, Target, cur2_rows, data_exports, legacy_cur, total
from spendscope.data.store import Store

moto_server = pytest.importorskip("moto.server", reason="moto[server] (a dev dependency) runs the S3 API")
pytest.importorskip("s3fs", reason="s3fs (the [cloud] extra) reads s3:// URLs")
boto3 = pytest.importorskip("boto3")

COST = CUR2_HEADER.index("line_item_unblended_cost")
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(endpoint: str, request: pytest.FixtureRequest) -> Target:
    name = "cur-" + request.node.name.replace("_", "-")[-40:].strip("-").lower()
    client = boto3.client("s3", endpoint_url=endpoint, **_client_credentials())
    client.create_bucket(Bucket=name)
    return Target(s3=client, bucket=name, prefix="exports/acme")


def _client_credentials() -> dict[str, str]:
    return {
        "aws_access_key_id": CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "region_name": CREDENTIALS["AWS_DEFAULT_REGION"],
    }


def spendscope(endpoint: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SPENDSCOPE_"))}
    env |= CREDENTIALS | {"AWS_ENDPOINT_URL": endpoint, "HOME": str(tmp_path)}  # no ~/.aws of the machine
    return subprocess.run(
        [sys.executable, "-m", "spendscope", *args], capture_output=True, text=True, env=env, timeout=180
    )


def figures(db: Path) -> tuple:
    with Store(db).reader() as con:
        return con.execute("SELECT count(*), coalesce(sum(BilledCost), 0) FROM costs").fetchall()[0]


def test_a_bucket_prefix_is_listed_and_the_manifest_layout_imported(
    endpoint: str, bucket: Target, tmp_path: Path
) -> None:
    sep, octo = cur2_rows("2026-09", 28, "1.25"), cur2_rows("2026-10", 20, "2.50")
    data_exports(bucket, "cur2", "2026-09", [sep])
    data_exports(bucket, "cur2", "2026-10", [octo[:10], octo[10:]])
    db = tmp_path / "s.duckdb"
    proc = spendscope(endpoint, tmp_path, "import", "aws-cur", bucket.url(), "--db", str(db), "--json")
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)
    assert [r["rows_inserted"] for r in results] == [28, 20]  # one import per delivery (October: two files)
    files = [f for r in results for f in r["files"]]
    assert len(files) == 3 and all(
        f.startswith(f"s3://{bucket.bucket}/exports/acme/cur2/data/") for f in files
    )
    assert figures(db) == (48, total(sep, COST) + total(octo, COST))
    with Store(db).reader() as con:
        sources = {r[0] for r in con.execute("SELECT DISTINCT x_SourceFile FROM costs").fetchall()}
    assert sources == set(files)  # provenance names the object, not a temp copy


def test_a_restated_period_in_the_bucket_imports_only_the_current_assembly(
    endpoint: str, bucket: Target, tmp_path: Path
) -> None:
    day1 = cur2_rows("2026-10", 1, "100.00")  # month to date on day 1
    day2 = cur2_rows("2026-10", 2, "80.00")  # day 2 restates day 1 (100 -> 80) and adds day 2
    legacy_cur(bucket, "daily", "2026-10", "asm-day1", day1, current=True)
    legacy_cur(bucket, "daily", "2026-10", "asm-day2", day2, current=True)  # overwrites the period manifest
    db = tmp_path / "s.duckdb"
    proc = spendscope(endpoint, tmp_path, "import", "aws-cur", bucket.url(), "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    assert "1 superseded file(s) skipped" in proc.stdout
    assert figures(db) == (2, Decimal("160.00"))
    again = spendscope(endpoint, tmp_path, "import", "aws-cur", bucket.url(), "--db", str(db))
    assert "already imported" in again.stdout and figures(db) == (2, Decimal("160.00"))


def test_a_period_restated_in_the_bucket_after_an_import_replaces_it(
    endpoint: str, bucket: Target, tmp_path: Path
) -> None:
    legacy_cur(bucket, "daily", "2026-10", "asm-day1", cur2_rows("2026-10", 1, "100.00"), current=True)
    db = tmp_path / "s.duckdb"
    first = spendscope(endpoint, tmp_path, "import", "aws-cur", bucket.url(), "--db", str(db))
    assert first.returncode == 0, first.stderr
    assert figures(db) == (1, Decimal("100.00"))
    # the next day AWS writes a new assembly restating day 1 (100 -> 80) and adding day 2
    legacy_cur(bucket, "daily", "2026-10", "asm-day2", cur2_rows("2026-10", 2, "80.00"), current=True)
    second = spendscope(endpoint, tmp_path, "import", "aws-cur", bucket.url(), "--db", str(db))
    assert second.returncode == 0, second.stderr
    assert "replaced 1 rows" in second.stdout
    assert figures(db) == (2, Decimal("160.00"))  # not 100 + 160


def test_one_object_url_imports_that_file(endpoint: str, bucket: Target, tmp_path: Path) -> None:
    keys = data_exports(bucket, "cur2", "2026-10", [cur2_rows("2026-10", 3, "1.00")])
    db = tmp_path / "s.duckdb"
    proc = spendscope(endpoint, tmp_path, "import", "aws-cur", bucket.url(keys[0]), "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    assert figures(db) == (3, Decimal("3.00"))


def test_a_missing_bucket_is_one_clear_line(endpoint: str, tmp_path: Path) -> None:
    proc = spendscope(
        endpoint, tmp_path, "import", "aws-cur", "s3://no-such-bucket/cur", "--db", str(tmp_path / "s.duckdb")
    )
    assert proc.returncode == 1
    assert "no-such-bucket" in proc.stderr and "Traceback" not in proc.stderr
