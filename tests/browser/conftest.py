"""Fixtures: one Chromium per module, the try-on server and a shop origin per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from aiohttp import web
from numpy.typing import NDArray
from playwright.sync_api import Browser, Playwright, sync_playwright

from tryon.server import BackgroundServer, ServerConfig
from tryon.server.parts import serve_in_background

from .harness import CHROMIUM, SHOP_PAGES, Origins, launch, write_fake_camera


@pytest.fixture(scope="session")
def fake_camera(tmp_path_factory: pytest.TempPathFactory, astronaut: NDArray[np.uint8]) -> Path:
    return write_fake_camera(tmp_path_factory.mktemp("camera") / "astronaut.y4m", astronaut)


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    """Playwright's sync API runs an event loop on this thread while it lives: it must stop
    with this package, or later tests' ``asyncio.run`` fails."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/setup.sh --test installs Debian's chromium")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright: Playwright, fake_camera: Path) -> Iterator[Browser]:
    browser = launch(playwright, fake_camera)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def origins() -> Iterator[Origins]:
    """The engine-on try-on server, allowing the shop origin, plus the shop's page server."""
    holder: dict[str, str] = {}

    def pages_app() -> web.Application:
        async def page(request: web.Request) -> web.Response:
            html = SHOP_PAGES[request.path]
            html = html.replace("SERVER", holder["server"]).replace("STRANGER", holder["stranger"])
            return web.Response(text=html, content_type="text/html")

        app = web.Application()
        for path in SHOP_PAGES:
            app.router.add_get(path, page)
        return app

    with BackgroundServer(pages_app) as pages:
        shop = f"http://localhost:{pages.port}"
        config = ServerConfig(port=0, allowed_origins=(shop,), disconnect_timeout_s=3)
        with serve_in_background(config) as server:
            holder["server"] = server.url
            holder["stranger"] = pages.url
            yield Origins(server, shop, pages.url)
