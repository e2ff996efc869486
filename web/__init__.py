"""The web dashboard: server-rendered pages over the operations, each read through tools.invoke as its caller.

    from spendscope.web.app import build_app
    app = build_app(store, authenticate=token_lookup, as_of=None)   # a Starlette app; serve it with uvicorn

Layering: web imports agents, tools and data; only the CLI imports web. Needs the `web` extra (jinja2).
See docs/web.md.
"""
