"""The shipped systemd unit's command line (deploy/systemd/tryon@.service with
deploy/systemd/serve.env) is one ``tryon serve`` accepts: run as systemd would expand it (the
instance name as the port, the environment file's variables), it serves and is ready."""

from __future__ import annotations

import json
import re
import shlex

from server.peer import free_port, get

from .processes import DEPLOY, TRYON, running, wait_until


def exec_start(port: int) -> list[str]:
    unit = (DEPLOY / "systemd" / "tryon@.service").read_text()
    command = re.search(r"^ExecStart=(.*?)(?<!\\)$", unit, re.MULTILINE | re.DOTALL)
    assert command is not None, "no ExecStart in the unit"
    env = dict(
        line.split("=", 1)
        for line in (DEPLOY / "systemd" / "serve.env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    text = command.group(1).replace("\\\n", " ").replace("%i", str(port))
    words = shlex.split(re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], text))
    assert words[0].endswith("/bin/tryon"), words[0]
    return [TRYON, *words[1:]]


def test_the_unit_command_line_serves() -> None:
    port = free_port()
    command = exec_start(port)
    assert "--trusted-proxy" in command and "--ice-server" in command
    with running(command) as process:

        def ready() -> bool:
            assert process.poll() is None, f"tryon serve exited with {process.returncode}"
            try:
                return get(f"http://127.0.0.1:{port}/readyz")[0] == 200
            except OSError:
                return False

        wait_until(ready, "the unit's tryon serve ready", 60)
        status, _, body = get(f"http://127.0.0.1:{port}/api/config")
        servers = [s["urls"] for s in json.loads(body)["iceServers"]]
        assert status == 200 and servers[0].startswith("turn:") and servers[1].startswith("turns:")
