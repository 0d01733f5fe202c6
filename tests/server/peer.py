"""A real WebRTC client in Python (aiortc) sending the astronaut photo, and small HTTP
helpers, for the server tests (also run as a script's imports by ``peer_process.py``)."""

from __future__ import annotations

import asyncio
import json
import math
import re
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import numpy as np
from aioice import Candidate, Connection
from aiortc import (
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
    VideoStreamTrack,
)
from aiortc.mediastreams import MediaStreamError
from av import VideoFrame
from numpy.typing import NDArray

WIDTH, HEIGHT = 640, 480


class AstronautTrack(VideoStreamTrack):  # type: ignore[misc]
    """640x480 @ 30 fps: the photo on grey, drifting a few pixels (a head that moves)."""

    def __init__(self, photo: NDArray[np.uint8]) -> None:
        super().__init__()
        self._photo = photo
        self._n = 0

    def frame_at(self, n: int) -> NDArray[np.uint8]:
        canvas = np.full((HEIGHT, WIDTH, 3), 90, np.uint8)
        dx = round(6 * math.sin(n / 15))
        h, w = self._photo.shape[:2]
        x0 = (WIDTH - w) // 2 + dx
        canvas[: min(h, HEIGHT), x0 : x0 + w] = self._photo[:HEIGHT]
        return canvas

    async def recv(self) -> VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = VideoFrame.from_ndarray(self.frame_at(self._n), format="rgb24")
        frame.pts, frame.time_base = pts, time_base
        self._n += 1
        return frame


@dataclass
class Peer:
    """One connected client: its peer connection, the frames and messages it got back."""

    pc: RTCPeerConnection
    channel: Any
    session: str
    frames: list[VideoFrame] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def send(self, **message: Any) -> None:
        self.channel.send(json.dumps(message))

    async def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 20.0
    ) -> dict[str, Any]:
        deadline = asyncio.get_running_loop().time() + timeout
        seen = 0
        while asyncio.get_running_loop().time() < deadline:
            for msg in self.messages[seen:]:
                if predicate(msg):
                    return msg
            seen = len(self.messages)
            await asyncio.sleep(0.02)
        raise AssertionError(f"no matching message in {timeout} s; got {self.messages}")

    async def wait_frames(self, count: int, timeout: float = 30.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.frames) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"only {len(self.frames)} frames back in {timeout} s")
            await asyncio.sleep(0.02)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await self.pc.close()


async def post_offer(url: str, body: bytes | str) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{url}/offer", data=body, headers={"Content-Type": "application/json"}) as resp,
    ):
        return resp.status, await resp.json()


async def make_offer(pc: RTCPeerConnection) -> str:
    await pc.setLocalDescription(await pc.createOffer())
    sdp: str = pc.localDescription.sdp
    return sdp


async def connect(
    url: str,
    track: VideoStreamTrack,
    configuration: RTCConfiguration | None = None,
    video_codecs: tuple[str, ...] = (),
) -> Peer:
    """Offer ``track`` plus the ``tryon`` data channel (no ICE servers unless
    ``configuration`` gives some; only the ``video_codecs`` MIME types when given, else
    every codec aiortc has); raise on a non-200 answer."""
    pc = RTCPeerConnection(configuration or RTCConfiguration(iceServers=[]))
    sender = pc.addTrack(track)
    if video_codecs:
        transceiver = next(t for t in pc.getTransceivers() if t.sender is sender)
        offered = RTCRtpSender.getCapabilities("video").codecs
        transceiver.setCodecPreferences([c for c in offered if c.mimeType in video_codecs])
    channel = pc.createDataChannel("tryon")
    status, body = await post_offer(url, json.dumps({"sdp": await make_offer(pc), "type": "offer"}))
    if status != 200:
        await pc.close()
        raise AssertionError(f"offer refused: {status} {body}")
    peer = Peer(pc, channel, body["session"])
    channel.on("message", lambda raw: peer.messages.append(json.loads(raw)))
    received: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    @pc.on("track")  # type: ignore[misc]
    def on_track(remote: Any) -> None:
        received.set_result(remote)

    await pc.setRemoteDescription(RTCSessionDescription(body["sdp"], body["type"]))
    remote = await asyncio.wait_for(received, 10)

    async def collect() -> None:
        try:
            while True:
                peer.frames.append(await remote.recv())
        except MediaStreamError:
            pass

    peer._tasks.append(asyncio.create_task(collect()))
    return peer


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """A plain blocking GET (status, headers, body); HTTP errors are returned, not raised."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def metric(url: str, name: str) -> float:
    """One sample from ``GET /metrics``."""
    text = get(f"{url}/metrics")[2].decode()
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    assert match, f"{name} not in /metrics:\n{text}"
    return float(match.group(1))


def session_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("tryon-session-")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def sdp_lines(sdp: str) -> list[str]:
    return [line for line in sdp.split("\r\n") if line]


def edit_sdp(sdp: str, drop: str | None = None, add_after: tuple[str, str] | None = None) -> str:
    """``sdp`` without its lines starting ``drop``, and/or with a line added after the first
    line starting ``add_after[0]``: the mutations that make aiortc raise."""
    lines = sdp_lines(sdp)
    if drop is not None:
        assert any(line.startswith(drop) for line in lines), drop
        lines = [line for line in lines if not line.startswith(drop)]
    if add_after is not None:
        where = next(i for i, line in enumerate(lines) if line.startswith(add_after[0]))
        lines.insert(where + 1, add_after[1])
    return "\r\n".join(lines) + "\r\n"


async def browser_like_offer() -> str:
    """A real aiortc offer (video track plus the ``tryon`` data channel); its peer is closed,
    so the server's answer is never used."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTrack(VideoStreamTrack())
    pc.createDataChannel("tryon")
    sdp = await make_offer(pc)
    await pc.close()
    return sdp


