"""Unit economics: business metrics (revenue, subscriptions, plans, tickets, documents, MAU) held against AI cost.
Cost per unit of any metric, customer / feature / plan profitability, margin floors and unit-cost budgets, unit-metric
anomalies and the alerts they raise (docs/unit-economics.md)."""
