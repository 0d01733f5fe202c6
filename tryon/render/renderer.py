"""The renderer: composites what faces wear onto camera frames with one GL context.

Per frame, stage by stage (:mod:`tryon.render.passes`): the camera frame is written into a
texture (in place) and drawn as the background; passes on the face image (makeup, hair
colour) paint over it; when a pass draws 3D parts, each face's head writes depth only (face
mesh + skull proxy) so the parts behind it are hidden; 3D products' opaque parts, blended
parts and lenses follow; the box is anti-aliased (MSAA resolve or an FXAA pass, see
:mod:`tryon.render.antialias`) and read back once. Only the union of the boxes the passes
cover is uploaded, drawn, smoothed and read back; the rest of the output is a copy of the
input frame. A pass on the face image drawn alone may do with less: one that fills its own
regions (:meth:`~tryon.render.passes.RenderPass.regions`; the hair colour's tile rows that
hold hair) gets no background, and only those regions are uploaded and read back. Each
product kind has its own pass (:mod:`tryon.render.kinds`), made on first use and kept.

Several renderers, each with its own context or sharing one, may live in one process (a
server's sessions, a batch job's engines): every public method makes the renderer's context
current first (:func:`~tryon.render.context.make_current`), so its GL calls never go to
another renderer's context.

Drawing uses a y-flipped projection so that framebuffer row 0 is the image's top row: the
frame texture needs no flip on upload and the readback none afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any

import moderngl
import numpy as np
from numpy.typing import NDArray

from tryon.frames import validate_frame
from tryon.render.antialias import Antialias, FxaaPass, choose_antialias
from tryon.render.asset_cache import GpuAssetCache
from tryon.render.background import BackgroundPass
from tryon.render.context import create_context, make_current
from tryon.render.fit import HeadProxy, head_proxy
from tryon.render.kinds import Kind, kind_of_item
from tryon.render.occluder import HeadOccluder
from tryon.render.passes import (
    DrawContext,
    FaceWear,
    PassFace,
    PassResources,
    RenderPass,
    Stage,
    Worn,
    union_box,
)
from tryon.render.programs import ProgramCache
from tryon.render.surface import PresentPass, Surface
from tryon.render.target import Box, RenderTarget
from tryon.tracking.camera import CameraIntrinsics
from tryon.tracking.canonical import load_canonical_face

__all__ = ["Renderer", "flipped_projection"]

#: Near and far clip planes, metres.
NEAR_M, FAR_M = 0.01, 20.0
#: Thumbnails: horizontal field of view, degrees.
_THUMB_HFOV = 25.0
#: The 3D stages, drawn after the head occluder.
_STAGES_3D = (Stage.OPAQUE, Stage.BLENDED, Stage.LENS)


def flipped_projection(camera: CameraIntrinsics) -> NDArray[np.float32]:
    """The camera's GL projection with y negated: image row 0 lands on framebuffer row 0."""
    p = camera.projection_matrix(NEAR_M, FAR_M)
    p[1, :] *= -1.0
    return p


def _has_edges(passes: Sequence[RenderPass[Any]]) -> bool:
    """Whether a pass draws 3D parts, whose edges anti-aliasing smooths (passes on the face
    image only blend into the photo: FXAA over them would cost much and change nothing)."""
    return any(p.needs_occluder for p in passes)


def _fill_regions(passes: Sequence[RenderPass[Any]]) -> tuple[Box, ...] | None:
    """The regions of the one pass drawn, when it draws on the face image only and fills
    them itself (:meth:`RenderPass.regions`); None otherwise."""
    if len(passes) != 1 or tuple(passes[0].stages) != (Stage.FACE_IMAGE,):
        return None
    return passes[0].regions()


def _check_out(out: NDArray[np.uint8], shape: tuple[int, ...]) -> NDArray[np.uint8]:
    if not isinstance(out, np.ndarray) or out.dtype != np.uint8 or out.shape != shape:
        got = f"{out.dtype} {out.shape}" if isinstance(out, np.ndarray) else type(out).__name__
        raise ValueError(f"out must be a uint8 array of shape {shape}, got {got}")
    return out


