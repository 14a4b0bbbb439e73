"""Prometheus metrics, served at /metrics."""

from prometheus_client import Counter, Histogram

MESSAGES_IN = Counter("gurubot_messages_in_total", "Inbound messages handled", ["channel"])
MESSAGES_OUT = Counter("gurubot_messages_out_total", "Outbound send results", ["channel", "result"])
DUPLICATES = Counter("gurubot_duplicate_deliveries_total", "Provider retries recognised", ["channel"])
HANDLING_SECONDS = Histogram("gurubot_handling_seconds", "Time to handle one inbound message")
