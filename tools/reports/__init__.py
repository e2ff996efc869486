"""The scheduled reports' figures and content, computed once and rendered by every channel (Slack, email,
Microsoft Teams)."""
