"""What differs between FOCUS versions once a file is read: 1.3 replaced ProviderName and PublisherName with
ServiceProviderName (and added HostProviderName); 1.4 dropped the old names. The store keeps one schema, so a file
with only the new names still gets ProviderName and PublisherName (never an empty provider), and a file with only
the old names still gets ServiceProviderName."""

from __future__ import annotations

NEW_NAMES = ("ServiceProviderName", "HostProviderName")


def provider_columns(columns: dict[str, str]) -> dict[str, str]:
    """For a file's columns (store name -> SQL), the SQL of the four provider columns filled from whichever
    version's names the file has; {} for a FOCUS 1.0-1.2 file (its rows stay exactly as read)."""
    if not any(n in columns for n in NEW_NAMES):
        return {}

    def first(*names: str) -> str:
        present = [columns[n] for n in names if n in columns]
        return (
            f"coalesce({', '.join(present)})"
            if len(present) > 1
            else present[0]
            if present
            else "CAST(NULL AS VARCHAR)"
        )

    return {
        "ProviderName": first("ProviderName", "ServiceProviderName", "HostProviderName"),
        "PublisherName": first("PublisherName", "ServiceProviderName", "ProviderName", "HostProviderName"),
        "ServiceProviderName": first("ServiceProviderName", "ProviderName"),
    }
