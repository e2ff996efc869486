"""The FinOps operations as typed functions. Each takes a Store and a pydantic input model and returns a
pydantic output model; `tools.registry.operations()` lists them for the MCP server, the agents and Slack.

tools never imports mcp, langgraph, anthropic or slack.
"""
