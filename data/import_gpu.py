"""`spendscope import gpu FILE...`: GPU utilisation logs -> `gpu_samples`, keyed to the GPU instance's cost rows.

Formats (detected from the content, or forced with `fmt`):
- `nvidia-smi --query-gpu=timestamp,name,index,uuid,utilization.gpu,memory.used,memory.total,power.draw
  --format=csv[,noheader][,nounits] [-l N]`: with or without header and units (`0 %`, `1139 MiB`, `78.41 W`,
  `[N/A]`). Without a header, `columns` must repeat the --query-gpu list. Timestamps are the host's local
  time without a zone: `timezone` says which (default UTC).
- `nvidia-smi dmon [-o DT]`: `#`-headed, whitespace-aligned columns (gpu, pwr, sm, fb, ...). Without the
  Date/Time columns, `start` (time of the first sample) and `interval` (dmon's -d, default 1 s) place them.
- DCGM-exporter Prometheus text: DCGM_FI_DEV_GPU_UTIL, DCGM_FI_DEV_FB_USED/FREE/RESERVED,
  DCGM_FI_DEV_POWER_USAGE with labels gpu, UUID, Hostname, modelName; sample timestamps (ms) when present,
  otherwise scrape k of a series is at start + (k-1) x interval.

`instance_id` (the cost rows' ResourceId) comes from `instance` or from a map file (YAML `key: instance` or
CSV `key,instance_id`, the key being a GPU UUID or a host name). All parsing runs in DuckDB.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zoneinfo
from pathlib import Path

import duckdb
import pandas as pd
import yaml
from spendscope.data.errors import ImportRejected, InvalidArgument
from spendscope.data.events import finish_gpu_import
from spendscope.data.file_kinds import belongs_elsewhere
from spendscope.data.importing import ImportResult, duplicate_result, previous_import, reject, sha256_file
from spendscope.data.sql import literal
from spendscope.data.store import Store, memory_connection

KIND = "gpu"
FORMATS = ("auto", "nvidia-smi", "dmon", "dcgm")

# nvidia-smi --query-gpu field -> gpu_samples column
QUERY_FIELDS = {
    "timestamp": "ts",
    "name": "gpu_name",
    "gpu_name": "gpu_name",
    "index": "gpu_index",
    "uuid": "gpu_uuid",
    "gpu_uuid": "gpu_uuid",
    "utilization.gpu": "utilization_pct",
    "memory.used": "memory_used_mib",
    "memory.total": "memory_total_mib",
    "power.draw": "power_w",
    "power.draw.instant": "power_w",
    "power.draw.average": "power_w",
}
NUMERIC = ("gpu_index", "utilization_pct", "memory_used_mib", "memory_total_mib", "power_w")
DCGM_METRICS = (
    "DCGM_FI_DEV_GPU_UTIL",
    "DCGM_FI_DEV_FB_USED",
    "DCGM_FI_DEV_FB_FREE",
    "DCGM_FI_DEV_FB_RESERVED",
    "DCGM_FI_DEV_POWER_USAGE",
    "DCGM_FI_PROF_GR_ENGINE_ACTIVE",
)
_TS_FORMATS = (
    "['%Y/%m/%d %H:%M:%S.%g', '%Y/%m/%d %H:%M:%S', '%Y-%m-%d %H:%M:%S.%g', '%Y-%m-%d %H:%M:%S', "
    "'%Y-%m-%dT%H:%M:%S.%g', '%Y-%m-%dT%H:%M:%S', '%Y%m%d %H:%M:%S']"
)


def load_map(path: Path | str | None) -> dict[str, str]:
    """GPU UUID or host -> instance id, from YAML (`key: instance`) or CSV (`key,instance_id` rows)."""
    if path is None:
        return {}
    path = Path(path)
    if not path.is_file():
        raise InvalidArgument(f"--map {path}: no such file", argument="map")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".csv":
        out = {}
        for n, line in enumerate(text.splitlines(), start=1):
            parts = [p.strip() for p in line.split(",")]
            if not line.strip() or (
                n == 1 and parts[-1].lower() in ("instance", "instance_id", "resourceid")
            ):
                continue
            if len(parts) != 2 or not all(parts):
                raise InvalidArgument(f"--map {path}: line {n} must be `key,instance_id`", argument="map")
            out[parts[0]] = parts[1]
        return out
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        raise InvalidArgument(
            f"--map {path}: not valid YAML; expected `gpu-uuid-or-host: instance-id` lines", argument="map"
        ) from None
    if not isinstance(doc, dict) or not all(isinstance(v, str | int) for v in doc.values()):
        raise InvalidArgument(
            f"--map {path}: expected a mapping of GPU UUID or host to instance id", argument="map"
        )
    return {str(k).strip(): str(v).strip() for k, v in doc.items()}


def _zone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidArgument(
            f"--timezone {name!r} is not an IANA time zone (e.g. UTC, Europe/Berlin)", argument="timezone"
        ) from None
    return name


def _local_ts(expr: str, tz: str) -> str:
    """Text -> TIMESTAMPTZ: with an offset/Z as given, else read as local time of `tz`."""
    v = f"trim({expr})"
    return (
        f"CASE WHEN regexp_matches({v}, '(Z|[+-]\\d{{2}}:?\\d{{2}})$') THEN TRY_CAST({v} AS TIMESTAMPTZ) "
        f"ELSE timezone({literal(tz)}, try_strptime({v}, {_TS_FORMATS})) END"
    )


def _num(expr: str) -> str:
    """A number at the start of a value (`78.41 W`, `0 %`); NULL for [N/A] / [Not Supported] / - / empty."""
    return f"TRY_CAST(regexp_extract(trim({expr}), '^(-?[0-9]+(\\.[0-9]+)?)', 1) AS DOUBLE)"


def _na(expr: str) -> str:
    return (
        f"(trim({expr}) IN ('', '-', 'N/A', '[N/A]', '[Not Supported]', '[Unknown Error]') OR {expr} IS NULL)"
    )


def _detect(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    first = con.execute("SELECT line FROM lines WHERE trim(line) <> '' ORDER BY line_no LIMIT 5").fetchall()
    head = [r[0].strip() for r in first]
    if not head:
        raise reject(path, "is empty")
    text = " ".join(head)
    if head[0].upper().startswith(("ERROR", "NVIDIA-SMI HAS FAILED", "FAILED")):
        raise reject(path, f"holds an nvidia-smi error message, not samples: {head[0][:300]!r}")
    if (
        "DCGM_FI_" in text
        or con.execute("SELECT count(*) FROM lines WHERE starts_with(line, 'DCGM_FI_')").fetchall()[0][0]
    ):
        return "dcgm"
    if head[0].startswith("#") and re.search(r"\bgpu\b", head[0].lower()):
        return "dmon"
    return "nvidia-smi"


def _stage_query_gpu(
    con: duckdb.DuckDBPyConnection, path: Path, columns: list[str] | None, tz: str
) -> list[str]:
    header_line = con.execute(
        "SELECT line FROM lines WHERE trim(line) <> '' ORDER BY line_no LIMIT 1"
    ).fetchall()[0][0]
    has_header = bool(
        re.search(r"(^|,)\s*(timestamp|index|uuid|name|utilization\.gpu)\s*(\[|,|$)", header_line)
    )
    if has_header:
        names = [re.sub(r"\s*\[.*\]\s*$", "", h).strip().lower() for h in header_line.split(",")]
    elif columns:
        names = [c.strip().lower() for c in columns]
    elif note := belongs_elsewhere(path, "gpu"):
        raise reject(path, f"is not an nvidia-smi log: {note}")
    else:
        raise reject(
            path,
            "has no header line: pass the --query-gpu field list with --columns "
            "(e.g. timestamp,index,uuid,utilization.gpu,memory.used,memory.total,power.draw)",
        )
    mapped = {QUERY_FIELDS[n]: i + 1 for i, n in reversed(list(enumerate(names))) if n in QUERY_FIELDS}
    if "ts" not in mapped:
        raise reject(path, "has no timestamp field: query nvidia-smi with --query-gpu=timestamp,...")
    if "utilization_pct" not in mapped and "memory_used_mib" not in mapped:
        raise reject(path, "has neither utilization.gpu nor memory.used: nothing to import")
    con.execute(
        f"""CREATE TABLE rows AS SELECT line_no, list_transform(string_split(line, ','), lambda x: trim(x)) AS f
            FROM lines WHERE trim(line) <> '' {"AND line_no > (SELECT min(line_no) FROM lines WHERE trim(line) <> '')" if has_header else ""}
              AND NOT regexp_matches(lower(line), '^\\s*timestamp\\s*(,|$)')"""
    )
    width = len(names)
    bad = con.execute(
        f"SELECT line_no, len(f) FROM rows WHERE len(f) <> {width} ORDER BY 1 LIMIT 1"
    ).fetchall()
    if bad:
        raise reject(
            path,
            f"line {bad[0][0]} has {bad[0][1]} fields, the {'header' if has_header else '--columns list'} "
            f"has {width}",
            row=bad[0][0],
        )
    checks = [
        ("ts", "timestamp", "a date and time", f"{_local_ts('f[' + str(mapped['ts']) + ']', tz)} IS NULL")
    ]
    for col in NUMERIC:
        if col in mapped:
            e = f"f[{mapped[col]}]"
            checks.append((col, names[mapped[col] - 1], "a number", f"NOT {_na(e)} AND {_num(e)} IS NULL"))
    for col, field, expected, cond in checks:
        hit = con.execute(
            f"SELECT line_no, f[{mapped[col]}] FROM rows WHERE {cond} ORDER BY 1 LIMIT 1"
        ).fetchall()
        if hit:
            raise reject(
                path,
                f"line {hit[0][0]}, field {field}: {hit[0][1][:40]!r} is not {expected}",
                row=hit[0][0],
                column=field,
            )

    def col(name: str, numeric: bool = False) -> str:
        if name not in mapped:
            return "NULL"
        e = f"f[{mapped[name]}]"
        return f"CASE WHEN {_na(e)} THEN NULL ELSE {_num(e) if numeric else e} END"

    con.execute(
        f"""CREATE TABLE gpu_staged AS SELECT
                CAST({col("gpu_index", True)} AS INTEGER) AS gpu_index, {col("gpu_uuid")} AS gpu_uuid,
                {col("gpu_name")} AS gpu_name, {_local_ts("f[" + str(mapped["ts"]) + "]", tz)} AS ts,
                {col("utilization_pct", True)} AS utilization_pct, {col("memory_used_mib", True)} AS memory_used_mib,
                {col("memory_total_mib", True)} AS memory_total_mib, {col("power_w", True)} AS power_w,
                CAST(NULL AS VARCHAR) AS host, 'nvidia-smi' AS source
            FROM rows"""
    )
    return []


def _placed(occurrence: str, start: dt.datetime | None, interval: float) -> str:
    if start is None:
        return "NULL"
    micros = int(round(interval * 1_000_000))
    return f"(TIMESTAMPTZ '{start.isoformat()}' + to_microseconds(({occurrence} - 1) * {micros}))"


def _stage_dmon(
    con: duckdb.DuckDBPyConnection, path: Path, tz: str, start: dt.datetime | None, interval: float
) -> list[str]:
    header = con.execute(
        "SELECT line FROM lines WHERE starts_with(trim(line), '#') AND regexp_matches(lower(line), '\\bgpu\\b') "
        "ORDER BY line_no LIMIT 1"
    ).fetchall()[0][0]
    names = [n.lower() for n in header.strip().lstrip("#").split()]
    pos = {n: i + 1 for i, n in enumerate(names)}
    if "gpu" not in pos:
        raise reject(path, "has no `gpu` column in its dmon header")
    dated = "date" in pos and "time" in pos
    if not dated and start is None:
        raise reject(
            path,
            "is nvidia-smi dmon output without Date/Time columns: pass --start (time of the first "
            "sample) and --interval (dmon's -d, default 1 s), or record with `nvidia-smi dmon -o DT`",
        )
    con.execute(
        "CREATE TABLE rows AS SELECT line_no, string_split_regex(trim(line), '\\s+') AS f FROM lines "
        "WHERE trim(line) <> '' AND NOT starts_with(trim(line), '#')"
    )
    bad = con.execute(
        f"SELECT line_no, len(f) FROM rows WHERE len(f) <> {len(names)} ORDER BY 1 LIMIT 1"
    ).fetchall()
    if bad:
        raise reject(
            path, f"line {bad[0][0]} has {bad[0][1]} columns, the dmon header has {len(names)}", row=bad[0][0]
        )
    wanted = {"gpu": "gpu_index", "sm": "utilization_pct", "fb": "memory_used_mib", "pwr": "power_w"}
    for name, column in wanted.items():
        if name in pos:
            e = f"f[{pos[name]}]"
            hit = con.execute(
                f"SELECT line_no, {e} FROM rows WHERE NOT {_na(e)} AND {_num(e)} IS NULL ORDER BY 1 LIMIT 1"
            ).fetchall()
            if hit:
                raise reject(
                    path,
                    f"line {hit[0][0]}, column {name}: {hit[0][1]!r} is not a number",
                    row=hit[0][0],
                    column=column,
                )
    ts = (
        _local_ts(f"f[{pos['date']}] || ' ' || f[{pos['time']}]", tz)
        if dated
        else _placed(f"row_number() OVER (PARTITION BY f[{pos['gpu']}] ORDER BY line_no)", start, interval)
    )

    def num(name: str) -> str:
        return (
            f"CASE WHEN {_na(f'f[{pos[name]}]')} THEN NULL ELSE {_num(f'f[{pos[name]}]')} END"
            if name in pos
            else "NULL"
        )

    con.execute(
        f"""CREATE TABLE gpu_staged AS SELECT CAST({num("gpu")} AS INTEGER) AS gpu_index,
                CAST(NULL AS VARCHAR) AS gpu_uuid, CAST(NULL AS VARCHAR) AS gpu_name, {ts} AS ts,
                {num("sm")} AS utilization_pct, {num("fb")} AS memory_used_mib, CAST(NULL AS DOUBLE) AS memory_total_mib,
                {num("pwr")} AS power_w, CAST(NULL AS VARCHAR) AS host, 'nvidia-smi-dmon' AS source
            FROM rows"""
    )
    if dated and con.execute("SELECT count(*) FROM gpu_staged WHERE ts IS NULL").fetchall()[0][0]:
        line = con.execute("SELECT min(line_no) FROM rows").fetchall()[0][0]
        raise reject(path, f"line {line}: Date/Time is not a YYYYMMDD HH:MM:SS time", row=line, column="Date")
    return [] if dated else [f"dmon samples placed from --start {start.isoformat()} every {interval:g} s"]


def _stage_dcgm(
    con: duckdb.DuckDBPyConnection, path: Path, start: dt.datetime | None, interval: float
) -> list[str]:
    pattern = "^([A-Za-z_:][A-Za-z0-9_:]*)(\\{(.*)\\})?\\s+(\\S+)(\\s+(-?\\d+))?\\s*$"
    con.execute(
        f"""CREATE TABLE prom AS SELECT line_no, regexp_extract(trim(line), {literal(pattern)},
                ['metric', 'braces', 'labels', 'value', 'sp', 'ts_ms']) AS m
            FROM lines WHERE trim(line) <> '' AND NOT starts_with(trim(line), '#')"""
    )
    bad = con.execute("SELECT line_no FROM prom WHERE m.metric = '' ORDER BY 1 LIMIT 1").fetchall()
    if bad:
        raise reject(
            path,
            f"line {bad[0][0]} is not a Prometheus sample (`metric{{labels}} value [timestamp]`)",
            row=bad[0][0],
        )
    metrics = ", ".join(literal(m) for m in DCGM_METRICS)
    label_re = literal('(\\w+)="((?:[^"\\\\]|\\\\.)*)"')
    con.execute(
        f"""CREATE TABLE dcgm AS SELECT line_no, m.metric AS metric, m.value AS value_text,
                TRY_CAST(m.value AS DOUBLE) AS value, nullif(m.ts_ms, '') AS ts_ms,
                regexp_extract_all(m.labels, {label_re}, 1) AS k, regexp_extract_all(m.labels, {label_re}, 2) AS v
            FROM prom WHERE m.metric IN ({metrics})"""
    )
    if not con.execute("SELECT count(*) FROM dcgm").fetchall()[0][0]:
        raise reject(path, "holds no DCGM GPU metrics (DCGM_FI_DEV_GPU_UTIL, DCGM_FI_DEV_FB_USED, ...)")
    hit = con.execute(
        "SELECT line_no, value_text FROM dcgm WHERE value IS NULL ORDER BY 1 LIMIT 1"
    ).fetchall()
    if hit:
        raise reject(
            path, f"line {hit[0][0]}: value {hit[0][1]!r} is not a number", row=hit[0][0], column="value"
        )
    timed = con.execute("SELECT count(*) FILTER (WHERE ts_ms IS NULL), count(*) FROM dcgm").fetchall()[0]
    if timed[0] and start is None:
        raise reject(
            path,
            "has DCGM samples without timestamps: pass --start (time of the first scrape) and "
            "--interval (seconds between scrapes) ",
        )

    def label(name: str) -> str:
        return f"v[list_position(k, {literal(name)})]"

    series = f"{label('Hostname')}, {label('gpu')}, {label('UUID')}"
    occurrence = f"row_number() OVER (PARTITION BY metric, {series} ORDER BY line_no)"
    ts = f"coalesce(make_timestamp(CAST(ts_ms AS BIGINT) * 1000)::TIMESTAMPTZ, {_placed(occurrence, start, interval)})"
    con.execute(
        f"""CREATE TABLE dcgm_long AS SELECT {label("Hostname")} AS host, TRY_CAST({label("gpu")} AS INTEGER) AS gpu_index,
                {label("UUID")} AS gpu_uuid, {label("modelName")} AS gpu_name, metric, value, {ts} AS ts FROM dcgm"""
    )
    con.execute(
        """CREATE TABLE gpu_staged AS SELECT gpu_index, gpu_uuid, any_value(gpu_name) AS gpu_name, ts,
                coalesce(max(value) FILTER (WHERE metric = 'DCGM_FI_DEV_GPU_UTIL'),
                         100 * max(value) FILTER (WHERE metric = 'DCGM_FI_PROF_GR_ENGINE_ACTIVE')) AS utilization_pct,
                max(value) FILTER (WHERE metric = 'DCGM_FI_DEV_FB_USED') AS memory_used_mib,
                max(value) FILTER (WHERE metric = 'DCGM_FI_DEV_FB_USED') + max(value) FILTER (WHERE metric =
                    'DCGM_FI_DEV_FB_FREE') + coalesce(max(value) FILTER (WHERE metric = 'DCGM_FI_DEV_FB_RESERVED'), 0)
                    AS memory_total_mib,
                max(value) FILTER (WHERE metric = 'DCGM_FI_DEV_POWER_USAGE') AS power_w,
                host, 'dcgm' AS source
            FROM dcgm_long GROUP BY host, gpu_index, gpu_uuid, ts"""
    )
    return []


def import_gpu(
    store: Store,
    path: Path | str,
    *,
    instance: str | None = None,
    host: str | None = None,
    mapping: dict[str, str] | None = None,
    timezone: str = "UTC",
    start: dt.datetime | None = None,
    interval: float = 1.0,
    columns: list[str] | None = None,
    fmt: str = "auto",
) -> ImportResult:
    """Import one GPU utilisation log, all or nothing. Re-importing it (with the same options) adds nothing."""
    path = Path(path)
    if not path.is_file():
        raise ImportRejected(f"{path}: no such file", file=str(path))
    if fmt not in FORMATS:
        raise InvalidArgument(f"--format {fmt!r}: use one of {', '.join(FORMATS)}", argument="format")
    if interval <= 0:
        raise InvalidArgument(f"--interval must be positive seconds, got {interval}", argument="interval")
    tz = _zone(timezone)
    if start is not None and start.tzinfo is None:
        start = start.replace(tzinfo=zoneinfo.ZoneInfo(tz))
    mapping = mapping or {}
    options = json.dumps(
        [
            instance,
            host,
            sorted(mapping.items()),
            tz,
            start.isoformat() if start else None,
            interval,
            columns,
            fmt,
        ]
    )
    digest = hashlib.sha256((sha256_file(path) + options).encode()).hexdigest()
    earlier = previous_import(store, KIND, digest)
    if earlier:
        return duplicate_result(store, KIND, path, digest, earlier)
    con = memory_connection()
    try:
        try:
            con.execute(
                "CREATE TABLE lines AS SELECT generate_subscripts(l, 1) AS line_no, unnest(l) AS line FROM "
                f"(SELECT string_split(replace(content, chr(13), ''), chr(10)) AS l FROM read_text({literal(str(path))}))"
            )
        except duckdb.Error as exc:
            raise reject(path, f"cannot be read as text: {str(exc).splitlines()[0][:200]}") from None
        kind = _detect(con, path) if fmt == "auto" else fmt
        if kind == "dcgm":
            warnings = _stage_dcgm(con, path, start, interval)
        elif kind == "dmon":
            warnings = _stage_dmon(con, path, tz, start, interval)
        else:
            warnings = _stage_query_gpu(con, path, columns, tz)
        if kind != "dcgm" and tz == "UTC" and start is None:
            warnings.append(
                "nvidia-smi timestamps carry no time zone; they were read as UTC (use --timezone)"
            )
        con.register(
            "instance_map",
            pd.DataFrame({"key": list(mapping), "instance_id": list(mapping.values())}, dtype="object"),
        )
        con.execute(
            f"""CREATE TABLE gpu AS SELECT
                    coalesce({literal(instance) if instance else "NULL"}, mu.instance_id, mh.instance_id) AS instance_id,
                    coalesce({literal(host) if host else "NULL"}, s.host) AS host,
                    s.gpu_index, s.gpu_uuid, s.gpu_name, s.ts, s.utilization_pct, s.memory_used_mib,
                    s.memory_total_mib, s.power_w, s.source
                FROM gpu_staged s
                LEFT JOIN instance_map mu ON mu.key = s.gpu_uuid
                LEFT JOIN instance_map mh ON mh.key = coalesce({literal(host) if host else "NULL"}, s.host)"""
        )
        con.unregister("instance_map")
        unkeyed = con.execute("SELECT count(*) FROM gpu WHERE instance_id IS NULL").fetchall()[0][0]
        if unkeyed:
            warnings.append(
                f"{unkeyed} samples have no instance id (give --instance or a --map entry for their "
                "GPU UUID or host) and will not join to instance costs"
            )
        return finish_gpu_import(
            store, con, "gpu", kind=KIND, source_file=str(path.resolve()), file_hash=digest, warnings=warnings
        )
    finally:
        con.close()
