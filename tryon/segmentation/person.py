"""The person matte: how much of each pixel is the person (1) or the background (0).

Sources are small objects with a ``matte(rgb)``: today MediaPipe's selfie segmentation
(inside the mediapipe wheel); a hair matte is one more `MatteSource` passed to
`person_matte`, which takes the union of all sources before the edge-aware refinement (a
guided filter on the photo, He et al. 2010), so fine hair edges can come from whichever
source sees them.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any, Protocol

import cv2
import mediapipe as mp
import numpy as np
from numpy.typing import NDArray

from tryon.tracking.mediapipe_tracker import quiet_native_startup

__all__ = ["MatteSource", "SelfieMatte", "guided_filter", "person_matte"]

#: Matte values this close to 0 or 1 are snapped, so the person's pixels keep their bytes.
_SNAP = 0.02


class MatteSource(Protocol):
    """Something that tells, per pixel, how likely it belongs to the person (or a part)."""

    def matte(self, rgb: NDArray[np.uint8]) -> NDArray[np.float32]:
        """``(H, W)`` float32 in [0, 1] for an RGB uint8 ``(H, W, 3)`` image."""
        ...


class SelfieMatte:
    """MediaPipe's selfie segmentation (the general 256x256 model); the graph is made once."""

    def __init__(self) -> None:
        self._graph: Any = None

    def matte(self, rgb: NDArray[np.uint8]) -> NDArray[np.float32]:
        if self._graph is None:
            with quiet_native_startup():
                self._graph = mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0)
                result = self._graph.process(rgb)
        else:
            result = self._graph.process(rgb)
        mask: NDArray[np.float32] = np.clip(result.segmentation_mask, 0.0, 1.0).astype(np.float32)
        return mask

    def close(self) -> None:
        if self._graph is not None:
            self._graph.close()
            self._graph = None

    def __enter__(self) -> SelfieMatte:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def guided_filter(
    guide: NDArray[np.float32], src: NDArray[np.float32], radius: int, eps: float
) -> NDArray[np.float32]:
    """Edge-aware smoothing of ``src`` following the edges of the grey ``guide`` (both
    ``(H, W)`` float32 in [0, 1]): box filters only, O(pixels) whatever the radius."""
    size = (2 * radius + 1, 2 * radius + 1)

    def box(x: NDArray[np.float32]) -> NDArray[np.float32]:
        out = cv2.boxFilter(x, -1, size, borderType=cv2.BORDER_REFLECT)
        return np.asarray(out, dtype=np.float32)

    mean_i, mean_p = box(guide), box(src)
    cov_ip = box(guide * src) - mean_i * mean_p
    var_i = box(guide * guide) - mean_i * mean_i
    a = cov_ip / (var_i + eps)
    b = mean_p - a * mean_i
    out: NDArray[np.float32] = box(a) * guide + box(b)
    return out


def person_matte(
    rgb: NDArray[np.uint8],
    sources: Sequence[MatteSource],
    keep: Sequence[NDArray[np.bool_]] = (),
) -> NDArray[np.float32]:
    """The refined person matte: the union of ``sources``, guided-filtered on the photo,
    forced to 1 on every ``keep`` mask (the tracked faces), snapped near 0 and 1."""
    if not sources:
        raise ValueError("person_matte needs at least one matte source, got none")
    raw = sources[0].matte(rgb)
    for source in sources[1:]:
        raw = np.maximum(raw, source.matte(rgb))
    h, w = raw.shape
    guide = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    radius = max(2, round(min(h, w) / 150))
    alpha = np.clip(guided_filter(guide, raw, radius, 1e-3), 0.0, 1.0)
    for mask in keep:
        alpha[mask] = 1.0
    alpha[alpha < _SNAP] = 0.0
    alpha[alpha > 1.0 - _SNAP] = 1.0
    return alpha
