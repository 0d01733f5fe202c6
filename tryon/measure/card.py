"""Scale from a card of standard size (ISO/IEC 7810 ID-1: 85.60 × 53.98 mm) on the forehead.

Finding it: in the region above the eyes (sized from the iris scale, which also says how big
the card should look), edge pixels (Canny) vote for straight lines along the dominant
edge directions (a Hough transform restricted to those directions); two parallel lines and
two perpendicular ones, apart by the ID-1 aspect ratio at about the expected size, make a
candidate, and the one whose sides lie best on edges is the card (hair, brows and fingers
touching it do not matter). Each side
is then refined to sub-pixel precision: intensity profiles across the side (away from the
rounded corners and the fingers holding it) give the edge at the gradient peak (parabolic
fit), a least-squares line goes through those points, and the corners are the lines'
intersections.

Using it: the long side is the ruler (like the iris's horizontal span: tilting the card
back with the forehead shortens the short side, not the long one); a turned head shortens
it by ``cos(yaw)``, which is undone. The card lies in front of the eyes by the forehead's
depth ``δ`` (from the mesh), so at the eyes' depth one pixel is ``δ / f`` more millimetres
than at the card (pinhole camera, focal length ``f`` in pixels): ``s_eye = s_card + δ / f``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np
from numpy.typing import NDArray

from tryon.measure.calibration import FOCAL_SIGMA
from tryon.measure.landmarks import FOREHEAD_FRONT
from tryon.measure.sample import FaceSample
from tryon.tracking.landmarks import IRIS_CENTERS, NOSE_BRIDGE

__all__ = [
    "ID1_ASPECT",
    "ID1_HEIGHT_MM",
    "ID1_WIDTH_MM",
    "CardDetection",
    "detect_card",
    "eye_depth_scale",
]

ID1_WIDTH_MM: Final = 85.60
ID1_HEIGHT_MM: Final = 53.98
ID1_ASPECT: Final = ID1_WIDTH_MM / ID1_HEIGHT_MM
#: Accepted deviation of a candidate's aspect ratio from ID-1's.
ASPECT_TOLERANCE: Final = 0.08
#: Accepted card size relative to what the iris scale predicts (the iris is ±5 % across
#: adults; the card may sit nearer the camera than the eyes).
SIZE_RANGE: Final = (0.7, 1.5)
#: Share of each side of a candidate rectangle that must lie on image edges.
MIN_SUPPORT: Final = 0.6
#: An edge pixel belongs to a line when its gradient is this close to the line's normal.
ORIENTATION_TOLERANCE_DEG: Final = 15.0
#: Most lines per direction considered (the strongest).
MAX_LINES: Final = 16
#: Floor on how well a refined edge line is placed (blur, anti-aliasing), pixels.
EDGE_BIAS_PX: Final = 0.15
#: Uncertainty of the forehead's depth in front of the eyes (how the card is held), mm.
FOREHEAD_DEPTH_SIGMA_MM: Final = 4.0


@dataclass(frozen=True, slots=True)
class CardDetection:
    """A card found in one frame, in that frame's pixels."""

    #: ``(4, 2)`` corners, consecutive around the card.
    corners: NDArray[np.float64]
    #: Mean length of the two long sides and of the two short sides, pixels.
    long_px: float
    short_px: float
    #: Relative one-sigma precision of ``long_px`` (from the edge-line fits).
    precision: float

    @property
    def mm_per_px(self) -> float:
        """Millimetres per pixel in the card's plane."""
        return ID1_WIDTH_MM / self.long_px


