"""Privacy by design: a whole session leaves nothing about the face in logs or on disk."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from .peer import AstronautTrack, connect, free_port, get


def _files(root: Path) -> set[Path]:
    """Every file under ``root`` except Mesa's shader cache: compiled GLSL programs, keyed by
    shader source and written when the renderer first draws (no image data)."""
    return {p for p in root.rglob("*") if p.is_file() and "mesa_shader_cache" not in p.parts}


def test_a_session_writes_no_files_and_logs_no_face_data(
    tmp_path: Path, astronaut_track: Callable[[], AstronautTrack]
) -> None:
    home, tmp, work = tmp_path / "home", tmp_path / "tmp", tmp_path / "work"
    for d in (home, tmp, work):
        d.mkdir()
    port = free_port()
    env = {**os.environ, "HOME": str(home), "TMPDIR": str(tmp), "XDG_CACHE_HOME": str(home)}
    tryon = Path(sys.executable).with_name("tryon")
    server = subprocess.Popen(
        [str(tryon), "serve", "--port", str(port), "--verbose", "--disconnect-timeout", "2"],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(f"{url}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        before = _files(tmp_path)

        async def session() -> None:
            peer = await connect(url, astronaut_track())
            await peer.wait_frames(30)
            await peer.wait_for(lambda m: m == {"type": "face", "found": True, "faces": 1})
            peer.send(type="set-look", id="a", items=[{"product": "round-tortoise"}])
            await peer.wait_for(lambda m: m.get("id") == "a")
            peer.send(type="snapshot", id="s")
            await peer.wait_for(lambda m: m["type"] == "snapshot" and m["chunk"] == 0)
            await peer.close()

        asyncio.run(session())
        deadline = time.monotonic() + 10
        while '"sessions": 0' not in get(f"{url}/healthz")[2].decode():
            assert time.monotonic() < deadline, "session did not close"
            time.sleep(0.2)
        after = _files(tmp_path)
    finally:
        server.terminate()
        _, log = server.communicate(timeout=30)
    assert after == before, f"files appeared during a session: {sorted(after - before)}"
    ours = [line for line in log.splitlines() if " tryon." in line]
    assert any("answered" in line for line in ours), log  # the log is on and was captured
    assert any("closed" in line for line in ours), log
    for line in ours:
        # Ids, states and counts only: no coordinates, sizes in mm, arrays or image data.
        assert not re.search(r"\d+\.\d{2,}|\[\s*\d|landmark|iris|pupil|base64", line), line
