"""Cost reading: breakdowns, dimensions and their values, drivers, comparisons and ratios, unit costs,
reconciliation of telemetry against the bill, and data health (sources)."""
