"""Real processes on loopback for the deployment tests: ``tryon serve`` instances, HAProxy
with the shipped deploy/haproxy.cfg, coturn; each started in the foreground and stopped by
the test (no systemd)."""

from __future__ import annotations

import json
import secrets
import shutil
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from server.peer import free_port, get

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
TRYON = str(Path(sys.executable).with_name("tryon"))
_START_TIMEOUT_S = 60.0


def wait_until(check: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what}: not within {timeout:g} s"
        time.sleep(0.1)


def tool(name: str) -> str:
    """The path of a Debian tool the deployment uses (scripts/setup.sh installs it)."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    assert found is not None, f"{name} is not installed (apt-get install haproxy coturn)"
    return found


@contextmanager
def running(command: list[str]) -> Iterator[subprocess.Popen[bytes]]:
    """``command`` in the foreground (its output dropped), stopped at the end (SIGTERM, then
    SIGKILL) unless the test already stopped it."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@dataclass
class Instance:
    """One ``tryon serve`` process."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def sessions(self) -> int:
        status, _, body = get(f"{self.url}/healthz")
        assert status == 200, status
        count: int = json.loads(body)["sessions"]
        return count


def _answers(url: str) -> bool:
    try:
        return get(f"{url}/healthz")[0] == 200
    except OSError:  # not listening yet
        return False


@contextmanager
def tryon_instance(*args: str) -> Iterator[Instance]:
    """``tryon serve --port FREE ARGS...``, once it answers /healthz."""
    port = free_port()
    with running([TRYON, "serve", "--port", str(port), *args]) as process:
        instance = Instance(process, port)

        def up() -> bool:
            assert process.poll() is None, f"tryon serve exited with {process.returncode}"
            return _answers(instance.url)

        wait_until(up, "tryon serve answering /healthz", _START_TIMEOUT_S)
        yield instance


def haproxy_config(port: int, instances: list[Instance], stats_socket: Path) -> str:
    """deploy/haproxy.cfg for loopback: its defaults, frontend and backend as shipped, with
    plain http on ``port`` (no TLS, no redirect to https), these instances as the servers,
    the error page from the source tree, and a global section for a process run in the
    foreground by a test (no chroot, user, syslog or daemon; a stats socket in tmp)."""
    shipped = (DEPLOY / "haproxy.cfg").read_text()
    sections = shipped[shipped.index("\ndefaults") :]
    lines = [f"global\n    stats socket {stats_socket} level admin\n"]
    for line in sections.splitlines():
        words = line.split()
        if words[:1] == ["bind"]:
            if words[1] == ":80":
                lines.append(f"    bind 127.0.0.1:{port}")
            continue  # the TLS bind
        if "redirect scheme https" in line or words[:2] == ["log", "global"]:
            continue
        if words[:1] == ["errorfile"]:
            line = f"    errorfile {words[1]} {DEPLOY / 'errors' / Path(words[2]).name}"
        if words[:1] == ["server"]:
            continue
        lines.append(line)
    lines += [f"    server tryon{i} 127.0.0.1:{s.port}" for i, s in enumerate(instances, 1)]
    return "\n".join(lines) + "\n"


@dataclass
class Balancer:
    process: subprocess.Popen[bytes]
    port: int
    stats_socket: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def server_status(self) -> dict[str, str]:
        """Each backend server's state as HAProxy sees it ("UP", "DOWN", ...)."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(self.stats_socket))
            sock.sendall(b"show stat\n")
            raw = b""
            while chunk := sock.recv(65536):
                raw += chunk
        rows = [line.split(",") for line in raw.decode().splitlines() if line]
        header = rows[0]
        header[0] = header[0].lstrip("# ")
        status = header.index("status")
        return {
            row[1]: row[status].split()[0]
            for row in rows[1:]
            if row[0] == "tryon" and row[1] not in ("BACKEND", "FRONTEND")
        }


