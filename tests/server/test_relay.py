"""The latest-frame relay: a slow stage drops stale frames instead of queueing them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import numpy as np
import pytest
from aiortc.mediastreams import MediaStreamError
from av import VideoFrame

from tryon.server.metrics import FrameStats
from tryon.server.relay import LatestSlot, ProcessedVideoTrack

from .peer import AstronautTrack


def test_latest_slot_keeps_only_the_newest_item() -> None:
    async def scenario() -> None:
        slot: LatestSlot[int] = LatestSlot()
        assert slot.put(1) is False
        assert slot.put(2) is True  # 1 was never taken: dropped
        assert await slot.take() == 2
        waiter = asyncio.ensure_future(slot.take())
        await asyncio.sleep(0.01)
        assert not waiter.done()  # waits for a fresh item
        slot.put(3)
        assert await waiter == 3
        slot.close()
        with pytest.raises(MediaStreamError):
            await slot.take()

    asyncio.run(scenario())


def test_a_slow_stage_drops_frames_and_latency_stays_flat(
    astronaut_track: Callable[[], AstronautTrack],
) -> None:
    """Frames come at 30 fps; the stage needs 80 ms. A queue would add 47 ms per frame."""

    async def slow(frame: VideoFrame) -> VideoFrame:
        await asyncio.sleep(0.08)
        return frame

    async def scenario() -> tuple[FrameStats, list[int]]:
        stats = FrameStats()
        source = astronaut_track()
        track = ProcessedVideoTrack(source, slow, stats)
        pts = []
        loop = asyncio.get_running_loop()
        end = loop.time() + 3.0
        while loop.time() < end:
            pts.append((await track.recv()).pts)
        track.stop()
        source.stop()
        return stats, pts

    stats, pts = asyncio.run(scenario())
    latency = list(stats.stage_ms["pipeline"])
    assert stats.received >= 80 and stats.dropped >= 40, (stats.received, stats.dropped)
    assert 30 <= stats.sent <= 40  # one per 80 ms
    assert np.all(np.diff(pts) > 0)  # newest first, never out of order
    # Each frame waits at most one stage time before its own: no build-up from start to end.
    assert max(latency) < 200, latency
    assert np.median(latency[-10:]) < np.median(latency[:10]) + 40, latency
