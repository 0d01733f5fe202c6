"""One shopper's peer connection: its engine, worker thread, data channel and lifecycle.

A session closes itself, releasing the engine and its thread, when the connection
``failed`` or ``closed``, ``disconnect_timeout_s`` after ``disconnected``, and when no video
has arrived for ``disconnect_timeout_s`` (it never connected, or the client vanished).
Frames and whatever the engine derives from them stay in this object's memory; the log gets
the session id, states and counts, nothing about a face.
"""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, cast

import numpy as np
from aiortc import (
    RTCConfiguration,
    RTCDataChannel,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamTrack
from av import VideoFrame
from numpy.typing import NDArray
from PIL import Image

from tryon.catalog.look import Look
from tryon.measure.report import MeasurementReport
from tryon.server import protocol
from tryon.server.config import ServerConfig
from tryon.server.limits import Rejection
from tryon.server.metrics import FrameStats, Metrics
from tryon.server.relay import ProcessedVideoTrack

__all__ = ["EngineFactory", "FrameEngine", "Session", "Sessions"]

log = logging.getLogger(__name__)

#: Measurement reports go out at most this often (they change slowly).
_MEASUREMENT_INTERVAL_S = 0.5


class FrameEngine(Protocol):
    """What a session needs of ``tryon.engine.Engine``."""

    def process(
        self, frame: NDArray[np.uint8], look: Look, timestamp_ms: int | None
    ) -> NDArray[np.uint8]: ...

    @property
    def last_result(self) -> Any: ...

    def measurements(self) -> MeasurementReport | None: ...

    def close(self) -> None: ...


#: Makes one session's engine; called in that session's worker thread.
EngineFactory = Callable[[], FrameEngine]


@dataclass(frozen=True, slots=True)
class _FrameReport:
    """What the worker thread tells the event loop about one processed frame."""

    faces: int
    timings_ms: Mapping[str, float]
    measurements: dict[str, Any] | None = None
    #: Why the engine failed on this frame (it went back unmodified), else None.
    failure: str | None = None


class Session:
    """A peer connection with its own engine (the tracker is stateful) and worker thread."""

    def __init__(
        self,
        config: ServerConfig,
        metrics: Metrics,
        engine_factory: EngineFactory | None,
        is_product: Callable[[str], bool],
        on_closed: Callable[[Session], None],
    ) -> None:
        self.id = secrets.token_hex(4)
        self.stats = FrameStats()
        self._config = config
        self._metrics = metrics
        self._is_product = is_product
        self._on_closed = on_closed
        self._loop = asyncio.get_running_loop()
        ice = [RTCIceServer(s.url, s.username, s.credential) for s in config.ice_servers]
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=ice))
        self._executor: ThreadPoolExecutor | None = None
        self._engine: FrameEngine | None = None
        self._engine_failure = ""
        if engine_factory is not None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix=f"tryon-session-{self.id}")
            self._executor.submit(self._open_engine, engine_factory)
        self._look = Look()
        self._channel: RTCDataChannel | None = None
        self._track: ProcessedVideoTrack | None = None
        self._face_found: bool | None = None
        self._measured_at = 0.0
        self._engine_error_sent = False
        #: The last composited frame (worker thread only), for snapshots.
        self._last_output: NDArray[np.uint8] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._pending: set[asyncio.Future[None]] = set()
        self._watchdog: asyncio.Future[None] | None = None
        self._closing = False
        self.closed = asyncio.Event()

    # -- set-up -----------------------------------------------------------------------

    async def answer(self, sdp: str) -> RTCSessionDescription:
        """Take the shopper's offer, wire the processed track and return the answer."""
        self.pc.on("track", self._on_track)
        self.pc.on("datachannel", self._on_datachannel)
        self.pc.on("connectionstatechange", self._on_connection_state)
        try:
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        except (ValueError, KeyError, IndexError) as exc:
            raise Rejection(400, "bad-offer", f"SDP not understood: {exc}") from None
        if self._track is None:
            raise Rejection(400, "bad-offer", "the offer sends no video track (add the camera)")
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        self._watchdog = asyncio.ensure_future(self._watch_video())
        log.info("session %s: answered", self.id)
        return self.pc.localDescription

    def _open_engine(self, factory: EngineFactory) -> None:
        try:
            self._engine = factory()
        except Exception as exc:  # reported on the first frame; the video still flows
            self._engine_failure = f"{type(exc).__name__}: {exc}"

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind != "video" or self._track is not None:
            return
        process = self._echo if self._executor is None else self._process
        self._track = ProcessedVideoTrack(track, process, self.stats)
        self.pc.addTrack(self._track)

    def _on_datachannel(self, channel: RTCDataChannel) -> None:
        if channel.label != protocol.CHANNEL_LABEL:
            log.info("session %s: ignoring data channel %r", self.id, channel.label)
            return
        self._channel = channel
        channel.on("message", self._on_message)
        self._send(protocol.event_message("ready", session=self.id, engine=self._engine_on))

    @property
    def _engine_on(self) -> bool:
        return self._executor is not None

    # -- frames -----------------------------------------------------------------------

    async def _echo(self, frame: VideoFrame) -> VideoFrame:
        return frame

    async def _process(self, frame: VideoFrame) -> VideoFrame:
        assert self._executor is not None
        out, report = await self._loop.run_in_executor(
            self._executor, self._process_sync, frame, self._look
        )
        self._after_frame(report)
        return out

    def _process_sync(self, frame: VideoFrame, look: Look) -> tuple[VideoFrame, _FrameReport]:
        """Worker thread: decode to RGB, run the engine, wrap the result with the same pts.

        If the engine fails, the camera frame goes back unmodified (as with no face)."""
        t0 = time.perf_counter()
        rgb = cast(NDArray[np.uint8], frame.to_ndarray(format="rgb24"))
        if frame.pts is not None and frame.time_base is not None:
            timestamp_ms: int | None = round(frame.pts * frame.time_base * 1000)
        else:
            timestamp_ms = None  # the engine's monotonic clock
        t1 = time.perf_counter()
        try:
            if self._engine is None:
                raise RuntimeError(f"the engine did not start ({self._engine_failure})")
            out = np.ascontiguousarray(self._engine.process(rgb, look, timestamp_ms))
            result = self._engine.last_result
        except Exception as exc:
            self._last_output = rgb
            return frame, _FrameReport(0, {}, failure=f"{type(exc).__name__}: {exc}")
        t2 = time.perf_counter()
        new = VideoFrame.from_ndarray(out, format="rgb24")
        new.pts, new.time_base = frame.pts, frame.time_base
        self._last_output = out
        t3 = time.perf_counter()
        return new, _FrameReport(
            faces=len(result.faces),
            timings_ms={**result.timings_ms, "convert": ((t1 - t0) + (t3 - t2)) * 1000.0},
            measurements=self._due_measurements(),
        )

    def _due_measurements(self) -> dict[str, Any] | None:
        """The engine's measurements when the last ones are old enough to send again (built
        only then, on the session's thread)."""
        now = time.monotonic()
        if self._engine is None or now - self._measured_at < _MEASUREMENT_INTERVAL_S:
            return None
        report = self._engine.measurements()
        if report is None:
            return None
        self._measured_at = now
        return report.to_dict()

    def _after_frame(self, report: _FrameReport) -> None:
        if report.failure is not None:
            if not self._engine_error_sent:  # once per session; the video goes on
                self._engine_error_sent = True
                log.warning("session %s: engine failed, passing frames through", self.id)
                self._send(protocol.error_message(protocol.ErrorCode.ENGINE_FAILED, report.failure))
            return
        self.stats.record_stages(report.timings_ms)
        found = report.faces > 0
        if found != self._face_found:
            self._face_found = found
            self._send(protocol.event_message("face", found=found, faces=report.faces))
        if report.measurements is not None:
            self._send(protocol.event_message("measurements", **report.measurements))

    # -- data channel -----------------------------------------------------------------

    def _send(self, text: str) -> None:
        if self._channel is not None and self._channel.readyState == "open":
            self._channel.send(text)

    def _on_message(self, raw: str | bytes) -> None:
        try:
            msg = protocol.parse_client_message(raw)
            if isinstance(msg, protocol.SetLook):
                self._set_look(msg)
            elif isinstance(msg, protocol.SnapshotRequest):
                task = asyncio.ensure_future(self._snapshot(msg.request_id))
                self._pending.add(task)
                task.add_done_callback(self._pending.discard)
            else:
                self._send(protocol.event_message("pong", id=msg.request_id))
        except protocol.ProtocolError as exc:
            log.info("session %s: client message refused: %s", self.id, exc.code)
            self._send(protocol.error_message(exc.code, str(exc), exc.request_id))

    def _set_look(self, msg: protocol.SetLook) -> None:
        unknown = [pid for pid in msg.look.product_ids if not self._is_product(pid)]
        if unknown:
            raise protocol.ProtocolError(
                protocol.ErrorCode.UNKNOWN_PRODUCT,
                f"unknown product id {unknown[0]!r} (see GET /api/products); look unchanged",
                msg.request_id,
            )
        self._look = msg.look
        self._send(protocol.look_message(msg.look, msg.request_id))

    async def _snapshot(self, request_id: str | None) -> None:
        if self._executor is None:
            self._send(
                protocol.error_message(
                    protocol.ErrorCode.SNAPSHOT_UNAVAILABLE,
                    "snapshots need the engine (the server runs as a plain echo)",
                    request_id,
                )
            )
            return
        encoded = await self._loop.run_in_executor(self._executor, self._encode_last_output)
        if encoded is None:
            self._send(
                protocol.error_message(
                    protocol.ErrorCode.SNAPSHOT_UNAVAILABLE,
                    "no frame composited yet; ask again once the video plays",
                    request_id,
                )
            )
            return
        png, width, height = encoded
        for message in protocol.snapshot_messages(png, width, height, request_id):
            self._send(message)

    def _encode_last_output(self) -> tuple[bytes, int, int] | None:
        """Worker thread: the last composited frame as PNG bytes (in memory only)."""
        if self._last_output is None:
            return None
        buf = io.BytesIO()
        Image.fromarray(self._last_output).save(buf, format="PNG", compress_level=1)
        height, width = self._last_output.shape[:2]
        return buf.getvalue(), width, height

    # -- lifecycle --------------------------------------------------------------------

    async def _on_connection_state(self) -> None:
        state = self.pc.connectionState
        log.info("session %s: connection %s", self.id, state)
        if state in ("failed", "closed"):
            await self.close()
        elif state == "disconnected":
            self._arm_timer("disconnected")
        elif state == "connected":
            self._cancel_timer()

    async def _watch_video(self) -> None:
        """Close the session when no video arrives for ``disconnect_timeout_s``: a client
        that never connects, or vanishes without a goodbye (ICE consent alone takes ~30 s)."""
        timeout = self._config.disconnect_timeout_s
        seen, since = -1, self._loop.time()
        while True:
            await asyncio.sleep(min(1.0, timeout / 4))
            now = self._loop.time()
            if self.stats.received != seen:
                seen, since = self.stats.received, now
            elif now - since >= timeout:
                await self.close(f"no video for {timeout:g} s")
                return

    def _arm_timer(self, why: str) -> None:
        self._cancel_timer()
        self._timer = self._loop.call_later(
            self._config.disconnect_timeout_s,
            lambda: asyncio.ensure_future(
                self.close(f"{why} for {self._config.disconnect_timeout_s:g} s")
            ),
        )

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def close(self, why: str = "closed") -> None:
        """Release everything: peer connection, tracks, engine, worker thread. Idempotent."""
        if self._closing:
            await self.closed.wait()
            return
        self._closing = True
        self._cancel_timer()
        if self._watchdog is not None and self._watchdog is not asyncio.current_task():
            self._watchdog.cancel()
        if self._track is not None:
            self._track.stop()
        await self.pc.close()
        if self._executor is not None:
            await self._loop.run_in_executor(self._executor, self._close_engine)
            self._executor.shutdown(wait=False)
        self._metrics.session_closed(self.stats)
        log.info(
            "session %s: closed (%s) after %d frames, %d dropped",
            self.id,
            why,
            self.stats.sent,
            self.stats.dropped,
        )
        self._on_closed(self)
        self.closed.set()

    def _close_engine(self) -> None:
        self._last_output = None
        if self._engine is not None:
            self._engine.close()
            self._engine = None


