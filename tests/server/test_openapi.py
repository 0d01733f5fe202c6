"""The OpenAPI description (``tryon/server/openapi.json``) against the real aiohttp routes:
every route documented, every documented path routed, with the same methods."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import schemathesis
from aiohttp import web

from tryon.server import BackgroundServer, ServerConfig
from tryon.server.app import OPENAPI_PATH
from tryon.server.parts import serve_in_background

from .peer import get


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    with serve_in_background(ServerConfig(port=0, engine=False)) as srv:
        yield srv


def _routed(app: web.Application) -> set[tuple[str, str]]:
    """(METHOD, path template) of every route; aiohttp's automatic HEAD for each GET is left
    out (it is not an operation of its own)."""
    routes = set()
    for route in app.router.routes():
        assert route.resource is not None
        info = route.resource.get_info()
        path = info.get("path") or info["formatter"]
        if route.method != "HEAD":
            routes.add((route.method, path))
    return routes


def _documented() -> set[tuple[str, str]]:
    spec = json.loads(OPENAPI_PATH.read_text())
    return {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}


def test_every_route_is_documented_and_every_documented_path_is_routed(
    server: BackgroundServer,
) -> None:
    routed, documented = _routed(server.app), _documented()
    assert routed - documented == set(), "routes missing from openapi.json"
    assert documented - routed == set(), "documented operations the server does not route"
    assert ("POST", "/offer") in routed and ("GET", "/web/{path}") in routed


def test_the_description_is_served_and_is_valid_openapi(server: BackgroundServer) -> None:
    status, headers, body = get(f"{server.url}/api/openapi.json")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    spec = json.loads(body)
    assert spec == json.loads(OPENAPI_PATH.read_text())
    assert spec["openapi"].startswith("3.")
    operations = [op.ok() for op in schemathesis.openapi.from_dict(spec).get_all_operations()]
    assert {(op.method.upper(), op.path) for op in operations} == _documented()


def test_errors_outside_the_routes_are_json_too(server: BackgroundServer) -> None:
    """aiohttp's own 404 and 405 come back as the documented error object."""
    status, headers, body = get(f"{server.url}/no/such/page")
    assert status == 404 and headers["Content-Type"].startswith("application/json")
    assert json.loads(body) == {"error": "not-found", "reason": "GET /no/such/page"}
    for path in ("/web/no-such-file.js", "/web/../../etc/passwd", "/web/%2e%2e/pyproject.toml"):
        status, _, body = get(server.url + path)
        assert status == 404 and json.loads(body)["error"] == "not-found", path
    status, headers, _ = get(f"{server.url}/web/tryon.js")
    assert status == 200 and "javascript" in headers["Content-Type"]
    status, headers, body = get(f"{server.url}/offer")
    assert status == 405 and json.loads(body)["error"] == "method-not-allowed"
    assert "POST" in headers["Allow"]
