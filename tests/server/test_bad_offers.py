"""Hostile offers against a running server: each gets a 4xx with a reason (never a 500), and
none leaves a session, a slot or a thread behind.

What each bad input gets:

- nested JSON 20,000 deep, non-object JSON, missing or extra fields, invalid UTF-8:
  400 ``bad-offer`` saying what was wrong;
- a body over ``max_body_bytes``: 413 ``body-too-large``;
- SDP that makes aiortc raise (AttributeError, AssertionError, KeyError,
  ``RuntimeError: coroutine raised StopIteration``) while taking the offer or answering it:
  400 ``bad-offer`` naming the exception; the half-made peer is closed;
- media sections without exactly one distinct, non-empty ``a=mid``: 400 ``bad-offer``
  before aiortc sees them;
- a peer that completes ICE but never DTLS: answered (200), then closed after the connect
  timeout, its slot free again;
- a third offer from an address with two sessions still connecting: 429 ``rate-limited``.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator

import pytest

from tryon.server import BackgroundServer, ServerConfig
from tryon.server.app import SESSIONS
from tryon.server.parts import serve_in_background

from .peer import (
    AstronautTrack,
    HalfOpenPeer,
    browser_like_offer,
    connect,
    edit_sdp,
    get,
    metric,
    post_offer,
    session_threads,
)

CONNECT_TIMEOUT_S = 1.5


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    config = ServerConfig(
        port=0,
        engine=False,
        max_sessions=2,
        offers_per_minute=1000,
        connect_timeout_s=CONNECT_TIMEOUT_S,
    )
    with serve_in_background(config) as srv:
        yield srv


def _live(server: BackgroundServer) -> int:
    count = server.call(lambda: len(server.app[SESSIONS].live))
    assert isinstance(count, int)
    return count


def _assert_no_session_left(server: BackgroundServer) -> None:
    """The slot count, the live set, /healthz, /metrics and the threads all say zero."""
    assert _live(server) == 0
    assert json.loads(get(f"{server.url}/healthz")[2])["sessions"] == 0
    assert metric(server.url, "tryon_sessions") == 0
    assert not session_threads()


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        ("[" * 20_000 + "]" * 20_000, 400, "offer nests 20000 levels deep; at most 4"),
        ('{"sdp": ' * 20_000 + "1" + "}" * 20_000, 413, "limit 65536"),
        ("[]", 400, "expected a JSON object, got list"),
        ('"offer"', 400, "expected a JSON object, got str"),
        ("null", 400, "expected a JSON object, got NoneType"),
        ('{"type": "offer"}', 400, 'expected "sdp" to be a string, got NoneType'),
        ('{"sdp": "v=0"}', 400, 'expected "type": "offer", got None'),
        ('{"sdp": "v=0", "type": "answer"}', 400, 'expected "type": "offer", got \'answer\''),
        ('{"sdp": 5, "type": "offer"}', 400, 'expected "sdp" to be a string, got int'),
        ('{"sdp": "v=0", "type": "offer", "x": 1}', 400, "unexpected fields ['x']"),
        (b'{"sdp": "\xff\xfe", "type": "offer"}', 400, "offer is not valid JSON"),
        ("", 400, "offer is not valid JSON"),
    ],
)
def test_bad_bodies_get_a_reason(
    server: BackgroundServer, body: str | bytes, status: int, reason: str
) -> None:
    got, answer = asyncio.run(post_offer(server.url, body))
    assert got == status, answer
    assert answer["error"] == ("bad-offer" if status == 400 else "body-too-large")
    assert reason in str(answer["reason"])


# Mutations of a real offer that make aiortc 1.16 raise; each gets 400 bad-offer naming it.
MUTATIONS: list[tuple[str, dict[str, object], str]] = [
    ("no a=setup", {"drop": "a=setup:"}, "SDP not understood (AttributeError"),
    ("bogus candidate", {"add_after": ("m=video", "a=candidate:1")}, "(AssertionError"),
    ("bogus a=setup", {"add_after": ("m=video", "a=setup:bogus")}, "(KeyError"),
    ("rtx without its codec", {"drop": "a=rtpmap:9"}, "coroutine raised StopIteration"),
    ("bogus a=ssrc", {"add_after": ("m=video", "a=ssrc:abc cname:x")}, "(ValueError"),
    # Refused before aiortc sees them (aiortc would leave a dead task with a traceback).
    ("empty second mid", {"add_after": ("m=video", "a=mid:")}, "must have one non-empty a=mid"),
    ("no mid", {"drop": "a=mid:0"}, "media section 0 must have one non-empty a=mid, got []"),
    ("same mid twice", {"drop": "a=mid:1", "add_after": ("m=application", "a=mid:0")}, "distinct"),
]


@pytest.mark.parametrize(("what", "edit", "reason"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_sdp_that_breaks_the_webrtc_stack_is_a_bad_offer(
    server: BackgroundServer, what: str, edit: dict[str, object], reason: str
) -> None:
    async def scenario() -> tuple[int, dict[str, object]]:
        sdp = edit_sdp(await browser_like_offer(), **edit)  # type: ignore[arg-type]
        return await post_offer(server.url, json.dumps({"sdp": sdp, "type": "offer"}))

    status, answer = asyncio.run(scenario())
    assert status == 400 and answer["error"] == "bad-offer", answer
    assert reason in str(answer["reason"]), answer
    _assert_no_session_left(server)


def test_slots_equal_live_sessions_after_a_batch_of_bad_offers(
    server: BackgroundServer, astronaut_track: Callable[[], AstronautTrack]
) -> None:
    async def scenario() -> None:
        base = await browser_like_offer()
        for _ in range(3):
            for _, edit, _ in MUTATIONS:
                sdp = edit_sdp(base, **edit)  # type: ignore[arg-type]
                status, _ = await post_offer(server.url, json.dumps({"sdp": sdp, "type": "offer"}))
                assert status == 400
        _assert_no_session_left(server)
        # Both slots (max_sessions=2) are still there for shoppers.
        peers = [await connect(server.url, astronaut_track()) for _ in range(2)]
        for peer in peers:
            await peer.wait_frames(5)
        assert _live(server) == 2
        for peer in peers:
            await peer.close()

    asyncio.run(scenario())
    deadline = time.monotonic() + 10
    while _live(server) and time.monotonic() < deadline:
        time.sleep(0.1)
    _assert_no_session_left(server)


def test_a_peer_stuck_before_dtls_is_closed_after_the_connect_timeout(
    server: BackgroundServer, astronaut_track: Callable[[], AstronautTrack]
) -> None:
    async def scenario() -> float:
        stuck = [HalfOpenPeer(), HalfOpenPeer()]
        for peer in stuck:
            status, body = await peer.offer(server.url)
            assert status == 200, body
        opened = time.monotonic()
        assert _live(server) == 2
        # The server is full of half-open peers: a shopper gets 503 ...
        status, body = await post_offer(
            server.url, json.dumps({"sdp": await browser_like_offer(), "type": "offer"})
        )
        assert status == 503 and body["error"] == "server-busy"
        # ... until the connect timeout frees both slots, whatever DTLS was doing.
        while _live(server) and time.monotonic() - opened < CONNECT_TIMEOUT_S + 8:
            await asyncio.sleep(0.05)
        lived = time.monotonic() - opened
        _assert_no_session_left(server)
        shopper = await connect(server.url, astronaut_track())
        await shopper.wait_frames(5)
        await shopper.close()
        for peer in stuck:
            await peer.close()
        return lived

    lived = asyncio.run(scenario())
    assert CONNECT_TIMEOUT_S - 0.5 < lived < CONNECT_TIMEOUT_S + 8


def test_one_address_cannot_hold_more_than_two_connecting_sessions() -> None:
    config = ServerConfig(port=0, engine=False, max_sessions=4, connect_timeout_s=CONNECT_TIMEOUT_S)
    with serve_in_background(config) as srv:

        async def scenario() -> None:
            stuck = [HalfOpenPeer(), HalfOpenPeer()]
            for peer in stuck:
                assert (await peer.offer(srv.url))[0] == 200
            offer = json.dumps({"sdp": await browser_like_offer(), "type": "offer"})
            status, body = await post_offer(srv.url, offer)
            assert status == 429 and body["error"] == "rate-limited"
            assert "2 sessions from this address are still connecting (limit 2)" in body["reason"]
            assert _live(srv) == 2  # two slots of four stay free for other addresses
            for peer in stuck:
                await peer.close()

        asyncio.run(scenario())
