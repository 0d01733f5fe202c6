"""One shopper's peer connection: its engine, worker thread, data channel and lifecycle.

A session closes itself, releasing the engine and its thread, when the connection is not
``connected`` within ``connect_timeout_s`` of the offer (whatever ICE/DTLS is stuck in),
when it is ``failed`` or ``closed``, ``disconnect_timeout_s`` after ``disconnected``, and
when no video has arrived for ``disconnect_timeout_s`` (the client vanished). Closing is
bounded in time whatever state the peer is in: aiortc's own close can raise or hang.

Data-channel messages are limited per session (token buckets; over the limit the answer is
an ``error`` ``rate-limited``); snapshots are one at a time, encoded off the loop and off the
session's frame thread, so a flood of messages costs the video next to nothing.

Frames and whatever the engine derives from them stay in this object's memory; the log gets
the session id, states and counts, nothing about a face.
"""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
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
from aiortc.rtcicetransport import RTCIceTransport
from aiortc.rtcrtpsender import RTCRtpSender
from av import VideoFrame
from numpy.typing import NDArray
from PIL import Image

from tryon.catalog.look import Look
from tryon.measure.report import MeasurementReport
from tryon.server import protocol
from tryon.server.config import ServerConfig
from tryon.server.limits import RATE_LIMITED, Rejection, TokenBucket
from tryon.server.metrics import FrameStats, Metrics
from tryon.server.relay import ProcessedVideoTrack
from tryon.server.video_encoder import attach_encoder, is_h264, prefer_h264
from tryon.server.yuv_frames import outgoing_frame

__all__ = ["EngineFactory", "FrameEngine", "Session", "Sessions"]

log = logging.getLogger(__name__)

#: Measurement reports go out at most this often (they change slowly).
_MEASUREMENT_INTERVAL_S = 0.5
#: Longest wait for each step of closing (the peer connection, the engine): aiortc's close
#: can hang on a peer stuck half-way, and shutdown must not.
_CLOSE_STEP_TIMEOUT_S = 2.0
#: Data-channel messages per second per session, and the burst allowed above that rate.
MESSAGES_PER_S, MESSAGE_BURST = 20.0, 40
#: ``rate-limited`` answers per second: past this a flood is dropped without an answer.
REFUSALS_PER_S = 5.0
#: Snapshots per second per session (one at a time), and the burst allowed: each is a
#: ~600 KiB PNG whose SCTP packets and acknowledgements cost the loop far more than a message.
SNAPSHOTS_PER_S, SNAPSHOT_BURST = 0.2, 2
#: A snapshot is refused while this much is still queued on the data channel (a client
#: that does not read).
_MAX_BUFFERED_BYTES = 1024 * 1024


