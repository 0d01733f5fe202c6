"""The video the server sends: aiortc's VP8 (the default) or H.264 from a PyAV encoder.

``tryon serve --video-encoder`` chooses:

- ``vp8``: aiortc encodes with libvpx on the CPU, as it always did;
- ``libx264``: H.264 on the CPU, encoded here through PyAV;
- ``h264_nvenc``: H.264 on an NVIDIA GPU (NVENC), the same code with another codec name.

With an H.264 encoder a session puts H.264 first in its answer (:func:`prefer_h264`, on a
transceiver made before the offer is applied: aiortc settles the codecs while applying it)
and, when the answer does send H.264, :func:`attach_encoder` puts an
:class:`EncodedVideoTrack` in front of the session's track: it encodes each frame itself
and hands aiortc's sender ``av.Packet`` s, which the sender only packetizes (aiortc's
documented path for a track whose ``recv`` returns packets). A browser that offers no
H.264 aiortc can send (packetization mode 1, Baseline profiles) gets VP8 from aiortc: the
video works, and the log says so.

What aiortc does for its own encoder, the track does for its: a keyframe when the receiver
reports a lost picture (PLI/FIR) and the bit rate from the receiver's estimate (REMB),
heard through :mod:`tryon.server.sender_feedback`.
"""

from __future__ import annotations

import asyncio
import fractions
from typing import Final

import av
import numpy as np
from aiortc import RTCRtpCodecParameters, RTCRtpSender, RTCRtpTransceiver
from aiortc.codecs import get_encoder
from aiortc.codecs.h264 import DEFAULT_BITRATE, MAX_BITRATE, MIN_BITRATE
from aiortc.mediastreams import VIDEO_TIME_BASE, MediaStreamError, MediaStreamTrack
from aiortc.sdp import SessionDescription
from av import Packet, VideoFrame
from av.stream import Stream
from av.video.codeccontext import VideoCodecContext
from av.video.frame import PictureType

from tryon.server.sender_feedback import listen_to_feedback

__all__ = [
    "DEFAULT_VIDEO_ENCODER",
    "VIDEO_ENCODERS",
    "EncodedVideoTrack",
    "EncoderUnavailable",
    "H264Encoder",
    "attach_encoder",
    "check_encoder",
    "is_h264",
    "prefer_h264",
    "sent_video_codec",
]

DEFAULT_VIDEO_ENCODER: Final = "vp8"
#: What each encoder is, for ``tryon doctor`` and the error when one cannot open.
_DESCRIPTIONS: Final = {
    "vp8": "VP8, aiortc's libvpx on the CPU",
    "libx264": "H.264, libx264 on the CPU",
    "h264_nvenc": "H.264, NVENC on an NVIDIA GPU",
}
VIDEO_ENCODERS: Final = tuple(_DESCRIPTIONS)

#: PyAV options per H.264 encoder: Baseline profile (what aiortc offers and every browser
#: decodes), level 3.1 (up to 1280x720 at 30 fps), a low-latency tuning, no B-frames (set
#: on the context), an IDR frame whenever one is asked for. ``maxrate``/``bufsize`` turn on
#: the VBV, without which libx264 ignores bit-rate changes on an open encoder. libx264 runs
#: the ``veryfast`` preset on one thread: no more CPU per frame than aiortc's VP8
#: (``bench/bench_video_codecs.py``), where its default (``medium``, aiortc's) takes twice
#: that; sessions encode in parallel on the executor's threads.
_VBV: Final = {"maxrate": str(MAX_BITRATE), "bufsize": str(MAX_BITRATE)}
_OPTIONS: Final = {
    "libx264": {
        "profile": "baseline",
        "level": "3.1",
        "preset": "veryfast",
        "tune": "zerolatency",
        "threads": "1",
        "forced-idr": "1",
    },
    "h264_nvenc": {
        "profile": "baseline",
        "level": "3.1",
        "preset": "p1",
        "tune": "ull",
        "zerolatency": "1",
        "delay": "0",
        "forced-idr": "1",
    },
}
_FRAME_RATE: Final = 30
_H264: Final = "video/H264"


