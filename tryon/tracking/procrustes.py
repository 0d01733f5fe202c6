"""Weighted similarity alignment of point sets (Umeyama 1991)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["AlignmentSource", "Similarity", "weighted_umeyama"]


@dataclass(frozen=True, slots=True)
class Similarity:
    """``dst ≈ scale * rotation @ src + translation``."""

    rotation: NDArray[np.float64]
    translation: NDArray[np.float64]
    scale: float
    #: Weighted RMS distance between the aligned ``src`` and ``dst``.
    rms: float

    def apply(self, points: NDArray[np.floating[Any]]) -> NDArray[np.float64]:
        p = np.asarray(points, dtype=np.float64)
        out: NDArray[np.float64] = self.scale * p @ self.rotation.T + self.translation
        return out


@dataclass(frozen=True, slots=True)
class AlignmentSource:
    """A source point set's half of the alignment, worked out once for aligning it to many
    targets (the tracker aligns the canonical face to every frame)."""

    #: ``(N,)`` weights summing to 1.
    weights: NDArray[np.float64]
    #: ``(3,)`` weighted centroid.
    mean: NDArray[np.float64]
    #: ``(N, 3)`` points minus the centroid, and those times their weights.
    centered: NDArray[np.float64]
    weighted: NDArray[np.float64]
    #: Weighted mean squared distance from the centroid.
    variance: float

    @classmethod
    def of(
        cls, src: NDArray[np.floating[Any]], weights: NDArray[np.floating[Any]] | None = None
    ) -> AlignmentSource:
        """``src`` ``(N, 3)`` with ``weights`` ``(N,)`` non-negative with a positive sum
        (None: equal weights)."""
        s = np.asarray(src, dtype=np.float64)
        if s.ndim != 2 or s.shape[1] != 3:
            raise ValueError(f"expected an (N, 3) point set, got {s.shape}")
        w = _normalized_weights(weights, len(s))
        mean = w @ s
        centered = s - mean
        variance = float(w @ np.einsum("ij,ij->i", centered, centered))
        return cls(w, mean, centered, centered * w[:, None], variance)

    def align(self, dst: NDArray[np.floating[Any]], *, with_scale: bool = True) -> Similarity:
        """The least-squares similarity (or rigid, ``with_scale=False``) taking the source to
        ``dst`` (``(N, 3)``, point for point). The rotation is proper (det = +1) even when the
        best orthogonal fit is a reflection."""
        d = np.asarray(dst, dtype=np.float64)
        if d.shape != self.centered.shape:
            raise ValueError(
                f"expected two (N, 3) point sets of one shape, got {self.centered.shape} "
                f"and {d.shape}"
            )
        mean = self.weights @ d
        centered = d - mean
        u, sv, vt = np.linalg.svd(centered.T @ self.weighted)
        rotation = u @ vt
        if _det(rotation) < 0:  # u and vt are orthogonal: det is +1 or -1
            u[:, 2] *= -1.0
            sv[2] *= -1.0
            rotation = u @ vt
        var_s = self.variance
        scale = float(sv.sum() / var_s) if with_scale and var_s > 0 else 1.0
        translation = mean - scale * rotation @ self.mean
        residual = scale * self.centered @ rotation.T - centered
        rms = float(np.sqrt(self.weights @ np.einsum("ij,ij->i", residual, residual)))
        return Similarity(rotation, translation, scale, rms)


def weighted_umeyama(
    src: NDArray[np.floating[Any]],
    dst: NDArray[np.floating[Any]],
    weights: NDArray[np.floating[Any]] | None = None,
    *,
    with_scale: bool = True,
) -> Similarity:
    """The least-squares similarity (or rigid, ``with_scale=False``) taking ``src`` to ``dst``.

    ``src`` and ``dst`` are ``(N, 3)``; ``weights`` ``(N,)`` non-negative with a positive sum.
    The rotation is proper (det = +1) even when the best orthogonal fit is a reflection.
    To align one source to many targets, prepare it once: `AlignmentSource`.
    """
    s = np.asarray(src, dtype=np.float64)
    d = np.asarray(dst, dtype=np.float64)
    if s.ndim != 2 or s.shape[1] != 3 or s.shape != d.shape:
        raise ValueError(
            f"expected two (N, 3) point sets of one shape, got {s.shape} and {d.shape}"
        )
    return AlignmentSource.of(s, weights).align(d, with_scale=with_scale)


def _det(m: NDArray[np.float64]) -> float:
    """Determinant of a ``(3, 3)`` matrix (Python floats: numpy's costs more here)."""
    (a, b, c), (d, e, f), (g, h, i) = m.tolist()
    det: float = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    return det


def _normalized_weights(
    weights: NDArray[np.floating[Any]] | None, count: int
) -> NDArray[np.float64]:
    """``(count,)`` weights summing to 1: uniform when None (the common case, unchecked)."""
    if weights is None and count > 0:
        return np.full(count, 1.0 / count)
    w = np.ones(count) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (count,) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(
            f"expected ({count},) non-negative weights with a positive sum, got shape {w.shape}"
        )
    out: NDArray[np.float64] = w / w.sum()
    return out
