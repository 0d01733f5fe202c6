"""The production parts behind the server: the shipped catalog, its thumbnails drawn by the
project's renderer, and one :class:`~tryon.engine.Engine` per session."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from tryon.catalog.catalog import Catalog
from tryon.server.app import create_app
from tryon.server.background import BackgroundServer
from tryon.server.config import ServerConfig
from tryon.server.products import ProductShelf
from tryon.server.session import EngineFactory, FrameEngine

if TYPE_CHECKING:
    from tryon.render.renderer import Renderer

__all__ = ["CatalogThumbnails", "default_engine_factory", "default_shelf", "serve_in_background"]


class CatalogThumbnails:
    """Catalog products' thumbnails (:mod:`tryon.render.thumbnails`); the GL renderer is made
    on first use."""

    def __init__(self, catalog: Catalog, size: int) -> None:
        self._catalog = catalog
        self._size = size
        self._renderer: Renderer | None = None

    def render(self, product_id: str) -> NDArray[np.uint8]:
        from tryon.render.renderer import Renderer
        from tryon.render.thumbnails import product_thumbnail

        if self._renderer is None:
            self._renderer = Renderer()
        return product_thumbnail(self._renderer, self._catalog, product_id, self._size)

    def release(self) -> None:
        if self._renderer is not None:
            self._renderer.release()
            self._renderer = None


def default_shelf(config: ServerConfig, catalog: Catalog) -> ProductShelf:
    return ProductShelf(catalog.products(), CatalogThumbnails(catalog, config.thumbnail_size))


def default_engine_factory(config: ServerConfig, catalog: Catalog) -> EngineFactory | None:
    """A measuring :class:`~tryon.engine.Engine` per session, sharing ``catalog`` (its
    assets load once), or ``None`` (echo) when ``config.engine`` is off."""
    if not config.engine:
        return None
    # Imported now, not at the first shopper: MediaPipe's import is slow and warms caches.
    from tryon.engine import Engine, EngineOptions
    from tryon.measure.measurements import MeasureOptions

    if config.workers > 0:
        from tryon.server.workers import EnginePool

        pool = EnginePool(config.workers, catalog.root)
        pool.start()
        return pool
    options = EngineOptions(measure=MeasureOptions())

    def make() -> FrameEngine:
        return Engine(options, catalog=catalog)

    return make


@contextmanager
def serve_in_background(config: ServerConfig) -> Iterator[BackgroundServer]:
    """The full server (shipped catalog, engine per ``config.engine``) on its own thread,
    on ``config.host`` and ``config.port`` (0 picks a free port)."""
    catalog = Catalog.default()
    shelf = default_shelf(config, catalog)
    factory = default_engine_factory(config, catalog)
    try:
        with BackgroundServer(
            lambda: create_app(config, shelf, factory), config.host, config.port
        ) as server:
            yield server
    finally:
        shelf.close()
