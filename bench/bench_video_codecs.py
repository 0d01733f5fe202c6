"""CPU per frame of each ``tryon serve --video-encoder`` choice, and of decoding its output.

The frames are the server tests' camera (tests/server/peer.py: the astronaut at 640x480,
drifting); each encoder that opens here encodes them at the same bit rate as the server
would send them (aiortc's VP8 encoder, or tryon's PyAV H.264 encoder), and aiortc's
decoder for that codec decodes the result (what the server does with a camera that arrives
in that codec, and a client with what it gets). CPU is the process's utime+stime (every
thread, the encoders' own included) divided by the frames; wall is the elapsed time. The
load average is printed: on a shared machine, wall times are upper bounds, CPU much less so.

Usage: .venv/bin/python bench/bench_video_codecs.py [--frames 300] [--bitrate 1000000]
"""

from __future__ import annotations

import argparse
import fractions
import os
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aiortc import RTCRtpCodecParameters
from aiortc.codecs import get_decoder, get_encoder, vp8_depayload
from aiortc.codecs.base import Decoder
from aiortc.jitterbuffer import JitterFrame
from av import VideoFrame
from skimage import data

from tryon.server.video_encoder import (
    VIDEO_ENCODERS,
    EncoderUnavailable,
    H264Encoder,
    check_encoder,
    is_h264,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "server"))

from peer import AstronautTrack

WARMUP = 10
VP8 = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=97)
H264 = RTCRtpCodecParameters(mimeType="video/H264", clockRate=90000, payloadType=99)


@dataclass(frozen=True)
class Result:
    encoder: str
    encode_cpu_ms: float
    encode_wall_ms: float
    decode_cpu_ms: float
    mbps: float


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def encoder_for(name: str, bitrate: int) -> Callable[[VideoFrame], bytes]:
    """One frame in, that frame's bitstream out (what the receiver's depayloader makes)."""
    if is_h264(name):
        h264 = H264Encoder(name)
        h264.set_bitrate(bitrate)

        def encode_h264(frame: VideoFrame) -> bytes:
            packet = h264.encode(frame)
            return b"" if packet is None else bytes(packet)

        return encode_h264
    vp8 = get_encoder(VP8)
    vp8.target_bitrate = bitrate  # type: ignore[attr-defined]

    def encode_vp8(frame: VideoFrame) -> bytes:
        payloads, _ = vp8.encode(frame)
        return b"".join(vp8_depayload(p) for p in payloads)

    return encode_vp8


def measure(name: str, frames: list[VideoFrame], bitrate: int) -> Result:
    encode = encoder_for(name, bitrate)
    warmup = [encode(frame) for frame in frames[:WARMUP]]
    measured = frames[WARMUP:]
    cpu0, wall0 = cpu_s(), time.perf_counter()
    streams = [encode(frame) for frame in measured]
    encode_cpu, encode_wall = cpu_s() - cpu0, time.perf_counter() - wall0
    decoder: Decoder = get_decoder(H264 if is_h264(name) else VP8)
    for n, stream in enumerate(warmup):  # the keyframe and what the measured frames follow
        decoder.decode(JitterFrame(stream, timestamp=3000 * n))
    cpu0 = cpu_s()
    for n, stream in enumerate(streams, WARMUP):
        if not decoder.decode(JitterFrame(stream, timestamp=3000 * n)):
            raise SystemExit(f"{name}: frame {n} did not decode")
    decode_cpu = cpu_s() - cpu0
    count = len(measured)
    return Result(
        name,
        encode_cpu * 1000 / count,
        encode_wall * 1000 / count,
        decode_cpu * 1000 / count,
        sum(len(s) for s in streams) * 8 / (count / 30) / 1e6,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300, help="frames measured per encoder")
    parser.add_argument("--bitrate", type=int, default=1_000_000, help="bits per second")
    args = parser.parse_args()
    track = AstronautTrack(data.astronaut())
    frames = []
    for n in range(WARMUP + args.frames):
        frame = VideoFrame.from_ndarray(track.frame_at(n), format="rgb24")
        frame.pts, frame.time_base = 3000 * n, fractions.Fraction(1, 90000)
        frames.append(frame)
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    results = []
    for name in VIDEO_ENCODERS:
        try:
            check_encoder(name)
        except EncoderUnavailable as exc:
            print(f"{name}: skipped, does not open here ({exc.reason})")
            continue
        results.append(measure(name, frames, args.bitrate))
    load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"\nVideo codecs, 640x480 RGB frames, {args.frames} per encoder, "
        f"{args.bitrate / 1e6:g} Mb/s asked; {os.cpu_count()} cores, load average "
        f"{load_before} before, {load_after} after"
    )
    header = (
        f"{'encoder':<12}{'encode CPU ms':>15}{'vs vp8':>8}{'encode wall ms':>16}"
        f"{'decode CPU ms':>15}{'Mb/s at 30 fps':>16}"
    )
    print(header)
    print("-" * len(header))
    vp8 = results[0]
    for r in results:
        print(
            f"{r.encoder:<12}{r.encode_cpu_ms:>15.2f}{r.encode_cpu_ms / vp8.encode_cpu_ms:>8.2f}"
            f"{r.encode_wall_ms:>16.2f}{r.decode_cpu_ms:>15.2f}{r.mbps:>16.2f}"
        )


if __name__ == "__main__":
    main()
