"""What can be checked of a passport / ID portrait (ICAO 9303, ISO/IEC 19794-5) once it is
made: its geometry, the pose, open eyes, a closed mouth, a plain light background without
shadows. Each check says what it measured and what is allowed; sources in docs/headshot.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tryon.headshot.framing import head_geometry
from tryon.tracking.landmarks import IRIS_CENTERS

__all__ = ["Check", "eye_openness", "mouth_opening", "passport_checks"]

#: Chin to crown as a share of the picture's height (ICAO 9303 Part 3).
HEAD_SHARE = (0.70, 0.80)
#: Eye line's height above the bottom edge, share of the height (ISO/IEC 19794-5).
EYES_FROM_BOTTOM = (0.50, 0.70)
#: The head's centre line, share of the width from the left (ISO/IEC 19794-5).
CENTER_LINE = (0.45, 0.55)
#: Largest yaw, pitch and roll, degrees (ISO/IEC 19794-5 best practice).
MAX_YAW, MAX_PITCH, MAX_ROLL = 5.0, 5.0, 8.0
#: Fewest pixels between the eye centres (ICAO's portrait guidance).
MIN_EYE_DISTANCE_PX = 90.0
#: Lid gap over eye width below which an eye counts as closed.
MIN_EYE_OPENNESS = 0.10
#: Inner-lip gap over mouth width above which the mouth counts as open.
MAX_MOUTH_OPENING = 0.06
#: Background: light (mean sRGB level), plain (spread) and without shadows (darkest 2 %
#: against the median).
MIN_BACKGROUND_LEVEL = 170.0
MAX_BACKGROUND_SPREAD = 14.0
MIN_SHADOW_RATIO = 0.85

#: (upper lid, lower lid, outer corner, inner corner) per eye.
_EYES = ((159, 145, 33, 133), (386, 374, 263, 362))
#: (upper inner lip, lower inner lip, mouth corners).
_MOUTH = (13, 14, 78, 308)


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    passed: bool
    detail: str


def eye_openness(landmarks: NDArray[np.float32]) -> float:
    """The more open eye's lid gap over its width (about 0.3 open, under 0.1 closed)."""
    xy = landmarks[:, :2].astype(np.float64)
    return max(
        float(np.linalg.norm(xy[u] - xy[lo])) / max(float(np.linalg.norm(xy[a] - xy[b])), 1e-6)
        for u, lo, a, b in _EYES
    )


def mouth_opening(landmarks: NDArray[np.float32]) -> float:
    """The inner lips' gap over the mouth's width (0 closed)."""
    xy = landmarks[:, :2].astype(np.float64)
    up, down, left, right = _MOUTH
    return float(
        np.linalg.norm(xy[up] - xy[down]) / max(float(np.linalg.norm(xy[left] - xy[right])), 1e-6)
    )


def _within(name: str, value: float, bounds: tuple[float, float], what: str) -> Check:
    ok = bounds[0] <= value <= bounds[1]
    return Check(name, ok, f"{what} {value:.0%} (allowed {bounds[0]:.0%}-{bounds[1]:.0%})")


def passport_checks(
    landmarks: NDArray[np.float32],
    angles: tuple[float, float, float],
    image: NDArray[np.uint8],
    background: NDArray[np.bool_],
) -> list[Check]:
    """The checks on a finished portrait: ``landmarks`` in its pixels, the head's (yaw,
    pitch, roll) in degrees, the portrait and where its background is."""
    h, w = image.shape[:2]
    head = head_geometry(landmarks)
    checks = [
        _within("head size", head.height / h, HEAD_SHARE, "chin to crown is"),
        _within("eye line", 1.0 - head.eyes[1] / h, EYES_FROM_BOTTOM, "eyes above the bottom:"),
        _within("centred", head.center_x / w, CENTER_LINE, "head centre from the left:"),
    ]
    eye_px = float(np.linalg.norm(np.subtract(*landmarks[list(IRIS_CENTERS), :2])))
    checks.append(
        Check(
            "resolution",
            eye_px >= MIN_EYE_DISTANCE_PX,
            f"{eye_px:.0f} px between the eye centres (at least {MIN_EYE_DISTANCE_PX:.0f})",
        )
    )
    yaw, pitch, roll = angles
    pose_ok = abs(yaw) <= MAX_YAW and abs(pitch) <= MAX_PITCH and abs(roll) <= MAX_ROLL
    checks.append(
        Check(
            "facing the camera",
            pose_ok,
            f"yaw {yaw:+.1f}°, pitch {pitch:+.1f}°, roll {roll:+.1f}° (allowed ±{MAX_YAW:.0f}°,"
            f" ±{MAX_PITCH:.0f}°, ±{MAX_ROLL:.0f}°)",
        )
    )
    eyes = eye_openness(landmarks)
    checks.append(
        Check("eyes open", eyes >= MIN_EYE_OPENNESS, f"lid gap {eyes:.2f} of the eye's width")
    )
    mouth = mouth_opening(landmarks)
    checks.append(
        Check(
            "mouth closed",
            mouth <= MAX_MOUTH_OPENING,
            f"lip gap {mouth:.2f} of the mouth's width (at most {MAX_MOUTH_OPENING})",
        )
    )
    checks.append(_background_check(image, background))
    return checks


def _background_check(image: NDArray[np.uint8], background: NDArray[np.bool_]) -> Check:
    name = "plain light background"
    if background.sum() < 0.02 * background.size:
        return Check(name, False, "too little background is visible to judge")
    level = image[background].astype(np.float64).mean(axis=1)
    mean, spread = float(level.mean()), float(level.std())
    shadow = float(np.percentile(level, 2) / max(np.median(level), 1.0))
    ok = mean >= MIN_BACKGROUND_LEVEL and spread <= MAX_BACKGROUND_SPREAD
    ok = ok and shadow >= MIN_SHADOW_RATIO
    return Check(
        name,
        ok,
        f"level {mean:.0f} (at least {MIN_BACKGROUND_LEVEL:.0f}), spread {spread:.1f} (at most"
        f" {MAX_BACKGROUND_SPREAD:.0f}), darkest 2 % at {shadow:.0%} of the median (at least"
        f" {MIN_SHADOW_RATIO:.0%})",
    )
