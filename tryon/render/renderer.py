"""The renderer: composites worn products onto camera frames with one GL context.

Per frame: the camera frame is written into a texture (in place) and drawn as the background;
each face's head writes depth only (face mesh + skull proxy, made once per face); opaque
product parts are shaded (metallic-roughness PBR); the box drawn so far is copied and lenses
are drawn last, seeing that copy (frame and temples) through their tint; the box is
anti-aliased (MSAA resolve or an FXAA pass, see :mod:`tryon.render.antialias`) and read back
once. Only the box of pixels the products can cover (their parts' bounds, projected) is
uploaded, drawn, smoothed and read back; the rest of the output is a copy of the input frame.

Drawing uses a y-flipped projection so that framebuffer row 0 is the image's top row: the
frame texture needs no flip on upload and the readback none afterwards.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType

import moderngl
import numpy as np
from numpy.typing import NDArray

from tryon.catalog.asset import Asset
from tryon.catalog.manifest import EyewearAnchors
from tryon.frames import validate_frame
from tryon.render.antialias import Antialias, FxaaPass, choose_antialias
from tryon.render.background import BackgroundPass
from tryon.render.context import create_context
from tryon.render.fit import EyewearFit, EyewearPose, HeadProxy, fit_eyewear, head_proxy
from tryon.render.gpu_asset import GpuAsset
from tryon.render.occluder import HeadOccluder
from tryon.render.product_pass import draw_lens, draw_opaque
from tryon.render.programs import ProgramCache
from tryon.render.target import Box, RenderTarget
from tryon.tracking.camera import CameraIntrinsics
from tryon.tracking.canonical import load_canonical_face
from tryon.tracking.geometry import FaceGeometry

__all__ = ["Renderer", "WornProduct", "flipped_projection"]

#: Near and far clip planes, metres.
NEAR_M, FAR_M = 0.01, 20.0
#: Handedness of screen space under the flipped projection (for derivative tangent frames).
_HANDEDNESS = -1.0
#: Thumbnails: three-quarter view angles, degrees.
_THUMB_YAW, _THUMB_PITCH, _THUMB_HFOV = -32.0, 12.0, 25.0


@dataclass(frozen=True, slots=True)
class WornProduct:
    """A product to draw on every face: the asset (uploaded once), its fit, ``intensity``
    (0 = clear lenses, 1 = the material's full tint) and the names of its anchor nodes (the
    manifest's ``eyewear.anchors``)."""

    asset: Asset
    fit: EyewearFit = field(default_factory=EyewearFit)
    intensity: float = 1.0
    anchors: EyewearAnchors = field(default_factory=EyewearAnchors)

    def __post_init__(self) -> None:
        if not 0.0 <= self.intensity <= 1.0:
            raise ValueError(f"WornProduct.intensity must be in [0, 1], got {self.intensity!r}")


def flipped_projection(camera: CameraIntrinsics) -> NDArray[np.float32]:
    """The camera's GL projection with y negated: image row 0 lands on framebuffer row 0."""
    p = camera.projection_matrix(NEAR_M, FAR_M)
    p[1, :] *= -1.0
    return p


#: The 8 corners of the unit cube, to span a bounding box.
_UNIT_CUBE = np.array([[i >> 2 & 1, i >> 1 & 1, i & 1] for i in range(8)], dtype=np.float64)


def _rotation(yaw_deg: float, pitch_deg: float) -> NDArray[np.float64]:
    y, p = math.radians(yaw_deg), math.radians(pitch_deg)
    ry = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    rx = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)], [0, math.sin(p), math.cos(p)]])
    out: NDArray[np.float64] = rx @ ry
    return out


@dataclass(frozen=True, slots=True)
class _Draw:
    """One product on one face."""

    product: WornProduct
    gpu: GpuAsset
    pose: EyewearPose


