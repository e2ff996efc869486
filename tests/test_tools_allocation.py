"""Allocation rules: the rule language, its validation (with line numbers), evaluation in cost queries,
versions, effective dates, rollback and coverage. Small stores are built here; the public FOCUS file is imported
for the end-to-end checks."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from spendscope.data.errors import InvalidRules, NotFound
from spendscope.data.store import Store
from spendscope.tools.allocation.coverage import CoverageInput, allocation_coverage
from spendscope.tools.allocation.rules import parse_rules
from spendscope.tools.allocation.versions import (
    ApplyRulesInput,
    HistoryInput,
    ListVirtualTagsInput,
    RollbackInput,
    apply_rules,
    export_rules,
    list_virtual_tags,
    query_source,
    rollback_rules,
    rules_history,
)
from spendscope.tools.costs.breakdown import CostQueryInput, Filter, cost_query
from spendscope.tools.registry import operations

FIXTURES = Path(__file__).parent / "fixtures" / "allocation"


# ---------------------------------------------------------------------------------------------- helpers


def add_costs(store: Store, rows: list[dict[str, Any]]) -> None:
    """Insert cost rows (day, cost and a few descriptive fields) straight into the store."""
    cols = [
        "ChargePeriodStart",
        "ChargePeriodEnd",
        "EffectiveCost",
        "BilledCost",
        "ListCost",
        "ProviderName",
        "ServiceName",
        "SubAccountName",
        "SubAccountType",
        "ResourceName",
        "ResourceId",
        "ChargeDescription",
        "ChargeCategory",
        "x_Model",
        "x_Tokens",
        "x_Requests",
        "x_GpuHours",
        "x_InstanceType",
        "Tags",
        "CommitmentDiscountName",
        "x_RowHash",
    ]
    values = []
    with store.writer() as con:
        offset = con.execute("SELECT count(*) FROM costs").fetchall()[0][0]
        for i, r in enumerate(rows):
            day = r.get("day", dt.date(2026, 10, 1))
            start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
            cost = Decimal(str(r.get("cost", "1")))
            tags = r.get("tags")
            values.append(
                [
                    start,
                    start + dt.timedelta(days=1),
                    cost,
                    Decimal(str(r.get("billed", cost))),
                    cost,
                    r.get("provider", "OpenAI"),
                    r.get("service", "OpenAI API"),
                    r.get("sub_account", "proj-a"),
                    r.get("sub_account_type", "Project"),
                    r.get("resource", "gpt-4o"),
                    r.get("resource_id"),
                    r.get("description", "tokens"),
                    r.get("category", "Usage"),
                    r.get("model", "gpt-4o"),
                    r.get("tokens"),
                    r.get("requests"),
                    r.get("gpu_hours"),
                    r.get("instance_type"),
                    json.dumps(tags) if tags is not None else None,
                    r.get("commitment"),
                    offset + i + 1,
                ]
            )
        con.executemany(
            f"INSERT INTO costs ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})", values
        )


def add_events(store: Store, rows: list[dict[str, Any]]) -> None:
    """Insert telemetry events into usage_events."""
    cols = [
        "event_id",
        "ts",
        "provider",
        "model",
        "estimated_cost",
        "requests",
        "input_tokens",
        "output_tokens",
        "customer",
        "feature",
        "team",
        "env",
        "tags",
    ]
    with store.writer() as con:
        offset = con.execute("SELECT count(*) FROM usage_events").fetchall()[0][0]
        values = []
        for i, r in enumerate(rows):
            day = r.get("day", dt.date(2026, 10, 1))
            values.append(
                [
                    f"ev{offset + i}",
                    dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC),
                    r.get("provider", "openai"),
                    r.get("model", "gpt-4o"),
                    None if r.get("est", "x") is None else Decimal(str(r.get("est", "1"))),
                    r.get("requests", 1),
                    r.get("input_tokens", 100),
                    r.get("output_tokens", 10),
                    r.get("customer"),
                    r.get("feature"),
                    r.get("team"),
                    r.get("env"),
                    json.dumps(r["tags"]) if r.get("tags") else None,
                ]
            )
        con.executemany(
            f"INSERT INTO usage_events ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})", values
        )


def apply(store: Store, text: str, **kw: Any) -> Any:
    return apply_rules(
        store, ApplyRulesInput(document=text, source_file=kw.pop("source", "rules.yaml"), **kw)
    )


def by(store: Store, key: str, **kw: Any) -> dict[str | None, float]:
    result = cost_query(store, CostQueryInput(group_by=[key], **kw))
    return {r.group[key]: round(r.value, 6) for r in result.rows}


# ---------------------------------------------------------------------------------------------- rule language


def test_a_valid_rules_file_parses_into_ordered_rules_with_their_lines() -> None:
    rs = parse_rules((FIXTURES / "rules.yaml").read_text(encoding="utf-8"), source="rules.yaml")
    assert list(rs.tags) == ["team", "env", "product"]
    team = rs.tags["team"].rules
    assert [r.index for r in team] == [1, 2, 3]
    assert team[0].copy is not None and team[0].copy.text == "Tags.team"
    assert team[1].value == "growth" and team[1].line == 5
    assert [p.name for p in rs.pools] == ["azure-ptu", "gpu"]
    assert rs.effective_from is None and rs.file_version == "2026-11-a"


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        ("tags:\n  team:\n    - when: {SubAcountName: x}\n      value: a\n", 3, "unknown column"),
        (
            "tags:\n  team:\n    - value: a\n      when: {ResourceName: {regex: '(unclosed'}}\n",
            4,
            "bad regex",
        ),
        ("tags:\n  team:\n    - value: a\n      when: {ResourceName: {regex: '(?<=x)y'}}\n", 4, "bad regex"),
        ("tags:\n  a:\n    - copy: virtual.b\n  b:\n    - value: x\n    - copy: virtual.a\n", 6, "circular"),
        ("tags:\n  a:\n    - copy: virtual.a\n", 3, "circular"),
        ("tags:\n  team:\n    - value: a\n      copy: Tags.team\n", 3, "exactly one of value"),
        ("tags:\n  team:\n    - when: {EffectiveCost: {gt: lots}}\n      value: a\n", 3, "needs a number"),
        ("tags:\n  team:\n    - when: {ResourceName: {like: x}}\n      value: a\n", 3, "unknown operator"),
        ("tags:\n  provider:\n    - value: a\n", 2, "built-in dimension"),
        ("tags:\n  team:\n    - value: a\n  Team:\n    - value: b\n", 4, "defined twice"),
        ("tags:\n  team:\n    - value: a\n    - value: [b\n", 5, "not valid YAML"),
        ("tags:\n  team:\n    - when: {telemetry.wallet: x}\n      value: a\n", 3, "unknown telemetry"),
        ("tags:\n  team:\n    - value: unallocated\n", 3, "unallocated"),
        (
            "shared:\n  - name: p\n    when: {SubAccountName: x}\n    to: team\n    split: fixed\n"
            "    percentages: {a: 50, b: 40}\n",
            6,
            "sum to 90",
        ),
        (
            "shared:\n  - name: p\n    when: {SubAccountName: x}\n    to: team\n    split: random\n",
            5,
            "split",
        ),
        ("rules:\n  team: []\n", 1, "unknown section"),
    ],
)
def test_invalid_rules_are_refused_naming_the_line(text: str, line: int, what: str) -> None:
    with pytest.raises(InvalidRules) as err:
        parse_rules(text, source="bad.yaml")
    assert err.value.code == "invalid_rules"
    assert err.value.details["line"] == line
    assert f"bad.yaml line {line}:" in err.value.message
    assert what in err.value.message


def test_an_error_inside_a_rule_names_both_its_own_line_and_the_line_the_rule_starts_on() -> None:
    text = (
        "tags:\n  team:\n    - value: a\n    - name: by account\n      when:\n        all:\n"
        "          - {ResourceName: {regex: '[z-a]'}}\n      value: b\n"
    )
    with pytest.raises(InvalidRules) as err:
        parse_rules(text, source="r.yaml")
    assert err.value.message.startswith("r.yaml line 7: rule 2 of tag 'team' (line 4): bad regex '[z-a]'")
    assert (err.value.details["line"], err.value.details["rule_line"]) == (7, 4)


def test_a_bad_rules_file_leaves_the_store_unchanged(store: Store) -> None:
    add_costs(store, [{"cost": 5}])
    with pytest.raises(InvalidRules):
        apply(store, "tags:\n  team:\n    - when: {Nope: x}\n      value: a\n")
    assert rules_history(store).versions == []
    with store.reader() as con:
        assert query_source(con) is None


def test_without_rules_there_is_no_virtual_tag_source(store: Store) -> None:
    add_costs(store, [{"cost": 5, "tags": {"team": "search"}}])
    with store.reader() as con:
        assert query_source(con) is None
    assert by(store, "team") == {"search": 5.0}


# ---------------------------------------------------------------------------------------------- evaluation


def test_the_first_matching_rule_sets_the_value_and_unmatched_spend_is_unallocated(store: Store) -> None:
    add_costs(
        store,
        [
            {"sub_account": "search-prod", "cost": 10},
            {"sub_account": "search-dev", "cost": 1},
            {"sub_account": "support-bot", "cost": 7},
            {"sub_account": "Default project", "cost": 3},
        ],
    )
    apply(
        store,
        "tags:\n  team:\n    - when: {SubAccountName: search-prod}\n      value: search-a\n"
        "    - when: {SubAccountName: {prefix: search}}\n      value: search-b\n"
        "    - when: {SubAccountName: {prefix: s}}\n      value: support\n",
    )
    assert by(store, "team") == {"search-a": 10.0, "support": 7.0, "unallocated": 3.0, "search-b": 1.0}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("{SubAccountName: SEARCH-PROD}", {"search-prod"}),  # equals ignores case
        ("{SubAccountName: [search-prod, support-bot]}", {"search-prod", "support-bot"}),
        ("{SubAccountName: {not_in: [search-prod, support-bot]}}", {"growth-dev", "nameless"}),
        ("{SubAccountName: {suffix: -dev}}", {"growth-dev"}),
        ("{SubAccountName: {contains: ARC}}", {"search-prod"}),
        ("{SubAccountName: {not_contains: o}}", {"nameless"}),
        ("{SubAccountName: {regex: '^s.*-(prod|bot)$'}}", {"search-prod", "support-bot"}),
        ("{SubAccountName: {regex: '^Search'}}", set()),  # regex is case-sensitive (use (?i))
        ("{SubAccountName: {regex: '(?i)^Search'}}", {"search-prod"}),
        ("{SubAccountName: {not_regex: 'o'}}", {"nameless"}),
        ("{SubAccountName: {ne: search-prod}}", {"support-bot", "growth-dev", "nameless"}),
        ("{EffectiveCost: {gt: 5}}", {"search-prod", "support-bot"}),
        ("{EffectiveCost: {gte: 5, lt: 8}}", {"support-bot", "growth-dev"}),
        ("{EffectiveCost: {lte: 3}}", {"nameless"}),
        ("{x_Tokens: {exists: true}}", {"search-prod"}),
        ("{x_Tokens: {exists: false}}", {"support-bot", "growth-dev", "nameless"}),
        ("{Tags.team: search}", {"search-prod"}),
        ("{Tags.team: {exists: false}}", {"support-bot", "growth-dev", "nameless"}),
        ("{any: [{SubAccountName: nameless}, {Tags.team: search}]}", {"search-prod", "nameless"}),
        ("{all: [{SubAccountName: {prefix: s}}, {EffectiveCost: {lt: 8}}]}", {"support-bot"}),
        ("{not: {SubAccountName: {prefix: s}}}", {"growth-dev", "nameless"}),
        ("[{SubAccountName: {prefix: s}}, {ProviderName: anthropic}]", {"support-bot"}),
        ("{SubAccountName: {prefix: s}, ProviderName: openai}", {"search-prod"}),
        (
            "{ResourceName: {prefix: gpt}, x_Model: gpt-4o}",
            {"search-prod", "support-bot", "growth-dev", "nameless"},
        ),
    ],
)
def test_each_operator_and_combination_matches_the_rows_it_should(
    store: Store, condition: str, expected: set[str]
) -> None:
    add_costs(
        store,
        [
            {"sub_account": "search-prod", "cost": 10, "tokens": 100, "tags": {"team": "search"}},
            {"sub_account": "support-bot", "cost": 7, "provider": "Anthropic"},
            {"sub_account": "growth-dev", "cost": 5},
            {"sub_account": "nameless", "cost": 3},
        ],
    )
    apply(store, f"tags:\n  hit:\n    - when: {condition}\n      value: yes\n")
    rows = cost_query(store, CostQueryInput(group_by=["sub_account", "hit"])).rows
    assert {r.group["sub_account"] for r in rows if r.group["hit"] == "true"} == expected


def test_copy_takes_the_provider_tag_when_present_and_falls_through_otherwise(store: Store) -> None:
    add_costs(
        store,
        [
            {"sub_account": "a", "cost": 1, "tags": {"team": "search"}},
            {"sub_account": "a", "cost": 2, "tags": {"team": ""}},
            {"sub_account": "b", "cost": 4},
        ],
    )
    apply(
        store,
        "tags:\n  team:\n    - copy: Tags.team\n    - when: {SubAccountName: a}\n      value: platform\n",
    )
    assert by(store, "team") == {"unallocated": 4.0, "platform": 2.0, "search": 1.0}


def test_a_rule_may_copy_another_virtual_tag_and_test_it(store: Store) -> None:
    add_costs(store, [{"sub_account": "search-prod", "cost": 3}, {"sub_account": "other", "cost": 1}])
    apply(
        store,
        """
