"""The hair dye: recolours each face's own hair (its matte from
:mod:`tryon.segmentation.hair_matte`) on the camera image, in linear light, with the
``hair_color`` shader. The hair-colour pass draws hair colours with it; the hairstyle pass
shades the wearer's own hair that shows outside a style's cards.

Per face, one dye is drawn; a dye at intensity 0 (or a face without a matte or without hair
in view) draws nothing, so the frame comes back byte for byte. The dye keeps each pixel's
luminance relative to the hair's mean so strands, highlights and shadows stay; the hair's
mean brightness becomes the dye's, or, for a shading dye (``HairDye(shading=True)``), the
dye's times its ``shade`` but never above the hair's own (hair in shadow). Ombré and
balayage run from root to tip along the head's vertical axis (from the face pose), spanned by
the matte itself (short and long hair alike). Each style has its own program (the shader's
``STYLE`` define), so solid and ombré skip the streaks' noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import moderngl
import numpy as np
from numpy.typing import NDArray

from tryon.catalog.hair_color import HairStyle
from tryon.render.passes import DrawContext, PassFace, check_intensity, union_box
from tryon.render.programs import ProgramCache
from tryon.render.target import Box
from tryon.render.uniforms import set_uniform
from tryon.segmentation.hair_matte import FaceMatte
from tryon.tracking.geometry import FaceGeometry

__all__ = ["Dye", "DyeAxis", "HairDye", "dye_axis", "head_down_axis"]

#: The shader's ``STYLE`` define of each style.
_STYLES: dict[HairStyle, int] = {"solid": 0, "highlights": 1, "ombre": 2, "balayage": 3}
#: Matte textures (and the buffers their mattes are bordered in) are at least this many
#: pixels a side and grow to the next power of two (not reallocated as a face moves; llvmpipe
#: samples a texture whose sides are not powers of two more slowly, in another program).
_TEXTURE_MIN = 128
#: Streaks across a face's width (highlights, balayage).
_STREAKS_PER_FACE = 14.0
_MATTE_UNIT = 1


@dataclass(frozen=True, slots=True)
class Dye:
    """How hair is dyed: linear root and tip colours, style, blend, intensity (how much of
    the dye is laid on) and, for a shading :class:`HairDye`, ``shade``: the dyed hair's
    mean brightness over the dye's (capped at the hair's own)."""

    root: tuple[float, float, float]
    tip: tuple[float, float, float]
    style: HairStyle = "solid"
    blend: float = 0.5
    intensity: float = 1.0
    shade: float = 1.0

    def __post_init__(self) -> None:
        owner = type(self).__name__
        check_intensity(owner, self.intensity)
        if not 0.0 <= self.shade <= 1.0:
            raise ValueError(f"{owner}.shade must be in [0, 1], got {self.shade!r}")


@dataclass(frozen=True, slots=True)
class DyeAxis:
    """Where a face's dye runs: from ``origin`` (frame pixels) along ``axis`` (unit, root to
    tip, in the image), the hair spanning ``span`` (root and tip positions along the axis,
    pixels), with ``strand_scale`` streaks per pixel across the axis."""

    origin: tuple[float, float]
    axis: tuple[float, float]
    span: tuple[float, float]
    strand_scale: float


@dataclass(frozen=True, slots=True)
class _Draw:
    dye: Dye
    matte: FaceMatte
    texture: moderngl.Texture
    axis: DyeAxis


def head_down_axis(rotation: NDArray[np.float64]) -> tuple[float, float]:
    """The head's downward axis in the image (unit ``(x, y)``, y down) from its camera-space
    rotation (GL axes: y up); straight down when the head faces up or down."""
    down = np.array([-rotation[0, 1], rotation[1, 1]])
    n = float(np.hypot(*down))
    return (0.0, 1.0) if n < 1e-3 else (float(down[0] / n), float(down[1] / n))


def _span(
    matte: FaceMatte, origin: NDArray[np.float64], axis: NDArray[np.float64]
) -> tuple[float, float]:
    """Root and tip positions along ``axis`` (pixels from ``origin``): the 2nd and 98th
    percentiles of the hair's pixels."""
    ys, xs = np.nonzero(matte.hair[::2, ::2] > 127)
    if len(xs) < 4:
        return (-1.0, 1.0)
    fx = matte.origin[0] + xs * 2.0 / matte.scale
    fy = matte.origin[1] + ys * 2.0 / matte.scale
    along = (fx - origin[0]) * axis[0] + (fy - origin[1]) * axis[1]
    lo, hi = np.percentile(along, (2.0, 98.0))
    return (float(lo), float(max(hi, lo + 1.0)))


