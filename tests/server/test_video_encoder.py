"""``tryon serve --video-encoder``: H.264 through PyAV (libx264 here, the CPU path of
h264_nvenc), VP8 by default and for clients without H.264, and encoders that cannot open
refused at start. Real servers on loopback, real aiortc clients decoding what comes back."""

from __future__ import annotations

import asyncio
import fractions
import logging
from collections.abc import Callable, Iterator

import av
import numpy as np
import pytest
from aiortc.codecs.h264 import DEFAULT_BITRATE, MAX_BITRATE, MIN_BITRATE
from aiortc.sdp import SessionDescription
from av import VideoFrame
from numpy.typing import NDArray

from tryon.server import BackgroundServer, ServerConfig
from tryon.server.app import CONFIG, SESSIONS
from tryon.server.parts import serve_in_background
from tryon.server.video_encoder import (
    VIDEO_ENCODERS,
    EncodedVideoTrack,
    EncoderUnavailable,
    H264Encoder,
    check_encoder,
    sent_video_codec,
)

from .peer import AstronautTrack, Peer, connect
from .serve_process import serve_option_error

PRODUCT = "classic-rectangle-black"
#: Rows and columns of the 640x480 frame around the astronaut's eyes, and below her face.
EYES = (slice(80, 125), slice(230, 340))
BELOW = (slice(300, 480), slice(100, 540))


def glasses_contrast(peer: Peer, track: AstronautTrack) -> tuple[float, float]:
    """Mean absolute difference between the last frame back and the frame sent at the
    drift position closest below the face, around the eyes (the glasses: large) and
    below the face (the photo through two codecs: small)."""
    back = peer.frames[-1].to_ndarray(format="rgb24").astype(int)
    sent = min(
        (track.frame_at(n).astype(int) for n in range(0, 95)),
        key=lambda f: float(np.abs(back[BELOW] - f[BELOW]).mean()),
    )
    return float(np.abs(back[EYES] - sent[EYES]).mean()), float(
        np.abs(back[BELOW] - sent[BELOW]).mean()
    )


async def wearing_glasses(url: str, track: AstronautTrack, **kwargs: tuple[str, ...]) -> Peer:
    peer = await connect(url, track, **kwargs)
    await peer.wait_for(lambda m: m["type"] == "ready")
    peer.send(type="set-look", items=[{"product": PRODUCT}])
    await peer.wait_for(lambda m: m["type"] == "face")
    await peer.wait_frames(len(peer.frames) + 30)
    return peer


def server_track(server: BackgroundServer, peer: Peer) -> object:
    """The track the server's sender sends from, for ``peer`` 's session."""
    session = server.app[SESSIONS].live[peer.session]
    return session.pc.getSenders()[0].track


@pytest.fixture(scope="module")
def h264_server() -> Iterator[BackgroundServer]:
    with serve_in_background(ServerConfig(port=0, video_encoder="libx264")) as srv:
        yield srv


@pytest.mark.slow
def test_libx264_sends_h264_with_the_glasses_drawn_and_follows_the_receiver(
    h264_server: BackgroundServer, astronaut_track: Callable[[], AstronautTrack]
) -> None:
    track = astronaut_track()

    async def scenario() -> None:
        peer = await wearing_glasses(h264_server.url, track)
        # aiortc offers VP8 first: the server's answer puts H.264 first, so H.264 is sent.
        assert sent_video_codec(peer.pc.remoteDescription.sdp) == "video/H264"
        sender_track = server_track(h264_server, peer)
        assert isinstance(sender_track, EncodedVideoTrack)
        assert sender_track.encoder.name == "libx264"
        last = peer.frames[-1]
        assert (last.width, last.height) == (640, 480)
        eyes, below = glasses_contrast(peer, track)
        assert eyes > 25 and below < 12, (eyes, below)
        # The client's bit-rate estimate (REMB) reached the encoder (through
        # sender_feedback: this fails if aiortc stops calling _handle_rtcp_packet).
        for _ in range(100):
            if sender_track.encoder.bitrate != DEFAULT_BITRATE:
                break
            await asyncio.sleep(0.1)
        assert MIN_BITRATE <= sender_track.encoder.bitrate <= MAX_BITRATE
        assert sender_track.encoder.bitrate != DEFAULT_BITRATE
        # A picture-loss report gets a keyframe at once (libx264 alone makes one every
        # 250 frames): the client's receiver sends a real PLI over the connection, with the
        # method aiortc's receiver calls when it loses a picture.
        await peer.wait_frames(len(peer.frames) + 10)
        before = len(peer.frames)
        assert not any(f.key_frame for f in peer.frames[before - 10 :])
        media = next(m for m in SessionDescription.parse(peer.pc.remoteDescription.sdp).media)
        await peer.pc.getReceivers()[0]._send_rtcp_pli(media.ssrc[0].ssrc)
        await peer.wait_frames(before + 15)
        assert any(f.key_frame for f in peer.frames[before:]), "no keyframe after the PLI"
        await peer.close()

    asyncio.run(scenario())


