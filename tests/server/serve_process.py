"""``tryon serve`` as a real subprocess (optionally inside a network namespace), and what
``/proc`` says about a process: RSS, native threads by name, open file descriptors."""

from __future__ import annotations

import collections
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from .peer import free_port, get

TRYON = str(Path(sys.executable).with_name("tryon"))

#: Options that let a fuzzer or a soak hammer one server from one address.
OPEN_LIMITS = (
    "--max-sessions",
    "1000",
    "--offers-per-minute",
    "100000",
    "--connecting-per-ip",
    "1000",
)


@dataclass(frozen=True, slots=True)
class ProcessStats:
    """One look at ``/proc/PID``."""

    rss_kib: int
    #: Native threads (``/proc/PID/task``), counted by their kernel name (``comm``).
    threads: collections.Counter[str]
    fds: int

    @property
    def native_threads(self) -> int:
        return sum(self.threads.values())


def serve_option_error(*args: str) -> str:
    """``tryon serve *args`` run to its end: it must refuse with exit status 2 and exactly one
    line on stderr, ``tryon serve: ...`` (no traceback); that line."""
    result = subprocess.run(
        [TRYON, "serve", *args], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tryon serve: "), lines
    return lines[0]


def process_stats(pid: int) -> ProcessStats:
    proc = Path(f"/proc/{pid}")
    status = (proc / "status").read_text()
    rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    names: collections.Counter[str] = collections.Counter()
    for task in (proc / "task").iterdir():
        try:
            names[(task / "comm").read_text().strip()] += 1
        except FileNotFoundError:  # the thread ended while we looked
            continue
    return ProcessStats(rss, names, len(os.listdir(proc / "fd")))


class ServeProcess:
    """``with ServeProcess("--echo") as server: server.url``; ``prefix`` runs it through
    another command (``ip netns exec NS``), ``host`` is where it listens."""

    def __init__(self, *args: str, prefix: tuple[str, ...] = (), host: str = "127.0.0.1") -> None:
        self.port = free_port() if not prefix else 8080
        self.url = f"http://{host}:{self.port}"
        self._command = [*prefix, TRYON, "serve", "--host", host, "--port", str(self.port), *args]
        self._prefix = prefix
        self._proc: subprocess.Popen[bytes] | None = None
        #: Everything the server printed: a file, so a chatty server never blocks on a pipe,
        #: opened for appending, so our reads never move its writes; closed in ``__exit__``.
        self._log = tempfile.TemporaryFile("a+b")  # noqa: SIM115

    @property
    def pid(self) -> int:
        assert self._proc is not None, "not started"
        return self._proc.pid

    def stats(self) -> ProcessStats:
        return process_stats(self.pid)

    def __enter__(self) -> ServeProcess:
        self._proc = subprocess.Popen(self._command, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            if self._proc.poll() is not None:
                raise AssertionError(f"tryon serve exited {self._proc.returncode}: {self.output()}")
            try:
                if self.healthz_ok():
                    return self
            except (OSError, subprocess.CalledProcessError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"tryon serve did not answer /healthz: {self._command}")
            time.sleep(0.2)

    def get(self, path: str) -> tuple[int, bytes]:
        """``GET path`` (status, body), from inside the namespace when there is one."""
        if not self._prefix:
            status, _, body = get(f"{self.url}{path}")
            return status, body
        result = subprocess.run(
            [*self._prefix, sys.executable, "-c", _GET, f"{self.url}{path}"],
            capture_output=True,
            timeout=30,
            check=True,
        )
        status, _, body = result.stdout.partition(b"\n")
        return int(status), body

    def healthz_ok(self) -> bool:
        return self.get("/healthz")[0] == 200

    def metric(self, name: str) -> float:
        """One sample from ``GET /metrics``."""
        text = self.get("/metrics")[1].decode()
        match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
        assert match, f"{name} not in /metrics:\n{text}"
        return float(match.group(1))

    def output(self) -> str:
        """What the server printed so far (its log)."""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def stop(self) -> tuple[int, float]:
        """SIGTERM; the exit code and the seconds it took (SIGKILL after 30 s)."""
        assert self._proc is not None
        start = time.monotonic()
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        return self._proc.returncode, time.monotonic() - start

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        self._log.close()


#: Prints the status line and the body of a GET (run inside the namespace).
_GET = """
import sys, urllib.error, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=10) as resp:
        status, body = resp.status, resp.read()
except urllib.error.HTTPError as err:
    status, body = err.code, err.read()
sys.stdout.buffer.write(b"%d\\n" % status + body)
"""
