"""A user-space ``netem``: drops and delays the packets an NFQUEUE rule hands it.

This kernel is built without ``sch_netem`` (``CONFIG_NET_SCH_NETEM`` is not set and modules
are off), so ``tc qdisc add ... netem`` fails with "Specified qdisc kind is unknown". It has
``NFQUEUE`` though: an iptables rule queues packets to this script over nfnetlink, and the
script gives each one its verdict: dropped with probability ``--loss``, otherwise accepted
``--delay-ms`` later (packets keep their order, as with netem's fixed delay).

Run inside the namespace (``ip netns exec NS python netns_impair.py --queue 0 ...``). It
prints ``ready`` once bound, and on SIGTERM a JSON line of what it did (packets seen, dropped,
delayed), then exits.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET, NFQNL_MSG_VERDICT, NFQNL_MSG_CONFIG = 0, 1, 2
NFQA_CFG_CMD, NFQA_CFG_PARAMS, NFQA_CFG_QUEUE_MAXLEN = 1, 2, 3
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NFQA_PACKET_HDR, NFQA_VERDICT_HDR = 1, 2
NF_DROP, NF_ACCEPT = 0, 1
NLM_F_REQUEST = 1
NLMSG_ERROR = 2
NLA_TYPE_MASK = 0x3FFF


def _attr(kind: int, payload: bytes) -> bytes:
    size = 4 + len(payload)
    return struct.pack("=HH", size, kind) + payload + b"\0" * (-size % 4)


def _message(msg: int, queue: int, attrs: bytes, family: int = socket.AF_UNSPEC) -> bytes:
    body = struct.pack("!BBH", family, 0, queue) + attrs
    kind = (NFNL_SUBSYS_QUEUE << 8) | msg
    return struct.pack("=IHHII", 16 + len(body), kind, NLM_F_REQUEST, 0, 0) + body


def _packet_ids(data: bytes) -> list[int]:
    """The packet ids in one ``recv`` of nfnetlink messages (errors raise)."""
    ids = []
    offset = 0
    while offset + 16 <= len(data):
        size, kind = struct.unpack_from("=IH", data, offset)
        if kind == NLMSG_ERROR:
            (errno,) = struct.unpack_from("=i", data, offset + 16)
            if errno:
                raise OSError(-errno, f"nfnetlink error {errno}")
        elif kind & 0xFF == NFQNL_MSG_PACKET:
            pos = offset + 20  # past nlmsghdr and nfgenmsg
            while pos + 4 <= offset + size:
                alen, atype = struct.unpack_from("=HH", data, pos)
                if atype & NLA_TYPE_MASK == NFQA_PACKET_HDR:
                    ids.append(struct.unpack_from("!I", data, pos + 4)[0])
                pos += (alen + 3) & ~3
        offset += (size + 3) & ~3
    return ids


class Impairer:
    """Bound to one NFQUEUE number; loses and delays what it is handed."""

    def __init__(self, queue: int, loss: float, delay_s: float, seed: int) -> None:
        self.queue, self.loss, self.delay_s = queue, loss, delay_s
        self._random = random.Random(seed)
        self._held: collections.deque[tuple[float, int]] = collections.deque()
        self.seen = self.dropped = 0
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind((0, 0))
        cmd = struct.pack("!BBH", NFQNL_CFG_CMD_BIND, 0, socket.AF_INET)
        self.sock.send(_message(NFQNL_MSG_CONFIG, queue, _attr(NFQA_CFG_CMD, cmd)))
        params = struct.pack("!IB", 0, NFQNL_COPY_META) + b"\0" * 3
        self.sock.send(_message(NFQNL_MSG_CONFIG, queue, _attr(NFQA_CFG_PARAMS, params)))
        maxlen = struct.pack("!I", 8192)
        self.sock.send(_message(NFQNL_MSG_CONFIG, queue, _attr(NFQA_CFG_QUEUE_MAXLEN, maxlen)))

    def _verdict(self, packet_id: int, verdict: int) -> None:
        hdr = struct.pack("!II", verdict, packet_id)
        self.sock.send(
            _message(NFQNL_MSG_VERDICT, self.queue, _attr(NFQA_VERDICT_HDR, hdr), socket.AF_INET)
        )

    def step(self) -> None:
        """Wait for packets (or the next release), then give every due verdict."""
        now = time.monotonic()
        wait = self._held[0][0] - now if self._held else 0.5
        self.sock.settimeout(max(wait, 0.0005))
        try:
            data = self.sock.recv(1 << 16)
        except TimeoutError:
            data = b""
        now = time.monotonic()
        for packet_id in _packet_ids(data):
            self.seen += 1
            if self._random.random() < self.loss:
                self.dropped += 1
                self._verdict(packet_id, NF_DROP)
            else:
                self._held.append((now + self.delay_s, packet_id))
        while self._held and self._held[0][0] <= now:
            self._verdict(self._held.popleft()[1], NF_ACCEPT)

    def report(self) -> dict[str, float]:
        return {
            "seen": self.seen,
            "dropped": self.dropped,
            "delayed": self.seen - self.dropped,
            "loss": self.loss,
            "delay_ms": self.delay_s * 1000,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queue", type=int, default=0, help="NFQUEUE number")
    parser.add_argument("--loss", type=float, default=0.0, help="drop probability, 0..1")
    parser.add_argument("--delay-ms", type=float, default=0.0, help="one-way delay")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    impairer = Impairer(args.queue, args.loss, args.delay_ms / 1000, args.seed)
    running = True

    def stop(signum: int, frame: object) -> None:
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, stop)
    print("ready", flush=True)
    while running:
        impairer.step()
    print(json.dumps(impairer.report()), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
