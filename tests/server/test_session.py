"""Sessions with the engine on, driven by a real aiortc client sending the astronaut."""

from __future__ import annotations

import asyncio
import base64
import io
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tryon.catalog.catalog import Catalog
from tryon.server import BackgroundServer, ServerConfig, create_app
from tryon.server.parts import default_shelf, serve_in_background
from tryon.server.session import FrameEngine

from .peer import AstronautTrack, Peer, connect, metric, session_threads

TIMEOUT_S = 2.0


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    with serve_in_background(ServerConfig(port=0, disconnect_timeout_s=TIMEOUT_S)) as srv:
        yield srv


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.1)


def test_frames_return_with_their_timestamps_and_face_events(
    server: BackgroundServer, astronaut_track: Callable[[], AstronautTrack]
) -> None:
    async def scenario() -> None:
        peer = await connect(server.url, astronaut_track())
        await peer.wait_frames(45)
        ready = await peer.wait_for(lambda m: m["type"] == "ready")
        assert ready == {"type": "ready", "session": peer.session, "engine": True}
        face = await peer.wait_for(lambda m: m["type"] == "face")
        assert face == {"type": "face", "found": True, "faces": 1}
        # The sender's 90 kHz pts (3000 per frame at 30 fps) survive the round trip (to a
        # tick or two of RTP rounding): stale frames may be skipped, but every step is a
        # whole number of frames; a server clock would give arbitrary steps.
        steps = np.diff([f.pts for f in peer.frames[5:]])
        frames = np.round(steps / 3000)
        assert len(steps) > 30 and (frames >= 1).all(), steps
        assert np.abs(steps - 3000 * frames).max() <= 3, steps
        assert (peer.frames[-1].width, peer.frames[-1].height) == (640, 480)
        report = await peer.wait_for(lambda m: m["type"] == "measurements")
        face = report["faces"][0]
        assert face["face"] == 1 and face["status"] in ("ok", "withheld")  # face ids start at 1
        if face["status"] == "ok" and "pd" in face["values"]:
            pd = face["values"]["pd"]
            assert 50 < pd["value_mm"] < 80 and pd["uncertainty_mm"] > 0
        elif face["status"] == "ok":  # a small face's PD may be too uncertain to report
            assert "too uncertain" in face["withheld"]["pd"], face
        await peer.close()

    asyncio.run(scenario())


def test_look_errors_and_snapshot_over_the_data_channel(
    server: BackgroundServer, astronaut_track: Callable[[], AstronautTrack]
) -> None:
    track = astronaut_track()

    async def scenario() -> None:
        peer = await connect(server.url, track)
        await peer.wait_frames(20)
        peer.send(type="set-look", id="bad", items=[{"product": "no-such-frame"}])
        error = await peer.wait_for(lambda m: m.get("id") == "bad")
        assert error["type"] == "error" and error["code"] == "unknown-product"
        assert "'no-such-frame'" in error["message"]
        peer.send(type="set-look", id="dim", items=[{"product": "x", "intensity": 3}])
        error = await peer.wait_for(lambda m: m.get("id") == "dim")
        assert error["code"] == "bad-intensity"
        peer.send(type="fly", id="odd")
        assert (await peer.wait_for(lambda m: m.get("id") == "odd"))["code"] == "unknown-type"
        peer.send(type="set-look", id="ok", items=[{"product": "round-tortoise", "intensity": 0.5}])
        look = await peer.wait_for(lambda m: m.get("id") == "ok")
        assert look == {
            "type": "look",
            "id": "ok",
            "items": [{"product": "round-tortoise", "intensity": 0.5}],
        }
        peer.send(type="snapshot", id="snap")
        first = await peer.wait_for(lambda m: m["type"] == "snapshot" and m["id"] == "snap")
        await peer.wait_for(lambda m: m.get("chunk") == first["chunks"] - 1)
        chunks = [m for m in peer.messages if m["type"] == "snapshot"]
        png = b"".join(
            base64.b64decode(m["data"]) for m in sorted(chunks, key=lambda m: m["chunk"])
        )
        still = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
        assert still.shape == (480, 640, 3)
        # The still is a composited camera frame: below the face it is the photo as sent
        # (at one of the track's drift positions, through the client's video codec).
        below = still[300:, 100:540].astype(int)
        error = min(
            np.abs(below - track.frame_at(n)[300:, 100:540]).mean() for n in range(0, 95, 3)
        )
        assert error < 12
        await peer.close()

    asyncio.run(scenario())


def test_closed_session_releases_engine_and_thread(
    server: BackgroundServer, astronaut_track: Callable[[], AstronautTrack]
) -> None:
    before = threading.active_count()

    async def scenario() -> None:
        peer = await connect(server.url, astronaut_track())
        await peer.wait_frames(10)
        assert len(session_threads()) == 1
        await peer.close()

    asyncio.run(scenario())
    wait_until(lambda: metric(server.url, "tryon_sessions") == 0, 5, "session closed")
    wait_until(lambda: not session_threads(), 5, "worker thread ended")
    wait_until(lambda: threading.active_count() <= before, 5, "threads back to the baseline")


