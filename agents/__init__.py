"""Agents over the tools: Billy (natural-language cost questions) and the triage and PR-diff agents.

Agents import tools and data, never mcp_server or slack_app. Heavy libraries (anthropic, langgraph) are imported
inside the functions that need them, so that the deterministic paths start fast.
"""
