"""The aiohttp application: routes, CORS and frame-ancestors, static web client, shutdown.

Every error answer is JSON ``{"error": CODE, "reason": TEXT}`` (aiohttp's own 404/405/413
included); the routes are described by ``openapi.json`` next to this module, served at
``/api/openapi.json``.
"""

from __future__ import annotations

import asyncio
import io
import logging
import threading
from collections.abc import Awaitable, Callable
from functools import cache
from pathlib import Path
from typing import Any

from aiohttp import web

from tryon import safe_json
from tryon.resources import data_dir
from tryon.server.config import ServerConfig
from tryon.server.forwarded import client_address
from tryon.server.limits import OfferRateLimiter, Rejection, check_offer
from tryon.server.metrics import Metrics
from tryon.server.products import ProductShelf
from tryon.server.session import EngineFactory, Sessions
from tryon.server.workers import EnginePool

__all__ = ["create_app"]

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: The HTTP API's OpenAPI 3 description (the one source; a test checks it against the routes).
OPENAPI_PATH = Path(__file__).with_name("openapi.json")
#: An offer is ``{"sdp": "...", "type": "offer"}``: one level deep; allow a little slack.
_OFFER_MAX_DEPTH = 4

CONFIG: web.AppKey[ServerConfig] = web.AppKey("config", ServerConfig)
SESSIONS: web.AppKey[Sessions] = web.AppKey("sessions", Sessions)
METRICS: web.AppKey[Metrics] = web.AppKey("metrics", Metrics)
SHELF: web.AppKey[ProductShelf] = web.AppKey("shelf", ProductShelf)
LIMITER: web.AppKey[OfferRateLimiter] = web.AppKey("limiter", OfferRateLimiter)
POOL: web.AppKey[EnginePool] = web.AppKey("pool", EnginePool)


def create_app(
    config: ServerConfig, shelf: ProductShelf, engine_factory: EngineFactory | None
) -> web.Application:
    """The server; ``engine_factory=None`` echoes the camera (``config.engine`` is False)."""
    app = web.Application(client_max_size=config.max_body_bytes, middlewares=[_headers_middleware])
    metrics = Metrics()
    app[CONFIG] = config
    app[METRICS] = metrics
    app[SHELF] = shelf
    app[LIMITER] = OfferRateLimiter(config.offers_per_minute)
    app[SESSIONS] = Sessions(config, metrics, engine_factory, shelf.__contains__)
    if isinstance(engine_factory, EnginePool):
        app[POOL] = engine_factory
        app.on_cleanup.append(_close_pool)
    app.router.add_post("/offer", _offer)
    app.router.add_route("OPTIONS", "/offer", _preflight)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/readyz", _readyz)
    app.router.add_get("/metrics", _metrics)
    app.router.add_get("/api/openapi.json", _openapi())
    app.router.add_get("/api/config", _client_config)
    app.router.add_get("/api/products", _products)
    app.router.add_get("/api/products/{id}", _product)
    app.router.add_get("/api/products/{id}/thumbnail.png", _thumbnail)
    app.router.add_get("/demo/face.jpg", _demo_face)
    app.router.add_get("/", _page("index.html"))
    app.router.add_get("/embed", _page("embed.html"))
    app.router.add_get("/web/{path:.+}", _web_files())
    app.on_startup.append(_quiet_task_failures)
    app.on_shutdown.append(_shutdown)
    return app


# -- headers: CORS for allowed origins, frame-ancestors, no caching of API answers --------


def _allowed_origin(request: web.Request) -> str | None:
    origin = request.headers.get("Origin")
    if origin is None:
        return None
    own = f"{request.scheme}://{request.host}".lower()
    if origin.lower() == own or origin.lower() in request.app[CONFIG].allowed_origins:
        return origin
    return None


@web.middleware
async def _headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except Rejection as rej:
        response = _rejection(rej)
    except web.HTTPRequestEntityTooLarge as exc:
        limit = request.app[CONFIG].max_body_bytes
        response = _rejection(Rejection(413, "body-too-large", f"{exc.text} (limit {limit})"))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = exc.reason.lower().replace(" ", "-")
        what = f"{request.method} {request.path[:200]}"
        response = _rejection(Rejection(exc.status, code, what))
        if "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
    origin = _allowed_origin(request)
    if origin is not None:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
    config = request.app[CONFIG]
    ancestors = " ".join(("'self'", *config.allowed_origins))
    if request.path == "/embed":
        response.headers["Content-Security-Policy"] = f"frame-ancestors {ancestors}"
    else:
        response.headers["Content-Security-Policy"] = "frame-ancestors 'self'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["Permissions-Policy"] = "camera=(self)"
    return response


async def _preflight(request: web.Request) -> web.Response:
    if _allowed_origin(request) is None:
        return web.json_response(
            {"error": "origin-not-allowed", "reason": "this origin may not call the server"},
            status=403,
        )
    return web.Response(
        status=204,
        headers={
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": "600",
        },
    )


def _rejection(rej: Rejection) -> web.Response:
    return web.json_response(rej.to_json(), status=rej.status)


# -- signalling -------------------------------------------------------------------------


