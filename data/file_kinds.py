"""Which `spendscope import` command a file belongs to, from its header (or its first bytes), so that an importer
handed another kind of file says which command to use instead of naming a column it lacks."""

from __future__ import annotations

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