def dye_axis(face: FaceGeometry, matte: FaceMatte) -> DyeAxis:
    """The dye's axis on ``face``: down the head from between the brows, spanned by the
    hair of ``matte``, streaks scaled to the face's width."""
    axis = head_down_axis(face.rotation)
    lm = face.observation.landmarks
    origin = np.asarray(lm[168, :2], np.float64)
    width = float(np.ptp(lm[:, 0])) or 1.0
    span = _span(matte, origin, np.asarray(axis))
    return DyeAxis((float(origin[0]), float(origin[1])), axis, span, _STREAKS_PER_FACE / width)


class HairDye:
    """Draws one dye per face over its hair matte, on the face image (GL objects made on
    first use and kept: a program per style and way of drawing, from the cache, and a vertex
    array for each; matte textures grown as needed).
    ``shading``: darken the hair to each dye's ``shade`` (never brighten it)."""

    def __init__(
        self, ctx: moderngl.Context, programs: ProgramCache, shading: bool = False
    ) -> None:
        self.ctx = ctx
        self._programs = programs
        self._shading = shading
        #: By style, whether the program fills (writes the frame where there is no hair) and
        #: whether it draws swatches.
        self._vaos: dict[tuple[HairStyle, bool, bool], moderngl.VertexArray] = {}
        self._textures: list[moderngl.Texture] = []
        #: Per matte texture, the buffer its matte is bordered in.
        self._bordered: list[NDArray[np.uint8]] = []
        self._draws: list[_Draw] = []

    def _upload(self, index: int, alpha: NDArray[np.uint8]) -> moderngl.Texture:
        """Matte texture ``index`` with ``alpha`` at its corner, bordered by a copy of its
        edge texels (the shader samples without clamping); texture and buffer grown as
        needed, never shrunk."""
        h, w = alpha.shape
        if index == len(self._bordered):
            self._bordered.append(np.empty(0, np.uint8))
        tex = self._texture(index, (w + 2, h + 2))
        if self._bordered[index].size < tex.width * tex.height:
            self._bordered[index] = np.empty(tex.width * tex.height, np.uint8)
        bordered = self._bordered[index][: (h + 2) * (w + 2)].reshape(h + 2, w + 2)
        cv2.copyMakeBorder(alpha, 1, 1, 1, 1, cv2.BORDER_REPLICATE, dst=bordered)
        tex.write(bordered, viewport=(0, 0, w + 2, h + 2))
        return tex

    def _texture(self, index: int, size: tuple[int, int]) -> moderngl.Texture:
        """Matte texture ``index``, at least ``size``; grown to powers of two, never shrunk."""
        w, h = (max(_TEXTURE_MIN, 1 << (max(s, 1) - 1).bit_length()) for s in size)
        need = (w, h)
        if index < len(self._textures):
            tex = self._textures[index]
            if tex.size[0] >= need[0] and tex.size[1] >= need[1]:
                return tex
            need = (max(need[0], tex.size[0]), max(need[1], tex.size[1]))
            tex.release()
        tex = self.ctx.texture(need, 1, alignment=1)
        tex.filter = (moderngl.LINEAR, moderngl.LINEAR)
        if index < len(self._textures):
            self._textures[index] = tex
        else:
            self._textures.append(tex)
        return tex

    def prepare(self, faces: Sequence[tuple[PassFace[Any], Dye]]) -> Box | None:
        """Upload the matte of each face to dye and return the box of frame pixels the dyes
        may change (None: nothing to dye)."""
        self._draws = []
        boxes: list[Box] = []
        for face, dye in faces:
            matte = face.matte
            if dye.intensity <= 0.0 or matte is None or matte.hair_luminance is None:
                continue
            tex = self._upload(len(self._draws), matte.hair)
            self._draws.append(_Draw(dye, matte, tex, dye_axis(face.face, matte)))
            boxes.append(matte.box)
        return union_box(boxes)

    def regions(self) -> tuple[Box, ...] | None:
        """The spans of the one matte to dye, which :meth:`draw` fills when ``dc.fill``
        (None with several: a face's spans filled would undo another's dye there)."""
        return self._draws[0].matte.spans if len(self._draws) == 1 else None

    def draw(self, dc: DrawContext) -> None:
        """Draw the dyes :meth:`prepare` readied, each within its matte's spans (with
        ``dc.fill``, every pixel of them: the frame's where there is no hair)."""
        bx, by, bw, bh = dc.box
        fbo = dc.ctx.fbo  # the target's, with or without depth
        try:
            for d in self._draws:
                vao = self._set(d.dye, d.texture, dc, d.matte.origin, d.matte.scale, dc.fill)
                p = vao.program
                set_uniform(p, "u_hair_lum", d.matte.hair_luminance or 1.0)
                set_uniform(p, "u_axis_origin", d.axis.origin)
                set_uniform(p, "u_axis", d.axis.axis)
                set_uniform(p, "u_axis_span", d.axis.span)
                set_uniform(p, "u_strand_scale", d.axis.strand_scale)
                for sx, sy, sw, sh in d.matte.spans:  # only where there is hair
                    fbo.scissor = (sx - bx, sy - by, sw, sh)
                    vao.render(moderngl.TRIANGLES, vertices=3)
        finally:
            fbo.scissor = (0, 0, bw, bh)

    def swatch(self, dye: Dye, dc: DrawContext) -> None:
        """The dye over the whole of ``dc``'s box, root at the top, tip at the bottom."""
        _, _, w, h = dc.box
        tex = self._upload(len(self._draws), np.full((h, w), 255, np.uint8))
        vao = self._set(dye, tex, dc, (0.0, 0.0), 1.0, fill=True, swatch=True)
        p = vao.program
        set_uniform(p, "u_axis_origin", (0.0, 0.0))
        set_uniform(p, "u_axis", (0.0, 1.0))
        set_uniform(p, "u_axis_span", (0.0, float(h)))
        set_uniform(p, "u_strand_scale", _STREAKS_PER_FACE / w)
        vao.render(moderngl.TRIANGLES, vertices=3)

    def _set(
        self,
        dye: Dye,
        texture: moderngl.Texture,
        dc: DrawContext,
        origin: tuple[float, float],
        scale: float,
        fill: bool,
        swatch: bool = False,
    ) -> moderngl.VertexArray:
        """Bind the frame and ``texture`` and set the uniforms common to drawing and swatches
        on the program of ``dye``'s style (``fill``: the one that writes the frame where there
        is no hair, instead of discarding; ``swatch``: the one that draws the dye itself);
        its vertex array."""
        if dc.frame.texture is None:
            raise RuntimeError("HairDye.draw() before the frame was uploaded")
        dc.frame.texture.use(0)
        texture.use(_MATTE_UNIT)
        key = (dye.style, fill, swatch)
        vao = self._vaos.get(key)
        if vao is None:
            defines = {
                "SHADE": self._shading,
                "STYLE": _STYLES[dye.style],
                "FILL": fill,
                "SWATCH": swatch,
            }
            program = self._programs.get("fullscreen", "hair_color", defines)
            vao = self._vaos[key] = self.ctx.vertex_array(program, [])
        p = vao.program
        set_uniform(p, "u_frame", 0)
        set_uniform(p, "u_offset", dc.box[:2])
        set_uniform(p, "u_matte", _MATTE_UNIT)
        set_uniform(p, "u_matte_origin", origin)
        set_uniform(p, "u_matte_scale", scale)
        set_uniform(p, "u_root", dye.root)
        set_uniform(p, "u_tip", dye.tip)
        set_uniform(p, "u_blend", dye.blend)
        set_uniform(p, "u_intensity", dye.intensity)
        set_uniform(p, "u_shade", dye.shade)
        return vao

    def objects(self) -> tuple[object, ...]:
        return (*self._vaos.values(), *self._textures)

    def release(self) -> None:
        for vao in self._vaos.values():
            vao.release()
        self._vaos.clear()
        for tex in self._textures:
            tex.release()
        self._textures.clear()
        self._bordered.clear()
        self._draws = []
