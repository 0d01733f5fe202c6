"""The browser SDK (web/tryon.js) under faults, in headless Chromium against real servers:
what the shopper's page gets when an ICE server stalls, the server refuses or drops it, a
look is bad, or the embed iframe never answers; and that every error code it raises is the
documented one (docs/protocol.md, "SDK error codes")."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright

from tryon.server import BackgroundServer, IceServer, ServerConfig
from tryon.server.app import SESSIONS
from tryon.server.parts import serve_in_background
from tryon.server.protocol import ErrorCode

from .harness import Origins, launch

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]

#: A shop's page loading the SDK; it records every event (and every data-channel message the
#: SDK sends) in ``window.events`` with its time in ms since ``window.t0``.
SDK_PAGE = """<!doctype html><meta charset="utf-8"><div id="slot"></div>BODY
<script type="module">
  import { TryOn, ERROR_CODES } from "SERVER/web/tryon.js";
  window.events = [];
  window.t0 = performance.now();
  const at = () => Math.round(performance.now() - window.t0);
  window.record = (target, types = ["ready", "face-found", "look-changed", "state", "error"]) => {
    for (const type of types) {
      target.addEventListener(type, (e) => window.events.push({ type, at: at(), ...e.detail }));
    }
  };
  const send = RTCDataChannel.prototype.send;
  RTCDataChannel.prototype.send = function (data) {
    window.events.push({ type: "sent", at: at(), message: JSON.parse(data) });
    return send.call(this, data);
  };
  Object.assign(window, { TryOn, ERROR_CODES, loaded: true });
  for (const w of document.querySelectorAll("tryon-widget")) window.record(w);
</script>"""


def open_sdk_page(
    browser: Browser, origins: Origins, server: str, body: str = "", thrown: list[str] | None = None
) -> Page:
    """A page on the shop's origin with the SDK of ``server`` loaded (and ``body`` in it);
    uncaught exceptions and unhandled rejections go to ``thrown``."""
    page = browser.new_page()
    if thrown is not None:
        page.on("pageerror", lambda exc: thrown.append(str(exc)))
    page.goto(f"{origins.shop}/stranger.html")
    page.set_content(SDK_PAGE.replace("BODY", body).replace("SERVER", server))
    page.wait_for_function("window.loaded === true")
    return page


def documented_codes() -> list[str]:
    """The codes of the table under "SDK error codes" in docs/protocol.md."""
    text = (ROOT / "docs" / "protocol.md").read_text()
    section = text.split("### SDK error codes", 1)[1].split("\n## ", 1)[0]
    rows = section.split("\n|---|", 1)[1]  # below the header
    return re.findall(r"^\| `([a-z-]+)` \|", rows, re.MULTILINE)


def events(page: Page, kind: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(
        "(kind) => window.events.filter((e) => e.type === kind)", kind
    )
    return found


def assert_documented(page: Page) -> None:
    codes = {e["code"] for e in events(page, "error")}
    assert codes <= set(documented_codes()), f"undocumented codes {codes}"


@pytest.fixture(scope="module")
def echo(origins: Origins) -> Iterator[BackgroundServer]:
    """This module's server: it echoes the video (no engine: the SDK is under test, and other
    tests' sessions do not load it); it knows the catalog and allows the shop's origin."""
    config = ServerConfig(port=0, engine=False, allowed_origins=(origins.shop,))
    with serve_in_background(config) as server:
        yield server


@pytest.fixture
def stalled_turn() -> Iterator[IceServer]:
    """A TURN server that never answers: a UDP socket that takes packets and never reads."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield IceServer(f"turn:127.0.0.1:{sock.getsockname()[1]}", "shop", "secret")