class Renderer:
    """Draws what faces wear (:class:`~tryon.render.passes.FaceWear`) on camera frames.

    GL objects are made once: programs, the frame texture and framebuffers (again only when
    the frame size changes), the occluder meshes, each kind's pass on first use (and each
    asset's buffers and textures on first use; the ``asset_cache_size`` most recently used
    assets stay uploaded). ``antialias``: ``"auto"`` (FXAA on software renderers, 4x MSAA on
    GPUs), ``"msaa"``, ``"fxaa"`` or ``"none"``; :attr:`antialias` says which one is used.
    ``occlusion=False`` skips the head occluder (to see a fit's hidden parts).
    """

    def __init__(
        self,
        ctx: moderngl.Context | None = None,
        antialias: Antialias = "auto",
        asset_cache_size: int = 16,
        occlusion: bool = True,
    ) -> None:
        self._owns_ctx = ctx is None
        self.ctx = create_context() if ctx is None else ctx
        make_current(self.ctx)
        try:
            self.antialias = choose_antialias(self.ctx, antialias)
        except ValueError:
            if self._owns_ctx:
                self.ctx.release()
            raise
        self.programs = ProgramCache(self.ctx)
        try:
            assets = GpuAssetCache(self.ctx, self.programs, asset_cache_size)
        except ValueError:
            if self._owns_ctx:
                self.ctx.release()
            raise
        self._resources = PassResources(self.ctx, self.programs, assets)
        self._fxaa = FxaaPass(self.ctx, self.programs) if self.antialias == "fxaa" else None
        self._background = BackgroundPass(self.ctx, self.programs)
        self._occluder = HeadOccluder(self.ctx, self.programs, load_canonical_face().triangles)
        self._target: RenderTarget | None = None
        self._thumb_target: RenderTarget | None = None
        self._thumb_background: BackgroundPass | None = None
        self._passes: dict[Kind, RenderPass[Any]] = {}
        self._present: PresentPass | None = None
        self.occlusion = occlusion
        #: The box of the last :meth:`render`'s result that was drawn and read back (the
        #: rest is the input frame's pixels); None when nothing was drawn.
        self.drawn_box: Box | None = None
        self._released = False

    # ------------------------------------------------------------------ public API

    def render(
        self,
        frame: NDArray[np.uint8],
        wear: Sequence[FaceWear],
        out: NDArray[np.uint8] | None = None,
    ) -> NDArray[np.uint8]:
        """``frame`` with what each face wears drawn on it.

        With nothing worn the input frame itself is returned, untouched. Otherwise the result
        goes into ``out`` or, if not given, into the renderer's preallocated buffer, which
        the next call overwrites (copy it to keep it); ``out`` may be ``frame`` itself
        (drawn in place). Only the box the passes cover is drawn and read back
        (:attr:`drawn_box`); the rest is copied from ``frame``.
        """
        self._check_alive()
        make_current(self.ctx)
        self.drawn_box = None
        frame = validate_frame(frame)
        wear = [w for w in wear if w.items]
        if not wear:
            return frame
        height, width = frame.shape[:2]
        for w in wear:
            cam = w.face.camera
            if (cam.width, cam.height) != (width, height):
                raise ValueError(
                    f"face camera is {cam.width}x{cam.height} but the frame is {width}x{height}"
                )
        camera = wear[0].face.camera
        heads = [head_proxy(w.face) for w in wear]
        active = self._prepare(wear, heads, camera)
        target = self._target_for((width, height))
        result = target.pixels if out is None else _check_out(out, frame.shape)
        if result is not frame:
            np.copyto(result, frame)
        box = union_box([b for _, b in active])
        if box is None:  # nothing is in view
            return result
        passes = [p for p, b in active if b is not None]
        self.drawn_box = box
        regions = _fill_regions(passes)
        if regions is not None:  # only the regions: uploaded, drawn, read back
            for region in regions:
                self._background.upload(frame, region)
            self._draw(target, box, camera, passes, (), self._background, fill=True)
            return target.read(box, result, smooth=False, regions=regions)
        self._background.upload(frame, box)
        occluded = [(w, h) for w, h in zip(wear, heads, strict=True) if self._hides(w)]
        self._draw(target, box, camera, passes, occluded, self._background)
        return target.read(box, result, smooth=_has_edges(passes))

    def present(self, frame: NDArray[np.uint8], wear: Sequence[FaceWear], surface: Surface) -> None:
        """Show ``frame`` with what each face wears in ``surface`` (a window's framebuffer on
        this renderer's context), never read back: the frame texture is drawn straight into
        the window, then the box the passes cover is drawn, finished (anti-aliased) and laid
        over it, through the same passes as :meth:`render`."""
        self._check_alive()
        make_current(self.ctx)
        frame = validate_frame(frame)
        height, width = frame.shape[:2]
        wear = [w for w in wear if w.items]
        frame_texture = self._background.upload(frame)
        if self._present is None:
            self._present = PresentPass(self.ctx, self.programs)
        self._present.draw(frame_texture, (width, height), surface)
        if not wear:
            return
        camera = wear[0].face.camera
        heads = [head_proxy(w.face) for w in wear]
        active = self._prepare(wear, heads, camera)
        box = union_box([b for _, b in active])
        if box is None:
            return
        passes = [p for p, b in active if b is not None]
        occluded = [(w, h) for w, h in zip(wear, heads, strict=True) if self._hides(w)]
        target = self._target_for((width, height))
        self._draw(target, box, camera, passes, occluded, self._background)
        image = target.finish(box[2], box[3], smooth=_has_edges(passes))
        self._present.draw(image, (width, height), surface, box)

    def render_thumbnail(self, item: Worn, size: int = 256) -> NDArray[np.uint8]:
        """``(size, size, 4)`` RGBA: ``item`` alone as its kind shows it (glasses in a
        three-quarter view, makeup as a swatch) on a transparent background (RGB white where
        nothing is drawn)."""
        self._check_alive()
        make_current(self.ctx)
        if not 16 <= size <= 4096:
            raise ValueError(f"thumbnail size must be in [16, 4096] pixels, got {size!r}")
        if self._thumb_target is None or self._thumb_target.size != (size, size):
            if self._thumb_target is not None:
                self._thumb_target.release()
            self._thumb_target = self._make_target((size, size), components=4)
        if self._thumb_background is None:
            self._thumb_background = BackgroundPass(self.ctx, self.programs)
        paper = np.full((size, size, 3), 255, dtype=np.uint8)  # alpha 0: nothing drawn
        self._thumb_background.upload(paper)
        camera = CameraIntrinsics.from_fov(size, size, _THUMB_HFOV)
        box = (0, 0, size, size)
        dc = self._begin(self._thumb_target, box, camera, self._thumb_background, full_detail=True)
        try:
            self._pass_for(kind_of_item(item)).thumbnail(item, dc)
        finally:
            self._reset_state()
        return self._thumb_target.read(box, np.empty((size, size, 4), np.uint8))

    def gl_objects(self) -> tuple[object, ...]:
        """Every GL object the renderer owns now (for leak checks and tests)."""
        objs: list[object] = list(self.programs.programs())
        objs += [self._background.vao, self._background.texture]
        objs += list(self._occluder.objects())
        if self._fxaa is not None:
            objs += list(self._fxaa.objects())
        for target in (self._target, self._thumb_target):
            if target is not None:
                objs += list(target.objects())
        if self._thumb_background is not None:
            objs += [self._thumb_background.vao, self._thumb_background.texture]
        if self._present is not None:
            objs.append(self._present.vao)
        for render_pass in self._passes.values():
            objs += list(render_pass.objects())
        objs += list(self._resources.assets.objects())
        return tuple(o for o in objs if o is not None)

    def release(self) -> None:
        """Free every GL object (and the context, if the renderer made it). Idempotent."""
        if self._released:
            return
        self._released = True
        make_current(self.ctx)
        for render_pass in self._passes.values():
            render_pass.release()
        self._passes.clear()
        self._resources.assets.release()
        for target in (self._target, self._thumb_target):
            if target is not None:
                target.release()
        self._target = self._thumb_target = None
        self._background.release()
        if self._thumb_background is not None:
            self._thumb_background.release()
        if self._present is not None:
            self._present.release()
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

    def _pass_for(self, kind: Kind) -> RenderPass[Any]:
        render_pass = self._passes.get(kind)
        if render_pass is None:
            render_pass = self._passes[kind] = kind.render_pass(self._resources)
        return render_pass

    def _prepare(
        self, wear: Sequence[FaceWear], heads: Sequence[HeadProxy], camera: CameraIntrinsics
    ) -> list[tuple[RenderPass[Any], Box | None]]:
        """Each kind worn this frame: its pass, readied with its items per face, and the
        box it covers."""
        by_kind: dict[Kind, list[PassFace[Any]]] = {}
        for w, head in zip(wear, heads, strict=True):
            per_face: dict[Kind, list[Worn]] = {}
            for item in w.items:
                per_face.setdefault(kind_of_item(item), []).append(item)
            for kind, items in per_face.items():
                by_kind.setdefault(kind, []).append(PassFace(w.face, head, tuple(items), w.matte))
        out = []
        for kind, faces in by_kind.items():
            render_pass = self._pass_for(kind)
            out.append((render_pass, render_pass.prepare(faces, camera)))
        return out

    @staticmethod
    def _hides(wear: FaceWear) -> bool:
        """Whether the face wears 3D parts that its head must hide."""
        return any(kind_of_item(i).render_pass.needs_occluder for i in wear.items)

    def _target_for(self, size: tuple[int, int]) -> RenderTarget:
        if self._target is None or self._target.size != size:
            if self._target is not None:
                self._target.release()
            self._target = self._make_target(size)
        return self._target

    def _make_target(self, size: tuple[int, int], components: int = 3) -> RenderTarget:
        return RenderTarget(self.ctx, size, self.antialias, self._fxaa, components)

    def _begin(
        self,
        target: RenderTarget,
        box: Box,
        camera: CameraIntrinsics,
        background: BackgroundPass,
        fill: bool = False,
        full_detail: bool = False,
    ) -> DrawContext:
        """Bind ``target`` for ``box``, draw the background there (unless the pass fills
        its regions itself: ``fill``, drawn without depth), and return the context the
        passes draw with (GL front faces set for the flipped projection; meshes whole with
        ``full_detail``)."""
        x0, y0, w, h = box
        crop = CameraIntrinsics(w, h, camera.fx, camera.fy, camera.cx - x0, camera.cy - y0)
        target.begin(w, h, depth=not fill)
        if not fill:
            background.draw((x0, y0))
        self.ctx.front_face = "cw"  # the flipped projection mirrors the winding
        projection = flipped_projection(crop)
        return DrawContext(self.ctx, target, box, crop, projection, background, fill, full_detail)

    def _draw(
        self,
        target: RenderTarget,
        box: Box,
        camera: CameraIntrinsics,
        passes: Sequence[RenderPass[Any]],
        occluded: Sequence[tuple[FaceWear, HeadProxy]],
        background: BackgroundPass,
        fill: bool = False,
    ) -> None:
        """Draw ``box`` of the picture at the target's corner: background (unless ``fill``),
        face-image passes, then (when a pass draws 3D parts) head occluders and the 3D
        stages."""
        dc = self._begin(target, box, camera, background, fill)
        try:
            for render_pass in passes:
                if Stage.FACE_IMAGE in render_pass.stages:
                    render_pass.draw(Stage.FACE_IMAGE, dc)
            three_d = [p for p in passes if p.needs_occluder]
            if not three_d:
                return
            self.ctx.enable(moderngl.DEPTH_TEST)
            if self.occlusion:
                for w, head in occluded:
                    self._occluder.draw(target.fbo, w.face, head, dc.projection)
            for stage in _STAGES_3D:
                for render_pass in three_d:
                    if stage in render_pass.stages:
                        render_pass.draw(stage, dc)
        finally:
            self._reset_state()

    def _reset_state(self) -> None:
        self.ctx.disable(moderngl.DEPTH_TEST | moderngl.CULL_FACE | moderngl.BLEND)
        self.ctx.front_face = "ccw"
