"""The GPU copies of product assets, shared by every pass that draws 3D models: uploaded on
first use, the most recently used kept, the oldest released."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import moderngl

from tryon.catalog.asset import Asset
from tryon.render.fit import Part
from tryon.render.gpu_asset import GpuAsset
from tryon.render.programs import ProgramCache

__all__ = ["GpuAssetCache"]


class GpuAssetCache:
    """At most ``size`` uploaded assets, least recently used released first."""

    def __init__(self, ctx: moderngl.Context, programs: ProgramCache, size: int = 16) -> None:
        if size < 1:
            raise ValueError(f"asset_cache_size must be at least 1, got {size!r}")
        self.ctx = ctx
        self.programs = programs
        self._size = size
        self._assets: OrderedDict[int, tuple[Asset, GpuAsset]] = OrderedDict()

    def get(
        self,
        asset: Asset,
        *,
        part_of: Callable[[tuple[str, ...]], Part],
        blended_program: str,
    ) -> GpuAsset:
        """``asset`` on the GPU (uploaded now if it is not); the pass that draws it says how
        its primitives split into parts and which program draws its blended materials."""
        key = id(asset)
        hit = self._assets.get(key)
        if hit is not None and hit[0] is asset:
            self._assets.move_to_end(key)
            return hit[1]
        gpu = GpuAsset(
            self.ctx, self.programs, asset, part_of=part_of, blended_program=blended_program
        )
        self._assets[key] = (asset, gpu)
        while len(self._assets) > self._size:
            _, (_, old) = self._assets.popitem(last=False)
            old.release()
        return gpu

    def __len__(self) -> int:
        return len(self._assets)

    def objects(self) -> tuple[object, ...]:
        return tuple(o for _, gpu in self._assets.values() for o in gpu.objects())

    def release(self) -> None:
        for _, gpu in self._assets.values():
            gpu.release()
        self._assets.clear()
