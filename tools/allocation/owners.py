"""Owners of tag values: team = search -> #search-costs, @U123, search-leads@example.com, a Teams webhook. Alerts,
reports and chargeback files are routed with `owner_for`; every channel an owner has set gets them
(docs/notifications.md)."""

from __future__ import annotations

import datetime as dt
import re
from typing import ClassVar

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.errors import InvalidArgument, NotFound
from spendscope.data.store import Store
from spendscope.tools.registry import operation

_CHANNEL = re.compile(r"^(#[a-z0-9][a-z0-9_\-.]{0,79}|[CG][A-Z0-9]{6,})$")
_USER = re.compile(r"^(@[\w.\-]{1,80}|[UW][A-Z0-9]{6,})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_WEBHOOK_NAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,63}$")


class Owner(BaseModel):
    key: str = Field(description="tag key, e.g. team")
    value: str = Field(description="tag value, e.g. search")
    slack_channel: str | None = Field(None, description="#channel or channel id (C...)")
    slack_user: str | None = Field(None, description="Slack user id (U...) or @handle")
    email: str | None = None
    teams_webhook: str | None = Field(
        None, description="name of a Microsoft Teams webhook (its URL is a secret)"
    )
    updated_by: str | None = None
    updated_at: dt.datetime | None = None

    @property
    def contact(self) -> str:
        """The first way to reach the owner: email, else channel, else user, else Teams."""
        return (
            self.email
            or self.slack_channel
            or self.slack_user
            or (f"teams:{self.teams_webhook}" if self.teams_webhook else "")
        )


class SetOwnerInput(BaseModel):
    key: str = Field(description="tag key, e.g. team")
    value: str = Field(description="tag value, e.g. search")
    slack_channel: str | None = Field(None, description="#channel or channel id; '' clears it")
    slack_user: str | None = Field(None, description="Slack user id (U...) or @handle; '' clears it")
    email: str | None = Field(None, description="email address; '' clears it")
    teams_webhook: str | None = Field(
        None,
        description="name of a Microsoft Teams webhook whose URL is in SPENDSCOPE_TEAMS_WEBHOOKS or the keys file "
        "(never the URL itself); '' clears it",
    )
    author: str = Field("unknown", description="who makes the change")
    allow_unknown_values: bool = Field(
        False, description="accept a value the store has not seen yet (a new team); the key must still exist"
    )
    named_value: ClassVar[tuple[str, str]] = ("key", "value")  # checked at the entry point (tools/names.py)


class OwnerList(BaseModel):
    owners: list[Owner]


class ListOwnersInput(BaseModel):
    key: str | None = Field(None, description="only owners of this tag key")
    named_key: ClassVar[str] = "key"  # an unknown key is an error at the entry point (tools/names.py)


class RemoveOwnerInput(BaseModel):
    key: str = Field(description="tag key, e.g. team")
    value: str = Field(description="tag value, e.g. search")


def _check(p: SetOwnerInput) -> None:
    if p.slack_channel and not _CHANNEL.match(p.slack_channel):
        raise InvalidArgument(
            f"slack channel {p.slack_channel!r}: use #name (lower case) or a channel id like C0123ABCD",
            argument="slack_channel",
            value=p.slack_channel,
        )
    if p.slack_user and not _USER.match(p.slack_user):
        raise InvalidArgument(
            f"slack user {p.slack_user!r}: use a user id like U0123ABCD or @handle",
            argument="slack_user",
            value=p.slack_user,
        )
    if p.email and not _EMAIL.match(p.email):
        raise InvalidArgument(f"email {p.email!r} is not an email address", argument="email", value=p.email)
    if p.teams_webhook and not _WEBHOOK_NAME.match(p.teams_webhook.strip()):
        hint = (
            "a webhook URL is a secret: put it in the keys file (`teams_webhooks: {NAME: URL}`) or "
            "SPENDSCOPE_TEAMS_WEBHOOKS and give its NAME here"
            if "://" in p.teams_webhook
            else "use a name of lower-case letters, digits, '.', '_' or '-' (e.g. finops-alerts)"
        )
        raise InvalidArgument(
            f"teams webhook {p.teams_webhook[:40]!r}: {hint}", argument="teams_webhook", value=None
        )
    if not p.key.strip() or not p.value.strip():
        raise InvalidArgument("give a tag key and a value, e.g. team search", argument="key")