@pytest.mark.slow
def test_a_client_without_h264_gets_vp8_and_a_log_line(
    h264_server: BackgroundServer,
    astronaut_track: Callable[[], AstronautTrack],
    caplog: pytest.LogCaptureFixture,
) -> None:
    track = astronaut_track()

    async def scenario() -> None:
        peer = await wearing_glasses(h264_server.url, track, video_codecs=("video/VP8",))
        assert sent_video_codec(peer.pc.remoteDescription.sdp) == "video/VP8"
        assert not isinstance(server_track(h264_server, peer), EncodedVideoTrack)
        eyes, below = glasses_contrast(peer, track)
        assert eyes > 25 and below < 12, (eyes, below)
        await peer.close()

    with caplog.at_level(logging.WARNING, logger="tryon.server.session"):
        asyncio.run(scenario())
    warnings = [r.getMessage() for r in caplog.records if "H.264" in r.getMessage()]
    assert len(warnings) == 1, warnings
    assert "sending video/VP8 (aiortc) instead of libx264" in warnings[0]


@pytest.mark.slow
def test_the_default_still_sends_vp8(astronaut_track: Callable[[], AstronautTrack]) -> None:
    track = astronaut_track()

    async def scenario(url: str) -> None:
        peer = await wearing_glasses(url, track)
        assert sent_video_codec(peer.pc.remoteDescription.sdp) == "video/VP8"
        eyes, below = glasses_contrast(peer, track)
        assert eyes > 25 and below < 12, (eyes, below)
        await peer.close()

    with serve_in_background(ServerConfig(port=0)) as server:
        assert server.app[CONFIG].video_encoder == "vp8"
        asyncio.run(scenario(server.url))


def test_h264_nvenc_without_a_gpu_stops_tryon_serve_with_one_line() -> None:
    try:
        check_encoder("h264_nvenc")
    except EncoderUnavailable:
        pass
    else:
        pytest.skip("NVENC opens on this machine")
    line = serve_option_error("--port", "0", "--video-encoder", "h264_nvenc")
    assert line.startswith("tryon serve: video encoder h264_nvenc (H.264, NVENC on an")
    assert "does not open on this machine" in line and "tryon doctor" in line


def test_encoders_are_checked_by_encoding_a_frame() -> None:
    assert check_encoder("vp8") == "VP8, aiortc's libvpx on the CPU"
    assert check_encoder("libx264") == "H.264, libx264 on the CPU"
    with pytest.raises(ValueError, match="must be one of vp8, libx264, h264_nvenc, got 'av1'"):
        check_encoder("av1")
    with pytest.raises(ValueError, match=r"expected an H\.264 encoder"):
        H264Encoder("vp8")
    assert VIDEO_ENCODERS == ("vp8", "libx264", "h264_nvenc")


def _frame(rgb: NDArray[np.uint8], pts: int) -> VideoFrame:
    frame = VideoFrame.from_ndarray(rgb, format="rgb24")
    frame.pts, frame.time_base = pts, fractions.Fraction(1, 90000)
    return frame


def test_h264_encoder_keeps_timestamps_and_follows_size_keyframes_and_bit_rate(
    astronaut: NDArray[np.uint8],
) -> None:
    encoder = H264Encoder("libx264")
    decoder = av.CodecContext.create("h264", "r")
    photo = AstronautTrack(astronaut).frame_at(0)
    packets = [encoder.encode(_frame(photo, 3000 * n)) for n in range(5)]
    assert all(p is not None for p in packets)
    assert [p.pts for p in packets if p] == [0, 3000, 6000, 9000, 12000]
    assert [p.is_keyframe for p in packets if p] == [True, False, False, False, False]
    decoded = [f for p in packets if p for f in decoder.decode(p)]
    assert len(decoded) == 5
    assert np.abs(decoded[-1].to_ndarray(format="rgb24").astype(int) - photo).mean() < 6
    # A keyframe when asked, then none again.
    encoder.request_keyframe()
    asked = [encoder.encode(_frame(photo, 3000 * n)) for n in range(5, 7)]
    assert [p.is_keyframe for p in asked if p] == [True, False]
    # The receiver's estimate, within aiortc's H.264 bounds.
    encoder.set_bitrate(10_000_000)
    assert encoder.bitrate == MAX_BITRATE
    encoder.set_bitrate(1)
    assert encoder.bitrate == MIN_BITRATE
    # A new frame size reopens the encoder: a keyframe at that size.
    small = np.ascontiguousarray(photo[::2, ::2])
    packet = encoder.encode(_frame(small, 21000))
    assert packet is not None and packet.is_keyframe
    (frame,) = av.CodecContext.create("h264", "r").decode(packet)
    assert (frame.width, frame.height) == (320, 240)
    encoder.close()