class FrameEngine(Protocol):
    """What a session needs of ``tryon.engine.Engine``."""

    def process(
        self,
        frame: NDArray[np.uint8],
        look: Look,
        timestamp_ms: int | None,
        *,
        out: NDArray[np.uint8] | None = None,
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
        address: str,
        config: ServerConfig,
        metrics: Metrics,
        engine_factory: EngineFactory | None,
        is_product: Callable[[str], bool],
        on_closed: Callable[[Session], None],
        snapshots: ThreadPoolExecutor,
    ) -> None:
        self.id = secrets.token_hex(4)
        #: The client's IP address (admission limits only; never logged).
        self.address = address
        self.stats = FrameStats()
        self._config = config
        self._metrics = metrics
        self._is_product = is_product
        self._on_closed = on_closed
        self._loop = asyncio.get_running_loop()
        ice = [RTCIceServer(s.url, s.username, s.credential) for s in config.ice_servers]
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=ice))
        self._engine_factory = engine_factory
        #: The session's frame thread and engine, started once the peer is connected (a peer
        #: that never connects costs no engine).
        self._executor: ThreadPoolExecutor | None = None
        self._engine: FrameEngine | None = None
        self._engine_failure = ""
        self._snapshots = snapshots
        self._messages = TokenBucket(MESSAGES_PER_S, MESSAGE_BURST)
        self._refusals = TokenBucket(REFUSALS_PER_S, REFUSALS_PER_S)
        self._snapshot_bucket = TokenBucket(SNAPSHOTS_PER_S, SNAPSHOT_BURST)
        self._snapshot_task: asyncio.Future[None] | None = None
        self._look = Look()
        self._channel: RTCDataChannel | None = None
        self._track: ProcessedVideoTrack | None = None
        self._sender: RTCRtpSender | None = None
        self._face_found: bool | None = None
        self._measured_at = 0.0
        self._engine_error_sent = False
        #: The last composited frame, for snapshots: a fresh array per frame, written by the
        #: worker thread, never modified afterwards.
        self._last_output: NDArray[np.uint8] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._connected = asyncio.Event()
        self._closing = False
        self.closed = asyncio.Event()
        self._watchdog: asyncio.Future[None] | None = asyncio.ensure_future(self._watch())

    # -- set-up -----------------------------------------------------------------------

    async def answer(self, sdp: str) -> RTCSessionDescription:
        """Take the shopper's offer, wire the processed track and return the answer."""
        self.pc.on("track", self._on_track)
        self.pc.on("datachannel", self._on_datachannel)
        self.pc.on("connectionstatechange", self._on_connection_state)
        step = "SDP not understood"
        encoder = self._config.video_encoder
        try:
            if is_h264(encoder):  # before the offer: aiortc settles the codecs applying it
                prefer_h264(self.pc.addTransceiver("video"))
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
            if self._track is None:
                raise Rejection(400, "bad-offer", "the offer sends no video track (add the camera)")
            step = "the WebRTC stack could not answer it"
            await self.pc.setLocalDescription(await self.pc.createAnswer())
        except Rejection:
            raise
        except Exception as exc:  # aiortc raises anything on mutated SDP, even StopIteration
            detail = str(exc)[:200] or "no detail"
            raise Rejection(400, "bad-offer", f"{step} ({type(exc).__name__}: {detail})") from None
        answer: RTCSessionDescription = self.pc.localDescription
        if self._sender is not None:
            sent = attach_encoder(self._sender, answer.sdp, encoder)
            if is_h264(encoder) and sent != "video/H264":
                log.warning(
                    "session %s: the browser offers no H.264 the server can send; "
                    "sending %s (aiortc) instead of %s",
                    self.id,
                    sent,
                    encoder,
                )
        log.info("session %s: answered", self.id)
        return answer

    def _open_engine(self, factory: EngineFactory) -> None:
        try:
            self._engine = factory()
        except Exception as exc:  # reported on the first frame; the video still flows
            self._engine_failure = f"{type(exc).__name__}: {exc}"

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind != "video" or self._track is not None:
            return
        process = self._echo if self._engine_factory is None else self._process
        self._track = ProcessedVideoTrack(track, process, self.stats)
        self._sender = self.pc.addTrack(self._track)

    def _on_datachannel(self, channel: RTCDataChannel) -> None:
        if channel.label != protocol.CHANNEL_LABEL:
            log.info("session %s: ignoring data channel %r", self.id, channel.label)
            return
        self._channel = channel
        channel.on("message", self._on_message)
        self._send(protocol.event_message("ready", session=self.id, engine=self._engine_on))

    @property
    def connected(self) -> bool:
        """The peer reached ``connected`` (ICE and DTLS done) at least once."""
        return self._connected.is_set()

    @property
    def _engine_on(self) -> bool:
        return self._engine_factory is not None

    # -- frames -----------------------------------------------------------------------

    async def _echo(self, frame: VideoFrame) -> VideoFrame:
        return frame

    async def _process(self, frame: VideoFrame) -> VideoFrame:
        if self._executor is None:  # a frame before "connected" was reported: pass it on
            return frame
        out, report = await self._loop.run_in_executor(
            self._executor, self._process_sync, frame, self._look
        )
        self._after_frame(report)
        return out

    def _process_sync(self, frame: VideoFrame, look: Look) -> tuple[VideoFrame, _FrameReport]:
        """Worker thread: decode to RGB, run the engine, send the camera's frame with the
        box the engine drew converted into it (:mod:`tryon.server.yuv_frames`), same pts.

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
            out = self._engine.process(rgb, look, timestamp_ms, out=rgb)  # rgb is ours
            result = self._engine.last_result
        except Exception as exc:
            self._last_output = rgb
            return frame, _FrameReport(0, {}, failure=f"{type(exc).__name__}: {exc}")
        t2 = time.perf_counter()
        new = outgoing_frame(frame, out, result.drawn_box)
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
        allowed = self._messages.take()
        if not allowed and not self._refusals.take():
            return  # a flood: past the answered refusals, messages are dropped unread
        try:
            msg = protocol.parse_client_message(raw)
            if not allowed:
                raise protocol.ProtocolError(
                    protocol.ErrorCode.RATE_LIMITED,
                    f"more than {MESSAGES_PER_S:g} messages a second (bursts of "
                    f"{MESSAGE_BURST}); message ignored",
                    msg.request_id,
                )
            if isinstance(msg, protocol.SetLook):
                self._set_look(msg)
            elif isinstance(msg, protocol.SnapshotRequest):
                self._start_snapshot(msg.request_id)
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

    def _start_snapshot(self, request_id: str | None) -> None:
        """One snapshot at a time, at most ``SNAPSHOTS_PER_S``; others get ``rate-limited``."""
        if not self._engine_on:
            raise protocol.ProtocolError(
                protocol.ErrorCode.SNAPSHOT_UNAVAILABLE,
                "snapshots need the engine (the server runs as a plain echo)",
                request_id,
            )
        frame = self._last_output
        if frame is None:
            raise protocol.ProtocolError(
                protocol.ErrorCode.SNAPSHOT_UNAVAILABLE,
                "no frame composited yet; ask again once the video plays",
                request_id,
            )
        busy = self._snapshot_task is not None or (
            self._channel is not None and self._channel.bufferedAmount > _MAX_BUFFERED_BYTES
        )
        if busy:
            raise protocol.ProtocolError(
                protocol.ErrorCode.RATE_LIMITED,
                "the last snapshot is still being made or sent; ask again once it arrives",
                request_id,
            )
        if not self._snapshot_bucket.take():
            raise protocol.ProtocolError(
                protocol.ErrorCode.RATE_LIMITED,
                f"at most {SNAPSHOTS_PER_S:g} snapshots a second (bursts of {SNAPSHOT_BURST})",
                request_id,
            )
        task = asyncio.ensure_future(self._snapshot(frame, request_id))
        self._snapshot_task = task
        task.add_done_callback(self._snapshot_done)

    def _snapshot_done(self, task: asyncio.Future[None]) -> None:
        self._snapshot_task = None

    async def _snapshot(self, frame: NDArray[np.uint8], request_id: str | None) -> None:
        """Encode ``frame`` on the shared snapshot thread (not the session's frame thread)."""
        png = await self._loop.run_in_executor(self._snapshots, _encode_png, frame)
        height, width = frame.shape[:2]
        for message in protocol.snapshot_messages(png, width, height, request_id):
            self._send(message)

    # -- lifecycle --------------------------------------------------------------------

    async def _on_connection_state(self) -> None:
        state = self.pc.connectionState
        log.info("session %s: connection %s", self.id, state)
        if state in ("failed", "closed"):
            await self.close(f"connection {state}")
        elif state == "disconnected":
            self._arm_timer("disconnected")
        elif state == "connected":
            self._connected.set()
            self._cancel_timer()
            if self._engine_factory is not None and self._executor is None:
                self._executor = ThreadPoolExecutor(
                    1, thread_name_prefix=f"tryon-session-{self.id}"
                )
                self._executor.submit(self._open_engine, self._engine_factory)

    async def _watch(self) -> None:
        """Close the session when it is not connected within ``connect_timeout_s`` (a peer
        stuck in ICE or DTLS, or one that never tries), then when no video arrives for
        ``disconnect_timeout_s`` (a client that vanishes without a goodbye: ICE consent
        alone takes ~30 s)."""
        connect = self._config.connect_timeout_s
        try:
            await asyncio.wait_for(self._connected.wait(), connect)
        except TimeoutError:
            await self.close(
                f"not connected within {connect:g} s (connection {self.pc.connectionState}, "
                f"ICE {self.pc.iceConnectionState})"
            )
            return
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
        """Release everything: peer connection, tracks, engine, worker thread. Idempotent,
        and done within a few seconds whatever state the peer is in; the session leaves the
        live set even if a step fails."""
        if self._closing:
            await self.closed.wait()
            return
        self._closing = True
        try:
            self._cancel_timer()
            if self._watchdog is not None and self._watchdog is not asyncio.current_task():
                self._watchdog.cancel()
            if self._snapshot_task is not None:
                self._snapshot_task.cancel()
            if self._track is not None:
                self._track.stop()
            await _close_peer(self.pc, self.id)
            if self._executor is not None:
                engine = self._loop.run_in_executor(self._executor, self._close_engine)
                await _bounded(engine, f"session {self.id}: engine close")
                self._executor.shutdown(wait=False)
        finally:
            # Break the cycles through aiortc's event listeners and the track's frame
            # callback, so the peer, its codecs and their threads go when the session does,
            # not at some later full garbage collection.
            self.pc.remove_all_listeners()
            if self._channel is not None:
                self._channel.remove_all_listeners()
            # A cancelled task keeps its traceback, whose frames hold this session.
            self._channel = self._track = self._watchdog = self._sender = None
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


def _encode_png(frame: NDArray[np.uint8]) -> bytes:
    """A frame as PNG bytes (in memory only)."""
    buf = io.BytesIO()
    Image.fromarray(frame).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


async def _bounded(step: Awaitable[object], what: str) -> bool:
    """Await ``step`` for at most ``_CLOSE_STEP_TIMEOUT_S``; a failure or a hang is logged
    (with its state), never raised: closing goes on. True when it completed."""
    try:
        await asyncio.wait_for(step, _CLOSE_STEP_TIMEOUT_S)
    except TimeoutError:
        log.warning("%s did not finish within %g s", what, _CLOSE_STEP_TIMEOUT_S)
        return False
    except Exception as exc:  # aiortc raises anything from a half-set-up peer
        log.warning("%s raised %s: %s", what, type(exc).__name__, exc)
        return False
    return True


async def _close_peer(pc: RTCPeerConnection, session_id: str) -> None:
    """Close ``pc``; if aiortc's close fails or hangs, stop its ICE transports directly so
    their sockets are released."""
    state = f"connection {pc.connectionState}, ICE {pc.iceConnectionState}"
    if await _bounded(pc.close(), f"session {session_id}: peer close ({state})"):
        return
    dtls = [t.receiver.transport for t in pc.getTransceivers()]  # None on a half-made peer
    if pc.sctp is not None:
        dtls.append(pc.sctp.transport)
    transports: set[RTCIceTransport] = {d.transport for d in dtls if d is not None}
    for ice in transports:
        await _bounded(ice.stop(), f"session {session_id}: ICE transport stop")


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
        #: The open sessions: the one source of the slot count (a session leaves it when
        #: its close ends, whatever failed on the way).
        self.live: dict[str, Session] = {}
        #: Encodes every session's snapshots, one at a time, off the frame threads.
        self._snapshots = ThreadPoolExecutor(1, thread_name_prefix="tryon-snapshot")

    def __len__(self) -> int:
        return len(self.live)

    def check_free_slot(self) -> None:
        """A 503 :class:`Rejection` when ``max_sessions`` are open."""
        if len(self.live) >= self._config.max_sessions:
            raise Rejection(
                503,
                "server-busy",
                f"{len(self.live)} sessions open (limit {self._config.max_sessions}); "
                "try again in a minute",
            )

    def check_capacity(self, address: str) -> None:
        """A 503 :class:`Rejection` when ``max_sessions`` are open, a 429 when ``address``
        has ``connecting_per_address`` sessions not connected yet (one client cannot hold
        the slots with offers that never connect)."""
        self.check_free_slot()
        limit = self._config.connecting_per_address
        connecting = sum(1 for s in self.live.values() if s.address == address and not s.connected)
        if connecting >= limit:
            raise Rejection(
                429,
                RATE_LIMITED,
                f"{connecting} sessions from this address are still connecting (limit {limit}); "
                f"retry once one connects or within {self._config.connect_timeout_s:g} s",
            )

    async def open(self, sdp: str, address: str) -> tuple[Session, RTCSessionDescription]:
        """A new session from ``address`` answering ``sdp``; a :class:`Rejection` when the
        server is full (503) or the address has too many sessions connecting (429)."""
        self.check_capacity(address)
        session = Session(
            address,
            self._config,
            self._metrics,
            self._engine_factory,
            self._is_product,
            self._forget,
            self._snapshots,
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

    async def close_all(self, reason: str = "server shutting down") -> None:
        """Close every session (each close is bounded in time); new ones may follow."""
        await asyncio.gather(
            *(s.close(reason) for s in list(self.live.values())), return_exceptions=True
        )

    async def shutdown(self) -> None:
        """Close every session, then the snapshot thread: no session may follow."""
        await self.close_all()
        self._snapshots.shutdown(wait=False, cancel_futures=True)
