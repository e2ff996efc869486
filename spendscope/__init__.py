"""The `spendscope` command: the entry point that composes every layer's commands.

It sits above all five packages (data, tools, agents, mcp_server, slack_app) because it dispatches to each of
them; none of them imports it.
"""
