"""The dashboard as a Starlette app: `build_app(store, authenticate=..., as_of=...)`.

Every handler is a plain function (Starlette runs it in a worker thread, since DuckDB calls block), finds the
caller (web/auth.py), builds a `View` and renders a page template. With the header `X-Spendscope-Fragment: 1`
(sent by static/app.js) only the page's `content` block comes back, to be swapped in place.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from spendscope.data.errors import InvalidArgument, NotFound, PermissionDenied, SpendscopeError
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.tools.money_text import for_store
from spendscope.web import ask as ask_page
from spendscope.web.assets import static_digest, static_text, vega_bundle
from spendscope.web.auth import COOKIE, Authenticate, WebAuth, Who, same_origin
from spendscope.web.context import ResultCache, View
from spendscope.web.pages import NAV, anomalies, explorer, models, overview, profitability, simple
from spendscope.web.render import environment
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FRAGMENT_HEADER = "x-spendscope-fragment"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
STATIC_FILES = {"app.css": "text/css; charset=utf-8", "app.js": "text/javascript; charset=utf-8"}
FOREVER = "public, max-age=31536000, immutable"


class Dashboard:
    """The state one running dashboard shares between requests."""

    def __init__(
        self,
        store: Store,
        *,
        authenticate: Authenticate | None,
        as_of: dt.date | None,
        settings: Settings | None,
        title: str,
    ) -> None:
        self.store = store
        self.auth = WebAuth(authenticate)
        self.as_of = as_of
        self.settings = settings
        self.title = title
        self.results = ResultCache()
        self.static = {name: static_digest(name) for name in STATIC_FILES}

    # --- plumbing ---------------------------------------------------------------------------------------
    def today(self) -> dt.date:
        return self.as_of or dt.datetime.now(dt.UTC).date()

    def view(self, who: Who) -> View:
        return View(
            self.store,
            who,
            self.today(),
            csrf=self.auth.csrf_token(who),
            pinned=self.as_of is not None,
            cache=self.results,
        )

    def render(
        self, request: Request, view: View | None, template: str, ctx: dict[str, Any], status: int = 200
    ) -> HTMLResponse:
        tpl = environment().get_template(template)
        full = {
            **ctx,
            "nav": NAV,
            "path": request.url.path,
            "view": view,
            "title": self.title,
            "auth_required": self.auth.required,
            "static": self.static,
            "vega_url": vega_bundle().url,
        }
        if request.headers.get(FRAGMENT_HEADER) and "content" in tpl.blocks:
            body = "".join(tpl.blocks["content"](tpl.new_context(full)))
        else:
            body = tpl.render(full)
        return HTMLResponse(body, status_code=status)

    def unauthorized(self, request: Request, message: str | None = None) -> Response:
        headers = {"WWW-Authenticate": 'Bearer realm="spendscope"', "Cache-Control": "no-store"}
        accepts_html = "text/html" in request.headers.get("accept", "")
        if request.headers.get(FRAGMENT_HEADER) or not accepts_html or request.url.path.endswith(".csv"):
            return PlainTextResponse(message or "a token is required", status_code=401, headers=headers)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        resp = self.render(request, None, "login.html", {"next": target, "message": message}, status=401)
        resp.headers.update(headers)
        return resp

    def error(self, request: Request, view: View | None, exc: SpendscopeError) -> HTMLResponse:
        status = 403 if isinstance(exc, PermissionDenied) else 404 if isinstance(exc, NotFound) else 400
        return self.render(request, view, "error.html", {"message": exc.message}, status=status)


def page(handler: Callable[[Dashboard, Request, View], Response]) -> Callable[[Dashboard, Request], Response]:
    """Authenticate, build the request's View, run the handler (money in the store's billing currency);
    SpendscopeError becomes an error page."""

    def endpoint(self: Dashboard, request: Request) -> Response:
        who = self.auth.who(request)
        if who is None:
            return self.unauthorized(request)
        view = self.view(who)
        with for_store(self.store, eager=True):  # the page's amounts in the store's billing currency
            try:
                return handler(self, request, view)
            except SpendscopeError as exc:
                return self.error(request, view, exc)

    endpoint.__name__ = handler.__name__
    return endpoint


class Handlers(Dashboard):
    @page
    def overview(self, request: Request, view: View) -> Response:
        template, ctx = overview.page(view)
        return self.render(request, view, template, ctx)

    @page
    def landing(self, request: Request, view: View) -> Response:
        return self.render(request, view, "landing.html", overview.landing_section(view))

    @page
    def explorer(self, request: Request, view: View) -> Response:
        template, ctx = explorer.page(view, request.query_params)
        return self.render(request, view, template, ctx)

    @page
    def explorer_csv(self, request: Request, view: View) -> Response:
        result = explorer.run(view, request.query_params)
        if not result.ok:
            return PlainTextResponse(result.unavailable or result.error or "no result", status_code=400)
        return Response(
            explorer.csv_text(result),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="spendscope-costs.csv"'},
        )

    @page
    def models(self, request: Request, view: View) -> Response:
        template, ctx = models.page(view, request.query_params.get("period"))
        return self.render(request, view, template, ctx)

    @page
    def showback(self, request: Request, view: View) -> Response:
        q = request.query_params
        template, ctx = simple.showback(view, q.get("month"), q.get("by"))
        return self.render(request, view, template, ctx)

    @page
    def anomaly_list(self, request: Request, view: View) -> Response:
        template, ctx = anomalies.listing(view, request.query_params.get("status"))
        return self.render(request, view, template, ctx)

    @page
    def anomaly(self, request: Request, view: View) -> Response:
        anomaly_id = request.path_params["anomaly_id"]
        template, ctx = anomalies.detail(view, anomaly_id, request.query_params.get("updated"))
        return self.render(request, view, template, ctx)

    async def anomaly_action(self, request: Request) -> Response:
        return await _with_form(request, self._anomaly_action)

    def _anomaly_action(self, request: Request, form: dict[str, str]) -> Response:
        if not same_origin(request):
            return PlainTextResponse("cross-site request refused", status_code=403)
        who = self.auth.who(request)
        if who is None:
            return self.unauthorized(request)
        view = self.view(who)
        if not self.auth.csrf_ok(who, form.get("csrf")):
            return self.render(
                request,
                view,
                "error.html",
                {"message": "the form expired; reload the page and try again"},
                403,
            )
        anomaly_id = request.path_params["anomaly_id"]
        action = form.get("action", "")
        if action not in anomalies.ACTIONS:
            return self.error(
                request, view, InvalidArgument(f"action {action!r}: use {', '.join(anomalies.ACTIONS)}")
            )
        try:
            done = anomalies.act(view, anomaly_id, action, form.get("reason"))
        except SpendscopeError as exc:
            return self.error(request, view, exc)
        return RedirectResponse(f"/anomalies/{quote(anomaly_id)}?updated={quote(done)}", status_code=303)

    @page
    def budgets(self, request: Request, view: View) -> Response:
        template, ctx = simple.budgets(view)
        return self.render(request, view, template, ctx)

    @page
    def commitments(self, request: Request, view: View) -> Response:
        template, ctx = simple.commitments(view, request.query_params.get("period"))
        return self.render(request, view, template, ctx)

    @page
    def savings(self, request: Request, view: View) -> Response:
        template, ctx = simple.savings(view, request.query_params.get("period"))
        return self.render(request, view, template, ctx)

    @page
    def unit_costs(self, request: Request, view: View) -> Response:
        template, ctx = simple.unit_costs(view, request.query_params.get("period"))
        return self.render(request, view, template, ctx)

    @page
    def profitability(self, request: Request, view: View) -> Response:
        q = request.query_params
        template, ctx = profitability.page(view, q.get("month"), q.get("by"))
        return self.render(request, view, template, ctx)

    @page
    def health(self, request: Request, view: View) -> Response:
        template, ctx = simple.health(view, request.query_params.get("period"))
        return self.render(request, view, template, ctx)

    @page
    def ask(self, request: Request, view: View) -> Response:
        ctx = ask_page.answer(view, request.query_params.get("q", ""), self.settings)
        return self.render(request, view, "ask.html", ctx)

    # --- login ------------------------------------------------------------------------------------------
    def login_form(self, request: Request) -> Response:
        if not self.auth.required:
            return RedirectResponse("/", status_code=303)
        return self.render(
            request, None, "login.html", {"next": _safe_next(request.query_params.get("next"))}
        )

    async def login(self, request: Request) -> Response:
        return await _with_form(request, self._login)

    def _login(self, request: Request, form: dict[str, str]) -> Response:
        if not same_origin(request):
            return PlainTextResponse("cross-site request refused", status_code=403)
        target = _safe_next(form.get("next"))
        session = self.auth.login(form.get("token", ""))
        if session is None:
            return self.unauthorized(request, "That token is not known to this server.")
        sid, _ = session
        resp = RedirectResponse(target, status_code=303)
        resp.set_cookie(
            COOKIE, sid, httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/"
        )
        return resp

    def logout(self, request: Request) -> Response:
        if not same_origin(request):
            return PlainTextResponse("cross-site request refused", status_code=403)
        self.auth.logout(request.cookies.get(COOKIE))
        resp = RedirectResponse("/login" if self.auth.required else "/", status_code=303)
        resp.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
        return resp

    # --- assets -----------------------------------------------------------------------------------------
    def vega(self, request: Request) -> Response:
        bundle = vega_bundle()
        if request.path_params["digest"] != bundle.digest:
            return PlainTextResponse("not found", status_code=404)
        return Response(
            bundle.text, media_type="text/javascript; charset=utf-8", headers={"Cache-Control": FOREVER}
        )

    def static_file(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC_FILES:
            return PlainTextResponse("not found", status_code=404)
        return Response(static_text(name), media_type=STATIC_FILES[name], headers={"Cache-Control": FOREVER})


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never //host or a scheme) may be the page to return to after login."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


async def _with_form(request: Request, handler: Callable[[Request, dict[str, str]], Response]) -> Response:
    """Read the form, then run `handler` in a worker thread (it calls the store)."""
    async with request.form(max_files=0, max_fields=20) as form:
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
    return await run_in_threadpool(handler, request, fields)


class SecurityHeaders:
    """CSP and friends on every response; without tokens, only loopback Host headers (no DNS rebinding)."""

    def __init__(self, app: ASGIApp, *, loopback_only: bool) -> None:
        self.app = app
        self.loopback_only = loopback_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.loopback_only:
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if name.lower() not in LOOPBACK_HOSTS:
                resp = PlainTextResponse("this dashboard serves loopback addresses only", status_code=421)
                await resp(scope, receive, send)
                return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                ]
                if not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def build_app(
    store: Store,
    *,
    authenticate: Authenticate | None = None,
    as_of: dt.date | None = None,
    settings: Settings | None = None,
    title: str = "spendscope",
    warm: bool = True,
) -> Starlette:
    """The dashboard over `store`. `authenticate` (token -> Caller or None) turns on tokens; without it every
    request is the local user, read-only, and only loopback Host names are answered. `as_of` pins "today"."""
    d = Handlers(store, authenticate=authenticate, as_of=as_of, settings=settings, title=title)
    routes = [
        Route("/", d.overview),
        Route("/landing", d.landing),
        Route("/explorer", d.explorer),
        Route("/explorer.csv", d.explorer_csv),
        Route("/models", d.models),
        Route("/showback", d.showback),
        Route("/anomalies", d.anomaly_list),
        Route("/anomalies/{anomaly_id}", d.anomaly),
        Route("/anomalies/{anomaly_id}", d.anomaly_action, methods=["POST"]),
        Route("/budgets", d.budgets),
        Route("/commitments", d.commitments),
        Route("/savings", d.savings),
        Route("/unit-costs", d.unit_costs),
        Route("/profitability", d.profitability),
        Route("/health", d.health),
        Route("/ask", d.ask),
        Route("/login", d.login_form),
        Route("/login", d.login, methods=["POST"]),
        Route("/logout", d.logout, methods=["POST"]),
        Route("/assets/vega-{digest}.js", d.vega),
        Route("/static/{name}", d.static_file),
    ]
    app = Starlette(routes=routes)
    app.state.dashboard = d
    app.add_middleware(SecurityHeaders, loopback_only=authenticate is None)
    if warm:
        threading.Thread(target=_warm, args=(store,), daemon=True, name="spendscope-web-warm").start()
    return app


def _warm(store: Store) -> None:
    """Build the Vega bundle and import the operations before the first visitor needs them."""
    from spendscope.tools.registry import operations

    vega_bundle()
    operations()
