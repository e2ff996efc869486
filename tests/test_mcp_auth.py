"""The MCP tokens file: what it accepts, and that its errors name the entry without echoing a token."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from spendscope.data.errors import InvalidArgument
from spendscope.mcp_server.auth import TokenTable, is_loopback

SECRET = "a-long-random-token-0123456789"


def _load(tmp_path: Path, text: str) -> TokenTable:
    path = tmp_path / "tokens.yaml"
    path.write_text(text, encoding="utf-8")
    return TokenTable.load(path)


def test_plain_and_hashed_tokens_map_to_identity_scopes_and_row_scope(tmp_path: Path) -> None:
    digest = hashlib.sha256(b"another-long-token-abcdefghij").hexdigest()
    table = _load(
        tmp_path,
        f"{SECRET}:\n  identity: admin\n  scopes: [read, write]\n"
        f"'sha256:{digest}':\n  identity: search\n  row_scope: {{team: [search, ads]}}\n",
    )
    admin, search = table.lookup(SECRET), table.lookup("another-long-token-abcdefghij")
    assert admin is not None and admin.identity == "admin" and admin.scopes == ["read", "write"]
    assert search is not None and search.scopes == ["read"]
    assert search.row_scope_tuple() == {"team": ("search", "ads")}
    assert table.lookup("another-long-token-abcdefghi") is None
    assert len(table) == 2


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (f"{SECRET}:\n  identity: bot\n  scopes: [admin]\n", "entry 1 (bot): scopes.0"),
        ("short:\n  identity: bot\n", "shorter than 16"),
        (f"{SECRET}:\n  identity: bot\n  row_scope: {{team: '(none)'}}\n", "untagged"),
        (f"{SECRET}:\n  identity: bot\n  rows: {{team: x}}\n", "rows: Extra inputs"),
        ("sha256:abc:\n  identity: bot\n", "64 hex digits"),
        ("- just a list\n", "expected a mapping of token"),
        (f"{SECRET}: [unclosed\n", "not valid YAML at line"),
    ],
)
def test_a_bad_tokens_file_is_refused_naming_the_entry_not_the_token(
    tmp_path: Path, text: str, needle: str
) -> None:
    with pytest.raises(InvalidArgument) as info:
        _load(tmp_path, text)
    assert info.value.code == "invalid_argument"
    assert needle in info.value.message
    assert SECRET not in info.value.message


def test_a_missing_tokens_file_is_an_argument_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument) as info:
        TokenTable.load(tmp_path / "nope.yaml")
    assert info.value.details["argument"] == "--tokens"


def test_only_loopback_addresses_count_as_local() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.1.2.3"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "10.0.0.5", "::", "example.com", "192.168.1.2"))


def test_expires_as_a_date_means_the_token_works_through_that_day_utc(tmp_path: Path) -> None:
    import datetime as dt

    table = _load(tmp_path, f"{SECRET}:\n  identity: contractor\n  expires: 2026-12-31\n")
    last_minute = dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.UTC)
    assert table.lookup(SECRET, now=last_minute) is not None
    assert table.lookup(SECRET, now=last_minute + dt.timedelta(minutes=1)) is None


def test_expires_as_a_timestamp_without_a_zone_is_utc(tmp_path: Path) -> None:
    import datetime as dt

    table = _load(tmp_path, f"{SECRET}:\n  identity: contractor\n  expires: '2026-12-31T12:00:00'\n")
    noon = dt.datetime(2026, 12, 31, 12, 0, tzinfo=dt.UTC)
    assert table.lookup(SECRET, now=noon - dt.timedelta(seconds=1)) is not None
    assert table.lookup(SECRET, now=noon) is None


def test_a_loaded_table_follows_its_file(tmp_path: Path) -> None:
    other = "another-long-token-abcdefghij"
    table = _load(tmp_path, f"{SECRET}:\n  identity: a\n{other}:\n  identity: b\n")
    (tmp_path / "tokens.yaml").write_text(f"{other}:\n  identity: b\n", encoding="utf-8")
    assert table.lookup(SECRET) is None and table.lookup(other) is not None
    (tmp_path / "tokens.yaml").unlink()
    assert table.lookup(other) is None
