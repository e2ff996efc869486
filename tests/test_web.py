"""The dashboard over HTTP (Starlette's test client): sign-in, scopes, CSRF, every page, CSV, Billy, the report."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from spendscope.data.store import Store

pytest.importorskip("jinja2", reason="the dashboard needs the web extra (jinja2)")

from spendscope.mcp_server.auth import TokenTable  # noqa: E402
from spendscope.web.app import build_app  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402
from web_support import AS_OF, OTHER_TEAMS, SEARCH, TOKENS, money, sql_cost, tokens_file, writable_demo  # noqa: E402

from spendscope.commands.web import token_callers  # noqa: E402

PAGES = [
    "/",
    "/landing",
    "/explorer",
    "/models",
    "/showback",
    "/anomalies",
    "/budgets",
    "/commitments",
    "/savings",
    "/unit-costs",
    "/profitability",
    "/health",
    "/ask?q=which+team+spent+the+most+last+month",
]
HTML = {"accept": "text/html"}
LOCAL = "http://127.0.0.1"


@pytest.fixture(scope="module")
def store(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Store:
    return writable_demo(demo_store, tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def open_client(store: Store) -> TestClient:
    return TestClient(build_app(store, as_of=AS_OF, warm=False), base_url=LOCAL)


@pytest.fixture(scope="module")
def client(store: Store, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    table = TokenTable.load(tokens_file(tmp_path_factory.mktemp("tokens")))
    app = build_app(store, authenticate=token_callers(table), as_of=AS_OF, warm=False)
    return TestClient(app, base_url="https://dash.example.com")


def bearer(name: str) -> dict[str, str]:
    return {**HTML, "authorization": f"Bearer {TOKENS[name]}"}


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_answers_for_the_local_user_without_tokens(open_client: TestClient, path: str) -> None:
    r = open_client.get(path, headers=HTML)
    assert r.status_code == 200, r.text[:500]
    assert "Ask Billy" in r.text and "Traceback" not in r.text
    assert (
        "content-security-policy" in r.headers
        and "default-src 'self'" in r.headers["content-security-policy"]
    )


def test_without_tokens_a_foreign_host_name_is_refused(open_client: TestClient) -> None:
    r = open_client.get("/", headers={**HTML, "host": "attacker.example"})
    assert r.status_code == 421


def test_no_assets_come_from_another_host(open_client: TestClient) -> None:
    html = open_client.get("/", headers=HTML).text
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith(("/", "#", "data:")) for s in sources), sources
    bundle = next(s for s in sources if s.startswith("/assets/vega-"))
    js = open_client.get(bundle)
    assert js.status_code == 200 and "vegaEmbed" in js.text and "immutable" in js.headers["cache-control"]


def test_overview_figures_equal_the_bill(open_client: TestClient, store: Store) -> None:
    html = open_client.get("/", headers=HTML).text
    assert money(sql_cost(store, "2026-10-01", "2026-10-26")) in html  # month to date, through "today"
    assert money(sql_cost(store, "2026-09-01", "2026-10-01")) in html  # last month


def test_month_end_landing_is_actual_to_date_plus_the_forecast_of_the_rest(
    open_client: TestClient, store: Store
) -> None:
    html = open_client.get("/landing", headers=HTML).text
    actual = sql_cost(store, "2026-10-01", "2026-10-26")
    assert f"{money(actual)} actual through 2026-10-25" in html
    assert "forecast for 6 days" in html
    total = float(re.search(r'data-testid="landing-total">\$([\d,.]+)<', html).group(1).replace(",", ""))
    assert total > actual


def test_no_token_gets_the_sign_in_page_with_401(client: TestClient) -> None:
    r = client.get("/explorer?by=team", headers=HTML)
    assert r.status_code == 401 and 'name="token"' in r.text
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert 'value="/explorer?by=team"' in r.text  # back to the same view after signing in
    csv = client.get("/explorer.csv")
    assert csv.status_code == 401 and "text/plain" in csv.headers["content-type"]


def test_an_unknown_token_is_refused(client: TestClient) -> None:
    r = client.get("/", headers={**HTML, "authorization": "Bearer not-a-known-token-at-all"})
    assert r.status_code == 401


def test_sign_in_sets_an_httponly_strict_cookie_and_sign_out_ends_the_session(
    store: Store, tmp_path: Path
) -> None:
    table = TokenTable.load(tokens_file(tmp_path))
    app = build_app(store, authenticate=token_callers(table), as_of=AS_OF, warm=False)
    c = TestClient(app, base_url="https://dash.example.com", follow_redirects=False)
    bad = c.post("/login", data={"token": "wrong-token-0123456789", "next": "/"}, headers=HTML)
    assert bad.status_code == 401
    r = c.post("/login", data={"token": TOKENS["reader"], "next": "//evil.example/x"}, headers=HTML)
    assert r.status_code == 303 and r.headers["location"] == "/"  # never off-site
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" in cookie
    assert c.get("/", headers=HTML).status_code == 200
    assert c.post("/logout", headers=HTML).status_code == 303
    assert c.get("/", headers=HTML).status_code == 401


def test_a_cross_site_sign_in_is_refused(client: TestClient) -> None:
    r = client.post("/login", data={"token": TOKENS["reader"]}, headers={"origin": "https://evil.example"})
    assert r.status_code == 403


def test_a_row_scoped_token_sees_only_its_rows_in_the_explorer_and_its_csv(
    client: TestClient, store: Store
) -> None:
    h = bearer("search")
    page = client.get("/explorer?by=team&period=2026-10", headers=h)
    assert page.status_code == 200
    table = re.search(r'data-testid="explorer-table">(.*?)</table>', page.text, re.S).group(1)
    assert "search" in table and not any(t in table for t in OTHER_TEAMS)
    assert money(sql_cost(store, "2026-10-01", "2026-11-01", SEARCH)) in page.text
    csv = client.get("/explorer.csv?by=team&period=2026-10", headers=h)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    rows = csv.text.strip().splitlines()
    assert rows[0] == "team,cost,share_pct,currency" and len(rows) == 2 and rows[1].startswith("search,")
    assert float(rows[1].split(",")[1]) == pytest.approx(sql_cost(store, "2026-10-01", "2026-11-01", SEARCH))
    # asking for another team's rows narrows to nothing: the scope is ANDed with the filter
    other = client.get("/explorer.csv?by=team&period=2026-10&filter=team%3Dsupport", headers=h)
    assert not [line for line in other.text.splitlines() if line.startswith("support,")]
    assert "among the rows this caller may see" in other.text or other.text.strip() == rows[0]


def test_a_row_scoped_token_sees_its_own_overview_and_not_the_company(
    client: TestClient, store: Store
) -> None:
    html = client.get("/", headers=bearer("search")).text
    assert money(sql_cost(store, "2026-10-01", "2026-10-26", SEARCH)) in html
    assert money(sql_cost(store, "2026-10-01", "2026-10-26")) not in html
    assert "rows: team=search" in html


@pytest.mark.parametrize("path", PAGES)
def test_a_row_scoped_token_never_sees_another_teams_name_or_figure(client: TestClient, path: str) -> None:
    r = client.get(path, headers=bearer("search"))
    assert r.status_code == 200
    shown = text_of(r.text)
    assert not any(re.search(rf"\b{t}\b", shown) for t in OTHER_TEAMS), path


def test_operations_a_scoped_token_cannot_run_say_so_instead_of_company_figures(client: TestClient) -> None:
    html = client.get("/showback?month=2026-10", headers=bearer("search")).text
    assert "Not available for your scope" in html and "showback-table" not in html


def test_a_filter_changes_the_figures(open_client: TestClient, store: Store) -> None:
    everything = open_client.get("/explorer?period=2026-10", headers=HTML).text
    openai = open_client.get("/explorer?period=2026-10&filter=provider%3DOpenAI", headers=HTML).text
    assert money(sql_cost(store, "2026-10-01", "2026-11-01")) in everything
    assert money(sql_cost(store, "2026-10-01", "2026-11-01", "ProviderName = 'OpenAI'")) in openai


def test_a_bad_explorer_parameter_is_named(open_client: TestClient) -> None:
    html = unescape(open_client.get("/explorer?filter=team", headers=HTML).text)
    assert "filter 'team'" in html and "DIMENSION=VALUE" in html
    html = open_client.get("/explorer?by=teem", headers=HTML).text
    assert "teem" in html and "team" in html


def _first_anomaly(client: TestClient, headers: dict[str, str]) -> str:
    html = client.get("/anomalies", headers=headers).text
    return re.search(r'href="/anomalies/(an-[0-9a-f]+)"', html).group(1)


def test_a_write_token_acknowledges_an_anomaly_with_the_form_and_its_csrf_token(
    store: Store, tmp_path: Path
) -> None:
    table = TokenTable.load(tokens_file(tmp_path))
    app = build_app(store, authenticate=token_callers(table), as_of=AS_OF, warm=False)
    c = TestClient(app, base_url="https://dash.example.com", follow_redirects=False)
    c.post("/login", data={"token": TOKENS["admin"]})
    anomaly = _first_anomaly(c, HTML)
    page = c.get(f"/anomalies/{anomaly}", headers=HTML).text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    forged = c.post(f"/anomalies/{anomaly}", data={"action": "acknowledge", "csrf": "0" * 64}, headers=HTML)
    assert forged.status_code == 403
    cross = c.post(
        f"/anomalies/{anomaly}",
        data={"action": "acknowledge", "csrf": csrf},
        headers={**HTML, "origin": "https://evil.example"},
    )
    assert cross.status_code == 403
    ok = c.post(
        f"/anomalies/{anomaly}", data={"action": "acknowledge", "csrf": csrf, "reason": "known launch"}
    )
    assert ok.status_code == 303
    after = c.get(ok.headers["location"], headers=HTML).text
    assert "acknowledged" in after and "known launch" in after and "web:finance" in after


def test_read_and_scoped_tokens_get_no_feedback_buttons_and_cannot_post(client: TestClient) -> None:
    anomaly = _first_anomaly(client, bearer("reader"))
    page = client.get(f"/anomalies/{anomaly}", headers=bearer("reader")).text
    assert 'data-testid="read-only"' in page and 'name="action"' not in page
    r = client.post(f"/anomalies/{anomaly}", data={"action": "expected"}, headers=bearer("reader"))
    assert r.status_code == 403
    # a scoped token sees the anomalies of series within its scope (list_anomalies takes filters), no others
    listing = client.get("/anomalies", headers=bearer("search"))
    assert listing.status_code == 200 and 'name="action"' not in listing.text
    assert not [t for t in OTHER_TEAMS if re.search(rf"\b{t}\b", listing.text)]


def test_ask_billy_answers_as_the_caller(client: TestClient, store: Store) -> None:
    r = client.get(
        "/ask?q=how+much+did+we+spend+in+October+2026",
        headers={**bearer("search"), "x-spendscope-fragment": "1"},
    )
    assert r.status_code == 200 and "<html" not in r.text  # a fragment, swapped in place
    assert money(sql_cost(store, "2026-10-01", "2026-11-01", SEARCH)) in r.text


def test_report_html_is_one_self_contained_file(demo_store: Store, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from spendscope.cli import app

    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        app, ["report", "html", "--month", "2026-10", "--output", str(out), "--db", str(demo_store.path)]
    )
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "<script" not in html and not re.search(r'(?:src|href)="https?:', html)
    assert html.count("<svg") >= 2 and "Showback by team" in html
    assert money(sql_cost(demo_store, "2026-10-01", "2026-11-01")) in html
    assert money(sql_cost(demo_store, "2026-09-01", "2026-10-01")) in html


def test_report_html_refuses_a_period_that_is_not_a_month(demo_store: Store, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from spendscope.cli import app

    result = CliRunner().invoke(
        app,
        [
            "report",
            "html",
            "--month",
            "Q3 2026",
            "--output",
            str(tmp_path / "r.html"),
            "--db",
            str(demo_store.path),
        ],
    )
    assert result.exit_code != 0