def _row(r: tuple) -> Owner:
    return Owner(
        key=r[0],
        value=r[1],
        slack_channel=r[2],
        slack_user=r[3],
        email=r[4],
        teams_webhook=r[5],
        updated_by=r[6],
        updated_at=r[7],
    )


_SELECT = (
    "SELECT tag_key, tag_value, slack_channel, slack_user, email, teams_webhook, updated_by, updated_at "
    "FROM allocation_owners"
)


@operation("set_owner", input_model=SetOwnerInput, output_model=Owner, writes=True)
def set_owner(store: Store, params: SetOwnerInput) -> Owner:
    """Set who owns a tag value (Slack channel, Slack user, email, Teams webhook name); fields not given keep their
    current value."""
    _check(params)
    key, value = params.key.strip().lower(), params.value.strip()
    with store.writer() as con:
        old = con.execute(f"{_SELECT} WHERE tag_key = ? AND tag_value = ?", [key, value]).fetchall()
        current = _row(old[0]) if old else Owner(key=key, value=value)

        def pick(new: str | None, prior: str | None) -> str | None:
            return prior if new is None else (new.strip() or None)

        owner = Owner(
            key=key,
            value=value,
            slack_channel=pick(params.slack_channel, current.slack_channel),
            slack_user=pick(params.slack_user, current.slack_user),
            email=pick(params.email, current.email),
            teams_webhook=pick(params.teams_webhook, current.teams_webhook),
            updated_by=params.author,
            updated_at=dt.datetime.now(dt.UTC),
        )
        if not owner.contact:
            raise InvalidArgument(
                f"{key}={value}: give at least one of slack channel, slack user, email or teams webhook",
                argument="email",
            )
        con.execute("DELETE FROM allocation_owners WHERE tag_key = ? AND tag_value = ?", [key, value])
        con.execute(
            "INSERT INTO allocation_owners (tag_key, tag_value, slack_channel, slack_user, email, teams_webhook, "
            "updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                key,
                value,
                owner.slack_channel,
                owner.slack_user,
                owner.email,
                owner.teams_webhook,
                owner.updated_by,
                owner.updated_at,
            ],
        )
    return owner


@operation("remove_owner", input_model=RemoveOwnerInput, output_model=Owner, writes=True)
def remove_owner(store: Store, params: RemoveOwnerInput) -> Owner:
    """Remove the owner of a tag value."""
    key, value = params.key.strip().lower(), params.value.strip()
    with store.writer() as con:
        old = con.execute(f"{_SELECT} WHERE tag_key = ? AND tag_value = ?", [key, value]).fetchall()
        if not old:
            raise NotFound(f"no owner is set for {key}={value}", argument="value", value=value)
        con.execute("DELETE FROM allocation_owners WHERE tag_key = ? AND tag_value = ?", [key, value])
    return _row(old[0])


def load_owners(con: duckdb.DuckDBPyConnection, key: str | None = None) -> list[Owner]:
    where, params = ("WHERE tag_key = ?", [key.strip().lower()]) if key else ("", [])
    return [_row(r) for r in con.execute(f"{_SELECT} {where} ORDER BY tag_key, tag_value", params).fetchall()]


@operation("list_owners", input_model=ListOwnersInput, output_model=OwnerList)
def list_owners(store: Store, params: ListOwnersInput | None = None) -> OwnerList:
    """Who owns which tag values (used to route alerts, reports and chargeback)."""
    params = params or ListOwnersInput()
    with store.reader() as con:
        return OwnerList(owners=load_owners(con, params.key))


def owner_for(con: duckdb.DuckDBPyConnection, key: str, value: str) -> Owner | None:
    """The owner of `key = value` (value matched case-insensitively), or None."""
    rows = con.execute(
        f"{_SELECT} WHERE tag_key = ? AND lower(tag_value) = lower(?) ORDER BY tag_value LIMIT 1",
        [key.strip().lower(), value.strip()],
    ).fetchall()
    return _row(rows[0]) if rows else None
