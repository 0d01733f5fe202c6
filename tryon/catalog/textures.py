"""Procedural textures for generated products (deterministic: same arguments, same pixels)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["lens_gradient", "strand_texture", "tortoiseshell"]

RGB = tuple[float, float, float]


def tortoiseshell(size: int = 256, seed: int = 7) -> NDArray[np.uint8]:
    """Tileable RGBA tortoiseshell: dark brown blotches, stretched along ``u``, on amber."""
    rng = np.random.default_rng(seed)
    field = np.zeros((size, size))
    for cells, weight in ((4, 1.0), (8, 0.5), (16, 0.25), (32, 0.12)):
        field += weight * _periodic_noise(rng, size, cells_u=cells, cells_v=max(2, cells * 2))
    field = (field - field.min()) / (field.max() - field.min())
    stops = np.array([0.0, 0.45, 0.62, 1.0])
    colours = np.array(
        [[0.93, 0.62, 0.25], [0.72, 0.38, 0.10], [0.30, 0.13, 0.04], [0.10, 0.04, 0.02]]
    )
    rgb = np.stack([np.interp(field, stops, colours[:, k]) for k in range(3)], axis=-1)
    return _rgba8(rgb, np.ones((size, size)))


def lens_gradient(tint: RGB, size: int = 64) -> NDArray[np.uint8]:
    """Gradient lens: ``tint`` at the top fading to clear at the bottom (v grows downward).

    Multiplies the material's base colour factor, so colour and alpha both fade."""
    t = np.linspace(0.0, 1.0, size)[:, None] * np.ones((1, 4))
    fade = np.clip((t - 0.15) / 0.7, 0.0, 1.0)
    rgb = np.asarray(tint)[None, None, :] * (1.0 - fade[..., None]) + fade[..., None]
    alpha = 1.0 - 0.85 * fade
    return _rgba8(rgb, alpha)


def _periodic_noise(
    rng: np.random.Generator, size: int, cells_u: int, cells_v: int
) -> NDArray[np.float64]:
    """Smooth value noise that wraps at the borders (the texture tiles)."""
    grid = rng.random((cells_v, cells_u))
    y = np.arange(size) * cells_v / size
    x = np.arange(size) * cells_u / size
    y0, x0 = np.floor(y).astype(int), np.floor(x).astype(int)
    fy, fx = _smooth(y - y0)[:, None], _smooth(x - x0)[None, :]
    y1, x1 = (y0 + 1) % cells_v, (x0 + 1) % cells_u
    top = grid[y0][:, x0] * (1 - fx) + grid[y0][:, x1] * fx
    bottom = grid[y1][:, x0] * (1 - fx) + grid[y1][:, x1] * fx
    out: NDArray[np.float64] = top * (1 - fy) + bottom * fy
    return out


def _smooth(t: NDArray[np.float64]) -> NDArray[np.float64]:
    out: NDArray[np.float64] = t * t * (3.0 - 2.0 * t)
    return out


def _rgba8(rgb: NDArray[np.float64], alpha: NDArray[np.float64]) -> NDArray[np.uint8]:
    rgba = np.concatenate([rgb, alpha[..., None]], axis=-1)
    return np.ascontiguousarray(np.round(np.clip(rgba, 0.0, 1.0) * 255.0), dtype=np.uint8)


def strand_texture(width: int = 64, height: int = 256, seed: int = 3) -> NDArray[np.uint8]:
    """Hair-card RGBA: strands as stripes along ``v`` (root at v = 0, tip at v = 1), each with
    its own brightness, opacity and length, tapering to a point; the card's long edges fade
    out so overlapping cards show no seams. Grey levels: the material's colour tints them."""
    rng = np.random.default_rng(seed)
    u = (np.arange(width) + 0.5) / width
    v = (np.arange(height) + 0.5) / height
    count = 22
    centres = (np.arange(count) + rng.uniform(0.2, 0.8, count)) / count
    widths = rng.uniform(0.25, 0.5, count) / count
    lengths = rng.uniform(0.86, 1.0, count)
    shades = rng.uniform(0.3, 1.0, count)
    alpha = np.zeros((height, width))
    shade = np.zeros((height, width))
    for c, w, length, g in zip(centres, widths, lengths, shades, strict=True):
        taper = np.clip((length - v) / 0.2, 0.0, 1.0)[:, None]  # thinner toward the tip
        across = np.abs(u[None, :] - c) / (w * (0.3 + 0.7 * taper))
        strand = np.clip(1.0 - across**2, 0.0, 1.0) * (taper > 0)
        alpha = np.maximum(alpha, strand * rng.uniform(0.75, 1.0))
        shade = np.where(strand > 0.05, g, shade)
    body = 0.45 * np.clip((0.9 - v) / 0.2, 0.0, 1.0)[:, None]  # fill between the strands
    edge = np.clip(np.minimum(u, 1.0 - u) / 0.18, 0.0, 1.0)[None, :]
    alpha = np.maximum(alpha, body) * edge
    grain = 1.0 + 0.08 * np.sin(v[:, None] * 90.0 + 11.0 * u[None, :])
    rgb = np.repeat((np.where(shade > 0, shade, 0.7) * grain)[..., None], 3, axis=-1)
    return _rgba8(np.clip(rgb, 0.0, 1.0), alpha)