class EncoderUnavailable(Exception):
    """Video encoder ``name`` does not open on this machine, for ``reason``."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(
            f"video encoder {name} ({_DESCRIPTIONS[name]}) does not open on this machine ({reason})"
        )
        self.name, self.reason = name, reason


def is_h264(name: str) -> bool:
    """Whether ``name`` (one of :data:`VIDEO_ENCODERS`) is one of the H.264 encoders."""
    return name in _OPTIONS


class H264Encoder:
    """One session's H.264 encoder (PyAV): opened on the first frame, reopened when the
    frame size changes; the bit rate follows :meth:`set_bitrate` without reopening."""

    def __init__(self, name: str) -> None:
        if not is_h264(name):
            raise ValueError(f"expected an H.264 encoder ({', '.join(_OPTIONS)}), got {name!r}")
        self.name = name
        self._codec: VideoCodecContext | None = None
        self._bitrate = DEFAULT_BITRATE
        # Counters, not a flag: a request made while a frame is being encoded is not lost.
        self._keyframes_asked = 0
        self._keyframes_made = 0

    @property
    def bitrate(self) -> int:
        """The bit rate (bits per second) the next frame is encoded at."""
        return self._bitrate

    def request_keyframe(self) -> None:
        """Make the next frame a keyframe (the receiver lost a picture)."""
        self._keyframes_asked += 1

    def set_bitrate(self, bits_per_s: int) -> None:
        """Follow the receiver's estimate, within aiortc's bounds for H.264 (0.5 to 3 Mb/s)."""
        self._bitrate = max(MIN_BITRATE, min(bits_per_s, MAX_BITRATE))

    def encode(self, frame: VideoFrame) -> Packet[Stream] | None:
        """``frame`` (any pixel format; its ``pts`` and ``time_base`` are kept) as one
        Annex B access unit, or ``None`` while the encoder holds it back. Blocks: call it
        off the event loop."""
        codec = self._codec
        if codec is None or (codec.width, codec.height) != (frame.width, frame.height):
            codec = self._codec = self._open(frame.width, frame.height)
        elif codec.bit_rate != self._bitrate:
            codec.bit_rate = self._bitrate
        asked = self._keyframes_asked
        frame.pict_type = PictureType.I if asked != self._keyframes_made else PictureType.NONE
        self._keyframes_made = asked
        packets = codec.encode(frame)
        if len(packets) <= 1:
            return packets[0] if packets else None
        joined = Packet(b"".join(bytes(p) for p in packets))  # not seen with these settings
        joined.pts, joined.time_base = packets[0].pts, packets[0].time_base
        return joined

    def _open(self, width: int, height: int) -> VideoCodecContext:
        codec = av.CodecContext.create(self.name, "w")
        assert isinstance(codec, VideoCodecContext)
        codec.width, codec.height = width, height
        codec.pix_fmt = "yuv420p"
        codec.framerate = fractions.Fraction(_FRAME_RATE, 1)
        codec.time_base = VIDEO_TIME_BASE
        codec.bit_rate = self._bitrate
        codec.max_b_frames = 0
        codec.options = {**_OPTIONS[self.name], **_VBV}
        codec.open()
        return codec

    def close(self) -> None:
        """Release the codec (a frame being encoded finishes first)."""
        self._codec = None


class EncodedVideoTrack(MediaStreamTrack):
    """``source`` 's frames encoded by ``encoder``, handed to aiortc's sender as packets."""

    kind = "video"

    def __init__(self, source: MediaStreamTrack, encoder: H264Encoder) -> None:
        super().__init__()
        self.source = source
        self.encoder = encoder

    async def recv(self) -> Packet[Stream]:
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            frame = await self.source.recv()
            if not isinstance(frame, VideoFrame):
                continue
            # The default executor, where aiortc runs its own encoders.
            loop = asyncio.get_running_loop()
            packet = await loop.run_in_executor(None, self.encoder.encode, frame)
            if packet is not None:
                return packet

    def stop(self) -> None:
        super().stop()
        self.source.stop()
        self.encoder.close()


def prefer_h264(transceiver: RTCRtpTransceiver) -> None:
    """Answer with H.264 first when the offer has it; VP8 (and RTX) stay, after it."""
    codecs = RTCRtpSender.getCapabilities("video").codecs
    transceiver.setCodecPreferences(sorted(codecs, key=lambda c: c.mimeType != _H264))


def sent_video_codec(sdp: str) -> str | None:
    """The MIME type an answer's first video section sends (its first codec: the one
    aiortc's sender uses), or ``None`` without video."""
    for media in SessionDescription.parse(sdp).media:
        if media.kind == "video" and media.rtp.codecs:
            mime: str = media.rtp.codecs[0].mimeType
            return mime
    return None


def attach_encoder(sender: RTCRtpSender, answer_sdp: str, name: str) -> str:
    """Have ``sender`` send what encoder ``name`` makes of its track when ``answer_sdp``
    sends H.264 (``name`` being an H.264 encoder); returns the MIME type the sender sends."""
    sent = sent_video_codec(answer_sdp) or "none"
    track = sender.track
    if is_h264(name) and sent == _H264 and track is not None:
        encoder = H264Encoder(name)
        sender.replaceTrack(EncodedVideoTrack(track, encoder))
        listen_to_feedback(sender, encoder)
    return sent


def check_encoder(name: str) -> str:
    """Open encoder ``name`` and encode one 640x480 frame: its description, or
    :class:`EncoderUnavailable` saying why it does not open here."""
    if name not in _DESCRIPTIONS:
        raise ValueError(f"video encoder must be one of {', '.join(VIDEO_ENCODERS)}, got {name!r}")
    frame = VideoFrame.from_ndarray(np.zeros((480, 640, 3), np.uint8), format="rgb24")
    frame.pts, frame.time_base = 0, VIDEO_TIME_BASE
    try:
        if is_h264(name):
            encoder = H264Encoder(name)
            encoder.encode(frame)
            encoder.close()
        else:
            vp8 = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=97)
            get_encoder(vp8).encode(frame)
    except Exception as exc:  # whatever the codec library raises: the reason, on one line
        reason = getattr(exc, "strerror", None) or str(exc)  # FFmpeg's, without the call
        detail = " ".join(str(reason).split())[:200] or "no detail"
        raise EncoderUnavailable(name, f"{type(exc).__name__}: {detail}") from None
    return _DESCRIPTIONS[name]
