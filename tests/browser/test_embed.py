"""The embed SDK on a shop's own origin: the iframe embed over postMessage, and the
<tryon-widget> element calling the server cross-origin."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tryon.server.app import SESSIONS

from .harness import Origins

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def parent(browser: Browser, origins: Origins) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 900, "height": 700})
    page.goto(f"{origins.shop}/parent.html")
    page.wait_for_function(
        "window.events && window.events.some((e) => e.type === 'face-found')", timeout=60_000
    )
    yield page
    page.close()


def looks(page: Page) -> list[str]:
    events = page.evaluate("window.events.filter((e) => e.type === 'look-changed')")
    return [item["product"] for e in events for item in e["items"]]


def test_iframe_embed_talks_only_to_its_parent(parent: Page, origins: Origins) -> None:
    frame = parent.frame_locator("#slot iframe")
    assert frame.locator("video").count() == 1
    assert looks(parent) == ["classic-rectangle-black"]  # the look from the embed URL

    # A frame from another origin on the same page forges messages to both sides.
    stranger = next(f for f in parent.frames if f.url.startswith(origins.stranger))
    stranger.evaluate("forge()")
    parent.wait_for_timeout(1500)
    assert "forged" not in looks(parent), "the parent took a message from a stranger"
    assert "aviator-gold-58" not in looks(parent), "the embed obeyed a stranger"

    # The real parent is obeyed, and the reply comes back to it.
    items = parent.evaluate(
        "window.embedded.setLook([{ product: 'aviator-gold-58', intensity: 0.7 }])"
    )
    assert items == [{"product": "aviator-gold-58", "intensity": 0.7}]
    parent.wait_for_function(
        "window.events.some((e) => e.type === 'look-changed' && "
        "e.items[0].product === 'aviator-gold-58')"
    )
    size = parent.evaluate(
        "window.embedded.snapshot().then(async (b) => [b.type, (await createImageBitmap(b)).width])"
    )
    assert size == ["image/png", 640]


def test_embed_refuses_a_parent_that_is_not_allowed(browser: Browser, origins: Origins) -> None:
    page = browser.new_page()
    try:
        page.goto(f"{origins.stranger}/stranger.html")
        page.set_content(  # this page's origin is not in the server's allowed origins
            f'<iframe src="{origins.url}/embed?parent={origins.stranger}"></iframe>'
        )
        page.wait_for_timeout(1500)
        embed = next((f for f in page.frames if f.url.startswith(origins.url)), None)
        # Chromium blocks the frame (CSP frame-ancestors); were it shown, the page refuses.
        assert embed is None or embed.locator("video").count() == 0
    finally:
        page.close()


def test_widget_element_errors_and_snapshot(browser: Browser, origins: Origins) -> None:
    page = browser.new_page()
    try:
        page.goto(f"{origins.shop}/widget.html")
        page.wait_for_function("window.events.some((e) => e.type === 'face-found')", timeout=60_000)
        code = page.evaluate(
            "document.getElementById('w').setLook(['no-such-frame']).catch((e) => e.code)"
        )
        assert code == "unknown-product"
        assert page.evaluate(
            "window.events.filter((e) => e.type === 'error').map((e) => e.code)"
        ) == ["unknown-product"]
        # The session survives the bad request: a good look and a snapshot still work.
        items = page.evaluate("document.getElementById('w').setLook(['round-tortoise'])")
        assert items == [{"product": "round-tortoise", "intensity": 1}]
        blob = page.evaluate(
            "document.getElementById('w').snapshot().then((b) => [b.type, b.size])"
        )
        assert blob[0] == "image/png" and blob[1] > 10_000
    finally:
        page.close()


def test_widget_reconnects_after_the_server_drops_it(browser: Browser, origins: Origins) -> None:
    page = browser.new_page()
    try:
        page.goto(f"{origins.shop}/widget.html")
        page.wait_for_function("window.events.some((e) => e.type === 'face-found')", timeout=60_000)
        first = page.evaluate("window.events.find((e) => e.type === 'ready').session")
        sessions = origins.server.app[SESSIONS]
        origins.server.call(lambda: asyncio.ensure_future(sessions.close_all()))
        page.wait_for_function(
            "window.events.filter((e) => e.type === 'ready').length === 2", timeout=30_000
        )
        errors = page.evaluate("window.events.filter((e) => e.type === 'error').map((e) => e.code)")
        assert "connection-lost" in errors
        second = page.evaluate("window.events.filter((e) => e.type === 'ready')[1].session")
        assert second != first
        page.wait_for_function(  # the new session streams and tracks again
            "window.events.filter((e) => e.type === 'face-found').length === 2", timeout=30_000
        )
    finally:
        page.close()
