"""Which `spendscope import` command a file belongs to, from its header (or its first bytes), so that an importer
handed another kind of file says which command to use instead of naming a column it lacks."""

from __future__ import annotations

import json
import re
from pathlib import Path

from spendscope.data.csv_files import DELIMITERS, open_bytes

# command -> header names (lower case) that together mark its files; the first match wins
SIGNATURES: list[tuple[str, str, tuple[tuple[str, ...], ...]]] = [
    # (command, what the file is, alternatives: all names of one alternative must be present)
    ("focus", "a FOCUS export", (("billedcost", "chargeperiodstart"), ("billedcost", "effectivecost"))),
    (
        "aws-cur",
        "an AWS Cost and Usage Report",
        (("lineitem/unblendedcost",), ("line_item_unblended_cost",), ("lineitem/usagestartdate",)),
    ),
    (
        "azure",
        "an Azure Cost Management export",
        (("costinbillingcurrency",), ("metercategory", "date"), ("pretaxcost",), ("meterid", "cost")),
    ),
    (
        "gcp",
        "a GCP billing export",
        (
            ("usage_start_time", "cost"),
            ("service.description", "sku.description"),
            ("billing_account_id", "cost"),
        ),
    ),
    (
        "gpu",
        "an nvidia-smi GPU log",
        (("utilization.gpu",), ("utilization.gpu [%]",), ("memory.used [mib]",)),
    ),
    ("litellm", "a LiteLLM spend log", (("spend", "api_key"), ("spend", "request_id", "model"))),
    (
        "bedrock-logs",
        "an Amazon Bedrock model invocation log",
        (("schematype", "modelid"), ("modelid", "input.inputtokencount")),
    ),
    (
        "langfuse",
        "a Langfuse trace export",
        (("trace", "observations"), ("observations", "sessionid", "userid")),
    ),
    ("events", "a usage-event file", (("ts", "provider"),)),
]


def header_names(path: Path) -> list[str]:
    """The names on the first line of a delimited text file (plain or gzip), lower case; [] when unreadable."""
    try:
        with open_bytes(path) as fh:
            first = fh.readline(1 << 20).decode("utf-8-sig", errors="replace")
    except OSError:
        return []
    first = first.strip("\r\n")
    delim = max(DELIMITERS, key=lambda d: (first.count(d), d == ","))
    return [h.strip().strip('"').strip().lower() for h in first.split(delim)]


def kind_of(names: list[str]) -> tuple[str, str] | None:
    """(command, description) of the importer whose columns `names` carry, or None."""
    have = {n.strip().lower() for n in names}
    for command, what, alternatives in SIGNATURES:
        if any(all(n in have for n in alt) for alt in alternatives):
            return command, what
    return None


def belongs_elsewhere(path: Path, this: str, names: list[str] | None = None) -> str | None:
    """A sentence naming the right command when `path` (or its header `names`) plainly belongs to another importer
    than `this` (a command name such as 'aws-cur'); None when it does not, or when that cannot be told."""
    found = kind_of(names if names is not None else header_names(path))
    if found is None:  # not a header we know: a provider API report, or JSON records of another importer
        report = api_report_note(path)
        if report:
            return report
        record = json_record_names(path)
        found = kind_of(record)
        if found is None:
            return unread_note(record)
    if found is None or found[0] == this:
        return None
    command, what = found
    return f"its columns are those of {what}: use `spendscope import {command}`"


def elsewhere(path: Path, this: str, names: list[str] | None = None) -> str:
    """`belongs_elsewhere` as a clause to append to an error message ('' when there is nothing to say)."""
    note = belongs_elsewhere(path, this, names)
    return f"; {note}" if note else ""


def separator_note(path: Path) -> str | None:
    """A note when the header line is split by an unusual separator (e.g. Hive's \\x01), for error messages."""
    try:
        with open_bytes(path) as fh:
            first = fh.readline(1 << 20).decode("utf-8", errors="replace")
    except OSError:
        return None
    if "\x01" in first and first.count("\x01") > first.count(","):
        return "its fields are separated by \\x01 (Hive/Athena text output)"
    return None


