"""Server settings: every limit, the ICE servers, the allowed embedding origins, TLS."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tryon.server.forwarded import Network
from tryon.server.video_encoder import DEFAULT_VIDEO_ENCODER, VIDEO_ENCODERS

__all__ = ["IceServer", "ServerConfig", "parse_origin"]


@dataclass(frozen=True, slots=True)
class IceServer:
    """A STUN or TURN server handed to both peers (none by default: nothing is contacted)."""

    url: str
    username: str | None = None
    credential: str | None = None

    def __post_init__(self) -> None:
        if not self.url.startswith(("stun:", "stuns:", "turn:", "turns:")):
            raise ValueError(
                f"ICE server URL must start with stun:, stuns:, turn: or turns:, got {self.url!r}"
            )

    @classmethod
    def parse(cls, spec: str) -> IceServer:
        """``URL`` or ``URL,USERNAME,CREDENTIAL`` (the command line form)."""
        parts = spec.split(",")
        if len(parts) == 1:
            return cls(parts[0])
        if len(parts) == 3:
            return cls(parts[0], parts[1], parts[2])
        raise ValueError(f"expected URL or URL,USERNAME,CREDENTIAL for an ICE server, got {spec!r}")

    def to_json(self) -> dict[str, str]:
        """The browser's ``RTCIceServer`` dictionary."""
        out = {"urls": self.url}
        if self.username is not None and self.credential is not None:
            out |= {"username": self.username, "credential": self.credential}
        return out


def parse_origin(origin: str) -> str:
    """``scheme://host[:port]`` exactly as a browser sends it in ``Origin``; rejects paths."""
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise ValueError(f"expected an origin like https://shop.example:8443, got {origin!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"an origin has no query or fragment, got {origin!r}")
    return f"{parts.scheme}://{parts.netloc}".lower()


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """What ``tryon serve`` is told; defaults suit one machine on a shop's counter."""

    host: str = "127.0.0.1"
    port: int = 8080
    #: Peer connections served at once; one more gets 503 with a JSON reason.
    max_sessions: int = 4
    #: ``POST /offer`` per client IP in any 60 s window; one more gets 429.
    offers_per_minute: int = 20
    #: Largest request body accepted (SDP offers are a few KiB); larger gets 413.
    max_body_bytes: int = 64 * 1024
    #: A ``disconnected`` peer (or one that never connects) is closed after this long.
    disconnect_timeout_s: float = 10.0
    #: A peer not ``connected`` this long after its answer is closed (whatever ICE/DTLS is
    #: stuck in) and its slot freed.
    connect_timeout_s: float = 15.0
    #: Sessions one client IP may have not yet connected; one more gets 429 ``rate-limited``.
    connecting_per_address: int = 2
    #: Load balancers whose ``X-Forwarded-For`` names the client (addresses or networks);
    #: the per-address limits then count shoppers, not the balancer.
    trusted_proxies: tuple[Network, ...] = ()
    ice_servers: tuple[IceServer, ...] = ()
    #: Origins allowed to call the API (CORS) and to frame ``/embed`` (CSP frame-ancestors),
    #: besides the server's own origin.
    allowed_origins: tuple[str, ...] = ()
    #: ``False`` turns the engine off: the server echoes the camera (the benchmark's baseline).
    engine: bool = True
    #: Engine worker processes (sessions spread over them, frames through shared memory);
    #: 0 runs each session's engine on a thread of the server's own process.
    workers: int = 0
    cert: Path | None = None
    key: Path | None = None
    #: Edge of the square product thumbnails in pixels.
    thumbnail_size: int = 256
    #: What encodes the video sent back (``tryon.server.video_encoder``): ``vp8`` (aiortc's
    #: libvpx), or H.264 through ``libx264`` (CPU) or ``h264_nvenc`` (NVIDIA GPU), put
    #: first in the answer (browsers without H.264 get VP8).
    video_encoder: str = DEFAULT_VIDEO_ENCODER

    def __post_init__(self) -> None:
        if self.workers < 0:
            raise ValueError(f"workers must be 0 (threads) or more, got {self.workers}")
        if self.max_sessions < 1:
            raise ValueError(f"max_sessions must be at least 1, got {self.max_sessions}")
        if self.offers_per_minute < 1:
            raise ValueError(f"offers_per_minute must be at least 1, got {self.offers_per_minute}")
        if self.max_body_bytes < 1024:
            raise ValueError(f"max_body_bytes must be at least 1024, got {self.max_body_bytes}")
        if self.disconnect_timeout_s <= 0:
            raise ValueError(
                f"disconnect_timeout_s must be positive, got {self.disconnect_timeout_s}"
            )
        if self.connecting_per_address < 1:
            raise ValueError(
                f"connecting_per_address must be at least 1, got {self.connecting_per_address}"
            )
        if self.connect_timeout_s <= 0:
            raise ValueError(f"connect_timeout_s must be positive, got {self.connect_timeout_s}")
        if self.video_encoder not in VIDEO_ENCODERS:
            raise ValueError(
                f"video_encoder must be one of {', '.join(VIDEO_ENCODERS)}, "
                f"got {self.video_encoder!r}"
            )
        if (self.cert is None) != (self.key is None):
            raise ValueError(
                f"TLS needs both a certificate and a key, got cert={self.cert} key={self.key}"
            )
        object.__setattr__(
            self, "allowed_origins", tuple(parse_origin(o) for o in self.allowed_origins)
        )

    @property
    def tls(self) -> bool:
        return self.cert is not None
