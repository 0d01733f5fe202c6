from __future__ import annotations

import pytest

from tryon.server.limits import (
    MAX_CANDIDATES,
    MAX_SDP_CHARS,
    RATE_LIMITED,
    OfferRateLimiter,
    Rejection,
    TokenBucket,
    check_offer,
)

OFFER = "\r\n".join(
    [
        "v=0",
        "o=- 1 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "m=video 9 UDP/TLS/RTP/SAVPF 96",
        "a=mid:0",
        "a=ice-ufrag:abcd",
        "a=ice-pwd:abcdefghijklmnopqrstuv",
        "a=fingerprint:sha-256 00:11",
        "",
    ]
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rate_limit_per_address_with_a_sliding_window() -> None:
    clock = Clock()
    limiter = OfferRateLimiter(3, clock)
    for _ in range(3):
        limiter.admit("10.0.0.1")
    with pytest.raises(Rejection) as info:
        limiter.admit("10.0.0.1")
    assert info.value.status == 429
    assert "3 offers from this address in the last minute (limit 3)" in info.value.reason
    limiter.admit("10.0.0.2")  # another address has its own budget
    clock.now += 61
    limiter.admit("10.0.0.1")  # the window slid past the old offers


def test_good_offer_passes() -> None:
    assert check_offer({"sdp": OFFER, "type": "offer"}) == (OFFER, "offer")


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ([1, 2], "expected a JSON object, got list"),
        ({"sdp": OFFER, "type": "answer"}, 'expected "type": "offer", got \'answer\''),
        ({"type": "offer"}, 'expected "sdp" to be a string, got NoneType'),
        ({"sdp": "hello", "type": "offer"}, "SDP must start with 'v=0', got 'hello'"),
        (
            {"sdp": OFFER.replace("m=video", "m=audio"), "type": "offer"},
            "SDP offers no video (media sections: ['audio'])",
        ),
        (
            {"sdp": OFFER.replace("a=fingerprint", "a=x"), "type": "offer"},
            "SDP has no 'a=fingerprint:' line",
        ),
        (
            {"sdp": OFFER + "a=x\r\n" * MAX_SDP_CHARS, "type": "offer"},
            f"(limit {MAX_SDP_CHARS})",
        ),
        (
            {"sdp": OFFER + "a=candidate:1 1 udp 1 192.0.2.1 9 typ host\r\n" * 33, "type": "offer"},
            f"SDP has 33 ICE candidates (limit {MAX_CANDIDATES})",
        ),
    ],
)
def test_bad_offers_get_400_with_a_reason(payload: object, reason: str) -> None:
    with pytest.raises(Rejection) as info:
        check_offer(payload)
    assert info.value.status == 400
    assert info.value.code == "bad-offer"
    assert reason in info.value.reason


def test_token_bucket_allows_the_burst_then_the_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=2.0, burst=3, clock=clock)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    clock.now += 0.5  # one token back at 2 a second
    assert [bucket.take(), bucket.take()] == [True, False]
    clock.now += 100  # never more than the burst
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    with pytest.raises(ValueError, match="rate > 0 and burst >= 1, got 0, 1"):
        TokenBucket(rate=0, burst=1)


def test_too_many_offers_are_rate_limited_with_a_retry_time() -> None:
    clock = Clock()
    limiter = OfferRateLimiter(1, clock=clock)
    limiter.admit("a")
    with pytest.raises(Rejection) as info:
        limiter.admit("a")
    assert (info.value.status, info.value.code) == (429, RATE_LIMITED) == (429, "rate-limited")
    assert "retry in 60 s" in info.value.reason
