"""The dashboard in a real headless Chromium (Playwright, Debian's chromium): `spendscope web` on the demo.

Every page loads with no console errors, no failed requests and no error responses; charts render as SVG with
marks; a filter changes the figures; a row-scoped token never shows another team's figures. Screenshots go to
out/screenshots/ (CI keeps them as artifacts). Skips, saying why, when Chromium or Playwright is absent.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from spendscope.data.store import Store
from web_support import AS_OF, OTHER_TEAMS, SEARCH, TOKENS, money, sql_cost, tokens_file, writable_demo

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (the dev extra has it)"
)

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "out" / "screenshots"
CHROMIUM = next(
    (
        p
        for p in (
            os.environ.get("SPENDSCOPE_CHROMIUM"),
            shutil.which("chromium"),
            shutil.which("chromium-browser"),
        )
        if p
    ),
    None,
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium on this machine (apt-get install chromium; .ci/run does)"
)
PAGES = {
    "/": 1,
    "/explorer": 1,
    "/models": 3,
    "/showback": 1,
    "/anomalies": 0,
    "/budgets": 0,
    "/commitments": 2,
    "/savings": 1,
    "/unit-costs": 2,
    "/health": 1,
}  # path -> charts it draws on the demo
MARKS = "svg .mark-rect path, svg .mark-line path, svg .mark-symbol path, svg .mark-area path"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    folder = tmp_path_factory.mktemp("web_browser")
    store = writable_demo(demo_store, folder)
    port = _free_port()
    log = (folder / "server.log").open("w", encoding="utf-8")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "spendscope",
            "web",
            "--db",
            str(store.path),
            "--port",
            str(port),
            "--tokens",
            str(tokens_file(folder)),
            "--as-of",
            AS_OF.isoformat(),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert proc.poll() is None, (folder / "server.log").read_text(encoding="utf-8")
                time.sleep(0.2)
        yield url, store
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


class Watched:
    """A page that records console errors, failed requests and error responses."""

    def __init__(self, browser: object, base: str, token: str | None) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=base)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", self._failed)
        self.page.on("response", lambda r: r.status >= 400 and self.problems.append(f"{r.status}: {r.url}"))
        if token:
            self.page.goto("/login")
            self.page.fill("input[name=token]", token)
            self.page.click("form.login button")
            self.page.wait_for_load_state("networkidle")

    def _failed(self, request: object) -> None:
        # A fragment still loading when the test navigates on is cancelled by the browser (net::ERR_ABORTED):
        # that is the user leaving the page, not a failure of it. Every other failure counts.
        if "ERR_ABORTED" not in str(request.failure):
            self.problems.append(f"failed: {request.url} {request.failure}")

    def open(self, path: str) -> object:
        self.page.goto(path)
        self.page.wait_for_load_state("networkidle")
        return self.page

    def close(self) -> None:
        self.context.close()


def _shot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _total(page: object) -> float:
    text = page.locator("[data-testid=explorer-total] strong").inner_text()
    return float(text.replace("$", "").replace(",", ""))


def test_every_page_loads_clean_and_draws_its_charts(server: tuple[str, Store], browser: object) -> None:
    url, _ = server
    w = Watched(browser, url, TOKENS["admin"])
    try:
        for path, charts in PAGES.items():
            page = w.open(path)
            if charts:
                page.wait_for_function(
                    f"document.querySelectorAll('figure.chart svg').length >= {charts}", timeout=15000
                )
                figures = page.locator("figure.chart")
                assert figures.count() >= charts, path
                for i in range(figures.count()):
                    assert figures.nth(i).locator(MARKS).count() > 0, f"{path}: chart {i} has no marks"
            if path == "/":
                page.wait_for_selector("[data-testid=landing-total]", timeout=30000)
            _shot(page, "overview" if path == "/" else path.strip("/"))
            assert page.locator("h1").count() >= 1, path
        assert w.problems == []
    finally:
        w.close()


def test_a_filter_changes_the_figures_and_the_url_keeps_it(
    server: tuple[str, Store], browser: object
) -> None:
    url, store = server
    w = Watched(browser, url, TOKENS["reader"])
    try:
        page = w.open("/explorer?period=2026-10&by=provider")
        before = _total(page)
        assert before == pytest.approx(sql_cost(store, "2026-10-01", "2026-11-01"), abs=0.01)
        page.fill("input[name=filter] >> nth=0", "provider=OpenAI")
        page.click("form.explorer button[type=submit]")
        page.wait_for_url(re.compile(r"filter=provider%3DOpenAI"))
        page.wait_for_function(
            "document.querySelector('[data-testid=explorer-total]').innerText.includes('eq')"
        )
        after = _total(page)
        assert after == pytest.approx(
            sql_cost(store, "2026-10-01", "2026-11-01", "ProviderName = 'OpenAI'"), abs=0.01
        )
        assert page.locator("figure.chart svg").count() == 1
        shared = page.url
        page.goto(shared)  # the shareable URL reproduces the view
        assert _total(page) == pytest.approx(after, abs=0.01)
        _shot(page, "explorer-filtered")
        assert w.problems == []
    finally:
        w.close()


def test_ask_billy_answers_in_place(server: tuple[str, Store], browser: object) -> None:
    url, store = server
    w = Watched(browser, url, TOKENS["reader"])
    try:
        page = w.open("/showback")
        page.fill("#billy-q", "how much did we spend in October 2026?")
        page.click(".billy button")
        page.wait_for_selector("#billy-answer [data-testid=billy-answer]")
        assert page.url.endswith("/showback")  # answered without leaving the page
        assert (
            money(sql_cost(store, "2026-10-01", "2026-11-01")) in page.locator("#billy-answer").inner_text()
        )
        assert w.problems == []
    finally:
        w.close()


def test_a_row_scoped_token_never_shows_another_teams_figures(
    server: tuple[str, Store], browser: object
) -> None:
    url, store = server
    w = Watched(browser, url, TOKENS["search"])
    try:
        company = money(sql_cost(store, "2026-10-01", "2026-10-26"))
        for path in PAGES:
            page = w.open(path)
            if path == "/":
                page.wait_for_selector("[data-testid=landing] h2 + *", timeout=30000)
                assert money(sql_cost(store, "2026-10-01", "2026-10-26", SEARCH)) in page.inner_text("main")
            shown = page.inner_text("body")
            assert company not in shown, path
            assert not any(re.search(rf"\b{t}\b", shown) for t in OTHER_TEAMS), path
            assert "rows: team=search" in shown
        page = w.open("/explorer?period=2026-10&by=team")
        rows = page.locator("[data-testid=explorer-table] tbody tr")
        assert rows.count() == 1 and rows.first.inner_text().startswith("search")
        _shot(page, "explorer-scoped")
        assert w.problems == []
    finally:
        w.close()
