"""Limits on what clients may ask: offers per IP per minute, SDP sanity, and token buckets
for each session's data-channel messages and snapshots."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

__all__ = [
    "MAX_CANDIDATES",
    "MAX_SDP_CHARS",
    "RATE_LIMITED",
    "OfferRateLimiter",
    "Rejection",
    "TokenBucket",
    "check_offer",
]

#: A browser's video + data channel offer is 3-6 KiB; anything far larger is not an offer.
MAX_SDP_CHARS = 32 * 1024
#: ICE candidates in one offer: a browser sends a handful; the server would send STUN checks
#: to every one of them (to any address the offer names) until the connect timeout.
MAX_CANDIDATES = 32
#: The one error code for "too many requests", on HTTP (429) and on the data channel.
RATE_LIMITED = "rate-limited"


class Rejection(Exception):
    """An offer the server turns away: HTTP ``status``, a machine ``code`` and a reason."""

    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(status, code, reason)
        self.status, self.code, self.reason = status, code, reason

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.reason}"

    def to_json(self) -> dict[str, object]:
        return {"error": self.code, "reason": self.reason}


class OfferRateLimiter:
    """Sliding 60-second window of offers per client address."""

    window_s = 60.0

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute < 1:
            raise ValueError(f"per_minute must be at least 1, got {per_minute}")
        self.per_minute = per_minute
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}

    def admit(self, address: str) -> None:
        """Count one offer from ``address``; raises a 429 :class:`Rejection` past the limit."""
        now = self._clock()
        self._forget_before(now - self.window_s)
        times = self._seen.setdefault(address, deque())
        if len(times) >= self.per_minute:
            retry = max(1, round(times[0] + self.window_s - now))
            raise Rejection(
                429,
                RATE_LIMITED,
                f"{len(times)} offers from this address in the last minute "
                f"(limit {self.per_minute}); retry in {retry} s",
            )
        times.append(now)

    def _forget_before(self, cutoff: float) -> None:
        for address in list(self._seen):
            times = self._seen[address]
            while times and times[0] < cutoff:
                times.popleft()
            if not times:
                del self._seen[address]


class TokenBucket:
    """``rate`` requests a second on average, bursts of up to ``burst``: :meth:`take` says
    whether one more is allowed now (and counts it if so)."""

    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"a token bucket needs rate > 0 and burst >= 1, got {rate}, {burst}")
        self.rate, self.burst = rate, burst
        self._clock = clock
        self._tokens = burst
        self._at = clock()

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


def check_offer(payload: object) -> tuple[str, str]:
    """``(sdp, "offer")`` from a decoded ``POST /offer`` body, or a 400 :class:`Rejection`
    that says what is wrong with it."""
    if not isinstance(payload, dict):
        raise Rejection(400, "bad-offer", f"expected a JSON object, got {type(payload).__name__}")
    extra = sorted(name[:40] for name in set(payload) - {"sdp", "type"})[:5]
    if extra:
        raise Rejection(
            400, "bad-offer", f'unexpected fields {extra} (an offer has only "sdp" and "type")'
        )
    sdp, kind = payload.get("sdp"), payload.get("type")
    if kind != "offer":
        raise Rejection(400, "bad-offer", f'expected "type": "offer", got {kind!r}')
    if not isinstance(sdp, str):
        raise Rejection(
            400, "bad-offer", f'expected "sdp" to be a string, got {type(sdp).__name__}'
        )
    if len(sdp) > MAX_SDP_CHARS:
        raise Rejection(400, "bad-offer", f"SDP of {len(sdp)} characters (limit {MAX_SDP_CHARS})")
    lines = sdp.replace("\r\n", "\n").split("\n")
    if lines[0] != "v=0":
        raise Rejection(400, "bad-offer", f"SDP must start with 'v=0', got {lines[0][:40]!r}")
    media = [line.split(" ", 1)[0][2:] for line in lines if line.startswith("m=")]
    if "video" not in media:
        raise Rejection(
            400, "bad-offer", f"SDP offers no video (media sections: {media or 'none'})"
        )
    for needed in ("a=fingerprint:", "a=ice-ufrag:", "a=ice-pwd:"):
        if not any(line.startswith(needed) for line in lines):
            raise Rejection(400, "bad-offer", f"SDP has no '{needed}' line")
    candidates = sum(1 for line in lines if line.startswith("a=candidate:"))
    if candidates > MAX_CANDIDATES:
        raise Rejection(
            400, "bad-offer", f"SDP has {candidates} ICE candidates (limit {MAX_CANDIDATES})"
        )
    _check_mids(lines)
    return sdp, kind


def _check_mids(lines: list[str]) -> None:
    """Each media section names itself once with a unique, non-empty ``a=mid:`` (what
    browsers send; aiortc fails deep inside, leaving a dead task behind, on anything else)."""
    mids: list[list[str]] = []
    for line in lines:
        if line.startswith("m="):
            mids.append([])
        elif mids and line.startswith("a=mid:"):
            mids[-1].append(line[6:].strip())
    for i, found in enumerate(mids):
        if len(found) != 1 or not found[0]:
            raise Rejection(
                400,
                "bad-offer",
                f"media section {i} must have one non-empty a=mid, got {found[:3]!r}",
            )
    flat = [found[0] for found in mids]
    if len(set(flat)) != len(flat):
        raise Rejection(400, "bad-offer", f"media sections need distinct a=mid values, got {flat}")
