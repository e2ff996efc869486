"""One error family for every layer. Each error has a stable `code`; transports map it once."""

from __future__ import annotations

from spendscope.data.redaction import redact, redact_value


class SpendscopeError(Exception):
    """Base of every error a user or an LLM may read. The message names what was wrong and where; credentials
    in it (URLs with user:password, tokens, configured secrets) are masked here, once (data/redaction.py)."""

    code = "spendscope_error"

    def __init__(self, message: str, **details: object) -> None:
        message = redact(message)
        super().__init__(message)
        self.message = message
        self.details = {k: redact_value(v) for k, v in details.items()}

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, **{k: v for k, v in self.details.items()}}


class ImportRejected(SpendscopeError):
    """A file or sync window could not be imported; nothing was written."""

    code = "import_rejected"


class QueryRefused(SpendscopeError):
    """SQL that is not a single read-only SELECT over the documented views."""

    code = "query_refused"


class QueryFailed(SpendscopeError):
    """A permitted query failed while running (bad column, type error)."""

    code = "query_failed"


class StoreBusy(SpendscopeError):
    """The store stayed locked by another writer for longer than the lock timeout."""

    code = "store_busy"


class StoreMissing(SpendscopeError):
    """The store file does not exist yet."""

    code = "store_missing"


class InvalidArgument(SpendscopeError):
    """An argument that is malformed or out of range."""

    code = "invalid_argument"


class InvalidPeriod(InvalidArgument):
    """A date or period that cannot be parsed or is empty."""

    code = "invalid_period"


class UnknownDimension(InvalidArgument):
    """A dimension or measure that is not in the allow-list."""

    code = "unknown_dimension"


class UnknownValue(InvalidArgument):
    """A dimension value (team, provider, model, ...) that the store does not hold."""

    code = "unknown_value"


class NotFound(SpendscopeError):
    """A named object (budget, anomaly, rule, import) that does not exist."""

    code = "not_found"


class UnpricedModel(SpendscopeError):
    """A model the price catalog and the local override file do not know."""

    code = "unpriced_model"


class InvalidRules(SpendscopeError):
    """A rules file that cannot be loaded; names the line."""

    code = "invalid_rules"


class SourceError(SpendscopeError):
    """A provider API or feed that refused or failed (bad key, missing permission, server error)."""

    code = "source_error"


class PermissionDenied(SpendscopeError):
    """The caller (an MCP token, a Slack user) may not do this: no write scope, or outside its row scope."""

    code = "permission_denied"