def _search_region(
    sample: FaceSample, landmarks: NDArray[np.float32], size: tuple[int, int]
) -> tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)`` above the eyes, wide enough for a card at up to 30° of roll."""
    expected_long = ID1_WIDTH_MM / sample.mm_per_px
    cx = float(landmarks[NOSE_BRIDGE, 0])
    eye_y = float(landmarks[list(IRIS_CENTERS), 1].mean())
    x0 = cx - 1.1 * expected_long
    x1 = cx + 1.1 * expected_long
    y0 = eye_y - 1.6 * expected_long
    y1 = eye_y + 0.3 * expected_long
    w, h = size
    return (max(0, int(x0)), max(0, int(y0)), min(w, math.ceil(x1)), min(h, int(y1)))


def _peaks(values: NDArray[np.float64], minimum: float) -> NDArray[np.intp]:
    """Local maxima of ``values`` summed over 3 bins, at least ``minimum``, 3 apart at least."""
    v = np.convolve(values, np.ones(3), mode="same")
    is_peak = (v >= np.roll(v, 1)) & (v > np.roll(v, -1)) & (v >= minimum)
    idx = np.nonzero(is_peak)[0]
    kept: list[int] = []
    for i in idx[np.argsort(-v[idx])]:
        if all(abs(int(i) - k) >= 3 for k in kept):
            kept.append(int(i))
    return np.array(sorted(kept), dtype=np.intp)


def _lines(
    points: NDArray[np.float64], axis: NDArray[np.float64], minimum: float
) -> NDArray[np.float64]:
    """Offsets along ``axis`` where many edge ``points`` line up (a 1-D Hough transform):
    the `MAX_LINES` with the most votes, in order of offset."""
    rho = points @ axis
    lo = float(rho.min())
    hist = np.bincount(np.round(rho - lo).astype(np.intp)).astype(np.float64)
    peaks = _peaks(hist, minimum)
    votes = np.convolve(hist, np.ones(3), mode="same")[peaks]
    strongest = np.sort(peaks[np.argsort(-votes)[:MAX_LINES]])
    return strongest.astype(np.float64) + lo


def _side_support(
    maps: tuple[NDArray[np.uint8], NDArray[np.uint8]], corners: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``(K, 4)`` share of each side of ``K`` rectangles ``(K, 4, 2)`` (corners left out) that
    lies on its family's edges: sides 0 and 2 on ``maps[0]``, sides 1 and 3 on ``maps[1]``."""
    t = np.linspace(0.1, 0.9, 24)
    ends = np.roll(corners, -1, axis=1)
    pts = corners[:, :, None, :] + t[None, None, :, None] * (ends - corners)[:, :, None, :]
    h, w = maps[0].shape
    ix = np.clip(np.round(pts[..., 0]).astype(np.intp), 0, w - 1)
    iy = np.clip(np.round(pts[..., 1]).astype(np.intp), 0, h - 1)
    inside = (pts[..., 0] >= 0) & (pts[..., 0] < w) & (pts[..., 1] >= 0) & (pts[..., 1] < h)
    on = np.empty(ix.shape, dtype=bool)
    on[:, 0::2] = maps[0][iy[:, 0::2], ix[:, 0::2]] > 0
    on[:, 1::2] = maps[1][iy[:, 1::2], ix[:, 1::2]] > 0
    support: NDArray[np.float64] = (on & inside).mean(axis=2)
    return support


def _pairs(offsets: NDArray[np.float64], lo: float, hi: float) -> NDArray[np.float64]:
    """``(P, 2)`` pairs of offsets ``lo`` to ``hi`` apart."""
    pairs = np.array(list(itertools.combinations(offsets, 2)), dtype=np.float64).reshape(-1, 2)
    gap = pairs[:, 1] - pairs[:, 0]
    out: NDArray[np.float64] = pairs[(gap >= lo) & (gap <= hi)]
    return out


