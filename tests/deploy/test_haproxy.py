"""Several ``tryon serve`` instances behind HAProxy with the shipped deploy/haproxy.cfg, all
on loopback: offers spread over the instances, a full instance (``--max-sessions``) leaves
the rotation through its /readyz check and takes no more offers, a pool with no free slot
answers 503 ``server-busy``, a killed instance's share goes to the others, the instances'
per-IP limits count shoppers (``--trusted-proxy``), not HAProxy, a real shopper's video
flows once its offer went through HAProxy, and /metrics is not served to the public.

The offers are real aiortc offers whose peer is closed: each holds a session slot on the
instance that answered until ``--connect-timeout`` (60 s here, longer than the test). Each
comes from its own loopback address (127.0.1.N), as shoppers do."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import pytest
from numpy.typing import NDArray
from server.peer import AstronautTrack, browser_like_offer, connect, get

from .processes import Balancer, Instance, haproxy, tryon_instance, wait_until

pytestmark = pytest.mark.slow

Deployment = Callable[..., tuple[list[Instance], Balancer]]
_shoppers = (f"127.0.1.{n}" for n in itertools.count(1))


@pytest.fixture(scope="module")
def offer() -> str:
    return json.dumps({"sdp": asyncio.run(browser_like_offer()), "type": "offer"})


def post(url: str, offer: str, source: str, forged: str | None = None) -> tuple[int, Any]:
    """``POST /offer`` from the loopback address ``source`` (with a forged X-Forwarded-For
    of the client's own, if given): status and JSON body."""

    async def go() -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if forged is not None:
            headers["X-Forwarded-For"] = forged
        connector = aiohttp.TCPConnector(local_addr=(source, 0))
        async with (
            aiohttp.ClientSession(connector=connector) as http,
            http.post(f"{url}/offer", data=offer, headers=headers) as resp,
        ):
            return resp.status, await resp.json()

    return asyncio.run(go())


def shopper_offer(url: str, offer: str) -> tuple[int, Any]:
    """An offer from a new shopper's address."""
    return post(url, offer, next(_shoppers))


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    """``make(count, max_sessions, *args)``: ``count`` instances (echo, 60 s connect timeout,
    HAProxy's address trusted) and HAProxy in front of them."""
    with ExitStack() as stack:

        def make(count: int, max_sessions: int, *args: str) -> tuple[list[Instance], Balancer]:
            backends = [
                stack.enter_context(
                    tryon_instance(
                        "--echo",
                        "--max-sessions",
                        str(max_sessions),
                        "--connect-timeout",
                        "60",
                        "--trusted-proxy",
                        "127.0.0.1",
                        *args,
                    )
                )
                for _ in range(count)
            ]
            return backends, stack.enter_context(haproxy(tmp_path, backends))

        yield make


def test_offers_spread_a_full_instance_takes_none_and_a_full_pool_says_busy(
    deployment: Deployment, offer: str
) -> None:
    (a, b), balancer = deployment(2, 2)
    for _ in range(2):
        status, body = shopper_offer(balancer.url, offer)
        assert status == 200 and body["type"] == "answer", body
    assert (a.sessions(), b.sessions()) == (1, 1), "round robin puts one offer on each"
    status, _, body = get(f"{balancer.url}/metrics")
    assert (status, json.loads(body)["error"]) == (404, "not-found"), "metrics are private"

    assert shopper_offer(balancer.url, offer)[0] == 200
    full, other = (a, b) if a.sessions() == 2 else (b, a)
    name = f"tryon{[a, b].index(full) + 1}"
    wait_until(lambda: balancer.server_status()[name] == "DOWN", "the full instance DOWN")

    # The full instance is out of the rotation: the next offer goes to the other one.
    assert shopper_offer(balancer.url, offer)[0] == 200
    assert (full.sessions(), other.sessions()) == (2, 2)
    wait_until(lambda: set(balancer.server_status().values()) == {"DOWN"}, "both DOWN")

    # No slot anywhere: HAProxy answers 503 in the server's own error format, and no
    # instance got a session.
    status, body = shopper_offer(balancer.url, offer)
    assert (status, body["error"]) == (503, "server-busy"), body
    assert (a.sessions(), b.sessions()) == (2, 2)


def test_a_killed_instance_gets_no_new_sessions_and_media_flows_past_the_balancer(
    deployment: Deployment, offer: str, astronaut: NDArray[np.uint8]
) -> None:
    (a, b), balancer = deployment(2, 4)

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
        status, body = shopper_offer(balancer.url, offer)
        assert status == 200, body
    assert b.sessions() == before + 3, "every new session went to the instance still alive"
    wait_until(lambda: balancer.server_status()["tryon1"] == "DOWN", "the killed instance DOWN")


def test_the_instances_limit_each_shopper_not_the_balancer(
    deployment: Deployment, offer: str
) -> None:
    """One session still connecting per address: a second shopper is not refused for the
    first one's (without ``--trusted-proxy`` both would be HAProxy's address), and a
    shopper's forged X-Forwarded-For does not get it past its own limit."""
    (instance,), balancer = deployment(1, 4, "--connecting-per-ip", "1")
    first, second = next(_shoppers), next(_shoppers)
    assert post(balancer.url, offer, first)[0] == 200
    assert post(balancer.url, offer, second)[0] == 200
    status, body = post(balancer.url, offer, first, forged="198.51.100.9")
    assert (status, body["error"]) == (429, "rate-limited"), body
    assert instance.sessions() == 2
