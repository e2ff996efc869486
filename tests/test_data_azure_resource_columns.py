"""Azure's ResourceType and ResourceName are read from the resource id with string functions (a regular expression
per row cost ~1 CPU s per million rows): for every id, including odd ones, they must give what the regular
expressions give."""

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
]
TYPE_RE = "nullif(lower(regexp_extract(id, '/providers/([^/]+/[^/]+)', 1)), '')"
NAME_RE = "coalesce(nullif(n, ''), nullif(regexp_extract(id, '/([^/]+)$', 1), ''))"


def test_resource_type_and_name_agree_with_the_regular_expressions() -> None:
    con = duckdb.connect()
    rows = con.execute(
        f"""SELECT id, n, {_resource_type("id")}, {TYPE_RE}, {_resource_name("n", "id")}, {NAME_RE}
            FROM (SELECT unnest(CAST(? AS VARCHAR[])) AS id) CROSS JOIN (SELECT unnest([NULL, '', 'named']) AS n)""",
        [IDS],
    ).fetchall()
    assert len(rows) == 3 * len(IDS)
    for resource_id, name, fast_type, slow_type, fast_name, slow_name in rows:
        assert fast_type == slow_type, resource_id
        assert fast_name == slow_name, (resource_id, name)
    types = dict(
        con.execute(
            f"SELECT id, {_resource_type('id')} FROM (SELECT unnest(CAST(? AS VARCHAR[])) AS id)", [IDS]
        ).fetchall()
    )
    assert types[IDS[3]] == "microsoft.cognitiveservices/accounts"
    assert types["/providers/A/providers/B/C"] == "a/providers"  # as the expression reads it
