"""``tryon serve``: the WebRTC try-on server with its demo shop at ``/``."""

from __future__ import annotations

import argparse
import logging
import os
import ssl
from pathlib import Path
from typing import Any

from tryon.cli import CliError

__all__ = ["register"]

_SHUTDOWN_TIMEOUT_S = 3.0


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "serve",
        help="run the WebRTC try-on server and its demo shop",
        description=(
            "Serve the try-on over WebRTC: the demo shop at /, the iframe embed at /embed, "
            "the embed SDK at /web/tryon.js, the API under /api, /healthz and /metrics."
        ),
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    p.add_argument("--port", type=int, default=8080, help="port (default: %(default)s)")
    p.add_argument(
        "--cert", type=Path, help="TLS certificate (PEM); browsers need https for cameras"
    )
    p.add_argument("--key", type=Path, help="TLS private key (PEM) for --cert")
    p.add_argument(
        "--max-sessions", type=int, default=4, help="shoppers at once (default: %(default)s)"
    )
    p.add_argument(
        "--offers-per-minute", type=int, default=20, help="offers per client IP per minute"
    )
    p.add_argument("--max-body", type=int, default=64 * 1024, help="largest request body in bytes")
    p.add_argument(
        "--disconnect-timeout",
        type=float,
        default=10.0,
        help="seconds before a disconnected session is closed (default: %(default)s)",
    )
    p.add_argument(
        "--connect-timeout",
        type=float,
        default=15.0,
        help="seconds a new session may take to connect before it is closed (default: %(default)s)",
    )
    p.add_argument(
        "--connecting-per-ip",
        type=int,
        default=2,
        help="sessions one client IP may have still connecting (default: %(default)s)",
    )
    p.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        metavar="ADDRESS[/BITS]",
        help="load balancer whose X-Forwarded-For names the client, for the per-IP limits"
        " (repeatable; none by default)",
    )
    p.add_argument(
        "--ice-server",
        action="append",
        default=[],
        metavar="URL[,USER,CREDENTIAL]",
        help="STUN/TURN server for both peers (repeatable; none by default)",
    )
    p.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="origin that may embed /embed and call the API, e.g. https://shop.example"
        " (repeatable)",
    )
    p.add_argument(
        "--echo",
        action="store_true",
        help="engine off: send the camera back unchanged (a baseline for benchmarks)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="engine worker processes, sessions spread over them (default: one per core,"
        " %(default)s here); 0 runs engines on threads of the server process",
    )
    p.add_argument(
        "--video-encoder",
        default="vp8",
        metavar="NAME",
        help="what encodes the video sent back: vp8 (aiortc's libvpx), or H.264 with libx264"
        " (CPU) or h264_nvenc (NVIDIA GPU), used with browsers that offer H.264, VP8 with"
        " the others (default: %(default)s; `tryon doctor` lists those that open here)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log session events")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from aiohttp import web

    from tryon.catalog.catalog import Catalog
    from tryon.catalog.errors import CatalogError
    from tryon.server.app import create_app
    from tryon.server.config import IceServer, ServerConfig
    from tryon.server.forwarded import parse_network
    from tryon.server.parts import default_engine_factory, default_shelf
    from tryon.server.video_encoder import EncoderUnavailable, check_encoder

    try:
        config = ServerConfig(
            host=args.host,
            port=args.port,
            max_sessions=args.max_sessions,
            offers_per_minute=args.offers_per_minute,
            max_body_bytes=args.max_body,
            disconnect_timeout_s=args.disconnect_timeout,
            connect_timeout_s=args.connect_timeout,
            connecting_per_address=args.connecting_per_ip,
            trusted_proxies=tuple(parse_network(s) for s in args.trusted_proxy),
            ice_servers=tuple(IceServer.parse(s) for s in args.ice_server),
            allowed_origins=tuple(args.allow_origin),
            engine=not args.echo,
            workers=args.workers,
            cert=args.cert,
            key=args.key,
            video_encoder=args.video_encoder,
        )
        check_encoder(config.video_encoder)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    except EncoderUnavailable as exc:
        raise CliError(f"{exc}; `tryon doctor` lists the encoders that open here") from None
    ssl_context = None
    if config.cert is not None and config.key is not None:
        ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        try:
            ssl_context.load_cert_chain(config.cert, config.key)
        except (OSError, ssl.SSLError) as exc:
            raise CliError(
                f"cannot load TLS certificate {config.cert} / key {config.key}: {exc}"
            ) from None
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        catalog = Catalog.default()
    except CatalogError as exc:
        raise CliError(f"cannot load the product catalog: {exc}") from None
    shelf = default_shelf(config, catalog)
    app = create_app(config, shelf, default_engine_factory(config, catalog))
    scheme = "https" if ssl_context else "http"
    mode = "engine on" if config.engine else "echo: engine off"
    mode += f", video {config.video_encoder}"
    print(
        f"tryon serve: demo shop at {scheme}://{config.host}:{config.port}/ ({mode}, "
        f"{len(shelf)} products, up to {config.max_sessions} sessions); Ctrl-C to stop",
        flush=True,
    )
    try:
        web.run_app(
            app,
            host=config.host,
            port=config.port,
            ssl_context=ssl_context,
            print=None,
            access_log=None,
            # Sessions close on shutdown within a few seconds whatever their state; requests
            # still running after this long are dropped.
            shutdown_timeout=_SHUTDOWN_TIMEOUT_S,
        )
    except OSError as exc:
        raise CliError(f"cannot listen on {config.host}:{config.port}: {exc}") from None
    finally:
        shelf.close()
    return 0
