"""The Slack app: a thin slack-bolt adapter over agents/ and tools/ (docs/slack.md).

- slack_app.app: the Bolt app (/spend, @mentions, DMs and assistant threads to Billy; the alert buttons);
- slack_app.delivery: SlackDelivery, the triage router's alerts as Block Kit messages;
- slack_app.reports: weekly and monthly showback per team, budget alerts, the finance summary, reminders;
- slack_app.access: which users and channels see which costs;
- slack_app.server: Socket Mode, HTTP (/slack/events) and the in-process schedule.

No FinOps logic and no SQL here: numbers come from tools/ and Billy; this package translates and renders.
"""