def _check_out(out: NDArray[np.uint8], shape: tuple[int, ...]) -> NDArray[np.uint8]:
    if not isinstance(out, np.ndarray) or out.dtype != np.uint8 or out.shape != shape:
        got = f"{out.dtype} {out.shape}" if isinstance(out, np.ndarray) else type(out).__name__
        raise ValueError(f"out must be a uint8 array of shape {shape}, got {got}")
    return out


def _screen_box(draws: Sequence[_Draw], camera: CameraIntrinsics) -> Box | None:
    """The pixels the products may cover (their parts' bounding boxes projected, two pixels
    of margin for antialiasing), clipped to the frame; None if none is in view."""
    corners = _UNIT_CUBE
    points = []
    for d in draws:
        for part, (lo, hi) in d.gpu.part_bounds.items():
            m = d.pose.part_matrix(part).astype(np.float64)
            points.append((lo + corners * (hi - lo)) @ m[:3, :3].T + m[:3, 3])
    cam = np.concatenate(points)
    if (cam[:, 2] > -NEAR_M).any():  # something at or behind the camera: draw everything
        return (0, 0, camera.width, camera.height)
    px = camera.project(cam)
    x0 = max(int(np.floor(px[:, 0].min())) - 2, 0)
    y0 = max(int(np.floor(px[:, 1].min())) - 2, 0)
    x1 = min(int(np.ceil(px[:, 0].max())) + 2, camera.width)
    y1 = min(int(np.ceil(px[:, 1].max())) + 2, camera.height)
    if x1 <= x0 or y1 <= y0:
        return None
    return (x0, y0, x1 - x0, y1 - y0)


