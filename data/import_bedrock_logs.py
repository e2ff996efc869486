"""`spendscope import bedrock-logs FILE`: Amazon Bedrock model invocation logs -> `usage_events`.

Bedrock writes one JSON record per invocation (`schemaType` "ModelInvocationLog"), to CloudWatch Logs or, as
gzipped JSON lines, to S3 (`AWSLogs/<account>/BedrockModelInvocationLogs/...json.gz`). Fields read (AWS's model
invocation logging schema): timestamp, accountId, region, inferenceRegion, requestId, operation, modelId (a model
id, a cross-Region inference profile id such as `us.anthropic.claude-...`, or the ARN of either),
identity.arn, input.inputTokenCount, input.cacheReadInputTokenCount, input.cacheWriteInputTokenCount,
output.outputTokenCount, errorCode, performanceConfig.latency, requestMetadata (the caller's own key/value
tags) and, when a record carries it, serviceTier (`{"type": "priority|default|flex|reserved"}` as the runtime API
takes it; the logging schema we checked does not list it, so without it the standard tier is assumed). Prompt and completion bodies (`inputBodyJson`, `outputBodyJson`) are never read.

Bedrock's input count excludes the cache reads and writes it lists beside it (Converse's `inputTokens`), so the
three are stored as they are. The log carries no cost: every event is priced from the catalog, and a model the
catalog lacks (an application inference profile's opaque ARN, a private model) is kept unpriced and reported.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import duckdb
from spendscope.data.events import import_event_file
from spendscope.data.importing import ImportResult, reject
from spendscope.data.naming import canonicalize_models
from spendscope.data.prices import PriceCatalog
from spendscope.data.sql import literal, parse_timestamp
from spendscope.data.store import Store

KIND = "bedrock_logs"
SCHEMA_TYPE = "ModelInvocationLog"
# (field, JSON path, what it must be); counts must be whole numbers, zero or more
REQUIRED = (("timestamp", "$.timestamp"), ("requestId", "$.requestId"), ("modelId", "$.modelId"))
COUNTS = (
    ("input.inputTokenCount", "$.input.inputTokenCount"),
    ("input.cacheReadInputTokenCount", "$.input.cacheReadInputTokenCount"),
    ("input.cacheWriteInputTokenCount", "$.input.cacheWriteInputTokenCount"),
    ("output.outputTokenCount", "$.output.outputTokenCount"),
)
# requestMetadata keys that fill usage_events' attribution columns (first found); other keys go to tags
ATTRIBUTION = {
    "customer": ("customer", "customer_id", "tenant", "tenant_id"),
    "feature": ("feature",),
    "team": ("team",),
    "env": ("env", "environment"),
    "commit_sha": ("commit", "commit_sha"),
}


# CloudWatch Logs' export to S3 writes each log event as `<ISO time> <message>` on its own line
_EXPORT_PREFIX = re.compile(r"^\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:?\d\d)?\s+(?=[{\[])")


def _json_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, JSON text) of every line, a CloudWatch export's time prefix taken off; only read when the
    JSON reader could not take the file. A line that is not JSON rejects the file, naming it."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    out = []
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            text = _EXPORT_PREFIX.sub("", line.strip(), count=1)
            if not text:
                continue
            try:
                json.loads(text)
            except ValueError as exc:
                raise reject(
                    path,
                    f"line {n} is not JSON ({str(exc).split(':')[0]}); a Bedrock invocation log has one record "
                    "per line",
                    row=n,
                ) from None
            out.append((n, text))
    return out


def _load(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """The file -> `br_raw` (x_Record, j): JSON lines (also gzipped), a CloudWatch Logs export to S3 (a time before
    each record), one array of records, or the AWS CLI's `logs filter-log-events` / `get-log-events` output (the
    records as the `message` of each of its `events`)."""
    try:
        con.execute(
            "CREATE TABLE br_raw AS SELECT row_number() OVER () AS x_Record, json AS j "
            f"FROM read_json_objects({literal(str(path))}, format = 'auto')"
        )
    except duckdb.Error as exc:
        try:
            lines = _json_lines(path)
        except (OSError, EOFError):
            raise reject(path, f"cannot be read as JSON: {str(exc).splitlines()[0][:200]}") from None
        import pandas as pd

        frame = pd.DataFrame(lines, columns=["x_Record", "j"])
        con.register("br_lines", frame)
        try:
            con.execute(
                "CREATE TABLE br_raw AS SELECT CAST(x_Record AS BIGINT) AS x_Record, CAST(j AS JSON) AS j FROM br_lines"
            )
        finally:
            con.unregister("br_lines")
    # a JSON array of records (e.g. saved from CloudWatch Logs Insights) is one record per element
    if con.execute("SELECT count(*) FROM br_raw WHERE json_type(j) = 'ARRAY'").fetchall()[0][0]:
        con.execute(
            "CREATE OR REPLACE TABLE br_raw AS SELECT row_number() OVER () AS x_Record, r AS j FROM "
            "(SELECT unnest(CAST(j AS JSON[])) AS r FROM br_raw ORDER BY x_Record)"
        )
    envelope = "json_type(j, '$.events') = 'ARRAY' AND json_extract(j, '$.schemaType') IS NULL"
    counts = con.execute(f"SELECT count(*) FILTER (WHERE {envelope}), count(*) FROM br_raw").fetchall()[0]
    if (
        counts[0] and counts[0] == counts[1]
    ):  # every document an envelope (else the records are checked as they are)
        con.execute(
            "CREATE OR REPLACE TABLE br_raw AS SELECT row_number() OVER () AS x_Record, "
            "CASE WHEN json_valid(m) THEN CAST(m AS JSON) ELSE to_json(m) END AS j FROM "
            "(SELECT unnest(CAST(json_extract(j, '$.events') AS JSON[])) ->> 'message' AS m FROM br_raw "
            f"WHERE {envelope} ORDER BY x_Record)"
        )


# every value read, by column of the staged `br` table: the records are parsed once, into these
PATHS = {
    "schemaType": "$.schemaType",
    "timestamp": "$.timestamp",
    "requestId": "$.requestId",
    "modelId": "$.modelId",
    "accountId": "$.accountId",
    "region": "$.region",
    "inferenceRegion": "$.inferenceRegion",
    "operation": "$.operation",
    "identity.arn": "$.identity.arn",
    "errorCode": "$.errorCode",
    "performanceConfig.latency": "$.performanceConfig.latency",
    "latencyMs": "$.output.outputBodyJson.metrics.latencyMs",
    "serviceTier": "$.serviceTier",
    "serviceTier.type": "$.serviceTier.type",
    **dict(COUNTS),
    "requestMetadata": "$.requestMetadata",
}


def _col(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _parse(con: duckdb.DuckDBPyConnection) -> None:
    """`br_raw` -> `br`: each record's values as text (counts also their JSON type), parsed once."""
    names = list(PATHS)
    cols = []
    for i, name in enumerate(names, 1):
        value = f"v[{i}]"
        if name == "requestMetadata":
            cols.append(f"CASE WHEN json_type({value}) = 'OBJECT' THEN {value} END AS {_col(name)}")
            continue
        cols.append(f"nullif(trim({value} ->> '$'), '') AS {_col(name)}")
        if name in dict(COUNTS):
            cols.append(f"json_type({value}) AS {_col(name + ':type')}")
    con.execute(
        f"CREATE TABLE br AS SELECT x_Record, doc, {', '.join(cols)} FROM (SELECT x_Record, json_type(j) AS doc, "
        f"json_extract(j, [{', '.join(literal(PATHS[n]) for n in names)}]) AS v FROM br_raw)"
    )
    con.execute("DROP TABLE br_raw")


