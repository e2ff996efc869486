"""Azure's ResourceName falls back to the resource id's last segment only where the column is empty (a CASE: a
coalesce ran the regular expression on every row): for every id and name, including odd ones, it must give what
the coalesce gave. Its ResourceType is matched at the id's one `/providers/` (a search of the whole id only when
there is another): for every id it must give what the search gave."""

from __future__ import annotations

import duckdb
from spendscope.data.import_azure import _resource_name, _resource_type

IDS = [
    None,
    "",
    "vm-without-a-path",
    "/subscriptions/9ec5/resourceGroups/rg-1/providers/Microsoft.CognitiveServices/accounts/aoai-east",
    "/subscriptions/9ec5/resourceGroups/rg-1/providers/Microsoft.Network/virtualNetworks/vnet/subnets/default",
    "/subscriptions/1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm/providers/"
    "Microsoft.Insights/diagnosticSettings/d",
    "/subscriptions/1/resourcegroups/rg/Providers/Microsoft.Web/sites/x",  # the expression is case-sensitive
    "/providers/",
    "/providers/A",
    "/providers/A/",
    "/providers//x/y",
    "/providers/A/providers/B/C",
    "/providers/A//B/providers/C/D",
    "/providers/Ä/Ö",
    "/providers/A/B/",
    "providers/A/B",
    "x/providers/A/B",
    "/x/providers/A/B/providers/",
    "/providers/providers/A/B",
    "/providers/providers//B/providers/C/D",
    "/a/providers/A/providers/B/C",
]
NAME_RE = "coalesce(nullif(n, ''), nullif(regexp_extract(id, '/([^/]+)$', 1), ''))"


def test_resource_name_agrees_with_the_coalesce() -> None:
    con = duckdb.connect()
    rows = con.execute(
        f"""SELECT id, n, {_resource_name("n", "id")}, {NAME_RE}
            FROM (SELECT unnest(CAST(? AS VARCHAR[])) AS id) CROSS JOIN (SELECT unnest([NULL, '', 'named']) AS n)""",
        [IDS],
    ).fetchall()
    assert len(rows) == 3 * len(IDS)
    for resource_id, name, fast, slow in rows:
        assert fast == slow, (resource_id, name)
    named = {(r[0], r[1]): r[2] for r in rows}
    assert named[(IDS[3], None)] == "aoai-east"
    assert named[(IDS[3], "named")] == "named"


TYPE_RE = "nullif(lower(regexp_extract(id, '/providers/([^/]+/[^/]+)', 1)), '')"


def test_resource_type_agrees_with_the_search() -> None:
    con = duckdb.connect()
    rows = con.execute(
        f"SELECT id, {_resource_type('id')}, {TYPE_RE} FROM (SELECT unnest(CAST(? AS VARCHAR[])) AS id)",
        [IDS],
    ).fetchall()
    assert len(rows) == len(IDS)
    for resource_id, fast, slow in rows:
        assert fast == slow, resource_id
    found = dict((r[0], r[1]) for r in rows)
    assert found[IDS[3]] == "microsoft.cognitiveservices/accounts"
    assert found["/providers/A//B/providers/C/D"] == "c/d"  # the first /providers/ has an empty segment
