"""Several ``tryon serve`` instances behind HAProxy with the shipped deploy/haproxy.cfg, all
on loopback: offers spread over the instances, a full instance (``--max-sessions``) leaves
the rotation through its /readyz check and takes no more offers, a killed instance's share
goes to the others, and a real shopper's video flows once its offer went through HAProxy.

The offers are real aiortc offers whose peer is closed: each holds a session slot on the
instance that answered until ``--connect-timeout`` (60 s here, longer than the test)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from server.peer import AstronautTrack, browser_like_offer, connect, post_offer

from .processes import Balancer, Instance, haproxy, tryon_instance, wait_until

pytestmark = pytest.mark.slow

#: The shipped frontend's limit of offers per client address a minute.
OFFERS_PER_MINUTE = 20


@pytest.fixture(scope="module")
def offer() -> str:
    body = json.dumps({"sdp": asyncio.run(browser_like_offer()), "type": "offer"})
    return body


def instances(stack: ExitStack, count: int, max_sessions: int) -> list[Instance]:
    return [
        stack.enter_context(
            tryon_instance(
                "--echo",
                "--max-sessions",
                str(max_sessions),
                "--connect-timeout",
                "60",
                "--offers-per-minute",
                "1000",
            )
        )
        for _ in range(count)
    ]


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Callable[[int], tuple[list[Instance], Balancer]]]:
    with ExitStack() as stack:

        def make(max_sessions: int) -> tuple[list[Instance], Balancer]:
            backends = instances(stack, 2, max_sessions)
            return backends, stack.enter_context(haproxy(tmp_path, backends))

        yield make


def test_offers_spread_a_full_instance_takes_none_and_a_full_pool_says_busy(
    deployment: Callable[[int], tuple[list[Instance], Balancer]], offer: str
) -> None:
    (a, b), balancer = deployment(2)
    for _ in range(2):
        status, body = asyncio.run(post_offer(balancer.url, offer))
        assert status == 200 and body["type"] == "answer", body
    assert (a.sessions(), b.sessions()) == (1, 1), "round robin puts one offer on each"

    assert asyncio.run(post_offer(balancer.url, offer))[0] == 200
    full, other = (a, b) if a.sessions() == 2 else (b, a)
    name = f"tryon{[a, b].index(full) + 1}"
    wait_until(lambda: balancer.server_status()[name] == "DOWN", "the full instance DOWN")

    # The full instance is out of the rotation: the next offer goes to the other one.
    assert asyncio.run(post_offer(balancer.url, offer))[0] == 200
    assert (full.sessions(), other.sessions()) == (2, 2)
    wait_until(lambda: set(balancer.server_status().values()) == {"DOWN"}, "both DOWN")

    # No slot anywhere: HAProxy answers 503 in the server's own error format, and no
    # instance got a session.
    status, body = asyncio.run(post_offer(balancer.url, offer))
    assert (status, body["error"]) == (503, "server-busy"), body
    assert (a.sessions(), b.sessions()) == (2, 2)

    # Offers past the shipped per-address limit get 429 from HAProxy (5 offers so far).
    statuses = [asyncio.run(post_offer(balancer.url, offer)) for _ in range(OFFERS_PER_MINUTE)]
    assert [s for s, _ in statuses] == [503] * (OFFERS_PER_MINUTE - 5) + [429] * 5
    assert statuses[-1][1]["error"] == "rate-limited"


def test_a_killed_instance_gets_no_new_sessions_and_media_flows_past_the_balancer(
    deployment: Callable[[int], tuple[list[Instance], Balancer]],
    offer: str,
    astronaut: NDArray[np.uint8],
) -> None:
    (a, b), balancer = deployment(4)

    async def stream() -> int:
        peer = await connect(balancer.url, AstronautTrack(astronaut))
        try:
            await peer.wait_frames(10)
            return len(peer.frames)
        finally:
            await peer.close()

    assert asyncio.run(stream()) >= 10, "video back through an offer answered via HAProxy"

    a.process.kill()  # a crash: no goodbye, HAProxy has not checked it yet
    a.process.wait()
    before = b.sessions()
    for _ in range(3):
        status, body = asyncio.run(post_offer(balancer.url, offer))
        assert status == 200, body
    assert b.sessions() == before + 3, "every new session went to the instance still alive"
    wait_until(lambda: balancer.server_status()["tryon1"] == "DOWN", "the killed instance DOWN")