@contextmanager
def haproxy(tmp_path: Path, instances: list[Instance]) -> Iterator[Balancer]:
    """HAProxy balancing ``instances``, once it has checked them all UP."""
    port = free_port()
    config = tmp_path / "haproxy.cfg"
    stats = tmp_path / "haproxy.sock"
    config.write_text(haproxy_config(port, instances, stats))
    checked = subprocess.run(
        [tool("haproxy"), "-c", "-q", "-f", str(config)], capture_output=True, text=True
    )
    assert checked.returncode == 0, f"haproxy rejects the config: {checked.stderr}"
    with running([tool("haproxy"), "-db", "-f", str(config)]) as process:
        balancer = Balancer(process, port, stats)

        def all_up() -> bool:
            assert process.poll() is None, f"haproxy exited with {process.returncode}"
            if not stats.exists():
                return False
            states = balancer.server_status()
            return len(states) == len(instances) and set(states.values()) == {"UP"}

        wait_until(all_up, "haproxy seeing every instance UP")
        yield balancer


@dataclass
class Turn:
    """coturn on loopback with the static user of the shipped config."""

    process: subprocess.Popen[bytes]
    port: int
    user: str
    password: str
    log: Path

    @property
    def url(self) -> str:
        return f"turn:127.0.0.1:{self.port}"


#: Settings of the shipped deploy/turnserver.conf a loopback test replaces or drops (TLS,
#: the public addresses, the relay range, the peer rules, the log and the user).
_TURN_LOCAL = {
    "listening-port",
    "tls-listening-port",
    "listening-ip",
    "external-ip",
    "min-port",
    "max-port",
    "user",
    "allowed-peer-ip",
    "cert",
    "pkey",
    "log-file",
}


def _shipped_turn_settings() -> list[str]:
    text = (DEPLOY / "turnserver.conf").read_text()
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def turn_config(
    port: int, relay_ports: tuple[int, int], user: str, password: str, tmp: Path
) -> str:
    """deploy/turnserver.conf for loopback: its credentials mechanism, quotas and peer
    rules as shipped, listening and relaying on 127.0.0.1 only, the relay allowed to reach
    loopback peers (the tryon instance), no TLS, logging to a file in ``tmp``."""
    shipped = (s for s in _shipped_turn_settings() if s.split("=")[0] not in _TURN_LOCAL)
    local = [
        f"listening-port={port}",
        "listening-ip=127.0.0.1",
        "relay-ip=127.0.0.1",
        f"min-port={relay_ports[0]}",
        f"max-port={relay_ports[1]}",
        f"user={user}:{password}",
        "allowed-peer-ip=127.0.0.1",
        "allow-loopback-peers",
        "no-tls",
        "no-dtls",
        f"log-file={tmp / 'turn.log'}",
        f"pidfile={tmp / 'turn.pid'}",
        f"userdb={tmp / 'turndb'}",
        "verbose",
    ]
    return "\n".join([*shipped, *local]) + "\n"


def _stun_answers(port: int) -> bool:
    """A STUN Binding request (RFC 5389) to 127.0.0.1:``port`` gets a success response."""
    transaction = secrets.token_bytes(12)
    request = struct.pack("!HHI", 0x0001, 0, 0x2112A442) + transaction
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.5)
        sock.sendto(request, ("127.0.0.1", port))
        try:
            answer = sock.recv(2048)
        except OSError:
            return False
    return answer[:2] == b"\x01\x01" and answer[8:20] == transaction


@contextmanager
def coturn(tmp_path: Path) -> Iterator[Turn]:
    """coturn with deploy/turnserver.conf made local, once it answers STUN."""
    port = free_port()
    first = 40000 + secrets.randbelow(200) * 50
    password = secrets.token_hex(8)
    shipped_user = next(s for s in _shipped_turn_settings() if s.startswith("user="))
    user = shipped_user.removeprefix("user=").split(":")[0]
    config = tmp_path / "turnserver.conf"
    config.write_text(turn_config(port, (first, first + 49), user, password, tmp_path))
    with running([tool("turnserver"), "-c", str(config)]) as process:

        def up() -> bool:
            assert process.poll() is None, f"turnserver exited with {process.returncode}"
            return _stun_answers(port)

        wait_until(up, "coturn answering STUN")
        yield Turn(process, port, user, password, tmp_path / "turn.log")
