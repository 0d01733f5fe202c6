"""150 mutated SDP offers (fixed seed) against a real ``tryon serve``: each gets a 200 answer
or a 400 ``bad-offer`` with a reason (never a 5xx, another code or a bare text); afterwards
every session is freed within the connect timeout, the log has no traceback, and a good
client still streams. ``bench/bench_fuzz_sdp.py`` runs the same with more mutants."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import numpy as np
import pytest
from numpy.typing import NDArray

from . import fuzz_sdp
from .peer import AstronautTrack, connect
from .serve_process import OPEN_LIMITS, ServeProcess

CONNECT_TIMEOUT_S = 2.0


@pytest.fixture(scope="module")
def server() -> Iterator[ServeProcess]:
    with ServeProcess("--echo", *OPEN_LIMITS, "--connect-timeout", str(CONNECT_TIMEOUT_S)) as srv:
        yield srv


def test_judge_tells_the_allowed_replies_from_the_rest() -> None:
    small, big = 5000, fuzz_sdp.MAX_BODY + 1
    answer = b'{"type": "answer", "sdp": "v=0\\r\\n", "session": "ab"}'
    assert fuzz_sdp.judge(200, answer, small)[2] is None
    assert fuzz_sdp.judge(400, b'{"error": "bad-offer", "reason": "no video"}', small)[2] is None
    too_large = b'{"error": "body-too-large", "reason": "big"}'
    assert fuzz_sdp.judge(413, too_large, big)[2] is None
    assert fuzz_sdp.judge(413, too_large, small)[2] is not None
    assert fuzz_sdp.judge(500, b"500 Internal Server Error", small)[2] == "500 reply is not JSON"
    assert fuzz_sdp.judge(500, b'{"error": "x", "reason": "y"}', small)[2] == "server error 500"
    assert fuzz_sdp.judge(400, b'{"error": "bad-offer", "reason": ""}', small)[2] is not None
    assert fuzz_sdp.judge(200, b'{"type": "answer"}', small)[2] == "200 without an answer"


def test_mutants_are_reproducible_and_varied(astronaut: NDArray[np.uint8]) -> None:
    base = asyncio.run(fuzz_sdp.browser_like_offer(AstronautTrack(astronaut)))
    first = list(fuzz_sdp.mutants(base, 60, seed=7))
    assert first == list(fuzz_sdp.mutants(base, 60, seed=7))
    kinds = {k for m in first for k in m.kind.split("+")}
    assert kinds >= {"drop-line", "truncate", "swap-media", "random-value", "not-utf8"}, kinds
    assert all(m.body != base.encode() for m in first)


@pytest.mark.slow
def test_mutated_offers_get_an_answer_or_bad_offer(
    server: ServeProcess, astronaut: NDArray[np.uint8]
) -> None:
    base = asyncio.run(fuzz_sdp.browser_like_offer(AstronautTrack(astronaut)))
    outcomes = fuzz_sdp.run(server.url, base, count=150, seed=1)
    report = fuzz_sdp.summary(outcomes)
    print("\n" + report)
    assert not [o for o in outcomes if o.problem], report
    statuses = {o.status for o in outcomes}
    assert statuses <= {200, 400, 413} and 400 in statuses, report

    # Answered mutants never connect: each is freed by the connect timeout.
    deadline = time.monotonic() + CONNECT_TIMEOUT_S + 5
    while server.metric("tryon_sessions") > 0:
        assert time.monotonic() < deadline, f"{server.metric('tryon_sessions')} sessions left"
        time.sleep(0.2)
    log = server.output()
    assert "Traceback" not in log and "exception" not in log.lower(), log[-3000:]

    async def good_client() -> None:
        peer = await connect(server.url, AstronautTrack(astronaut))
        await peer.wait_frames(5)
        await peer.close()

    asyncio.run(good_client())