def _candidates(
    gray: NDArray[np.uint8], expected_long: float
) -> list[tuple[float, NDArray[np.float64]]]:
    """(edge support, corners) of ID-1-shaped rectangles made of straight edges, best first.

    The edges' gradient directions (modulo 90°) give the likely orientations of a rectangle;
    for each, edge pixels whose gradient is across one family of lines vote for those lines'
    offsets; two parallel lines a card's height apart and two perpendicular ones a card's
    width apart make a candidate, kept when every side lies on edges.
    """
    median = float(np.median(gray))
    edges = cv2.Canny(gray, int(max(8.0, 0.2 * median)), int(max(24.0, 0.6 * median)))
    ys, xs = np.nonzero(edges)
    if len(xs) < 16:
        return []
    f = gray.astype(np.float32)
    gx = np.asarray(cv2.Sobel(f, cv2.CV_32F, 1, 0), dtype=np.float64)[ys, xs]
    gy = np.asarray(cv2.Sobel(f, cv2.CV_32F, 0, 1), dtype=np.float64)[ys, xs]
    grad_deg = np.degrees(np.arctan2(gy, gx)) % 180.0
    points = np.stack([xs, ys], axis=1).astype(np.float64)
    expected_short = expected_long / ID1_ASPECT
    lo, hi = SIZE_RANGE
    votes = np.bincount(np.round(grad_deg % 90.0).astype(np.intp) % 90, minlength=90)
    votes = votes.astype(np.float64)
    circular = np.concatenate([votes[-2:], votes, votes[:2]])
    smooth = np.convolve(circular, np.ones(5), mode="same")[2:-2]
    found: list[tuple[float, NDArray[np.float64]]] = []
    for theta in np.argsort(-smooth)[:6]:
        # ``theta``: gradient direction of one family (modulo 90°); its lines run across it.
        a = math.radians(float(theta))
        normal = np.array([math.cos(a), math.sin(a)])
        tangent = np.array([-normal[1], normal[0]])
        off = np.abs((grad_deg - theta + 90.0) % 180.0 - 90.0)
        masks = (off < ORIENTATION_TOLERANCE_DEG, np.abs(off - 90.0) < ORIENTATION_TOLERANCE_DEG)
        if not (masks[0].any() and masks[1].any()):
            continue
        fam_a = _lines(points[masks[0]], normal, 0.2 * expected_short)
        fam_b = _lines(points[masks[1]], tangent, 0.2 * expected_short)
        # Edge maps per family: a side only counts edges running its way (hair does not).
        maps = []
        for mask in masks:
            m = np.zeros_like(edges)
            m[ys[mask], xs[mask]] = 255
            maps.append(np.asarray(cv2.dilate(m, np.ones((3, 3), np.uint8)), dtype=np.uint8))
        span = (lo * expected_short, hi * expected_long)
        rows, cols = _pairs(fam_a, *span), _pairs(fam_b, *span)
        if len(rows) == 0 or len(cols) == 0:
            continue
        gap_r = (rows[:, 1] - rows[:, 0])[:, None]
        gap_c = (cols[:, 1] - cols[:, 0])[None, :]
        long_side, short_side = np.maximum(gap_r, gap_c), np.minimum(gap_r, gap_c)
        ok = (long_side >= lo * expected_long) & (long_side <= hi * expected_long)
        ok &= np.abs(long_side / short_side / ID1_ASPECT - 1.0) <= ASPECT_TOLERANCE
        ri, ci = np.nonzero(ok)
        if len(ri) == 0:
            continue
        r0, r1 = rows[ri, 0, None], rows[ri, 1, None]
        c0, c1 = cols[ci, 0, None], cols[ci, 1, None]
        # Corners (r0, c0), (r0, c1), (r1, c1), (r1, c0): sides 0 and 2 lie on family a's
        # lines (offsets r0, r1), sides 1 and 3 on family b's.
        corners = np.stack(
            [r0 * normal + c0 * tangent, r0 * normal + c1 * tangent,
             r1 * normal + c1 * tangent, r1 * normal + c0 * tangent],
            axis=1,
        )  # fmt: skip
        support = _side_support((maps[0], maps[1]), corners)
        good = support.min(axis=1) >= MIN_SUPPORT
        found.extend(zip(support[good].mean(axis=1).tolist(), corners[good], strict=True))
    found.sort(key=lambda c: -c[0])
    return found


def _bilinear(
    image: NDArray[np.float32], x: NDArray[np.float64], y: NDArray[np.float64]
) -> NDArray[np.float32]:
    out: NDArray[np.float32] = np.asarray(
        cv2.remap(
            image,
            x.astype(np.float32),
            y.astype(np.float32),
            interpolation=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        ),
        dtype=np.float32,
    )
    return out


def _refine_side(
    image: NDArray[np.float32], a: NDArray[np.float64], b: NDArray[np.float64], reach: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], float] | None:
    """Sub-pixel line through the edge near segment ``a``–``b``: (point, direction, sigma)."""
    length = float(np.linalg.norm(b - a))
    direction = (b - a) / length
    normal = np.array([-direction[1], direction[0]])
    t = np.linspace(0.15, 0.85, max(8, int(0.7 * length)))
    offsets = np.arange(-reach, reach + 0.5, 0.5)
    base = a[None, :] + t[:, None] * (b - a)[None, :]
    px = base[:, 0:1] + offsets[None, :] * normal[0]
    py = base[:, 1:2] + offsets[None, :] * normal[1]
    profiles = _bilinear(image, px, py).astype(np.float64)
    grad = np.abs(np.gradient(profiles, axis=1))
    peak = np.argmax(grad, axis=1)
    inner = (peak > 0) & (peak < len(offsets) - 1)
    if inner.sum() < 6:
        return None
    rows = np.nonzero(inner)[0]
    k = peak[rows]
    g0, g1, g2 = grad[rows, k - 1], grad[rows, k], grad[rows, k + 1]
    denom = g0 - 2.0 * g1 + g2
    shift = np.where(np.abs(denom) > 1e-9, 0.5 * (g0 - g2) / np.where(denom == 0, 1.0, denom), 0.0)
    edge_offset = offsets[k] + 0.5 * np.clip(shift, -1.0, 1.0)
    points = base[rows] + edge_offset[:, None] * normal[None, :]
    # Least-squares line with one round of outlier rejection (fingers, hair).
    keep = np.ones(len(points), dtype=bool)
    for _ in range(2):
        centre = points[keep].mean(axis=0)
        _, _, vt = np.linalg.svd(points[keep] - centre)
        line_dir = vt[0]
        resid = (points - centre) @ np.array([-line_dir[1], line_dir[0]])
        scale = max(1.4826 * float(np.median(np.abs(resid[keep]))), 0.05)
        keep = np.abs(resid) < 3.0 * scale
        if keep.sum() < 6:
            return None
    sigma = float(np.std(resid[keep])) / math.sqrt(float(keep.sum()))
    return centre, line_dir, sigma