class Sessions:
    """The live sessions, admission by ``max_sessions`` and shutdown of them all."""

    def __init__(
        self,
        config: ServerConfig,
        metrics: Metrics,
        engine_factory: EngineFactory | None,
        is_product: Callable[[str], bool],
    ) -> None:
        self._config = config
        self._metrics = metrics
        self._engine_factory = engine_factory
        self._is_product = is_product
        self.live: dict[str, Session] = {}

    def __len__(self) -> int:
        return len(self.live)

    def check_capacity(self) -> None:
        """A 503 :class:`Rejection` when ``max_sessions`` are open."""
        if len(self.live) >= self._config.max_sessions:
            raise Rejection(
                503,
                "server-busy",
                f"{len(self.live)} sessions open (limit {self._config.max_sessions}); "
                "try again in a minute",
            )

    async def open(self, sdp: str) -> tuple[Session, RTCSessionDescription]:
        """A new session answering ``sdp``; 503 :class:`Rejection` when the server is full."""
        self.check_capacity()
        session = Session(
            self._config, self._metrics, self._engine_factory, self._is_product, self._forget
        )
        self.live[session.id] = session
        self._metrics.sessions_total += 1
        try:
            answer = await session.answer(sdp)
        except BaseException:
            await session.close("offer refused")
            raise
        return session, answer

    def _forget(self, session: Session) -> None:
        self.live.pop(session.id, None)

    async def close_all(self) -> None:
        await asyncio.gather(*(s.close("server shutting down") for s in list(self.live.values())))
