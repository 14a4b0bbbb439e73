"""Prometheus metrics, served at /metrics (and by `gurubot worker` on `worker_metrics_port`).

Sends per second: `rate(gurubot_messages_out_total{result="sent"}[1m])`; errors by class: the
other `result` values (retry, unreachable, outside_window, give_up). The outbox gauges are read
from the database at scrape time, so any process shows the queue of all workers.
"""

import logging
from collections.abc import Iterator

from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine

log = logging.getLogger(__name__)

MESSAGES_IN = Counter("gurubot_messages_in_total", "Inbound messages handled", ["channel"])
MESSAGES_OUT = Counter("gurubot_messages_out_total", "Outbound send results", ["channel", "result"])
DUPLICATES = Counter("gurubot_duplicate_deliveries_total", "Provider retries recognised", ["channel"])
IGNORED = Counter("gurubot_ignored_requests_total", "Signed requests the bot does not serve", ["channel", "reason"])
HANDLING_SECONDS = Histogram("gurubot_handling_seconds", "Time to handle one inbound message")
SEND_SECONDS = Histogram("gurubot_send_seconds", "Time of one provider send call", ["channel"])


class OutboxCollector(Collector):
    """Queue depth per status and priority, and the age of the oldest pending message."""

    def __init__(self) -> None:
        self.engine: Engine | None = None

    def describe(self) -> Iterator[Metric]:
        yield from self.families()

    def collect(self) -> Iterator[Metric]:
        depth, oldest = self.families()
        if self.engine is not None:
            try:
                self.fill(depth, oldest, self.engine)
            except Exception:
                log.warning("reading the outbox for /metrics failed", exc_info=True)
        yield depth
        yield oldest

    @staticmethod
    def families() -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
        depth = GaugeMetricFamily(
            "gurubot_outbox_messages", "Messages waiting in the outbox", labels=["status", "priority"]
        )
        oldest = GaugeMetricFamily("gurubot_outbox_oldest_pending_seconds", "Age of the oldest pending message")
        return depth, oldest

    @staticmethod
    def fill(depth: GaugeMetricFamily, oldest: GaugeMetricFamily, engine: Engine) -> None:
        from bot.delivery.queue_report import queue_report

        report = queue_report(engine, with_recent=False)
        for (status, priority), count in sorted(report.depth.items()):
            depth.add_metric([status, str(priority)], count)
        oldest.add_metric([], report.oldest_pending_seconds or 0.0)


OUTBOX = OutboxCollector()
REGISTRY.register(OUTBOX)


def watch_outbox(engine: Engine) -> None:
    """Report the outbox of this database at /metrics."""
    OUTBOX.engine = engine