def _intersect(
    p1: NDArray[np.float64],
    d1: NDArray[np.float64],
    p2: NDArray[np.float64],
    d2: NDArray[np.float64],
) -> NDArray[np.float64] | None:
    m = np.array([d1, -d2]).T
    if abs(np.linalg.det(m)) < 1e-6:
        return None
    s = np.linalg.solve(m, p2 - p1)
    out: NDArray[np.float64] = p1 + s[0] * d1
    return out


def _refine(gray: NDArray[np.float32], box: NDArray[np.float64]) -> CardDetection | None:
    short_side = min(float(np.linalg.norm(box[1] - box[0])), float(np.linalg.norm(box[2] - box[1])))
    reach = max(3.0, 0.08 * short_side)
    sides = []
    for i in range(4):
        side = _refine_side(gray, box[i], box[(i + 1) % 4], reach)
        if side is None:
            return None
        sides.append(side)
    corners = []
    for i in range(4):
        p1, d1, _ = sides[i - 1]
        p2, d2, _ = sides[i]
        corner = _intersect(p1, d1, p2, d2)
        if corner is None:
            return None
        corners.append(corner)
    c = np.array(corners)
    lengths = np.linalg.norm(c - np.roll(c, -1, axis=0), axis=1)
    pair_a = 0.5 * (lengths[0] + lengths[2])
    pair_b = 0.5 * (lengths[1] + lengths[3])
    if pair_a >= pair_b:
        long_px, short_px, long_sides = pair_a, pair_b, (0, 2)
    else:
        long_px, short_px, long_sides = pair_b, pair_a, (1, 3)
    if abs(long_px / short_px / ID1_ASPECT - 1.0) > ASPECT_TOLERANCE:
        return None
    # Both long sides end on the same two short-side lines: their offsets' noise (and a
    # floor for edge-localisation bias) is the length's.
    end_sigma = math.hypot(*(sides[j][2] for j in range(4) if j not in long_sides))
    precision = math.hypot(end_sigma, math.sqrt(2.0) * EDGE_BIAS_PX) / long_px
    return CardDetection(corners=c, long_px=long_px, short_px=short_px, precision=precision)


def detect_card(
    frame: NDArray[np.uint8], sample: FaceSample, landmarks: NDArray[np.float32]
) -> CardDetection | None:
    """The ID-1 card held on the forehead of the face ``sample`` / ``landmarks`` (pixels of
    ``frame``), or ``None`` when there is none."""
    h, w = frame.shape[:2]
    x0, y0, x1, y1 = _search_region(sample, landmarks, (w, h))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    crop = cv2.cvtColor(np.ascontiguousarray(frame[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)
    expected_long = ID1_WIDTH_MM / sample.mm_per_px
    smooth = cv2.GaussianBlur(crop, (0, 0), 1.0).astype(np.float32)
    blurred = np.asarray(cv2.GaussianBlur(crop, (5, 5), 0), dtype=np.uint8)
    for _, box in _candidates(blurred, expected_long)[:3]:
        detection = _refine(smooth, box)
        if detection is not None:
            offset = np.array([x0, y0], dtype=np.float64)
            return CardDetection(
                corners=detection.corners + offset,
                long_px=detection.long_px,
                short_px=detection.short_px,
                precision=detection.precision,
            )
    return None


def eye_depth_scale(detection: CardDetection, sample: FaceSample) -> tuple[float, float]:
    """(mm per pixel at the eyes' depth, its relative one-sigma uncertainty) from a card.

    See the module docstring: the card's long side is corrected for yaw, then moved from the
    card's depth to the eyes' (``+ δ / f``). The uncertainty adds the edge fits' precision,
    the forehead depth (±`FOREHEAD_DEPTH_SIGMA_MM`) and the focal length (±`FOCAL_SIGMA`).
    """
    card_scale = detection.mm_per_px * math.cos(math.radians(sample.yaw_deg))
    pts = sample.points_px
    depth_px = float(pts[list(FOREHEAD_FRONT), 2].max() - pts[list(IRIS_CENTERS), 2].mean())
    forehead_mm = max(0.0, depth_px) * sample.mm_per_px
    shift = forehead_mm / sample.focal_px
    scale = card_scale + shift
    shift_sigma = math.hypot(FOREHEAD_DEPTH_SIGMA_MM / sample.focal_px, FOCAL_SIGMA * shift)
    return scale, math.hypot(detection.precision, shift_sigma / scale)
