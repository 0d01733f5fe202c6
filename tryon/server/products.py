"""The product list the shop page shows: catalog manifests as JSON, thumbnails as PNG.

Thumbnails are rendered by the project's own renderer on first request, on one dedicated
thread (a GL context belongs to the thread that made it), and kept in memory.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray
from PIL import Image

__all__ = ["Manifest", "ProductShelf", "ThumbnailRenderer"]


class Manifest(Protocol):
    """What the shelf needs of a catalog manifest (a pydantic model)."""

    @property
    def id(self) -> str: ...

    def model_dump(self, *, mode: str) -> dict[str, Any]: ...


class ThumbnailRenderer(Protocol):
    """Draws thumbnails; both methods are called on the shelf's one thumbnail thread."""

    def render(self, product_id: str) -> NDArray[np.uint8]:
        """RGBA uint8 ``(H, W, 4)``."""
        ...

    def release(self) -> None: ...


class ProductShelf:
    """Manifests by id, in catalog order, with lazily rendered, cached PNG thumbnails."""

    def __init__(self, manifests: Iterable[Manifest], render: ThumbnailRenderer) -> None:
        self._manifests = {m.id: m for m in manifests}
        self._render = render
        self._png: dict[str, asyncio.Future[bytes]] = {}
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="tryon-thumbnails")

    def __len__(self) -> int:
        return len(self._manifests)

    def __contains__(self, product_id: object) -> bool:
        return product_id in self._manifests

    def get_json(self, product_id: str) -> dict[str, Any]:
        """One manifest as JSON plus its ``thumbnail`` URL; ``KeyError`` for unknown ids."""
        data = self._manifests[product_id].model_dump(mode="json")
        data["thumbnail"] = f"/api/products/{product_id}/thumbnail.png"
        return data

    def list_json(self) -> list[dict[str, Any]]:
        return [self.get_json(pid) for pid in self._manifests]

    async def thumbnail_png(self, product_id: str) -> bytes:
        """The product's thumbnail as PNG bytes, rendered once (concurrent callers share it)."""
        if product_id not in self._manifests:
            raise KeyError(product_id)
        future = self._png.get(product_id)
        if future is None:
            loop = asyncio.get_running_loop()
            future = asyncio.ensure_future(
                loop.run_in_executor(self._executor, self._render_png, product_id)
            )
            self._png[product_id] = future
        try:
            return await asyncio.shield(future)
        except Exception:
            self._png.pop(product_id, None)  # let a later request try again
            raise

    def _render_png(self, product_id: str) -> bytes:
        rgba = self._render.render(product_id)
        if rgba.dtype != np.uint8 or rgba.ndim != 3 or rgba.shape[2] != 4:
            raise ValueError(
                f"thumbnail of {product_id!r}: expected RGBA uint8 (H, W, 4), "
                f"got {rgba.dtype} {rgba.shape}"
            )
        buf = io.BytesIO()
        Image.fromarray(rgba, mode="RGBA").save(buf, format="PNG", optimize=True)
        return buf.getvalue()

    def close(self) -> None:
        """Release the renderer on its own thread, then end the thread."""
        self._executor.submit(self._render.release).result()
        self._executor.shutdown(wait=True)
