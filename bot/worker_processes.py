"""`gurubot serve` on PostgreSQL: webhooks in the server process, handling and sending in child
`gurubot worker` processes (GURUBOT_WORKER_PROCESSES), so that a webhook is answered after one
INSERT however busy the handling is. In one process the two share one interpreter lock, and under
load the webhook's answer waited behind handling for seconds (the providers then retry, adding
load). The children run at a lower CPU priority, share nothing with intake but the database
(they are woken by its notifications), are started again when one dies, and stop with the server,
or by themselves when the server is killed.
"""

import logging
import os
import subprocess
import sys
import threading
import time
from types import TracebackType

from bot.config import Settings

log = logging.getLogger(__name__)
# Intake first: under saturation the kernel gives the webhooks the CPU they need, handling the rest.
WORKER_NICENESS = 5
RESTART_PAUSE_SECONDS = 1.0
MAX_RESTART_PAUSE_SECONDS = 60.0
STOP_SECONDS = 15.0  # a worker finishes the sends it started (bot/runtime.py DRAIN_SECONDS) first


def worker_count(settings: Settings) -> int:
    """Child processes to start: none on SQLite (one process per file is the safe default there) or
    when the operator runs `gurubot worker` themselves (GURUBOT_INPROCESS_WORKER=0)."""
    postgres = settings.database_url.startswith("postgresql")
    return settings.worker_processes if postgres and settings.inprocess_worker else 0


class WorkerProcesses:
    """Starts `count` workers, keeps them running until `stop`."""

    def __init__(self, count: int, metrics_port: int = 0) -> None:
        self.count = count
        self.metrics_port = metrics_port
        self.processes: list[subprocess.Popen[bytes]] = []
        self.restarts = [0] * count  # in a row, per worker: the pause before the next start grows
        self.lock = threading.Lock()  # the supervisor never starts a worker that `stop` has passed
        self.stopping = threading.Event()
        self.supervisor = threading.Thread(target=self.supervise, name="worker-supervisor", daemon=True)

    def __enter__(self) -> "WorkerProcesses":
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        self.processes = [self.spawn(number) for number in range(self.count)]
        if self.processes:
            self.supervisor.start()
            log.info("handling and sending in %d worker process(es)", self.count)

    def spawn(self, number: int) -> "subprocess.Popen[bytes]":
        command = [sys.executable, "-m", "bot.cli", "worker", "--parent", str(os.getpid())]
        command += ["--nice", str(WORKER_NICENESS)]
        environment = dict(os.environ)
        if self.metrics_port:  # one port each: the workers' metrics are their own
            environment["GURUBOT_WORKER_METRICS_PORT"] = str(self.metrics_port + number)
        # A session of its own: Ctrl-C in a terminal reaches the server only, which stops the workers
        # in order (a worker that stopped by itself meanwhile would be started again).
        return subprocess.Popen(command, env=environment, start_new_session=True)

    def supervise(self) -> None:
        """A worker that died is started again, after a pause that doubles while it keeps dying
        (up to MAX_RESTART_PAUSE_SECONDS), so a crash loop does not spin."""
        while not self.stopping.wait(RESTART_PAUSE_SECONDS):
            for number in range(self.count):
                self.restart_if_ended(number)

    def restart_if_ended(self, number: int) -> None:
        process = self.processes[number]
        if process.poll() is None:
            self.restarts[number] = 0
            return
        pause = min(RESTART_PAUSE_SECONDS * 2 ** self.restarts[number], MAX_RESTART_PAUSE_SECONDS)
        log.warning(
            "worker process %d ended (status %s); starting it again in %.0f s", number, process.returncode, pause
        )
        if self.stopping.wait(pause):
            return
        with self.lock:
            if not self.stopping.is_set():
                self.processes[number] = self.spawn(number)
                self.restarts[number] += 1

    def stop(self) -> None:
        """SIGTERM to each (a worker finishes its sends in progress), SIGKILL to any left when
        STOP_SECONDS have passed, for all of them together."""
        with self.lock:
            self.stopping.set()
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        for process in self.processes:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                log.warning("worker process %d did not stop in time; killing it", process.pid)
                process.kill()
                process.wait()