tags:
  team:
    - when: {SubAccountName: search-prod}
      value: search
  owner_team:
    - copy: virtual.team
    - value: nobody
  facing:
    - when: {virtual.team: search}
      value: customer
""",
    )
    assert by(store, "owner_team") == {"search": 3.0, "nobody": 1.0}
    assert by(store, "facing") == {"customer": 3.0, "unallocated": 1.0}


def test_a_virtual_tag_wins_over_a_provider_tag_of_the_same_name(store: Store) -> None:
    add_costs(store, [{"cost": 2, "tags": {"team": "search"}}, {"cost": 1, "tags": {"Team": "x"}}])
    apply(store, "tags:\n  team:\n    - value: everyone\n")
    assert by(store, "team") == {"everyone": 3.0}
    assert by(store, "tag:team") == {"search": 2.0, None: 1.0}


def test_filters_on_a_virtual_tag_work_like_any_dimension(store: Store) -> None:
    add_costs(store, [{"sub_account": "s1", "cost": 2}, {"sub_account": "s2", "cost": 5}])
    apply(store, "tags:\n  team:\n    - when: {SubAccountName: s1}\n      value: search\n")
    result = cost_query(store, CostQueryInput(filters=[Filter(dimension="team", values=["unallocated"])]))
    assert result.total == 5.0


def test_rule_values_are_bound_parameters_never_sql_text(store: Store) -> None:
    nasty = "x'); DROP TABLE costs; --"
    add_costs(
        store, [{"sub_account": nasty, "cost": 2, "tags": {"o'k": "y"}}, {"sub_account": "b", "cost": 1}]
    )
    apply(
        store,
        "tags:\n  team:\n"
        f'    - when: {{SubAccountName: "{nasty}", Tags.o\'k: y}}\n      value: "it\'s {nasty}"\n'
        '    - when: {ResourceName: {regex: "^gpt\'"}}\n      value: never\n',
    )
    with store.reader() as con:
        source = query_source(con)
    assert source is not None
    assert nasty not in source.relation and "o'k" not in source.relation and "gpt'" not in source.relation
    assert by(store, "team") == {f"it's {nasty}": 2.0, "unallocated": 1.0}


def test_rules_on_telemetry_attributes_use_the_dominant_value_per_provider_model_and_day(
    store: Store,
) -> None:
    day1, day2 = dt.date(2026, 10, 1), dt.date(2026, 10, 2)
    add_costs(
        store,
        [
            {"day": day1, "cost": 10, "provider": "OpenAI", "model": "gpt-4o"},
            {"day": day2, "cost": 20, "provider": "OpenAI", "model": "gpt-4o"},
            {
                "day": day1,
                "cost": 5,
                "provider": "AWS",
                "service": "Amazon Bedrock",
                "model": "claude-sonnet-4-5",
            },
        ],
    )
    add_events(
        store,
        [
            {"day": day1, "customer": "acme", "est": "3"},
            {"day": day1, "customer": "globex", "est": "1"},
            {"day": day2, "customer": "globex", "est": "2"},
            {
                "day": day1,
                "provider": "aws.bedrock",
                "model": "anthropic.claude-sonnet-4-5-20250929-v1:0",
                "customer": "initech",
                "tags": {"tier": "gold"},
            },
        ],
    )
    apply(
        store,
        "tags:\n  customer:\n    - copy: telemetry.customer\n"
        "  tier:\n    - when: {telemetry.tags.tier: gold}\n      value: gold\n",
    )
    assert by(store, "customer") == {"globex": 20.0, "acme": 10.0, "initech": 5.0}
    assert by(store, "tier") == {"unallocated": 30.0, "gold": 5.0}


# ---------------------------------------------------------------------------------------------- versions


def test_every_change_is_recorded_and_can_be_rolled_back(store: Store) -> None:
    add_costs(store, [{"sub_account": "a", "cost": 1}])
    first = apply(store, "tags:\n  team:\n    - value: one\n", author="ana")
    assert (first.status, first.version) == ("applied", 1)
    same = apply(store, "tags:\n  team:\n    - value: one\n", author="ana")
    assert same.status == "unchanged"
    second = apply(store, "tags:\n  team:\n    - value: two\n  env:\n    - value: prod\n", author="bo")
    assert second.version == 2 and "env: new tag" in second.summary and "team: +1 -1 rules" in second.summary
    assert by(store, "team") == {"two": 1.0}
    back = rollback_rules(store, RollbackInput(version=1, author="cy"))
    assert back.version == 3 and back.summary.startswith("rolled back to the rules of version 1")
    assert by(store, "team") == {"one": 1.0}
    history = rules_history(store, HistoryInput())
    assert [(v.version, v.author, v.action) for v in history.versions] == [
        (3, "cy", "rollback"),
        (2, "bo", "apply"),
        (1, "ana", "apply"),
    ]
    assert all(v.applied_at.tzinfo is not None for v in history.versions)
    assert export_rules(store, 2).startswith("tags:\n  team:\n    - value: two")
    rollback_rules(store, RollbackInput(version=0, author="cy"))
    with store.reader() as con:
        assert query_source(con) is None
    with pytest.raises(NotFound) as err:
        rollback_rules(store, RollbackInput(version=9))
    assert err.value.code == "not_found"


def test_an_effective_date_freezes_the_months_before_it(store: Store) -> None:
    add_costs(
        store,
        [
            {"day": dt.date(2026, 9, 15), "cost": 1},
            {"day": dt.date(2026, 10, 15), "cost": 2},
            {"day": dt.date(2026, 11, 15), "cost": 4},
        ],
    )
    apply(store, "tags:\n  team:\n    - value: old\n")
    apply(store, "effective_from: 2026-10-01\ntags:\n  team:\n    - value: new\n  env:\n    - value: prod\n")
    assert by(store, "team") == {"new": 6.0, "old": 1.0}
    assert by(store, "env") == {"prod": 6.0, "unallocated": 1.0}
    apply(store, "tags:\n  team:\n    - value: newest\n", effective_from=dt.date(2026, 11, 1))
    assert by(store, "team") == {"newest": 4.0, "new": 2.0, "old": 1.0}
    listing = list_virtual_tags(store, ListVirtualTagsInput(key="team"))
    assert [(t.version, t.effective_from, t.until) for t in listing.tags] == [
        (3, dt.date(2026, 11, 1), None),
        (2, dt.date(2026, 10, 1), dt.date(2026, 11, 1)),
        (1, None, dt.date(2026, 10, 1)),
    ]
    rollback_rules(store, RollbackInput(version=2))
    assert by(store, "team") == {"new": 6.0, "old": 1.0}


def test_every_allocation_operation_is_registered_and_writes_are_marked() -> None:
    ops = {op.name: op for op in operations()}
    for name in (
        "list_virtual_tags",
        "get_allocation_coverage",
        "suggest_allocation_rules",
        "get_showback_report",
        "get_shared_cost_allocation",
        "attribute_costs_to_customers",
        "list_owners",
        "list_allocation_rule_versions",
    ):
        assert name in ops and not ops[name].writes
    for name in (
        "apply_allocation_rules",
        "rollback_allocation_rules",
        "review_allocation_suggestions",
        "set_owner",
        "remove_owner",
    ):
        assert ops[name].writes


# ---------------------------------------------------------------------------------------------- coverage


def test_coverage_gives_the_allocated_share_per_key_and_month_and_the_largest_gaps(store: Store) -> None:
    add_costs(
        store,
        [
            {"day": dt.date(2026, 9, 2), "sub_account": "a", "cost": 3},
            {"day": dt.date(2026, 9, 3), "sub_account": "b", "cost": 1, "resource": "r1"},
            {"day": dt.date(2026, 10, 2), "sub_account": "a", "cost": 6},
            {"day": dt.date(2026, 10, 2), "sub_account": "c", "cost": 2, "resource": "r2"},
            {"day": dt.date(2026, 10, 3), "sub_account": "c", "cost": 2, "resource": "r2"},
            {"day": dt.date(2026, 10, 2), "sub_account": "d", "cost": 1, "resource": "r3"},
        ],
    )
    apply(store, "tags:\n  team:\n    - when: {SubAccountName: a}\n      value: search\n")
    result = allocation_coverage(store, CoverageInput(top=1))
    assert [(r.key, r.month, r.total, r.allocated, r.allocated_pct) for r in result.rows] == [
        ("team", "2026-09", 4.0, 3.0, 75.0),
        ("team", "2026-10", 11.0, 6.0, pytest.approx(54.5454, abs=1e-3)),
    ]
    assert [(i.month, i.sub_account, i.resource, i.cost, i.line_items) for i in result.unallocated_items] == [
        ("2026-09", "b", "r1", 1.0, 1),
        ("2026-10", "c", "r2", 4.0, 2),
    ]


def test_coverage_on_the_public_focus_file_measures_the_untagged_team_spend(
    focus_public_store: Store,
) -> None:
    result = allocation_coverage(focus_public_store, CoverageInput(keys=["team"], period="2026-10"))
    (row,) = result.rows
    assert row.kind == "provider_tag" and round(row.unallocated, 2) == 2237.24
    assert {i.sub_account for i in result.unallocated_items} <= {"nw-vertex-dev", "Default project"}
    apply(focus_public_store, (FIXTURES / "rules.yaml").read_text(encoding="utf-8"))
    after = allocation_coverage(focus_public_store, CoverageInput(keys=["team"], period="2026-10"))
    assert after.rows[0].kind == "virtual_tag" and after.rows[0].allocated_pct == 100.0
    teams = by(focus_public_store, "team", period="2026-10")
    assert teams["platform"] == pytest.approx(14726.13, abs=0.01)
    assert sum(teams.values()) == pytest.approx(136077.61, abs=0.01)


def test_cost_queries_do_not_import_pandas() -> None:
    import subprocess
    import sys

    code = "import sys, tools.allocation; print('pandas' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "False"
