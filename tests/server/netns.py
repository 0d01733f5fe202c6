"""A private network namespace for fault tests: its own loopback with one extra address
(aioice skips 127.0.0.1 when it gathers host candidates), and packet loss and delay on the
UDP (media) traffic inside it.

``tc ... netem`` is the usual tool, but this kernel has no ``sch_netem`` (and loads no
modules), so the impairment is ``netns_impair.py``: an iptables ``NFQUEUE`` rule hands every
UDP packet on the loopback to it, and it drops or delays each one. Both directions pass the
rule once (the OUTPUT hook), as they would pass ``netem`` on ``lo``'s egress.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

#: The address both peers use inside the namespace (on its loopback).
ADDRESS = "10.77.0.1"
QUEUE = 0
IMPAIR = str(Path(__file__).with_name("netns_impair.py"))


def unavailable() -> str | None:
    """Why namespaced fault tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    for tool in ("ip", "iptables"):
        if shutil.which(tool) is None:
            return f"'{tool}' not found (Debian packages iproute2 and iptables)"
    try:
        with Netns() as ns:
            _run(*ns.command("iptables", "-A", "OUTPUT", "-p", "udp", "-j", "NFQUEUE"))
    except RuntimeError as exc:
        return f"no network namespace with an NFQUEUE rule here: {exc}"
    return None


def _run(*args: str) -> None:
    result = subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {result.stderr.strip()}")


class Netns:
    """``with Netns() as ns: subprocess.run(ns.command("tryon", ...))``."""

    def __init__(self) -> None:
        self.name = f"tryon-{secrets.token_hex(3)}"

    def command(self, *args: str) -> list[str]:
        return ["ip", "netns", "exec", self.name, *args]

    def __enter__(self) -> Netns:
        _run("ip", "netns", "add", self.name)
        try:
            _run(*self.command("ip", "link", "set", "lo", "up"))
            _run(*self.command("ip", "addr", "add", f"{ADDRESS}/32", "dev", "lo"))
        except BaseException:
            _run("ip", "netns", "del", self.name)
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _run("ip", "netns", "del", self.name)

    @contextmanager
    def impaired(self, loss: float, delay_ms: float, seed: int = 1) -> Iterator[dict[str, Any]]:
        """UDP on the loopback loses ``loss`` of its packets and the rest arrive ``delay_ms``
        late, for the block; the dict gets the impairer's counts when the block ends."""
        impairer = subprocess.Popen(
            self.command(
                sys.executable,
                IMPAIR,
                f"--queue={QUEUE}",
                f"--loss={loss}",
                f"--delay-ms={delay_ms}",
                f"--seed={seed}",
            ),
            stdout=subprocess.PIPE,
            text=True,
        )
        assert impairer.stdout is not None
        report: dict[str, Any] = {}
        rule = ("OUTPUT", "-o", "lo", "-p", "udp", "-d", ADDRESS, "-j", "NFQUEUE")
        try:
            line = impairer.stdout.readline()
            if line.strip() != "ready":
                raise RuntimeError(f"netns_impair.py did not start: {line!r}")
            _run(*self.command("iptables", "-A", *rule, "--queue-num", str(QUEUE)))
            yield report
            _run(*self.command("iptables", "-D", *rule, "--queue-num", str(QUEUE)))
        finally:
            impairer.send_signal(signal.SIGTERM)
            out, _ = impairer.communicate(timeout=10)
            if out.strip():
                report.update(json.loads(out.strip().splitlines()[-1]))
