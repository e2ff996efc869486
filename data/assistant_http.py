"""HTTP for the coding-assistant syncs: GET and POST JSON (Cursor's Admin API answers POSTs), raw text downloads
(GitHub's signed NDJSON report links), the same retry rules as the provider syncs (429/5xx and dropped
connections retried with backoff; `retry-after` wins), plus GitHub's rate-limit answer: a 403 with
`x-ratelimit-remaining: 0` waits until `x-ratelimit-reset` instead of failing as a permission error.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
from spendscope.data.api_client import ApiClient
from spendscope.data.errors import SourceError


class AssistantClient(ApiClient):
    """An ApiClient that also POSTs JSON bodies and downloads text, and waits out GitHub's rate limit."""

    def _rate_limited(self, response: httpx.Response) -> float | None:
        """Seconds to wait when a 403 is GitHub's primary rate limit (None: a real 403)."""
        if response.status_code != 403 or response.headers.get("x-ratelimit-remaining") != "0":
            return None
        try:
            reset = float(response.headers.get("x-ratelimit-reset", ""))
        except ValueError:
            return self.base_delay
        return min(max(reset - time.time(), 0.0), self.max_delay * 2)

    def _retryable(self, response: httpx.Response) -> bool:
        return super()._retryable(response) or self._rate_limited(response) is not None

    def _asked_delay(self, response: httpx.Response) -> float | None:
        wait = self._rate_limited(response)
        return wait if wait is not None else super()._asked_delay(response)

    def checked(
        self, method: str, path: str, *, params: list[tuple[str, str]] | None = None, body: Any = None
    ) -> httpx.Response:
        """`send`, with an answer of 400 or more raised as a SourceError (a rate limit still hit: as a 429)."""
        response = self.send(method, path, params=params, body=body)
        if response.status_code >= 400:
            url = path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"
            limited = self._rate_limited(response) is not None
            raise self._error(429 if limited else response.status_code, url)
        return response

    def json(
        self, method: str, path: str, *, params: list[tuple[str, str]] | None = None, body: Any = None
    ) -> Any:
        response = self.checked(method, path, params=params, body=body)
        try:
            return response.json()
        except ValueError:
            raise SourceError(
                f"{self.provider} API at {response.request.url.copy_with(query=None)} answered HTTP "
                f"{response.status_code} with a body that is not JSON; check the API URL setting",
                provider=self.provider,
                status=response.status_code,
            ) from None

    def text(self, url: str) -> str:
        return self.checked("GET", url).text
