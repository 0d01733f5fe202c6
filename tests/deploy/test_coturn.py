"""A shopper who can only be reached through TURN: coturn on loopback with the shipped
deploy/turnserver.conf (its static user, its peer rules opened to the loopback instance),
``tryon serve --ice-server turn:...`` and an aiortc client with ``iceTransportPolicy``
``relay`` (what a browser does with ``iceTransportPolicy: "relay"``): its offer carries
relay candidates only, its media goes through coturn, and the video still comes back."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import numpy as np
import pytest
from aiortc import (
    RTCConfiguration,
    RTCIceServer,
    RTCIceTransportPolicy,
    RTCPeerConnection,
    VideoStreamTrack,
)
from numpy.typing import NDArray
from server.peer import AstronautTrack, connect, make_offer

from .processes import Turn, coturn, tryon_instance, wait_until

pytestmark = pytest.mark.slow


def candidate_types(sdp: str) -> set[str]:
    return set(re.findall(r"^a=candidate:.* typ (\w+)", sdp, re.MULTILINE))


def largest_relay(log: str) -> int:
    """Bytes relayed by coturn's busiest closed allocation: its "usage" line's received and
    sent bytes on the client's side (an allocation that only did the ICE and DTLS
    handshakes relays a few KB)."""
    usage = re.findall(r"\d+: usage: .*?, rb=(\d+), .*?sb=(\d+)", log)
    return max((int(rb) + int(sb) for rb, sb in usage), default=0)


async def stream_through(url: str, turn: Turn, astronaut: NDArray[np.uint8]) -> set[str]:
    """Connect relay-only, get 30 frames back; the candidate types the offer carried."""
    configuration = RTCConfiguration(
        iceServers=[RTCIceServer(turn.url, turn.user, turn.password)],
        iceTransportPolicy=RTCIceTransportPolicy.RELAY,
    )
    peer = await connect(url, AstronautTrack(astronaut), configuration)
    try:
        await peer.wait_frames(30)
        offered = candidate_types(peer.pc.localDescription.sdp)
        assert all(f.width == 640 and f.height == 480 for f in peer.frames[:30])
    finally:
        await peer.close()
    return offered


def test_a_relay_only_shopper_gets_video_through_coturn(
    tmp_path: Path, astronaut: NDArray[np.uint8]
) -> None:
    with coturn(tmp_path) as turn:
        server_ice = f"{turn.url},{turn.user},{turn.password}"
        with tryon_instance("--echo", "--ice-server", server_ice) as instance:
            offered = asyncio.run(stream_through(instance.url, turn, astronaut))
        # Closing its allocations, coturn logs what each relayed: 30 frames of 640x480
        # video each way went through one, ten times what the ICE and DTLS handshakes
        # (a few KB) could account for.
        wait_until(
            lambda: largest_relay(turn.log.read_text()) > 50_000, "coturn relaying the video"
        )
        log = turn.log.read_text()
    assert offered == {"relay"}, f"the offer must carry relay candidates only, got {offered}"
    assert re.search(rf"username=<{turn.user}>", log), "no allocation for the shipped user"


def test_a_wrong_turn_password_gathers_no_relay_candidate(tmp_path: Path) -> None:
    """The static user's password is checked: with a wrong one coturn refuses the
    allocation (401), and a relay-only offer has no candidate to connect with."""

    async def offer(turn: Turn, password: str) -> str:
        pc = RTCPeerConnection(
            RTCConfiguration(
                iceServers=[RTCIceServer(turn.url, turn.user, password)],
                iceTransportPolicy=RTCIceTransportPolicy.RELAY,
            )
        )
        pc.addTrack(VideoStreamTrack())
        try:
            return await make_offer(pc)
        finally:
            await pc.close()

    with coturn(tmp_path) as turn:
        assert candidate_types(asyncio.run(offer(turn, turn.password))) == {"relay"}
        assert candidate_types(asyncio.run(offer(turn, "wrong"))) == set()
        # The first 401 of an allocation (no user yet) is the nonce challenge; this is the
        # refusal of the user's answer to it.
        refused = f"user <{turn.user}>: incoming packet message processed, error 401"
        wait_until(lambda: refused in turn.log.read_text(), "coturn refusing the password")
