"""`spendscope import litellm FILE`: LiteLLM proxy spend logs (the `LiteLLM_SpendLogs` table exported as CSV,
JSON lines or a JSON array, e.g. from `/spend/logs` or `\\copy ... TO ... CSV HEADER`) -> `usage_events`.

Fields read (LiteLLM's schema.prisma): request_id, call_type, spend, prompt_tokens, completion_tokens,
startTime, endTime, model, model_group, custom_llm_provider, user, end_user, team_id, status, session_id,
request_tags and metadata (user_api_key_alias, user_api_key_team_alias, spend_logs_metadata,
additional_usage_values / usage_object for cache and reasoning tokens). The `messages`, `response` and
`proxy_server_request` columns hold prompt and completion text and are never read.
Also read: LiteLLM's StandardLoggingPayload as its logging callbacks write it (`id`, `response_cost`, epoch
`startTime`/`endTime`, `model_parameters`, `hidden_params`), and the service tier a request ran at
(`service_tier`, `model_parameters.service_tier`, `metadata.usage_object.service_tier`, a `service_tier:<x>` tag,
or a batch call type).
LiteLLM's `spend` (or `response_cost`) is the cost it reported: stored as `reported_cost` beside the catalog's
estimate, and used. A zero spend with tokens (LiteLLM could not price the model) is no reported cost: the catalog
prices it, or it is reported as unpriced. Mapping details: docs/telemetry.md.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from spendscope.data.events import import_event_file
from spendscope.data.file_kinds import elsewhere
from spendscope.data.importing import ImportResult, reject
from spendscope.data.naming import canonicalize_models, provider_sql
from spendscope.data.prices import PriceCatalog
from spendscope.data.sql import literal, parse_timestamp, read_csv_text
from spendscope.data.store import Store

KIND = "litellm"
FIELDS = (
    "request_id",
    "call_type",
    "spend",
    "total_tokens",
    "prompt_tokens",
    "completion_tokens",
    "startTime",
    "endTime",
    "model",
    "model_group",
    "custom_llm_provider",
    "user",
    "end_user",
    "team_id",
    "organization_id",
    "status",
    "session_id",
    "request_tags",
    "metadata",
    "cache_hit",
    "api_base",
    # StandardLoggingPayload (LiteLLM logging callbacks)
    "id",
    "response_cost",
    "model_parameters",
    "hidden_params",
    "service_tier",
)
JSON_FIELDS = ("metadata", "request_tags", "model_parameters", "hidden_params")
ALIASES = {"start_time": "startTime", "end_time": "endTime", "starttime": "startTime", "endtime": "endTime"}
# each requirement is met by any one of its fields
REQUIRED = (("request_id", "id"), ("startTime",), ("spend", "response_cost"))


def _is_json(path: Path) -> bool:
    name = path.name.lower()
    if name.endswith((".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz")):
        return True
    if name.endswith((".csv", ".csv.gz")):
        return False
    with open(path, "rb") as fh:
        return fh.read(64).lstrip()[:1] in (b"{", b"[")


def _load(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """The file -> `ll_raw` (x_SourceRow + the fields above as text; metadata/request_tags as JSON text)."""
    if _is_json(path):
        con.execute(
            f"CREATE TABLE ll_json AS SELECT row_number() OVER () AS x_SourceRow, json AS j "
            f"FROM read_json_objects({literal(str(path))}, format = 'auto')"
        )
        keys = {r[0] for r in con.execute("SELECT DISTINCT unnest(json_keys(j)) FROM ll_json").fetchall()}
        names = {ALIASES.get(k.lower(), ALIASES.get(k, k)): k for k in keys}
        cols = []
        for f in FIELDS:
            src = names.get(f)
            if src is None:
                cols.append(f'CAST(NULL AS VARCHAR) AS "{f}"')
            elif f in JSON_FIELDS:  # an object/array, or JSON text inside a string
                cols.append(
                    f"CASE WHEN json_type(j->{literal(src)}) = 'VARCHAR' THEN j->>{literal(src)} "
                    f'ELSE CAST(j->{literal(src)} AS VARCHAR) END AS "{f}"'
                )
            else:
                cols.append(f'j->>{literal(src)} AS "{f}"')
        con.execute(f"CREATE TABLE ll_raw AS SELECT x_SourceRow, {', '.join(cols)} FROM ll_json")
    else:
        con.execute(f"CREATE TABLE ll_csv AS SELECT * FROM {read_csv_text(str(path))}")
        have = [r[0] for r in con.execute("DESCRIBE ll_csv").fetchall()]
        names = {ALIASES.get(h.strip().lower(), ALIASES.get(h.strip(), h.strip())): h for h in have}
        cols = [f'"{names[f]}" AS "{f}"' if f in names else f'CAST(NULL AS VARCHAR) AS "{f}"' for f in FIELDS]
        con.execute(
            f"CREATE TABLE ll_raw AS SELECT CAST(rowid + 1 AS BIGINT) AS x_SourceRow, {', '.join(cols)} "
            "FROM ll_csv"
        )
    present = {f for f in FIELDS if f in names}
    missing = [" or ".join(options) for options in REQUIRED if not present & set(options)]
    if missing:
        raise reject(
            path,
            f"missing required field(s) {', '.join(missing)}; a LiteLLM spend log export needs "
            "request_id, startTime, spend (a StandardLoggingPayload: id, startTime, response_cost), plus model, "
            "prompt_tokens, completion_tokens" + elsewhere(path, "litellm", sorted(names)),
        )


def _num(expr: str, sql_type: str) -> str:
    return f"TRY_CAST(nullif(trim({expr}), '') AS {sql_type})"


def _meta(*paths: str, column: str = "meta") -> str:
    """First non-empty text at one of the JSON paths of metadata (or another JSON column)."""
    return (
        "coalesce("
        + ", ".join(f"nullif(json_extract_string({column}, {literal(p)}), '')" for p in paths)
        + ")"
    )


def _time(expr: str) -> str:
    """startTime/endTime: text LiteLLM's database writes, or the epoch seconds its logging payload carries."""
    v = f"trim({expr})"
    epoch = (
        f"CASE WHEN regexp_matches({v}, '^\\d{{9,}}(\\.\\d+)?$') THEN to_timestamp(CAST({v} AS DOUBLE)) END"
    )
    return f"coalesce({epoch}, {parse_timestamp(expr)})"