def test_a_stalled_turn_server_times_out_and_host_candidates_connect(
    browser: Browser, origins: Origins, stalled_turn: IceServer
) -> None:
    config = ServerConfig(
        port=0, engine=False, ice_servers=(stalled_turn,), allowed_origins=(origins.shop,)
    )
    with serve_in_background(config) as server:
        page = open_sdk_page(browser, origins, server.url)
        try:
            look = page.evaluate(
                """(server) => {
                  const t = window.t = TryOn.mount(document.getElementById("slot"),
                    { server, source: "camera", iceTimeoutMs: 1500 });
                  record(t);
                  t.addEventListener("error", () => {
                    window.gathering = t._pc?.iceGatheringState;
                  });
                  return t.setLook(["round-tortoise"]);  // made while connecting
                }""",
                server.url,
            )
            page.wait_for_function("window.t.state === 'connected'", timeout=30_000)
            (error,) = events(page, "error")
            # Gathering was still going on when the SDK stopped waiting: the fault was real.
            assert page.evaluate("window.gathering") == "gathering"
            assert error["code"] == "ice-timeout" and error["fallback"] == "gathered"
            assert "1500 ms" in error["message"]
            assert 1400 <= error["at"] < 5000, error
            ready = events(page, "ready")[0]
            assert ready["at"] > error["at"]
            states = [e["state"] for e in events(page, "state")]
            assert states == ["connecting", "connected"]
            # The look asked for while connecting was sent once the channel opened.
            assert look == [{"product": "round-tortoise", "intensity": 1}]
            assert_documented(page)
            print(f"\nstalled TURN: ice-timeout at {error['at']} ms, ready at {ready['at']} ms")
        finally:
            page.close()


