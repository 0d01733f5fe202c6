"""A mutation fuzzer of SDP offers, shared by ``test_fuzz_sdp.py`` and
``bench/bench_fuzz_sdp.py``.

It starts from a real offer (aiortc's, shaped like a browser's: a video track and the
``tryon`` data channel), mutates it (lines dropped, duplicated or swapped, truncation, bit
flips, media sections swapped, random or huge attribute values, bytes that are not UTF-8,
lone surrogates), posts each mutant to ``/offer`` and judges the reply: a 200 with an answer,
or a 400 ``bad-offer`` with a reason (413 ``body-too-large`` when the body is over the limit);
nothing else (no 5xx, no other code, no bare text).
"""

from __future__ import annotations

import asyncio
import collections
import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiortc import RTCConfiguration, RTCPeerConnection

from tryon.server.config import ServerConfig

from .peer import make_offer

#: Bodies larger than this get 413 ``body-too-large`` (the server's default limit).
MAX_BODY = ServerConfig().max_body_bytes

Lines = list[str]


async def browser_like_offer(track: Any) -> str:
    """An aiortc offer with ``track`` and the data channel, as the web client sends it."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTrack(track)
    pc.createDataChannel("tryon")
    sdp = await make_offer(pc)
    await pc.close()
    return sdp


# -- mutations: each takes the offer's lines and returns the new offer text -------------


def _drop_line(lines: Lines, rng: random.Random) -> str:
    del lines[rng.randrange(len(lines))]
    return "\r\n".join(lines)


def _duplicate_line(lines: Lines, rng: random.Random) -> str:
    i = rng.randrange(len(lines))
    lines.insert(rng.randrange(len(lines)), lines[i])
    return "\r\n".join(lines)


def _swap_lines(lines: Lines, rng: random.Random) -> str:
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return "\r\n".join(lines)


def _truncate(lines: Lines, rng: random.Random) -> str:
    text = "\r\n".join(lines)
    return text[: rng.randrange(max(len(text), 1))]


def _flip_bits(lines: Lines, rng: random.Random) -> str:
    data = bytearray("\r\n".join(lines).encode()) or bytearray(b"v")
    for _ in range(rng.randint(1, 8)):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(7)  # stays ASCII
    return data.decode()


def _swap_media(lines: Lines, rng: random.Random) -> str:
    starts = [i for i, line in enumerate(lines) if line.startswith("m=")]
    if not starts:  # an earlier mutation took them away
        return _swap_lines(lines, rng)
    sections = [lines[a:b] for a, b in zip(starts, [*starts[1:], len(lines)], strict=True)]
    rng.shuffle(sections)
    if len(sections) > 1 and rng.random() < 0.5:
        sections.append(list(sections[0]))  # and a duplicate section
    return "\r\n".join(lines[: starts[0]] + [line for s in sections for line in s])


_ODD_VALUES = (
    "",
    "0",
    "-1",
    "4294967296",
    "18446744073709551616",
    "1e309",
    "NaN",
    "x" * 3000,
    "9" * 400,
    " ",
    ":",
    "::::",
    "\t",
    "%s%n",
    "é中𝄞",
    "\x00",
    "\x7f",
    "a=b=c",
    "UDP/TLS/RTP/SAVPF",
    "sha-256 " + ":".join(["ZZ"] * 32),
)


def _random_value(lines: Lines, rng: random.Random) -> str:
    """A value or field of an ``a=``, ``m=``, ``c=`` or ``o=`` line replaced by an odd one."""
    candidates = [i for i, line in enumerate(lines) if line[:2] in ("a=", "m=", "c=", "o=")]
    if not candidates:  # an earlier mutation took them away
        return _inject_junk(lines, rng)
    i = rng.choice(candidates)
    head, _, rest = lines[i].partition(":") if lines[i].startswith("a=") else ("", "", lines[i])
    fields = rest.split(" ")
    fields[rng.randrange(len(fields))] = rng.choice(_ODD_VALUES)
    lines[i] = f"{head}:{' '.join(fields)}" if head else " ".join(fields)
    return "\r\n".join(lines)


def _huge_value(lines: Lines, rng: random.Random) -> str:
    """One line's number made enormous, or the line repeated until the offer is ~30 KiB."""
    i = rng.randrange(len(lines))
    if rng.random() < 0.5:
        lines[i] = "".join("9" * 200 if ch.isdigit() else ch for ch in lines[i])[:20000]
    else:
        lines[i:i] = [lines[i]] * (30000 // (len(lines[i]) + 2))
    return "\r\n".join(lines)


def _line_endings(lines: Lines, rng: random.Random) -> str:
    return rng.choice(["\n", "\r", "\r\r\n", "\n\r", ""]).join(lines)


def _inject_junk(lines: Lines, rng: random.Random) -> str:
    junk = rng.choice(["a=", "m=", "x=y", "a=candidate:", "m=video", "c=IN", "a=mid:", "=", "\\"])
    lines.insert(rng.randrange(len(lines) + 1), junk)
    return "\r\n".join(lines)


MUTATIONS: dict[str, Callable[[Lines, random.Random], str]] = {
    "drop-line": _drop_line,
    "duplicate-line": _duplicate_line,
    "swap-lines": _swap_lines,
    "truncate": _truncate,
    "flip-bits": _flip_bits,
    "swap-media": _swap_media,
    "random-value": _random_value,
    "huge-value": _huge_value,
    "line-endings": _line_endings,
    "inject-junk": _inject_junk,
}

#: Encodings of the mutated text into the POST body.
_NOT_UTF8 = (b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x80\x80", b"\xf4\x90\x80\x80")


@dataclass(frozen=True, slots=True)
class Mutant:
    #: What was done, e.g. ``drop-line+flip-bits`` or ``...+not-utf8``.
    kind: str
    body: bytes


def mutants(base_sdp: str, count: int, seed: int) -> Iterable[Mutant]:
    """``count`` mutants of ``base_sdp``: 1-3 stacked mutations each; some bodies then get
    bytes that are not UTF-8 or a lone surrogate (legal JSON, not encodable)."""
    rng = random.Random(seed)
    names = sorted(MUTATIONS)
    for _ in range(count):
        text, kinds = base_sdp, []
        for _ in range(rng.choice((1, 1, 2, 3))):
            name = rng.choice(names)
            text = MUTATIONS[name](text.replace("\r\n", "\n").split("\n"), rng)
            kinds.append(name)
        body = json.dumps({"sdp": text, "type": "offer"}).encode()
        # somewhere inside the "sdp" string
        at = rng.randint(len(b'{"sdp": "'), body.rindex(b'", "type"'))
        roll = rng.random()
        if roll < 0.08:
            body = body[:at] + rng.choice(_NOT_UTF8) + body[at:]
            kinds.append("not-utf8")
        elif roll < 0.14:
            body = body[:at] + rng.choice([b"\\ud800", b"\\udfff", b"\\u0000"]) + body[at:]
            kinds.append("escape")
        yield Mutant("+".join(kinds), body)


# -- posting and judging ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: str
    status: int
    #: ``answer`` for a 200, else the JSON ``error`` code (``<not json>`` when it is not).
    code: str
    reason: str
    seconds: float
    #: What is wrong with this reply, or None when it is one of the allowed ones.
    problem: str | None


def judge(status: int, body: bytes, sent: int) -> tuple[str, str, str | None]:
    """``(code, reason, problem)`` for one reply to a mutant of ``sent`` bytes."""
    try:
        data: Any = json.loads(body)
    except ValueError:
        return "<not json>", body[:80].decode(errors="replace"), f"{status} reply is not JSON"
    if not isinstance(data, dict):
        return "<not an object>", repr(data)[:80], f"{status} reply is not a JSON object"
    if status == 200:
        ok = data.get("type") == "answer" and str(data.get("sdp", "")).startswith("v=0")
        return "answer", "", None if ok and data.get("session") else "200 without an answer"
    code, reason = str(data.get("error")), str(data.get("reason", ""))
    if status >= 500:
        return code, reason, f"server error {status}"
    if sent > MAX_BODY:
        ok = status == 413 and code == "body-too-large" and bool(reason)
        return code, reason, None if ok else f"{sent} bytes got {status} {code}, not 413"
    if status != 400 or code != "bad-offer" or not reason:
        return code, reason, f"expected 400 bad-offer with a reason, got {status} {code}"
    return code, reason, None


async def post_mutants(url: str, batch: Iterable[Mutant]) -> list[Outcome]:
    """Post each mutant in turn (one at a time: each reply is timed alone)."""
    outcomes = []
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        for mutant in batch:
            start = time.perf_counter()
            async with http.post(
                f"{url}/offer", data=mutant.body, headers={"Content-Type": "application/json"}
            ) as resp:
                body = await resp.read()
            seconds = time.perf_counter() - start
            code, reason, problem = judge(resp.status, body, len(mutant.body))
            outcomes.append(Outcome(mutant.kind, resp.status, code, reason, seconds, problem))
    return outcomes


def reason_family(reason: str) -> str:
    """A reason without its specifics (quoted parts and numbers), to count alike ones."""
    head = reason.split(":", 1)[0] if reason.startswith("SDP not understood") else reason
    out, quoted = [], ""
    for ch in head:
        if quoted:
            quoted = "" if ch == quoted else quoted
        elif ch in "'\"":
            quoted = ch
            out.append("…")
        elif not ch.isdigit():
            out.append(ch)
    return "".join(out)[:70]


def summary(outcomes: list[Outcome]) -> str:
    """What was tried and what came back: counts per status, per reason, the slowest."""
    statuses = collections.Counter(o.status for o in outcomes)
    reasons = collections.Counter(reason_family(o.reason) for o in outcomes if o.status != 200)
    kinds = collections.Counter(k for o in outcomes for k in o.kind.split("+"))
    slowest = sorted(outcomes, key=lambda o: o.seconds)[-3:][::-1]
    problems = [o for o in outcomes if o.problem]
    lines = [
        f"{len(outcomes)} mutants; mutations used: "
        + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())),
        "replies by status: " + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())),
        "400 reasons:",
        *(f"  {n:>5}  {r}" for r, n in reasons.most_common()),
        "slowest replies: "
        + "; ".join(f"{o.seconds * 1000:.0f} ms ({o.kind} -> {o.status})" for o in slowest),
        f"median reply: {sorted(o.seconds for o in outcomes)[len(outcomes) // 2] * 1000:.1f} ms",
        f"problems: {len(problems)}",
        *(f"  {o.kind}: {o.problem} ({o.reason[:100]})" for o in problems[:20]),
    ]
    return "\n".join(lines)


def run(url: str, base_sdp: str, count: int, seed: int) -> list[Outcome]:
    return asyncio.run(post_mutants(url, mutants(base_sdp, count, seed)))