def test_vanished_client_is_closed_within_the_timeout(server: BackgroundServer) -> None:
    script = Path(__file__).with_name("peer_process.py")
    client = subprocess.Popen(
        [sys.executable, str(script), server.url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert client.stdout is not None
        assert client.stdout.readline().startswith("streaming")
        assert metric(server.url, "tryon_sessions") == 1
        assert metric(server.url, "tryon_worker_threads") == 1
    finally:
        client.kill()  # no goodbye: no DTLS close, no ICE consent answers
        client.wait()
    wait_until(
        lambda: metric(server.url, "tryon_sessions") == 0, TIMEOUT_S + 4, "vanished session closed"
    )
    assert metric(server.url, "tryon_worker_threads") == 0
    assert not session_threads()


def test_shutdown_closes_every_session(astronaut_track: Callable[[], AstronautTrack]) -> None:
    config = ServerConfig(port=0, disconnect_timeout_s=30)
    with serve_in_background(config) as srv:

        async def open_two() -> list[Peer]:
            peers = [await connect(srv.url, astronaut_track()) for _ in range(2)]
            for peer in peers:
                await peer.wait_frames(5)
            return peers

        loop = asyncio.new_event_loop()
        peers = loop.run_until_complete(open_two())
        assert len(session_threads()) == 2
    # The server stopped with both clients still connected: on_shutdown closed the sessions.
    wait_until(lambda: not session_threads(), 5, "worker threads ended")
    for peer in peers:
        loop.run_until_complete(peer.close())
    loop.close()


def test_an_engine_that_fails_leaves_the_video_flowing(
    astronaut_track: Callable[[], AstronautTrack],
) -> None:
    from tryon.engine import Engine, EngineOptions

    def misconfigured() -> FrameEngine:
        return Engine(EngineOptions(max_faces=0))  # raises ValueError in the worker thread

    config = ServerConfig(port=0)
    shelf = default_shelf(config, Catalog.default())
    try:
        with BackgroundServer(lambda: create_app(config, shelf, misconfigured)) as srv:

            async def scenario() -> None:
                peer = await connect(srv.url, astronaut_track())
                await peer.wait_frames(20)  # the camera comes back unmodified
                error = await peer.wait_for(lambda m: m["type"] == "error")
                assert error["code"] == "engine-failed"
                assert "ValueError" in error["message"] and "max_faces" in error["message"]
                peer.send(type="ping", id="p")
                await peer.wait_for(lambda m: m.get("id") == "p")
                await peer.close()

            asyncio.run(scenario())
    finally:
        shelf.close()


def test_makeup_and_looks_are_worn_over_the_data_channel(
    server: BackgroundServer, astronaut_track: Callable[[], AstronautTrack]
) -> None:
    """set-look takes products of every kind and looks, in order; the session keeps
    streaming with them on (no engine failure)."""
    track = astronaut_track()

    async def scenario() -> None:
        peer = await connect(server.url, track)
        await peer.wait_frames(10)
        items = [
            {"product": "look-evening-glam", "intensity": 0.8},
            {"product": "lips-cocoa", "intensity": 1.0},
            {"product": "round-tortoise", "intensity": 1.0},
        ]
        peer.send(type="set-look", id="glam", items=items)
        look = await peer.wait_for(lambda m: m.get("id") == "glam")
        assert look == {"type": "look", "id": "glam", "items": items}
        seen = len(peer.frames)
        await peer.wait_frames(seen + 15)
        assert not [m for m in peer.messages if m["type"] == "error"], peer.messages
        await peer.close()

    asyncio.run(scenario())


def test_sessions_dropped_by_the_server_leave_snapshots_working_for_the_next(
    server: BackgroundServer, astronaut_track: Callable[[], AstronautTrack]
) -> None:
    """Closing every session (a drop, not a shutdown) keeps the shared snapshot encoder for
    the sessions that follow."""
    from tryon.server.app import SESSIONS

    sessions = server.app[SESSIONS]

    async def snapshot_once() -> None:
        peer = await connect(server.url, astronaut_track())
        await peer.wait_frames(10)
        peer.send(type="snapshot", id="s")
        reply = await peer.wait_for(lambda m: m.get("id") == "s")
        assert reply["type"] == "snapshot", reply
        await peer.close()

    asyncio.run(snapshot_once())
    server.call(lambda: asyncio.ensure_future(sessions.close_all("dropped")))
    wait_until(lambda: len(sessions) == 0, 10, "sessions dropped")
    asyncio.run(snapshot_once())
