"""The processes of the inbound benchmark: started as in production, watched through /proc, stopped."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PYTHON = sys.executable
GURUBOT = str(Path(sys.executable).parent / "gurubot")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def clean_environment(settings: dict[str, str]) -> dict[str, str]:
    """This process's environment without any GURUBOT_* setting of its own, plus `settings`."""
    return {key: value for key, value in os.environ.items() if not key.startswith("GURUBOT_")} | settings


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far, from /proc/<pid>/stat; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14 and 15)


def children_of(pid: int) -> list[int]:
    """The live child processes of `pid`, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def rss_mib(pid: int) -> float:
    """Resident memory (VmRSS) from /proc; 0 once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            line = next(line for line in status if line.startswith("VmRSS:"))
    except (FileNotFoundError, StopIteration):
        return 0.0
    return int(line.split()[1]) / 1024


@dataclass
class Process:
    """A started subprocess, its log file, and when it was started."""

    name: str
    popen: subprocess.Popen[bytes]
    started: float

    @property
    def pid(self) -> int:
        return self.popen.pid

    def rss_mib(self) -> float:
        """Resident memory (VmRSS) of the process itself."""
        return rss_mib(self.pid)

    def family_rss_mib(self) -> float:
        """Of the process and the children it started."""
        return sum(rss_mib(pid) for pid in self.family())


    def cpu_seconds(self) -> float:
        """Of the process and the children it started (`gurubot serve`'s worker processes)."""
        return sum(cpu_seconds(pid) for pid in self.family())

    def family(self) -> list[int]:
        return [self.pid, *children_of(self.pid)]

    def stop(self, grace: float = 15.0) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def start(name: str, command: list[str], environment: dict[str, str], log_dir: Path) -> Process:
    log = (log_dir / f"{name}.log").open("ab")
    started = time.monotonic()
    popen = subprocess.Popen(command, env=environment, cwd=log_dir, stdout=log, stderr=subprocess.STDOUT)
    return Process(name, popen, started)


def run_to_end(command: list[str], environment: dict[str, str], log_dir: Path, name: str) -> None:
    with (log_dir / f"{name}.log").open("ab") as log:
        subprocess.run(command, env=environment, cwd=log_dir, stdout=log, stderr=subprocess.STDOUT, check=True)


def wait_ready(process: Process, url: str, timeout: float = 60.0) -> float:
    """Seconds from the start of the process to the first 200 from `url`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} exited with {process.popen.returncode}: see its log")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return time.monotonic() - process.started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.02)
    raise RuntimeError(f"{process.name} not ready at {url} after {timeout} s")


def start_fake_provider(log_dir: Path) -> tuple[Process, str]:
    port = free_port()
    process = start(
        "fake_provider", [PYTHON, str(BENCH / "fake_provider.py"), "--port", str(port)], dict(os.environ), log_dir
    )
    url = f"http://127.0.0.1:{port}"
    wait_ready(process, f"{url}/_bench/counts")
    return process, url
