"""The HTTP side against the running server: API, headers, and every refused offer."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable, Iterator

import pytest
from PIL import Image

from tryon.server import BackgroundServer, ServerConfig
from tryon.server.parts import serve_in_background

from .peer import AstronautTrack, connect, get, metric, post_offer

SHOP = "http://localhost:9999"


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    config = ServerConfig(port=0, engine=False, allowed_origins=(SHOP,), max_sessions=2)
    with serve_in_background(config) as srv:
        yield srv


def test_healthz(server: BackgroundServer) -> None:
    status, _, body = get(f"{server.url}/healthz")
    assert status == 200
    assert json.loads(body) == {"status": "ok", "sessions": 0, "max_sessions": 2, "engine": False}


def test_products_with_rendered_thumbnails(server: BackgroundServer) -> None:
    status, _, body = get(f"{server.url}/api/products")
    products = json.loads(body)["products"]
    assert status == 200 and len(products) >= 1
    first = products[0]
    assert {"id", "name", "brand", "category", "price", "currency", "thumbnail"} <= set(first)
    status, _, body = get(f"{server.url}/api/products/{first['id']}")
    assert status == 200 and json.loads(body) == first
    status, headers, png = get(server.url + first["thumbnail"])
    assert status == 200 and headers["Content-Type"] == "image/png"
    thumb = Image.open(io.BytesIO(png))
    assert thumb.mode == "RGBA" and thumb.size == (256, 256)
    alpha = thumb.getchannel("A")
    assert alpha.getextrema() == (0, 255)  # a drawn product on a transparent background


def test_unknown_product_is_a_json_404(server: BackgroundServer) -> None:
    for path in ("/api/products/no-such-frame", "/api/products/no-such-frame/thumbnail.png"):
        status, _, body = get(server.url + path)
        assert status == 404
        assert json.loads(body) == {
            "error": "unknown-product",
            "reason": "no product 'no-such-frame'",
        }


def test_demo_face_is_the_astronaut_jpeg(server: BackgroundServer) -> None:
    status, headers, body = get(f"{server.url}/demo/face.jpg")
    assert status == 200 and headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(body)).size == (512, 512)


def test_frame_ancestors_and_cors(server: BackgroundServer) -> None:
    _, headers, _ = get(f"{server.url}/embed")
    assert headers["Content-Security-Policy"] == f"frame-ancestors 'self' {SHOP}"
    _, headers, _ = get(f"{server.url}/")
    assert headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    _, headers, _ = get(f"{server.url}/api/products", {"Origin": SHOP})
    assert headers["Access-Control-Allow-Origin"] == SHOP
    _, headers, _ = get(f"{server.url}/api/products", {"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in headers


def _preflight(url: str, origin: str) -> int:
    async def go() -> int:
        import aiohttp

        async with (
            aiohttp.ClientSession() as http,
            http.options(
                f"{url}/offer",
                headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
            ) as resp,
        ):
            return resp.status

    return asyncio.run(go())


def test_preflight_only_for_allowed_origins(server: BackgroundServer) -> None:
    assert _preflight(server.url, SHOP) == 204
    assert _preflight(server.url, "http://evil.example") == 403


def _offer(url: str, body: bytes | str) -> tuple[int, dict[str, object]]:
    return asyncio.run(post_offer(url, body))


def test_bad_offers_are_refused_and_a_live_session_survives(
    server: BackgroundServer, astronaut_track: Callable[[], AstronautTrack]
) -> None:
    async def scenario() -> None:
        peer = await connect(server.url, astronaut_track())
        await peer.wait_frames(10)
        refusals = [
            (await post_offer(server.url, "garbage"), 400, "offer is not valid JSON"),
            (await post_offer(server.url, '{"type": "offer", "sdp": "v=1"}'), 400, "v=0"),
            (await post_offer(server.url, b"{" + b" " * 70_000 + b"}"), 413, "limit 65536"),
        ]
        for (status, body), expected, reason in refusals:
            assert status == expected, body
            assert reason in str(body["reason"])
        # A second session fits (max 2); a third gets 503 while both are up.
        other = await connect(server.url, astronaut_track())
        status, body = await post_offer(server.url, json.dumps({"type": "offer", "sdp": "v=0"}))
        assert status == 503 and body["error"] == "server-busy"
        assert "2 sessions open (limit 2)" in str(body["reason"])
        await other.close()
        # The first session still streams and answers on its data channel.
        count = len(peer.frames)
        await peer.wait_frames(count + 15)
        peer.send(type="ping", id="still-there")
        await peer.wait_for(lambda m: m == {"type": "pong", "id": "still-there"})
        await peer.close()

    asyncio.run(scenario())
    assert metric(server.url, 'tryon_offers_rejected_total{reason="bad-offer"}') >= 2
    assert metric(server.url, 'tryon_offers_rejected_total{reason="body-too-large"}') >= 1
    assert metric(server.url, 'tryon_offers_rejected_total{reason="server-busy"}') >= 1


def test_too_many_offers_get_429_rate_limited() -> None:
    config = ServerConfig(port=0, engine=False, offers_per_minute=3)
    with serve_in_background(config) as srv:
        statuses = [_offer(srv.url, "garbage")[0] for _ in range(3)]
        status, body = _offer(srv.url, "garbage")
    assert statuses == [400, 400, 400]
    assert status == 429 and body["error"] == "rate-limited"
    assert "(limit 3)" in str(body["reason"])
