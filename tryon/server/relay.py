"""The latest-frame relay: camera frames in, processed frames out, never a growing queue.

Three stages run concurrently per session: a pump that drains the incoming track into a
one-frame slot (a newer frame replaces an unprocessed one: a drop), a worker loop that
processes whatever is newest (off the event loop, in the session's thread), and the
encoder pulling :meth:`ProcessedVideoTrack.recv`. Processing frame *n+1* overlaps encoding
frame *n*, and latency cannot build up over minutes.

Timings recorded per frame (milliseconds): ``pipeline`` (arrival to the encoder: waiting
plus processing), ``encode`` (encoding and sending) and ``server`` (the sum: the latency
the server adds).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import VideoFrame

from tryon.server.metrics import FrameStats

__all__ = ["LatestSlot", "ProcessedVideoTrack"]

T = TypeVar("T")


class LatestSlot(Generic[T]):
    """A one-item mailbox: :meth:`put` replaces, :meth:`take` waits for a fresh item."""

    def __init__(self) -> None:
        self._item: T | None = None
        self._ready = asyncio.Event()
        self._closed = False

    def put(self, item: T) -> bool:
        """Store ``item``; ``True`` when it replaced one nobody took (a dropped item)."""
        replaced = self._item is not None
        self._item = item
        self._ready.set()
        return replaced

    async def take(self) -> T:
        """The newest item; raises ``MediaStreamError`` once the slot is closed and empty."""
        while self._item is None:
            if self._closed:
                raise MediaStreamError
            self._ready.clear()
            await self._ready.wait()
        item, self._item = self._item, None
        return item

    def close(self) -> None:
        self._closed = True
        self._ready.set()


#: Turns one camera frame into the frame sent back (runs the engine off the loop).
FrameProcessor = Callable[[VideoFrame], Awaitable[VideoFrame]]


class ProcessedVideoTrack(MediaStreamTrack):
    """The outgoing video track: ``source`` frames through ``process``, newest first."""

    kind = "video"

    def __init__(
        self, source: MediaStreamTrack, process: FrameProcessor, stats: FrameStats
    ) -> None:
        super().__init__()
        self._stats = stats
        self._inbox: LatestSlot[tuple[VideoFrame, float]] = LatestSlot()
        self._outbox: LatestSlot[tuple[VideoFrame, float]] = LatestSlot()
        self._handed_at: float | None = None
        self._waited_ms = 0.0
        self._tasks: tuple[asyncio.Task[None], ...] = (
            asyncio.create_task(self._pump(source), name="tryon-relay-pump"),
            asyncio.create_task(self._work(process), name="tryon-relay-work"),
        )

    async def _pump(self, source: MediaStreamTrack) -> None:
        try:
            while True:
                frame = await source.recv()
                if not isinstance(frame, VideoFrame):
                    continue
                self._stats.received += 1
                if self._inbox.put((frame, time.perf_counter())):
                    self._stats.dropped += 1
        except MediaStreamError:
            pass
        finally:
            self._inbox.close()

    async def _work(self, process: FrameProcessor) -> None:
        try:
            while True:
                frame, arrived = await self._inbox.take()
                out = await process(frame)
                self._stats.processed += 1
                if self._outbox.put((out, arrived)):
                    self._stats.dropped += 1
        except MediaStreamError:
            pass
        finally:
            self._outbox.close()

    async def recv(self) -> VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        now = time.perf_counter()
        if self._handed_at is not None:
            # The sender encodes and sends the frame it got, then asks for the next one:
            # "server" is that frame's whole stay, from arrival to its packets being sent.
            encode_ms = (now - self._handed_at) * 1000.0
            self._stats.record_stages({"encode": encode_ms, "server": self._waited_ms + encode_ms})
        frame, arrived = await self._outbox.take()
        self._handed_at = time.perf_counter()
        self._waited_ms = (self._handed_at - arrived) * 1000.0
        self._stats.record_stages({"pipeline": self._waited_ms})
        self._stats.record_sent()
        return frame

    def stop(self) -> None:
        super().stop()
        for task in self._tasks:
            task.cancel()
        # Cancelled tasks keep tracebacks whose frames hold this track: let them go.
        self._tasks = ()
        self._inbox.close()
        self._outbox.close()
