"""What the browser loads, all served by spendscope itself: the project's CSS and JS, and the Vega bundle.

The Vega, Vega-Lite and vega-embed libraries come from `vl_convert.javascript_bundle()` (vl-convert-python,
already a dependency for PNG charts), built once per process and served under a name carrying its hash, so it can
be cached for good and no page needs another host. No htmx: the few interactions (filter forms and Ask Billy
answering in place, charts drawn from their Vega-Lite specs) are small project-written JS in static/app.js, and
every page also works as plain HTML forms without it (docs/web.md).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from importlib import resources

_LOCK = threading.Lock()
_BUNDLE: Bundle | None = None


@dataclass(frozen=True)
class Bundle:
    text: str
    digest: str  # first 16 hex digits of the SHA-256, part of the URL

    @property
    def url(self) -> str:
        return f"/assets/vega-{self.digest}.js"


def vega_bundle() -> Bundle:
    """The Vega bundle (about 900 KB; built on first use, about a second, then kept)."""
    global _BUNDLE
    with _LOCK:
        if _BUNDLE is None:
            import vl_convert

            text = vl_convert.javascript_bundle()
            _BUNDLE = Bundle(text, hashlib.sha256(text.encode("utf-8")).hexdigest()[:16])
        return _BUNDLE


def static_text(name: str) -> str:
    """One of the project's own static files (app.css, app.js)."""
    return resources.files("spendscope.web").joinpath("static", name).read_text(encoding="utf-8")


def static_digest(name: str) -> str:
    return hashlib.sha256(static_text(name).encode("utf-8")).hexdigest()[:16]