def _check(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Every record is a model invocation log with a time, request id and model, and counts that are counts: the
    first one that is not rejects the file, naming its record and field."""
    schema = _col("schemaType")
    checks: list[tuple[str, str, str]] = [
        ("(record)", "a JSON object", "doc <> 'OBJECT'"),
        ("schemaType", f"{SCHEMA_TYPE!r}", f"{schema} IS NOT NULL AND {schema} <> {literal(SCHEMA_TYPE)}"),
    ]
    for field, _ in REQUIRED:
        checks.append((field, "present", f"{_col(field)} IS NULL"))
    checks.append(("timestamp", "a date and time", f"{_col('timestamp')} IS NOT NULL AND {_ts()} IS NULL"))
    for field, _ in COUNTS:
        kind = _col(field + ":type")
        checks.append(
            (
                field,
                "a count (zero or more)",
                f"{kind} IS NOT NULL AND {kind} <> 'NULL' AND "
                f"({kind} NOT IN ('UBIGINT', 'BIGINT', 'DOUBLE') OR TRY_CAST({_col(field)} AS DOUBLE) < 0)",
            )
        )
    where = " OR ".join(f"({c})" for _, _, c in checks)
    which = " ".join(f"WHEN {c} THEN {i}" for i, (_, _, c) in enumerate(checks))
    bad = con.execute(
        f"SELECT x_Record, CASE {which} END FROM br WHERE {where} ORDER BY 1 LIMIT 1"
    ).fetchall()
    if not bad:
        return
    record, idx = bad[0]
    field, expected, _ = checks[idx]
    if field == "(record)":
        raise reject(path, f"record {record} is not a JSON object", row=record)
    value = con.execute(f"SELECT {_col(field)} FROM br WHERE x_Record = ?", [record]).fetchall()[0][0]
    shown = (
        "missing"
        if value is None
        else repr(value[:60])
        if field in ("timestamp", "schemaType")
        else value[:60]
    )
    if (
        field in dict(COUNTS)
        and con.execute(
            f"SELECT {_col(field + ':type')} = 'VARCHAR' FROM br WHERE x_Record = ?", [record]
        ).fetchall()[0][0]
    ):
        shown = repr(value[:60])  # a count written as text
    hint = ""
    if (
        idx <= 1 + len(REQUIRED)
        and not con.execute(f"SELECT count(*) FROM br WHERE {schema} = {literal(SCHEMA_TYPE)}").fetchall()[0][
            0
        ]
    ):
        hint = "; this file holds no Bedrock model invocation log records (schemaType 'ModelInvocationLog')"
    raise reject(
        path,
        f"record {record}, field {field}: {shown} is not {expected}{hint}",
        row=record,
        column=field,
    )


def _ts() -> str:
    return parse_timestamp(_col("timestamp"))


def _meta(keys: tuple[str, ...]) -> str:
    meta = _col("requestMetadata")
    return "coalesce(" + ", ".join(f"nullif(trim({meta} ->> {literal(k)}), '')" for k in keys) + ")"


def stage(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """`br_raw` -> `ev` (usage_events' columns)."""
    _parse(con)
    _check(con, path)
    model_id = _col("modelId")
    # an ARN names the model or inference profile after its last '/' (`.../inference-profile/us.anthropic...`),
    # except an application inference profile, whose id is opaque: its ARN stays the model name (unpriced)
    resource = (
        f"CASE WHEN starts_with({model_id}, 'arn:') AND NOT contains({model_id}, ':application-inference-profile/') "
        f"THEN regexp_extract({model_id}, '[^/]*$') ELSE {model_id} END"
    )
    arn = _col("identity.arn")
    principal = f"regexp_extract({arn}, '^arn:[^:]*:[^:]*:[^:]*:[^:]*:(.*)$', 1)"
    # assumed-role/ROLE/SESSION -> ROLE; user/path/NAME, role/NAME -> NAME; root -> root
    caller = (
        f"nullif(CASE WHEN starts_with({principal}, 'assumed-role/') THEN split_part({principal}, '/', 2) "
        f"ELSE regexp_extract({principal}, '[^/]*$') END, '')"
    )

    def count(field: str) -> str:
        # a fraction is rounded to the nearest whole count, as `import events` does
        return f"coalesce(CAST(round(TRY_CAST({_col(field)} AS DOUBLE)) AS BIGINT), 0)"

    con.execute(
        f"""
        CREATE TABLE ev AS SELECT
            'bedrock:' || {_col("requestId")} AS event_id,
            {_ts()} AS ts,
            'aws.bedrock' AS provider,
            {resource} AS model,
            {_col("operation")} AS operation,
            {count("input.inputTokenCount")} AS input_tokens,
            {count("output.outputTokenCount")} AS output_tokens,
            {count("input.cacheReadInputTokenCount")} AS cached_input_tokens,
            {count("input.cacheWriteInputTokenCount")} AS cache_write_tokens,
            0 AS reasoning_tokens,
            1 AS requests,
            coalesce({_col("serviceTier.type")},
                     CASE WHEN NOT starts_with({_col("serviceTier")}, '{{') THEN {_col("serviceTier")} END)
                AS service_tier,
            TRY_CAST({_col("latencyMs")} AS DOUBLE) AS latency_ms,
            CASE WHEN {_col("errorCode")} IS NOT NULL THEN 'error' ELSE 'ok' END AS status,
            {_meta(ATTRIBUTION["customer"])} AS customer,
            {_meta(ATTRIBUTION["feature"])} AS feature,
            {_meta(ATTRIBUTION["team"])} AS team,
            {_meta(ATTRIBUTION["env"])} AS env,
            {_meta(ATTRIBUTION["commit_sha"])} AS commit_sha,
            CAST(json_merge_patch('{{}}', json_object(
                'sub_account', {_col("accountId")}, 'sub_account_id', {_col("accountId")},
                'region', {_col("region")}, 'inference_region', {_col("inferenceRegion")},
                'caller', {caller}, 'caller_arn', {arn},
                'model_raw', {resource}, 'model_arn', CASE WHEN starts_with({model_id}, 'arn:') THEN {model_id} END,
                'error_code', {_col("errorCode")}, 'latency_mode', {_col("performanceConfig.latency")},
                'request_metadata', {_col("requestMetadata")})) AS JSON) AS tags,
            {literal(KIND)} AS source
        FROM br
        """
    )
    con.execute("DROP TABLE br")
    canonicalize_models(con, "ev")
    warnings = []
    dup = con.execute("SELECT count(*) - count(DISTINCT event_id) FROM ev").fetchall()[0][0]
    if dup:
        warnings.append(f"{dup} records repeat a requestId already in the file; each request is counted once")
    profiles = con.execute(
        "SELECT count(*) FROM ev WHERE contains(json_extract_string(tags, '$.model_arn'), "
        "':application-inference-profile/')"
    ).fetchall()[0][0]
    if profiles:
        warnings.append(
            f"{profiles} records name an application inference profile by its ARN, which does not say the model: "
            "they are kept unpriced and reported, never priced at $0"
        )
    return warnings


def import_bedrock_logs(
    store: Store, path: Path | str, *, catalog: PriceCatalog | None = None
) -> ImportResult:
    """Import one Bedrock model invocation log file (JSON lines, .json.gz as S3 delivers it, or a JSON array), all
    or nothing; re-imports add nothing (events keyed by requestId)."""
    return import_event_file(store, path, kind=KIND, stage=_load_and_stage, catalog=catalog)


def _load_and_stage(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    _load(con, path)
    return stage(con, path)