async def _offer(request: web.Request) -> web.Response:
    app = request.app
    config, metrics = app[CONFIG], app[METRICS]
    try:
        if request.content_length is not None and request.content_length > config.max_body_bytes:
            raise Rejection(
                413,
                "body-too-large",
                f"body of {request.content_length} bytes (limit {config.max_body_bytes})",
            )
        address = client_address(
            request.remote, request.headers.getall("X-Forwarded-For", []), config.trusted_proxies
        )
        app[LIMITER].admit(address)
        app[SESSIONS].check_capacity(address)
        try:
            payload: Any = safe_json.loads(
                await request.read(),
                max_bytes=config.max_body_bytes,
                max_depth=_OFFER_MAX_DEPTH,
                what="offer",
            )
        except safe_json.JsonLimitError as exc:
            raise Rejection(400, "bad-offer", str(exc)) from None
        sdp, _ = check_offer(payload)
        session, answer = await app[SESSIONS].open(sdp, address)
    except Rejection as rej:
        metrics.rejected[rej.code] += 1
        log.info("offer refused: %s", rej)
        return _rejection(rej)
    return web.json_response({"sdp": answer.sdp, "type": answer.type, "session": session.id})


# -- information ------------------------------------------------------------------------


async def _healthz(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    return web.json_response(
        {
            "status": "ok",
            "sessions": len(request.app[SESSIONS]),
            "max_sessions": config.max_sessions,
            "engine": config.engine,
        }
    )


async def _readyz(request: web.Request) -> web.Response:
    """200 while a session slot is free, else 503 ``server-busy``: a load balancer's check."""
    sessions = request.app[SESSIONS]
    sessions.check_free_slot()
    return web.json_response(
        {
            "status": "ready",
            "sessions": len(sessions),
            "max_sessions": request.app[CONFIG].max_sessions,
        }
    )


async def _metrics(request: web.Request) -> web.Response:
    workers = sum(1 for t in threading.enumerate() if t.name.startswith("tryon-session-"))
    live = {sid: s.stats for sid, s in request.app[SESSIONS].live.items()}
    pool = request.app.get(POOL)
    text = request.app[METRICS].render(live, workers, () if pool is None else pool.stats())
    return web.Response(text=text, content_type="text/plain", charset="utf-8")


def _openapi() -> Handler:
    text = OPENAPI_PATH.read_text(encoding="utf-8")  # read once, at start

    async def openapi(request: web.Request) -> web.Response:
        return web.Response(text=text, content_type="application/json")

    return openapi


async def _client_config(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    return web.json_response(
        {
            "iceServers": [s.to_json() for s in config.ice_servers],
            "allowedOrigins": list(config.allowed_origins),
            "engine": config.engine,
        }
    )


async def _products(request: web.Request) -> web.Response:
    return web.json_response({"products": request.app[SHELF].list_json()})


def _product_or_404(request: web.Request) -> str:
    pid = request.match_info["id"]
    if pid not in request.app[SHELF]:
        raise Rejection(404, "unknown-product", f"no product {pid!r}")
    return pid


async def _product(request: web.Request) -> web.Response:
    return web.json_response(request.app[SHELF].get_json(_product_or_404(request)))


async def _thumbnail(request: web.Request) -> web.Response:
    png = await request.app[SHELF].thumbnail_png(_product_or_404(request))
    return web.Response(
        body=png, content_type="image/png", headers={"Cache-Control": "public, max-age=3600"}
    )


@cache
def _demo_face_jpeg() -> bytes:
    """The astronaut photo (public domain, bundled with scikit-image) for the no-webcam demo."""
    from PIL import Image
    from skimage import data

    buf = io.BytesIO()
    photo = data.astronaut()  # type: ignore[no-untyped-call]
    Image.fromarray(photo).save(buf, format="JPEG", quality=92)
    return buf.getvalue()


async def _demo_face(request: web.Request) -> web.Response:
    return web.Response(
        body=_demo_face_jpeg(),
        content_type="image/jpeg",
        headers={"Cache-Control": "public, max-age=86400"},
    )


def _page(name: str) -> Handler:
    path = data_dir("web") / name

    async def page(request: web.Request) -> web.StreamResponse:
        return web.FileResponse(path, headers={"Cache-Control": "no-cache"})

    return page


def _web_files() -> Handler:
    """The web client's files, listed once at start (no path from a request touches the disk)."""
    root = data_dir("web")
    files = {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}

    async def web_file(request: web.Request) -> web.StreamResponse:
        name = request.match_info["path"]
        if name not in files:
            raise Rejection(404, "not-found", f"no file {name[:100]!r} in the web client")
        return web.FileResponse(files[name])

    return web_file


async def _quiet_task_failures(app: web.Application) -> None:
    """aiortc's own tasks fail on a hostile peer's leftovers ("Task exception was never
    retrieved", with a traceback); the session is already refused or closed, so log one line
    (the traceback only with debug logging): a client must not be able to flood the log."""

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if exc is None:
            loop.default_exception_handler(context)
            return
        log.warning(
            "background task failed: %s: %s",
            type(exc).__name__,
            exc,
            exc_info=exc if log.isEnabledFor(logging.DEBUG) else None,
        )

    asyncio.get_running_loop().set_exception_handler(handle)


async def _shutdown(app: web.Application) -> None:
    await app[SESSIONS].shutdown()


async def _close_pool(app: web.Application) -> None:
    """Stop the engine workers once every session is closed (bounded: see EnginePool)."""
    await asyncio.get_running_loop().run_in_executor(None, app[POOL].close)
