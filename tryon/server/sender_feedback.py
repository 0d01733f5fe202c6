"""RTCP feedback for a track that encodes itself: the one place tryon uses aiortc's private API.

aiortc's ``RTCRtpSender`` answers the receiver's RTCP itself: a picture loss (PLI) or full
intra request (FIR) asks *its* encoder for a keyframe, a receiver estimate (REMB) sets *its*
encoder's ``target_bitrate``. A track that hands the sender encoded ``av.Packet`` s (aiortc
then only packetizes them, a public path) has no public way to hear either. aiortc 1.x's
DTLS transport delivers every RTCP packet addressed to a sender by calling
``sender._handle_rtcp_packet(packet)`` (a coroutine, looked up on the instance), so
:func:`listen_to_feedback` replaces that attribute on one sender with a coroutine that tells
the listener, then hands the packet to aiortc's own handler (NACK retransmission, reports
and stats go on as before).

``tests/server/test_video_encoder.py`` fails when aiortc changes this (a session on loopback
must see the client's REMB arrive here).
"""

from __future__ import annotations

import inspect
import weakref
from typing import Protocol

from aiortc import RTCRtpSender
from aiortc.rtp import (
    RTCP_PSFB_APP,
    RTCP_PSFB_FIR,
    RTCP_PSFB_PLI,
    AnyRtcpPacket,
    RtcpPsfbPacket,
    unpack_remb_fci,
)

__all__ = ["FeedbackListener", "listen_to_feedback"]


class FeedbackListener(Protocol):
    """What the receiver asks of the encoder."""

    def request_keyframe(self) -> None: ...

    def set_bitrate(self, bits_per_s: int) -> None: ...


def listen_to_feedback(sender: RTCRtpSender, listener: FeedbackListener) -> None:
    """Tell ``listener`` about the PLI, FIR and REMB packets ``sender`` receives.

    Raises ``RuntimeError`` when the installed aiortc has no ``_handle_rtcp_packet``
    coroutine on its sender (an aiortc this was not written for)."""
    handle = getattr(type(sender), "_handle_rtcp_packet", None)
    if handle is None or not inspect.iscoroutinefunction(handle):
        raise RuntimeError(
            "aiortc's RTCRtpSender has no _handle_rtcp_packet coroutine (aiortc changed): "
            "keyframe requests and bit-rate estimates cannot reach the video encoder"
        )
    # A weak reference: the sender holds this coroutine, which must not hold the sender.
    owner = weakref.ref(sender)

    async def observe(packet: AnyRtcpPacket) -> None:
        if isinstance(packet, RtcpPsfbPacket):
            if packet.fmt in (RTCP_PSFB_PLI, RTCP_PSFB_FIR):
                listener.request_keyframe()
            elif packet.fmt == RTCP_PSFB_APP:
                try:
                    bitrate, _ = unpack_remb_fci(packet.fci)
                except ValueError:  # an application packet that is not REMB
                    pass
                else:
                    listener.set_bitrate(bitrate)
        target = owner()
        if target is not None:
            await handle(target, packet)

    sender._handle_rtcp_packet = observe  # type: ignore[method-assign]