def json_document_note(path: Path) -> str | None:
    """A note when `path` holds one JSON document (an array or a pretty-printed object) rather than JSON lines."""
    try:
        with open_bytes(path) as fh:
            head = fh.read(1 << 16).decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    except OSError:
        return None
    if head.startswith("["):
        return "it is one JSON array, not JSON lines (one object per line)"
    first_line = head.split("\n", 1)[0].strip()
    if head.startswith("{") and not re.fullmatch(r"\{.*\}", first_line):
        return "it is a pretty-printed JSON document, not JSON lines (one object per line)"
    return None


# Provider reports that `spendscope sync` reads from the API (docs/sync.md), told apart by the shape of their
# pages: (command, what, time-bucket keys, a key only a cost result has)
API_REPORTS = [
    ("sync openai", "an OpenAI {} API response", ("start_time", "end_time"), "amount"),
    ("sync anthropic", "an Anthropic Admin API {} report", ("starting_at", "ending_at"), "amount"),
]
JSON_READ_LIMIT = 32 << 20  # API pages are small; a larger file is not read whole to tell its kind


def _first_json(path: Path) -> object | None:
    """The file's JSON document, or the first record of JSON lines; None when it is neither (or too large)."""
    try:
        with open_bytes(path) as fh:
            text = fh.read(JSON_READ_LIMIT + 1).decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    except OSError:
        return None
    if not text.startswith(("{", "[")):
        return None
    if len(text) <= JSON_READ_LIMIT:
        try:
            return json.loads(text)
        except ValueError:
            pass
    try:
        return json.loads(text.split("\n", 1)[0])
    except ValueError:
        return None


def api_report_note(path: Path) -> str | None:
    """A sentence naming the sync command when `path` holds a provider's usage or cost API page (OpenAI's
    `/organization/usage|costs` buckets, Anthropic's `usage_report` / `cost_report`), which no file importer
    reads."""
    doc = _first_json(path)
    pages = doc if isinstance(doc, list) else [doc]
    for page in pages[:1]:
        buckets = page.get("data") if isinstance(page, dict) else None
        if not isinstance(buckets, list) or not buckets or not isinstance(buckets[0], dict):
            continue
        bucket = buckets[0]
        results = bucket.get("results")
        if not isinstance(results, list):
            continue
        for command, what, times, cost_key in API_REPORTS:
            if all(t in bucket for t in times):
                costs = any(isinstance(r, dict) and cost_key in r for r in results)
                report = (
                    what.format("Costs" if costs else "Usage")
                    if "OpenAI" in what
                    else what.format("cost" if costs else "usage")
                )
                return (
                    f"it is {report}: `spendscope {command}` reads these from the provider's API with an admin key "
                    "(docs/sync.md)"
                )
    return None


def json_record_names(path: Path) -> list[str]:
    """The field names of a JSON file's first record (JSON lines or a document), nested objects also as dotted
    names one level down (`service.description`), lower case; [] when it holds no JSON object."""
    doc = _first_json(path)
    record = doc[0] if isinstance(doc, list) and doc else doc
    if not isinstance(record, dict):
        return []
    names = []
    for key, value in record.items():
        names.append(str(key).lower())
        if isinstance(value, dict):
            names += [f"{key}.{k}".lower() for k in value]
    return names


# Formats that no importer reads, told by their records' names, with where their costs or requests can come from:
# (what, alternatives as in SIGNATURES, what to use instead). Amazon Bedrock invocation logs and Langfuse exports
# were here until `import bedrock-logs` and `import langfuse` read them (SIGNATURES).
UNREAD: list[tuple[str, tuple[tuple[str, ...], ...], str]] = []


def unread_note(names: list[str]) -> str | None:
    """A sentence naming the format of a file no importer reads (from its record's field `names`), or None."""
    have = set(names)
    for what, alternatives, instead in UNREAD:
        if any(all(n in have for n in alt) for alt in alternatives):
            return f"it is {what}: {instead}"
    return None