class HalfOpenPeer:
    """A hostile client that completes ICE with the server, then never answers DTLS: the
    server's peer connection stays ``connecting`` (only the connect timeout ends it)."""

    def __init__(self) -> None:
        self.ice = Connection(ice_controlling=True, components=1)

    async def offer(self, url: str) -> tuple[int, dict[str, Any]]:
        """Post an offer carrying this peer's ICE credentials and candidates; on a 200,
        connect ICE to the server's answer in the background."""
        await self.ice.gather_candidates()
        lines = [
            line
            for line in sdp_lines(await browser_like_offer())
            if not line.startswith(("a=ice-ufrag:", "a=ice-pwd:", "a=candidate:"))
        ]
        ours = [
            f"a=ice-ufrag:{self.ice.local_username}",
            f"a=ice-pwd:{self.ice.local_password}",
            *(f"a=candidate:{c.to_sdp()}" for c in self.ice.local_candidates),
        ]
        out: list[str] = []
        for line in lines:
            out.append(line)
            if line.startswith("m="):
                out.extend(ours)
        status, body = await post_offer(
            url, json.dumps({"sdp": "\r\n".join(out) + "\r\n", "type": "offer"})
        )
        if status == 200:
            answer = sdp_lines(body["sdp"])
            self.ice.remote_username = _attribute(answer, "a=ice-ufrag:")
            self.ice.remote_password = _attribute(answer, "a=ice-pwd:")
            for line in answer:
                if line.startswith("a=candidate:"):
                    await self.ice.add_remote_candidate(Candidate.from_sdp(line[12:]))
            await self.ice.add_remote_candidate(None)
            await self.ice.connect()
        return status, body

    async def close(self) -> None:
        await self.ice.close()


def _attribute(lines: list[str], prefix: str) -> str:
    return next(line[len(prefix) :] for line in lines if line.startswith(prefix))


#: What a hostile client floods the data channel with: garbage, JSON nested 500 deep (one
#: SCTP packet each) and snapshot requests.
FLOOD_MESSAGES = ("{garbage", "[" * 500 + "]" * 500, '{"type": "snapshot", "id": "flood"}')


async def flood(peer: Peer, per_second: float, seconds: float) -> int:
    """Send :data:`FLOOD_MESSAGES` in turn at ``per_second`` for ``seconds``; the count sent."""
    loop = asyncio.get_running_loop()
    start, sent = loop.time(), 0
    while (now := loop.time()) - start < seconds:
        due = int((now - start) * per_second) + 1
        while sent < due:
            peer.channel.send(FLOOD_MESSAGES[sent % len(FLOOD_MESSAGES)])
            sent += 1
        await asyncio.sleep(1 / per_second)
    return sent


async def frames_in(peer: Peer, seconds: float, during: Awaitable[object] | None = None) -> int:
    """Frames the peer received over ``seconds`` (while ``during`` runs, if given)."""
    before = len(peer.frames)
    await asyncio.gather(asyncio.sleep(seconds), *([during] if during is not None else []))
    return len(peer.frames) - before
