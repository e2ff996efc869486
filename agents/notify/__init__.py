"""Email (SMTP) and Microsoft Teams delivery beside Slack: the triage router's alerts and the scheduled reports
to every channel an owner has set, each message once (docs/notifications.md)."""
