"""Owners of tag values, and the showback / chargeback report (direct, shared, total, month-over-month change,
drivers; Markdown, CSV, Vega-Lite PNG, one chargeback file per owner)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from spendscope.data.errors import InvalidArgument, InvalidPeriod, NotFound
from spendscope.data.store import Store
from spendscope.tools.allocation.owners import (
    ListOwnersInput,
    RemoveOwnerInput,
    SetOwnerInput,
    list_owners,
    owner_for,
    remove_owner,
    set_owner,
)
from spendscope.tools.allocation.showback import (
    ShowbackInput,
    chart_spec,
    render_png,
    showback,
    table_rows,
    to_csv,
    to_markdown,
    write_chargeback,
)
from test_tools_allocation import FIXTURES, add_costs, apply


def test_owners_are_set_updated_listed_and_removed(store: Store) -> None:
    set_owner(store, SetOwnerInput(key="Team", value="search", slack_channel="#search-costs", author="ana"))
    owner = set_owner(store, SetOwnerInput(key="team", value="search", email="lead@example.com"))
    assert (owner.slack_channel, owner.email, owner.key) == ("#search-costs", "lead@example.com", "team")
    set_owner(store, SetOwnerInput(key="team", value="ads", slack_user="U0123ABCD"))
    assert [(o.value, o.contact) for o in list_owners(store, ListOwnersInput(key="team")).owners] == [
        ("ads", "U0123ABCD"),
        ("search", "lead@example.com"),
    ]
    with store.reader() as con:
        assert owner_for(con, "team", "SEARCH").slack_channel == "#search-costs"
        assert owner_for(con, "team", "nobody") is None
    remove_owner(store, RemoveOwnerInput(key="team", value="ads"))
    with pytest.raises(NotFound):
        remove_owner(store, RemoveOwnerInput(key="team", value="ads"))


@pytest.mark.parametrize(
    "field", [{"slack_channel": "search costs"}, {"slack_user": "bob smith"}, {"email": "not-an-email"}, {}]
)
def test_malformed_owner_contacts_are_refused(store: Store, field: dict[str, str]) -> None:
    with pytest.raises(InvalidArgument) as err:
        set_owner(store, SetOwnerInput(key="team", value="search", **field))
    assert err.value.code == "invalid_argument"


@pytest.fixture
def monthly(store: Store) -> Store:
    sep, octo = dt.date(2026, 9, 10), dt.date(2026, 10, 10)
    add_costs(
        store,
        [
            {"day": sep, "cost": 10, "tags": {"team": "search"}, "model": "gpt-4o"},
            {"day": octo, "cost": 12, "tags": {"team": "search"}, "model": "gpt-4o"},
            {"day": octo, "cost": 3, "tags": {"team": "search"}, "model": "gpt-4o-mini"},
            {
                "day": octo,
                "cost": 5,
                "tags": {"team": "ads"},
                "provider": "Anthropic",
                "model": "claude-haiku-4-5",
            },
            {"day": sep, "cost": 4, "sub_account": "platform-shared"},
            {"day": octo, "cost": 8, "sub_account": "platform-shared"},
            {"day": octo, "cost": 1},
        ],
    )
    apply(
        store,
        "tags:\n  team:\n    - copy: Tags.team\nshared:\n  - name: platform\n"
        "    when: {SubAccountName: platform-shared}\n    to: team\n    split: fixed\n"
        "    percentages: {search: 75, ads: 25}\n",
    )
    set_owner(store, SetOwnerInput(key="team", value="search", email="search@example.com"))
    set_owner(store, SetOwnerInput(key="team", value="ads", email="ads@example.com"))
    return store


def test_showback_gives_direct_shared_total_change_and_drivers_per_value(monthly: Store) -> None:
    r = showback(monthly, ShowbackInput(by="team", month="2026-10"))
    rows = {x.value: x for x in r.rows}
    assert (rows["search"].direct, rows["search"].shared, rows["search"].total) == (15, 6, 21)
    assert (rows["search"].previous_total, rows["search"].change, rows["search"].change_pct) == (
        13,
        8,
        pytest.approx(800 / 13),
    )
    assert (rows["ads"].direct, rows["ads"].shared, rows["ads"].previous_total) == (5, 2, 1)
    assert rows["ads"].change_pct == pytest.approx(600.0)
    assert rows["unallocated"].total == 1
    assert [(d.label, d.kind, d.cost) for d in rows["search"].drivers] == [
        ("OpenAI / gpt-4o", "direct", 12),
        ("shared: platform", "shared", 6),
        ("OpenAI / gpt-4o-mini", "direct", 3),
    ]
    assert rows["search"].owner.email == "search@example.com"
    assert (r.direct, r.shared, r.total, r.previous_total) == (21, 8, 29, 14)
    assert r.conserved and r.pools == ["platform"] and r.label == "October 2026"
    assert table_rows(r)[-1][:4] == ["TOTAL", Decimal("21.00"), Decimal("8.00"), Decimal("29.00")]


def test_showback_renders_markdown_csv_and_a_png_chart(monthly: Store, tmp_path: Path) -> None:
    r = showback(monthly, ShowbackInput(by="team", month="2026-10"))
    md = to_markdown(r)
    assert "| search | 15.00 | 6.00 | 21.00 | 13.00 | 8.00 +61.5% |" in md and "(platform)" in md
    assert to_csv(r).splitlines()[1].startswith("2026-10,search,15.00,6.00,21.00,13.00,8.00,61.54,")
    spec = chart_spec(r)
    assert spec["encoding"]["y"]["sort"] == ["search", "ads", "unallocated"]
    assert render_png(spec, scale=1)[:8] == b"\x89PNG\r\n\x1a\n"


def test_chargeback_writes_one_statement_per_owner(monthly: Store, tmp_path: Path) -> None:
    r = showback(monthly, ShowbackInput(by="team", month="2026-10"))
    files = write_chargeback(r, tmp_path / "cb")
    assert [f.name for f in files] == [
        "chargeback-2026-10-unowned.md",
        "chargeback-2026-10-ads-example-com.md",
        "chargeback-2026-10-search-example-com.md",
    ]
    text = files[2].read_text(encoding="utf-8")
    assert "Chargeback for search@example.com" in text and "| search |" in text and "| ads |" not in text
    csvs = write_chargeback(r, tmp_path / "csv", "csv")
    assert csvs[1].read_text(encoding="utf-8").splitlines()[1].startswith("2026-10,ads,5.00,2.00,7.00")


def test_showback_needs_one_calendar_month(monthly: Store) -> None:
    with pytest.raises(InvalidPeriod) as err:
        showback(monthly, ShowbackInput(by="team", month="2026-10-03..2026-10-09"))
    assert err.value.code == "invalid_period"


def test_showback_on_the_public_focus_file_reconciles_with_the_month_total(focus_public_store: Store) -> None:
    plain = showback(focus_public_store, ShowbackInput(by="team", month="2026-10"))
    assert {x.value: round(x.total, 2) for x in plain.rows}["unallocated"] == Decimal("2237.24")
    apply(focus_public_store, (FIXTURES / "rules.yaml").read_text(encoding="utf-8"))
    r = showback(focus_public_store, ShowbackInput(by="team", month="2026-10"))
    assert r.conserved and r.pools == ["azure-ptu", "gpu"] and round(r.total, 2) == Decimal("136077.61")
    assert round(r.previous_total, 2) == Decimal("141282.65")
    assert "unallocated" not in {x.value for x in r.rows}
    assert r.shared == Decimal(18000 + 66048)
