"""Pinhole camera intrinsics, assumed from a field of view unless the user gives them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["DEFAULT_HFOV_DEG", "CameraIntrinsics"]

#: Typical laptop / USB webcam horizontal field of view.
DEFAULT_HFOV_DEG = 63.0


@dataclass(frozen=True, slots=True)
class CameraIntrinsics:
    """Pinhole intrinsics in pixels (origin top-left, y down)."""

    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float

    @classmethod
    def from_fov(
        cls, width: int, height: int, hfov_deg: float = DEFAULT_HFOV_DEG
    ) -> CameraIntrinsics:
        if width <= 0 or height <= 0:
            raise ValueError(f"camera size must be positive, got {width}x{height}")
        if not 1.0 <= hfov_deg <= 179.0:
            raise ValueError(
                f"horizontal field of view must be in [1, 179] degrees, got {hfov_deg}"
            )
        f = 0.5 * width / math.tan(math.radians(hfov_deg) / 2.0)
        return cls(width, height, f, f, width / 2.0, height / 2.0)

    def projection_matrix(self, near: float = 0.01, far: float = 10.0) -> NDArray[np.float32]:
        """OpenGL clip-from-camera matrix (camera looks down -Z, +Y up) matching these pixels.

        A camera-space point (x, y, z) lands on pixel (cx + fx*x/-z, cy - fy*y/-z); the
        matrix maps it so that NDC y = +1 is the image's top row.
        """
        w, h = float(self.width), float(self.height)
        m = np.zeros((4, 4), dtype=np.float32)
        m[0, 0] = 2.0 * self.fx / w
        m[0, 2] = 1.0 - 2.0 * self.cx / w
        m[1, 1] = 2.0 * self.fy / h
        m[1, 2] = 2.0 * self.cy / h - 1.0
        m[2, 2] = -(far + near) / (far - near)
        m[2, 3] = -2.0 * far * near / (far - near)
        m[3, 2] = -1.0
        return m

    def project(self, points: NDArray[np.floating[Any]]) -> NDArray[np.float32]:
        """Camera-space points ``(N, 3)`` (GL convention) to pixels ``(N, 2)``."""
        p = np.asarray(points, dtype=np.float64)
        if p.ndim != 2 or p.shape[1] != 3:
            raise ValueError(f"expected points of shape (N, 3), got {p.shape}")
        depth = -p[:, 2]
        u = self.cx + self.fx * p[:, 0] / depth
        v = self.cy - self.fy * p[:, 1] / depth
        out: NDArray[np.float32] = np.stack([u, v], axis=1).astype(np.float32)
        return out
