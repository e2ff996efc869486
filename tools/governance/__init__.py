"""Governance: budgets, forecasts, anomaly detection (the engine in anomaly_detection.py, the operations in
anomalies.py) and the feedback actions on alerts."""
