"""The dashboard's pages: each module turns one request into template variables, reading only through
`View.run` / `View.section` (tools.invoke), and names its template."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    path: str
    title: str


NAV = (
    NavItem("/", "Overview"),
    NavItem("/explorer", "Explorer"),
    NavItem("/models", "Models and tokens"),
    NavItem("/showback", "Showback"),
    NavItem("/anomalies", "Anomalies"),
    NavItem("/budgets", "Budgets"),
    NavItem("/commitments", "Commitments and GPU"),
    NavItem("/savings", "Savings"),
    NavItem("/unit-costs", "Unit costs"),
    NavItem("/health", "Data health"),
)
