"""Triage: the facts an alert is enriched with, and the delivery ledgers that make alerts exactly-once."""