@pytest.fixture
def silent_server() -> Iterator[str]:
    """An HTTP server that never answers: a TCP socket that is listened on, never read."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_a_server_that_does_not_answer_is_retried(
    browser: Browser, origins: Origins, echo: BackgroundServer, silent_server: str
) -> None:
    page = open_sdk_page(browser, origins, echo.url)
    try:
        page.evaluate(
            """(server) => { window.t = TryOn.mount(document.getElementById("slot"),
                 { server, source: "camera", requestTimeoutMs: 1000 }); record(window.t); }""",
            silent_server,
        )
        # Each attempt gives up after requestTimeoutMs; the next comes 1 s, then 2 s, later.
        page.wait_for_function(
            "window.events.filter((e) => e.type === 'error').length === 2", timeout=15_000
        )
        errors = events(page, "error")
        assert [e["code"] for e in errors] == ["connection-lost", "connection-lost"]
        assert "server unreachable" in errors[0]["message"]
        assert 1000 <= errors[0]["at"] < 5000, errors
        assert 1900 <= errors[1]["at"] - errors[0]["at"] < 6000, errors
        assert page.evaluate("window.t.state") == "reconnecting"
        # A look set meanwhile waits for a connection; destroy() ends the wait.
        code = page.evaluate(
            """async () => {
              const waiting = window.t.setLook(["round-tortoise"]);
              window.t.destroy();
              return await waiting.catch((e) => e.code);
            }"""
        )
        assert code == "destroyed"
        print(f"\nsilent server: connection-lost at {errors[0]['at']} and {errors[1]['at']} ms")
    finally:
        page.close()


def test_reconnect_sends_the_last_accepted_look_never_a_refused_one(
    browser: Browser, origins: Origins, echo: BackgroundServer
) -> None:
    page = open_sdk_page(browser, origins, echo.url)
    try:
        page.evaluate(
            """(server) => { window.t = TryOn.mount(document.getElementById("slot"),
                 { server, source: "camera", look: ["round-tortoise"] }); record(window.t); }""",
            echo.url,
        )
        page.wait_for_function("window.events.some((e) => e.type === 'look-changed')")
        assert page.evaluate("window.t.setLook(['aviator-gold-58'])")[0]["product"] == (
            "aviator-gold-58"
        )
        refused = page.evaluate("window.t.setLook(['no-such-frame']).catch((e) => e.code)")
        assert refused == "unknown-product"
        assert page.evaluate("window.t.look") == [{"product": "aviator-gold-58", "intensity": 1}]

        dropped_at = page.evaluate("performance.now() - window.t0")
        sessions = echo.app[SESSIONS]
        echo.call(lambda: asyncio.ensure_future(sessions.close_all()))
        page.wait_for_function(
            "window.events.filter((e) => e.type === 'look-changed').length === 3", timeout=30_000
        )
        after = [e for e in page.evaluate("window.events") if e["at"] > dropped_at]
        kinds = [e["type"] for e in after if e["type"] in ("error", "ready", "sent")]
        assert kinds == ["error", "sent", "ready"], after  # sent as the channel opens
        assert [e["code"] for e in after if e["type"] == "error"] == ["connection-lost"]
        (resent,) = [e["message"] for e in after if e["type"] == "sent"]
        assert resent["type"] == "set-look"
        assert resent["items"] == [{"product": "aviator-gold-58", "intensity": 1}]
        (worn,) = [e for e in after if e["type"] == "look-changed"]
        assert worn["items"] == resent["items"]  # the new session wears it
        ready = next(e for e in after if e["type"] == "ready")
        print(f"\nreconnect: ready again {ready['at'] - dropped_at:.0f} ms after the drop")

        # destroy() settles what is pending, and later calls fail the same way.
        codes = page.evaluate(
            """async () => {
              const pending = window.t.snapshot();
              window.t.destroy();
              return [await pending.catch((e) => e.code),
                      await window.t.setLook(["round-tortoise"]).catch((e) => e.code),
                      window.t.state];
            }"""
        )
        assert codes == ["destroyed", "destroyed", "closed"]
        assert_documented(page)
    finally:
        page.close()


WIDGET = """<tryon-widget id="w" server="SERVER" products="round-tortoise" look="{oops"
  source="camera"></tryon-widget>"""


def test_a_bad_look_attribute_raises_an_error_event(
    browser: Browser, origins: Origins, echo: BackgroundServer
) -> None:
    thrown: list[str] = []
    page = open_sdk_page(browser, origins, echo.url, WIDGET, thrown)
    try:
        # Not JSON: an error event, and the widget wears its products instead.
        page.wait_for_function("window.events.some((e) => e.type === 'look-changed')")
        (error,) = events(page, "error")
        assert error["code"] == "bad-look" and "{oops" in error["message"]
        assert events(page, "look-changed")[0]["items"][0]["product"] == "round-tortoise"

        # Changed later to something bad: an error event each, the look is unchanged.
        page.evaluate("document.getElementById('w').setAttribute('look', 'nope')")
        page.evaluate("document.getElementById('w').setAttribute('look', '[5]')")
        page.evaluate("document.getElementById('w').setAttribute('look', '{\"product\": 1}')")
        code = page.evaluate("document.getElementById('w').setLook(42).catch((e) => e.code)")
        assert code == "bad-look"
        assert [e["code"] for e in events(page, "error")] == ["bad-look"] * 5
        assert page.evaluate("document.getElementById('w').tryon.look")[0]["product"] == (
            "round-tortoise"
        )
        # A good one is worn.
        page.evaluate(
            """document.getElementById('w').setAttribute('look',
                 '[{"product": "aviator-gold-58", "intensity": 0.5}]')"""
        )
        page.wait_for_function(
            "window.events.filter((e) => e.type === 'look-changed').length === 2"
        )
        assert events(page, "look-changed")[1]["items"] == [
            {"product": "aviator-gold-58", "intensity": 0.5}
        ]
        assert thrown == []
    finally:
        page.close()


def test_embed_calls_time_out_and_destroy_rejects_them(
    browser: Browser, origins: Origins, echo: BackgroundServer
) -> None:
    page = open_sdk_page(browser, origins, echo.url)
    try:
        # An iframe that never answers: a server URL with no try-on behind it.
        timed_out = page.evaluate(
            """async (server) => {
              window.e = TryOn.embed(document.getElementById("slot"),
                { server, product: "round-tortoise", requestTimeoutMs: 1000 });
              const t0 = performance.now();
              const code = await window.e.setLook(["aviator-gold-58"]).catch((e) => e.code);
              return [code, performance.now() - t0];
            }""",
            origins.stranger,
        )
        assert timed_out[0] == "timeout"
        assert 1000 <= timed_out[1] < 5000, timed_out
        settled = page.evaluate(
            """async () => {
              const pending = [window.e.snapshot(), window.e.setLook(["round-tortoise"])];
              const t0 = performance.now();
              window.e.destroy();
              const codes = await Promise.all(pending.map((p) => p.catch((e) => e.code)));
              const after = await window.e.snapshot().catch((e) => e.code);
              return [codes, after, performance.now() - t0, document.querySelector("iframe")];
            }"""
        )
        assert settled[0] == ["destroyed", "destroyed"]
        assert settled[1] == "destroyed"
        assert settled[2] < 500, "destroy() left calls waiting for their timeout"
        assert settled[3] is None
        print(f"\nembed: timeout after {timed_out[1]:.0f} ms, destroy settled {settled[2]:.0f} ms")
    finally:
        page.close()


def test_refused_offers_are_retried_with_their_codes(browser: Browser, origins: Origins) -> None:
    config = ServerConfig(
        port=0, engine=False, max_sessions=1, offers_per_minute=2, allowed_origins=(origins.shop,)
    )
    with serve_in_background(config) as server:
        page = open_sdk_page(browser, origins, server.url)
        try:
            page.evaluate(
                """(server) => {
                  window.a = TryOn.mount(document.getElementById("slot"),
                    { server, source: "camera" });
                  return new Promise((resolve) => a.addEventListener("ready", resolve));
                }""",
                server.url,
            )
            # The server is full (503), then this IP has used up its offers (429).
            page.evaluate(
                """(server) => { window.b = TryOn.mount(document.getElementById("slot"),
                     { server, source: "camera" }); record(window.b); }""",
                server.url,
            )
            page.wait_for_function(
                "window.events.filter((e) => e.type === 'error').length === 2", timeout=15_000
            )
            errors = events(page, "error")
            assert [e["code"] for e in errors] == ["server-busy", "rate-limited"]
            assert "HTTP 503" in errors[0]["message"] and "HTTP 429" in errors[1]["message"]
            states = [e["state"] for e in events(page, "state")]
            assert states[:4] == ["connecting", "reconnecting", "connecting", "reconnecting"]
            assert page.evaluate("[window.a.state, window.b.state]") == [
                "connected",
                "reconnecting",
            ]
            assert_documented(page)
            page.evaluate("window.b.destroy(); window.a.destroy()")
        finally:
            page.close()


def test_the_sdk_error_codes_are_the_documented_ones(
    browser: Browser, origins: Origins, echo: BackgroundServer
) -> None:
    documented = documented_codes()
    assert len(documented) == len(set(documented)), "a code documented twice"
    page = open_sdk_page(browser, origins, echo.url)
    try:
        assert page.evaluate("[...window.ERROR_CODES]") == documented
    finally:
        page.close()
    # Every code the server sends on the data channel is one the SDK knows (not `internal`).
    server = {v for k, v in vars(ErrorCode).items() if not k.startswith("_")}
    assert server <= set(documented), server - set(documented)
    # Every code literal the SDK and the embed page raise is in the table.
    source = (ROOT / "web" / "tryon.js").read_text() + (ROOT / "web" / "embed.js").read_text()
    raised = set(
        re.findall(r'(?:TryOnError\(|_error\(|_lost\([^,()]+, |code: )"([a-z-]+)"', source)
    )
    refusals = re.search(r"OFFER_REFUSALS = \{([^}]*)\}", source)
    assert refusals is not None
    raised |= set(re.findall(r'"([a-z-]+)"', refusals.group(1)))
    assert len(raised) > 8, raised  # the scan found them
    assert raised <= set(documented), raised - set(documented)


def test_an_embed_call_made_at_once_is_answered(
    browser: Browser, origins: Origins, echo: BackgroundServer
) -> None:
    page = open_sdk_page(browser, origins, echo.url)
    try:
        # Called before the iframe has loaded: the message waits for it, then for the
        # iframe's connection, and is answered.
        items = page.evaluate(
            """(server) => {
              window.e = TryOn.embed(document.getElementById("slot"),
                { server, source: "camera", requestTimeoutMs: 30000 });
              return window.e.setLook(["aviator-gold-58"]);
            }""",
            echo.url,
        )
        assert items == [{"product": "aviator-gold-58", "intensity": 1}]
        page.evaluate("window.e.destroy()")
    finally:
        page.close()


MOUNT_JS = """([server, source]) => new Promise((resolve) => {
  const t = window.t = TryOn.mount(document.getElementById("slot"), { server, source });
  record(t);
  t.addEventListener("ready", (e) => resolve(["ready", e.detail.source]));
  t.addEventListener("state", (e) => {
    if (e.detail.state === "failed") resolve(["failed", t.sourceKind]);
  });
}).finally(() => window.t.destroy())"""


@pytest.mark.parametrize("camera", ["denied", "missing"])
def test_a_denied_or_missing_camera_falls_back_to_the_demo(
    playwright: Playwright, origins: Origins, echo: BackgroundServer, fake_camera: Path, camera: str
) -> None:
    code = {"denied": "camera-denied", "missing": "no-camera"}[camera]
    browser = launch(playwright, fake_camera if camera == "denied" else None, camera_allowed=False)
    try:
        page = open_sdk_page(browser, origins, echo.url)
        # source "auto": the demo face is sent instead, and the page is told why.
        assert page.evaluate(MOUNT_JS, [echo.url, "auto"]) == ["ready", "demo"]
        (error,) = events(page, "error")
        assert error["code"] == code and error["fallback"] == "demo"
        # source "camera": no fallback, the widget fails.
        page.evaluate("window.events = []")
        assert page.evaluate(MOUNT_JS, [echo.url, "camera"]) == ["failed", None]
        (error,) = events(page, "error")
        assert error["code"] == code and "fallback" not in error
    finally:
        browser.close()
