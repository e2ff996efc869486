"""The profitability page over HTTP: the demo's unprofitable customer first with its story, the cost per unit of
each count metric, and a row-scoped token that sees only its rows."""

from __future__ import annotations

import re
from html import unescape

import pytest
from spendscope.data.store import Store
from spendscope.tools.invoke import invoke

pytest.importorskip("jinja2", reason="the dashboard needs the web extra (jinja2)")

from spendscope.mcp_server.auth import TokenTable  # noqa: E402
from spendscope.web.app import build_app  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402
from web_support import AS_OF, OTHER_TEAMS, TOKENS, tokens_file  # noqa: E402

from spendscope.commands.web import token_callers  # noqa: E402

HTML = {"accept": "text/html"}


@pytest.fixture(scope="module")
def client(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    table = TokenTable.load(tokens_file(tmp_path_factory.mktemp("tokens")))
    app = build_app(demo_store, authenticate=token_callers(table), as_of=AS_OF, warm=False)
    return TestClient(app, base_url="https://dash.example.com")


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_the_unprofitable_customer_comes_first_with_its_figures(
    client: TestClient, demo_store: Store
) -> None:
    r = client.get(
        "/profitability?month=2026-10", headers={**HTML, "authorization": f"Bearer {TOKENS['admin']}"}
    )
    assert r.status_code == 200
    first = invoke(demo_store, "profitability", {"period": "2026-10"}).rows[0]
    page = text(r.text)
    assert 'data-testid="at-risk-row"' in r.text and f"Customer {first.key}" in page
    assert f"${first.ai_cost:,.2f}" in page and "exceeds the subscription" in page
    tickets = invoke(
        demo_store,
        "cost_per_business_unit",
        {"metric": "tickets_resolved", "start": "2026-08-01", "end": "2026-10-31", "grain": "month"},
    )
    assert "Cost per ticket" in page and f"${tickets.totals[-1].cost_per_unit:,.4f}" in page
    by_plan = client.get(
        "/profitability?month=2026-10&by=plan", headers={**HTML, "authorization": f"Bearer {TOKENS['admin']}"}
    )
    assert "enterprise" in text(by_plan.text)


def test_a_row_scoped_token_is_refused_business_figures_and_sees_no_other_team(client: TestClient) -> None:
    r = client.get(
        "/profitability?month=2026-10", headers={**HTML, "authorization": f"Bearer {TOKENS['search']}"}
    )
    assert r.status_code == 200
    page = text(r.text)
    assert not any(re.search(rf"\b{t}\b", page) for t in OTHER_TEAMS)
    assert (
        "Not available for your scope" in page and "$" not in page
    )  # business figures are refused to a scope
