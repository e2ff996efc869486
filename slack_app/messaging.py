"""Talking to the Slack Web API: the client (SLACK_API_URL), where a destination posts to, posting, uploading a
chart, and Slack API errors as one-line SourceErrors that say what to do."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from spendscope.data.errors import InvalidArgument, SourceError
from spendscope.data.settings import Settings

log = logging.getLogger("spendscope.slack")

FAILURES = (SlackApiError, SlackClientError, OSError)  # refused by Slack, or never reached it
_USER_ID = re.compile(r"^[UW][A-Z0-9]{6,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")
_ERROR_CODE = re.compile(r"[a-z][a-z0-9_.]{0,63}")
_HINTS = {
    "not_in_channel": "invite the app to the channel (/invite @spendscope)",
    "channel_not_found": "no such channel, or a private one the app was not invited to",
    "is_archived": "the channel is archived",
    "invalid_auth": "the bot token is not valid (SLACK_BOT_TOKEN)",
    "not_authed": "no bot token was sent (SLACK_BOT_TOKEN)",
    "token_revoked": "the bot token was revoked; reinstall the app",
    "account_inactive": "the bot token belongs to a deactivated app; reinstall it",
    "missing_scope": "the app lacks a scope; reinstall it from slack_app/manifest.yaml",
    "ratelimited": "Slack rate-limited the app; it retries on the next run",
    "user_not_found": "no such Slack user",
    "cannot_dm_bot": "a bot cannot be sent a DM",
    "msg_too_long": "the message is too long",
    "invalid_blocks": "Slack refused the message layout",
}


def api_url(settings: Settings) -> str:
    url = settings.slack_api_url.strip()
    return url if url.endswith("/") else url + "/"


def make_client(settings: Settings, token: str | None = None) -> WebClient:
    """A WebClient for the bot token, pointed at SLACK_API_URL."""
    if token is None:
        if settings.slack_bot_token is None:
            raise InvalidArgument(
                "set SLACK_BOT_TOKEN (the app's xoxb- bot token) to use Slack; see docs/slack.md",
                argument="SLACK_BOT_TOKEN",
            )
        token = settings.slack_bot_token.get_secret_value()
    return WebClient(token=token, base_url=api_url(settings), timeout=15)


def slack_error(exc: Exception, method: str, target: str | None = None) -> SourceError:
    """A Slack failure as one line: the method, the target, Slack's error code and what to do."""
    where = f" to {target}" if target else ""
    if isinstance(exc, SlackApiError):
        code = _error_code(exc)
        needed = exc.response.get("needed") if exc.response is not None else None
        needed = (
            needed if isinstance(needed, str) and _ERROR_CODE.fullmatch(needed.replace(":", ".")) else None
        )
        hint = _HINTS.get(code, "")
        if code == "missing_scope" and needed:
            hint = f"the app lacks the {needed} scope; reinstall it from slack_app/manifest.yaml"
        return SourceError(
            f"Slack refused {method}{where}: {code}" + (f" ({hint})" if hint else ""), slack_error=code
        )
    return SourceError(
        f"Slack {method}{where} failed: {type(exc).__name__}; is the Web API reachable?",
        slack_error=type(exc).__name__,
    )


def _error_code(exc: SlackApiError) -> str:
    """Slack's error code (`invalid_auth`, ...), never the rest of the answer: an API or proxy that echoes the
    request would otherwise put the bot token in a message or log line."""
    response = exc.response
    data = getattr(response, "data", None)
    code = data.get("error") if isinstance(data, dict) else None
    if isinstance(code, str) and _ERROR_CODE.fullmatch(code):
        return code
    status = getattr(response, "status_code", None)
    return f"unexpected_response (HTTP {status}; not a Slack error code)" if status else "unexpected_response"


def resolve_target(client: WebClient, target: str) -> str:
    """The channel to post to for a destination: a channel id or #name as is, a user id's DM channel."""
    target = target.strip()
    if _USER_ID.match(target):
        try:
            resp = client.conversations_open(users=[target])
        except FAILURES as exc:
            raise slack_error(exc, "conversations.open", target) from None
        return str(resp["channel"]["id"])
    if target.startswith("@"):
        raise SourceError(
            f"Slack destination {target!r}: direct messages need the user's id (U0123ABCD), not a "
            "handle; set it with `spendscope owners set KEY VALUE --slack-user U...`"
        )
    if _CHANNEL_ID.match(target) or target.startswith("#"):
        return target
    raise SourceError(f"Slack destination {target!r} is neither a channel (#name, C0123ABCD) nor a user id")


def post(
    client: WebClient,
    channel: str,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    *,
    thread_ts: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> tuple[str, str]:
    """chat.postMessage; returns (channel id, message ts). `metadata` ({event_type, event_payload}) travels with
    the message, so it can be found again after a crash (find_posted)."""
    try:
        resp = client.chat_postMessage(
            channel=channel,
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
            metadata=metadata,
        )
    except FAILURES as exc:
        raise slack_error(exc, "chat.postMessage", channel) from None
    return str(resp.get("channel") or channel), str(resp["ts"])


def find_posted(client: WebClient, channel: str, event_type: str, key: str, oldest: float) -> str | None:
    """The ts of the message posted in `channel` since `oldest` (epoch seconds) whose metadata is `event_type`
    with `key` in its payload; None when there is none. Reads conversations.history with all metadata."""
    cursor = None
    for _ in range(20):  # at most 20 pages of 200: an interrupted post is minutes old, never further back
        try:
            resp = client.conversations_history(
                channel=channel, oldest=f"{oldest:.6f}", include_all_metadata=True, limit=200, cursor=cursor
            )
        except FAILURES as exc:
            raise slack_error(exc, "conversations.history", channel) from None
        for message in resp.get("messages") or []:
            meta = message.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if meta.get("event_type") == event_type and payload.get("key") == key:
                return str(message["ts"])
        cursor = (resp.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
    return None


def update(client: WebClient, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> None:
    try:
        client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
    except FAILURES as exc:
        raise slack_error(exc, "chat.update", channel) from None


def ephemeral(client: WebClient, channel: str, user: str, text: str) -> None:
    """Tell one person something in the channel; failures are only logged (it is a courtesy)."""
    try:
        client.chat_postEphemeral(channel=channel, user=user, text=text)
    except FAILURES as exc:
        log.warning("%s", slack_error(exc, "chat.postEphemeral", channel).message)


def upload_png(
    client: WebClient, channel: str, png: bytes, *, title: str, alt: str, thread_ts: str | None = None
) -> None:
    """Upload a PNG into a channel (thread) with files_upload_v2 (files.getUploadURLExternal, the upload URL,
    files.completeUploadExternal)."""
    try:
        client.files_upload_v2(
            channel=channel,
            thread_ts=thread_ts,
            file=png,
            filename="chart.png",
            title=title[:250],
            alt_txt=alt[:1000],
        )
    except FAILURES as exc:
        raise slack_error(exc, "files.upload", channel) from None


def render_png(spec: dict[str, Any]) -> bytes:
    """A Vega-Lite spec as a PNG (vl-convert, offline)."""
    import vl_convert

    return vl_convert.vegalite_to_png(vl_spec=spec, scale=2)
