"""Run the server on its own thread and event loop: for tests, benchmarks and embedding
in another program (the caller's thread stays free)."""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Callable
from types import TracebackType

from aiohttp import web

__all__ = ["BackgroundServer"]


class BackgroundServer:
    """``with BackgroundServer(make_app) as server: server.url`` serves until the block ends.

    ``make_app`` is called on the server's thread (aiortc objects belong to that loop).
    ``port=0`` picks a free port.
    """

    def __init__(
        self,
        make_app: Callable[[], web.Application],
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._make_app = make_app
        self._host = host
        self._port = port
        self._ssl = ssl_context
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tryon-server")
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        scheme = "https" if self._ssl else "http"
        return f"{scheme}://{self._host}:{self.port}"

    @property
    def app(self) -> web.Application:
        if self._runner is None:
            raise RuntimeError("the server is not running (use it as a context manager)")
        return self._runner.app

    def call(self, func: Callable[[], object]) -> object:
        """Run ``func`` on the server's loop thread and return its result (for inspection)."""

        async def wrapped() -> object:
            return func()

        return asyncio.run_coroutine_threadsafe(wrapped(), self._loop).result(timeout=30)

    async def _start(self) -> None:
        self._runner = web.AppRunner(self._make_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port, ssl_context=self._ssl)
        await site.start()
        self.port = self._runner.addresses[0][1]

    def __enter__(self) -> BackgroundServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=60)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=60)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop.close()
