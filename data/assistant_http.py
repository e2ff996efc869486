"""HTTP for the coding-assistant syncs: GET and POST JSON (Cursor's Admin API answers POSTs), raw text downloads
(GitHub's signed NDJSON report links), the same retry rules as the provider syncs (429/5xx and dropped
connections retried with backoff; `retry-after` wins), plus GitHub's rate-limit answer: a 403 with
`x-ratelimit-remaining: 0` waits until `x-ratelimit-reset` instead of failing as a permission error.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
from spendscope.data.errors import SourceError
from spendscope.data.http_retry import RETRY_STATUS, ApiClient


class AssistantClient(ApiClient):
    """An ApiClient that also POSTs JSON bodies and downloads text."""

    def _rate_limited(self, response: httpx.Response) -> float | None:
        """Seconds to wait when a 403 is GitHub's primary rate limit (None: a real 403)."""
        if response.status_code != 403 or response.headers.get("x-ratelimit-remaining") != "0":
            return None
        try:
            reset = float(response.headers.get("x-ratelimit-reset", ""))
        except ValueError:
            return self.base_delay
        return min(max(reset - time.time(), 0.0), self.max_delay * 2)

    def send(
        self, method: str, path: str, *, params: list[tuple[str, str]] | None = None, body: Any = None
    ) -> httpx.Response:
        """One request with retries; `path` may be an absolute URL (then no base URL is used)."""
        url = path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"
        for attempt in range(self.max_attempts):
            self.requests += 1
            try:
                response = self._client.request(method, path, params=params, json=body)
            except httpx.TransportError as exc:
                if attempt + 1 >= self.max_attempts:
                    raise SourceError(
                        f"{self.provider} API at {url} could not be reached after {self.max_attempts} attempts "
                        f"({type(exc).__name__}); check the network or the API URL setting",
                        provider=self.provider,
                        url=url,
                    ) from None
                self.retries += 1
                self.sleep(self._delay(attempt, None))
                continue
            status = response.status_code
            last = attempt + 1 >= self.max_attempts
            wait = self._rate_limited(response)
            if wait is not None and not last:
                self.retries += 1
                self.sleep(wait)
                continue
            if status in RETRY_STATUS and not last:
                self.retries += 1
                self.sleep(self._delay(attempt, response))
                continue
            if status >= 400:
                raise self._error(status if wait is None else 429, url)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def json(
        self, method: str, path: str, *, params: list[tuple[str, str]] | None = None, body: Any = None
    ) -> Any:
        response = self.send(method, path, params=params, body=body)
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
        return self.send("GET", url).text
