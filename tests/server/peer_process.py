"""A shopper in another process: connects to the server at argv[1], prints "streaming" once
frames come back, then streams until killed (the test kills it without a goodbye)."""

from __future__ import annotations

import asyncio
import sys

from peer import AstronautTrack, connect
from skimage import data


async def main(url: str) -> None:
    peer = await connect(url, AstronautTrack(data.astronaut()))
    await peer.wait_frames(5)
    print("streaming", peer.session, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
