"""``GET /readyz``, the load balancer's check: 200 while a session slot is free, 503
``server-busy`` (JSON, as a refused offer) once ``max_sessions`` are open, 200 again when a
session leaves; ``/healthz`` stays 200 throughout (the server is up, only full)."""

from __future__ import annotations

import asyncio
import json

from server.peer import browser_like_offer, get, post_offer

from tryon.server import ServerConfig
from tryon.server.parts import serve_in_background

from .processes import wait_until


def test_readyz_follows_the_free_session_slots() -> None:
    config = ServerConfig(port=0, engine=False, max_sessions=1, connect_timeout_s=1.0)
    with serve_in_background(config) as server:
        status, headers, body = get(f"{server.url}/readyz")
        assert status == 200 and headers["Content-Type"].startswith("application/json")
        assert json.loads(body) == {"status": "ready", "sessions": 0, "max_sessions": 1}

        offer = json.dumps({"sdp": asyncio.run(browser_like_offer()), "type": "offer"})
        assert asyncio.run(post_offer(server.url, offer))[0] == 200
        status, _, body = get(f"{server.url}/readyz")
        assert status == 503 and json.loads(body)["error"] == "server-busy"
        assert "1 sessions open (limit 1)" in json.loads(body)["reason"]
        assert get(f"{server.url}/healthz")[0] == 200

        # The peer never connects: the connect timeout frees the slot.
        wait_until(lambda: get(f"{server.url}/readyz")[0] == 200, "the slot freed", 15)