def stage(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    con.execute(
        "UPDATE ll_raw SET request_id = coalesce(nullif(trim(request_id), ''), id), "
        "spend = coalesce(nullif(trim(spend), ''), response_cost)"
    )
    checks = [
        ("request_id", "present", "request_id IS NULL OR trim(request_id) = ''"),
        ("startTime", "a date and time", f"{_time('startTime')} IS NULL"),
        (
            "endTime",
            "a date and time",
            f"nullif(trim(endTime), '') IS NOT NULL AND {_time('endTime')} IS NULL",
        ),
        (
            "spend",
            "a number",
            f"nullif(trim(spend), '') IS NOT NULL AND {_num('spend', 'DECIMAL(38,12)')} IS NULL",
        ),
        (
            "prompt_tokens",
            "an integer",
            f"nullif(trim(prompt_tokens), '') IS NOT NULL AND {_num('prompt_tokens', 'BIGINT')} IS NULL",
        ),
        (
            "completion_tokens",
            "an integer",
            f"nullif(trim(completion_tokens), '') IS NOT NULL AND {_num('completion_tokens', 'BIGINT')} IS NULL",
        ),
        ("metadata", "a JSON object", "nullif(trim(metadata), '') IS NOT NULL AND NOT json_valid(metadata)"),
    ]
    where = " OR ".join(f"({c})" for _, _, c in checks)
    which = " ".join(f"WHEN {c} THEN {i}" for i, (_, _, c) in enumerate(checks))
    bad = con.execute(
        f"SELECT x_SourceRow, CASE {which} END FROM ll_raw WHERE {where} ORDER BY 1 LIMIT 1"
    ).fetchall()
    if bad:
        row, idx = bad[0]
        field, expected, _ = checks[idx]
        value = con.execute(
            f'SELECT CAST("{field}" AS VARCHAR) FROM ll_raw WHERE x_SourceRow = ?', [row]
        ).fetchall()[0][0]
        shown = "empty" if value is None or not value.strip() else repr(value[:60])
        raise reject(path, f"row {row}, field {field}: {shown} is not {expected}", row=row, column=field)
    con.execute(
        "CREATE TABLE ll AS SELECT *, CASE WHEN nullif(trim(metadata), '') IS NOT NULL THEN CAST(metadata AS JSON) "
        "END AS meta, CASE WHEN json_valid(request_tags) THEN CAST(request_tags AS JSON) END AS tags_json, "
        "CASE WHEN json_valid(model_parameters) THEN CAST(model_parameters AS JSON) END AS params_json FROM ll_raw"
    )
    cache_read = f"coalesce({_num(_meta('$.additional_usage_values.cache_read_input_tokens', '$.usage_object.cache_read_input_tokens', '$.usage_object.prompt_tokens_details.cached_tokens', '$.additional_usage_values.prompt_tokens_details.cached_tokens'), 'BIGINT')}, 0)"  # noqa: E501
    cache_write = f"coalesce({_num(_meta('$.additional_usage_values.cache_creation_input_tokens', '$.usage_object.cache_creation_input_tokens'), 'BIGINT')}, 0)"  # noqa: E501
    reasoning = f"coalesce({_num(_meta('$.usage_object.completion_tokens_details.reasoning_tokens', '$.additional_usage_values.completion_tokens_details.reasoning_tokens'), 'BIGINT')}, 0)"  # noqa: E501
    prompt = f"coalesce({_num('prompt_tokens', 'BIGINT')}, 0)"
    completion = f"coalesce({_num('completion_tokens', 'BIGINT')}, 0)"
    tag = (
        "list_filter(CASE WHEN json_type(tags_json) = 'ARRAY' THEN CAST(tags_json AS VARCHAR[]) END, "
        "lambda t: starts_with(lower(t), {}))[1]"
    )

    def tagged(key: str) -> str:
        return f"nullif(split_part({tag.format(literal(key + ':'))}, ':', 2), '')"

    cache_write_1h = f"coalesce({_num(_meta('$.usage_object.cache_creation.ephemeral_1h_input_tokens', '$.additional_usage_values.cache_creation.ephemeral_1h_input_tokens'), 'BIGINT')}, 0)"  # noqa: E501
    tier = (
        f"coalesce(nullif(trim(service_tier), ''), {_meta('$.service_tier', column='params_json')}, "
        f"{_meta('$.usage_object.service_tier', '$.service_tier', '$.spend_logs_metadata.service_tier')}, "
        f"{tagged('service_tier')}, CASE WHEN contains(lower(coalesce(call_type, '')), 'batch') THEN 'batch' END)"
    )
    geo = _meta("$.usage_object.inference_geo", "$.spend_logs_metadata.inference_geo")
    spend = _num("spend", "DECIMAL(38,12)")
    start = _time("startTime")
    end = _time("endTime")
    prefix = "CASE WHEN contains(model, '/') THEN split_part(model, '/', 1) END"
    con.execute(
        f"""
        CREATE TABLE ev AS SELECT
            'litellm:' || trim(request_id) AS event_id,
            {start} AS ts,
            coalesce({provider_sql("custom_llm_provider")}, {provider_sql(prefix)}, 'unknown') AS provider,
            nullif(trim(CASE WHEN contains(model, '/') THEN substr(model, strpos(model, '/') + 1) ELSE model END), '')
                AS model,
            nullif(trim(call_type), '') AS operation,
            CASE WHEN {prompt} >= {cache_read} + {cache_write} THEN {prompt} - {cache_read} - {cache_write}
                 ELSE {prompt} END AS input_tokens,
            CASE WHEN {completion} >= {reasoning} THEN {completion} - {reasoning} ELSE {completion} END
                AS output_tokens,
            {cache_read} AS cached_input_tokens, {cache_write} AS cache_write_tokens, {reasoning} AS reasoning_tokens,
            {cache_write_1h} AS cache_write_1h_tokens, {tier} AS service_tier, {geo} AS inference_geo,
            1 AS requests,
            CASE WHEN {end} >= {start} THEN epoch_ms({end}) - epoch_ms({start}) END AS latency_ms,
            CAST(NULL AS DECIMAL(38,10)) AS estimated_cost,
            CAST(CASE WHEN {spend} = 0 AND {prompt} + {completion} > 0 THEN NULL ELSE {spend} END AS DECIMAL(38,10))
                AS reported_cost,
            CAST(NULL AS BOOLEAN) AS priced,
            CASE lower(trim(status)) WHEN 'failure' THEN 'error' WHEN 'error' THEN 'error' ELSE 'ok' END AS status,
            coalesce(nullif(trim(end_user), ''), {_meta("$.spend_logs_metadata.customer")}, {tagged("customer")})
                AS customer,
            coalesce({_meta("$.spend_logs_metadata.feature")}, {tagged("feature")}) AS feature,
            coalesce({_meta("$.user_api_key_team_alias", "$.spend_logs_metadata.team")}, {tagged("team")},
                     nullif(trim(team_id), '')) AS team,
            coalesce({_meta("$.spend_logs_metadata.env", "$.spend_logs_metadata.environment")}, {tagged("env")}) AS env,
            coalesce({_meta("$.spend_logs_metadata.commit", "$.spend_logs_metadata.commit_sha")}, {tagged("commit")})
                AS commit_sha,
            {_meta("$.spend_logs_metadata.code_path")} AS code_path,
            CAST(json_merge_patch('{{}}', json_object(
                'key_alias', {_meta("$.user_api_key_alias")}, 'team_id', nullif(trim(team_id), ''),
                'user', nullif(trim("user"), ''), 'model_group', nullif(trim(model_group), ''),
                'model_raw', nullif(trim(model), ''), 'session_id', nullif(trim(session_id), ''),
                'organization_id', nullif(trim(organization_id), ''), 'cache_hit', nullif(trim(cache_hit), ''),
                'request_tags', CASE WHEN json_type(tags_json) = 'ARRAY' AND json_array_length(tags_json) > 0 THEN CAST(tags_json AS VARCHAR) END,
                'litellm_spend', CAST({spend} AS VARCHAR))) AS JSON) AS tags,
            {literal(KIND)} AS source
        FROM ll
        """
    )
    canonicalize_models(con, "ev")
    warnings = []
    dup = con.execute("SELECT count(*) - count(DISTINCT event_id) FROM ev").fetchall()[0][0]
    if dup:
        warnings.append(f"{dup} rows repeat a request_id already in the file; each request is counted once")
    return warnings


def import_litellm(store: Store, path: Path | str, *, catalog: PriceCatalog | None = None) -> ImportResult:
    """Import one LiteLLM spend log export, all or nothing; re-imports add nothing (events keyed by request_id)."""
    return import_event_file(store, path, kind=KIND, stage=_load_and_stage, catalog=catalog)


def _load_and_stage(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    try:
        _load(con, path)
    except duckdb.Error as exc:
        raise reject(
            path, f"cannot be read as a LiteLLM spend log (CSV or JSON): {str(exc).splitlines()[0][:200]}"
        ) from None
    return stage(con, path)