class Renderer:
    """Draws :class:`WornProduct` s on the faces of camera frames.

    GL objects are made once: programs, the frame texture and framebuffers (again only when
    the frame size changes), the occluder meshes, and each asset's buffers and textures on
    first use (the ``asset_cache_size`` most recently used assets stay uploaded).
    ``antialias``: ``"auto"`` (FXAA on software renderers, 4x MSAA on GPUs), ``"msaa"``,
    ``"fxaa"`` or ``"none"``; :attr:`antialias` says which one is used.
    ``occlusion=False`` skips the head occluder (to see a fit's hidden parts).
    """

    def __init__(
        self,
        ctx: moderngl.Context | None = None,
        antialias: Antialias = "auto",
        asset_cache_size: int = 16,
        occlusion: bool = True,
    ) -> None:
        if asset_cache_size < 1:
            raise ValueError(f"asset_cache_size must be at least 1, got {asset_cache_size!r}")
        self._owns_ctx = ctx is None
        self.ctx = create_context() if ctx is None else ctx
        try:
            self.antialias = choose_antialias(self.ctx, antialias)
        except ValueError:
            if self._owns_ctx:
                self.ctx.release()
            raise
        self.programs = ProgramCache(self.ctx)
        self._fxaa = FxaaPass(self.ctx, self.programs) if self.antialias == "fxaa" else None
        self._background = BackgroundPass(self.ctx, self.programs)
        self._occluder = HeadOccluder(self.ctx, self.programs, load_canonical_face().triangles)
        self._target: RenderTarget | None = None
        self._thumb_target: RenderTarget | None = None
        self._thumb_background: BackgroundPass | None = None
        self._assets: OrderedDict[int, tuple[Asset, GpuAsset]] = OrderedDict()
        self._cache_size = asset_cache_size
        self.occlusion = occlusion
        self._released = False

    # ------------------------------------------------------------------ public API

    def render(
        self,
        frame: NDArray[np.uint8],
        faces: Sequence[FaceGeometry],
        products: Sequence[WornProduct],
        out: NDArray[np.uint8] | None = None,
    ) -> NDArray[np.uint8]:
        """``frame`` with ``products`` worn on every face.

        With no face or no product the input frame itself is returned, untouched. Otherwise
        the result goes into ``out`` or, if not given, into the renderer's preallocated
        buffer, which the next call overwrites (copy it to keep it). Only the box around the
        products is drawn and read back; the rest is copied from ``frame``.
        """
        self._check_alive()
        frame = validate_frame(frame)
        if not faces or not products:
            return frame
        height, width = frame.shape[:2]
        camera = faces[0].camera
        for face in faces:
            if (face.camera.width, face.camera.height) != (width, height):
                raise ValueError(
                    f"face camera is {face.camera.width}x{face.camera.height} but the frame is "
                    f"{width}x{height}"
                )
        heads = [(face, head_proxy(face)) for face in faces]
        draws = [
            _Draw(
                p,
                self._gpu_asset(p.asset),
                fit_eyewear(face, p.asset, p.fit, anchors=p.anchors, proxy=proxy),
            )
            for face, proxy in heads
            for p in products
        ]
        target = self._target_for((width, height))
        result = target.pixels if out is None else _check_out(out, frame.shape)
        np.copyto(result, frame)
        box = _screen_box(draws, camera)
        if box is None:  # every product is out of view
            return result
        self._background.upload(frame, box)
        self._draw(target, box, camera, heads if self.occlusion else (), draws, self._background)
        return target.read(box, result)

    def render_thumbnail(self, asset: Asset, size: int = 256) -> NDArray[np.uint8]:
        """``(size, size, 4)`` RGBA: ``asset`` in a three-quarter view on a transparent
        background (RGB white where nothing is drawn), filling most of the square."""
        self._check_alive()
        if not 16 <= size <= 4096:
            raise ValueError(f"thumbnail size must be in [16, 4096] pixels, got {size!r}")
        gpu = self._gpu_asset(asset)
        if self._thumb_target is None or self._thumb_target.size != (size, size):
            if self._thumb_target is not None:
                self._thumb_target.release()
            self._thumb_target = self._make_target((size, size), components=4)
        if self._thumb_background is None:
            self._thumb_background = BackgroundPass(self.ctx, self.programs)
        paper = np.full((size, size, 3), 255, dtype=np.uint8)  # alpha 0: nothing drawn
        self._thumb_background.upload(paper)
        camera = CameraIntrinsics.from_fov(size, size, _THUMB_HFOV)
        bounds = asset.bounds.astype(np.float64)
        center = 0.5 * (bounds[0] + bounds[1])
        radius = 0.5 * float(np.linalg.norm(bounds[1] - bounds[0]))
        distance = radius / math.tan(math.radians(_THUMB_HFOV) / 2.0) * 1.02
        rotation = _rotation(_THUMB_YAW, _THUMB_PITCH)
        model = np.eye(4)
        model[:3, :3] = rotation
        model[:3, 3] = np.array([0.0, 0.0, -distance]) - rotation @ center
        pose = EyewearPose(model=model, temple_left=np.eye(4), temple_right=np.eye(4))
        box = (0, 0, size, size)
        draws = [_Draw(WornProduct(asset), gpu, pose)]
        self._draw(self._thumb_target, box, camera, (), draws, self._thumb_background)
        return self._thumb_target.read(box, np.empty((size, size, 4), np.uint8))

    def gl_objects(self) -> tuple[object, ...]:
        """Every GL object the renderer owns now (for leak checks and tests)."""
        objs: list[object] = list(self.programs.programs())
        objs += [self._background.vao, self._background.texture]
        objs += list(self._occluder.objects())
        if self._fxaa is not None:
            objs.append(self._fxaa.vao)
        for target in (self._target, self._thumb_target):
            if target is not None:
                objs += list(target.objects())
        if self._thumb_background is not None:
            objs += [self._thumb_background.vao, self._thumb_background.texture]
        for _, gpu in self._assets.values():
            objs += list(gpu.objects())
        return tuple(o for o in objs if o is not None)

    def release(self) -> None:
        """Free every GL object (and the context, if the renderer made it). Idempotent."""
        if self._released:
            return
        self._released = True
        for _, gpu in self._assets.values():
            gpu.release()
        self._assets.clear()
        for target in (self._target, self._thumb_target):
            if target is not None:
                target.release()
        self._target = self._thumb_target = None
        self._background.release()
        if self._thumb_background is not None:
            self._thumb_background.release()
        self._occluder.release()
        if self._fxaa is not None:
            self._fxaa.release()
        self.programs.release()
        if self._owns_ctx:
            self.ctx.release()

    def __enter__(self) -> Renderer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    # ------------------------------------------------------------------ internals

    def _check_alive(self) -> None:
        if self._released:
            raise RuntimeError("Renderer used after release()")

    def _target_for(self, size: tuple[int, int]) -> RenderTarget:
        if self._target is None or self._target.size != size:
            if self._target is not None:
                self._target.release()
            self._target = self._make_target(size)
        return self._target

    def _make_target(self, size: tuple[int, int], components: int = 3) -> RenderTarget:
        return RenderTarget(self.ctx, size, self.antialias, self._fxaa, components)

    def _gpu_asset(self, asset: Asset) -> GpuAsset:
        key = id(asset)
        hit = self._assets.get(key)
        if hit is not None and hit[0] is asset:
            self._assets.move_to_end(key)
            return hit[1]
        gpu = GpuAsset(self.ctx, self.programs, asset)
        self._assets[key] = (asset, gpu)
        while len(self._assets) > self._cache_size:
            _, (_, old) = self._assets.popitem(last=False)
            old.release()
        return gpu

    def _draw(
        self,
        target: RenderTarget,
        box: Box,
        camera: CameraIntrinsics,
        heads: Sequence[tuple[FaceGeometry, HeadProxy]],
        draws: Sequence[_Draw],
        background: BackgroundPass,
    ) -> None:
        """Draw ``box`` of the picture at the target's corner: background, head occluders,
        opaque parts, lenses over a copy of what is behind them."""
        x0, y0, w, h = box
        crop = CameraIntrinsics(w, h, camera.fx, camera.fy, camera.cx - x0, camera.cy - y0)
        projection = flipped_projection(crop)
        target.begin(w, h)
        background.draw((x0, y0))
        ctx = self.ctx
        ctx.enable(moderngl.DEPTH_TEST)
        ctx.front_face = "cw"  # the flipped projection mirrors the winding
        culling: bool | None = None  # GL's cull state as set here (None: not yet)
        try:
            for face, proxy in heads:
                self._occluder.draw(target.fbo, face, proxy, projection)
            for d in draws:
                for prim in d.gpu.opaque:
                    culling = self._set_culling(not prim.material.double_sided, culling)
                    draw_opaque(prim, d.pose.part_matrix(prim.part), projection, _HANDEDNESS)
            lenses = [(d, prim) for d in draws for prim in d.gpu.lenses]
            transmissive = any(prim.material.transmission > 0.0 for _, prim in lenses)
            backdrop = target.backdrop(w, h) if transmissive else None
            target.fbo.depth_mask = False
            target.fbo.use()  # moderngl applies a framebuffer's masks when it is bound
            blending: bool | None = None
            for d, prim in lenses:
                culling = self._set_culling(not prim.material.double_sided, culling)
                blend = prim.material.transmission <= 0.0
                if blend != blending:
                    blending = blend
                    if blend:
                        ctx.enable(moderngl.BLEND)
                        ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
                    else:
                        ctx.disable(moderngl.BLEND)
                model = d.pose.part_matrix(prim.part)
                draw_lens(prim, model, projection, d.product.intensity, backdrop)
        finally:
            target.fbo.depth_mask = True
            target.fbo.use()
            self._reset_state()

    def _set_culling(self, cull: bool, current: bool | None) -> bool:
        """Cull back faces or not, touching GL only when that changes."""
        if cull != current:
            if cull:
                self.ctx.enable(moderngl.CULL_FACE)
            else:
                self.ctx.disable(moderngl.CULL_FACE)
        return cull

    def _reset_state(self) -> None:
        self.ctx.disable(moderngl.DEPTH_TEST | moderngl.CULL_FACE | moderngl.BLEND)
        self.ctx.front_face = "ccw"
