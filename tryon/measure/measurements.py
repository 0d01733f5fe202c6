"""The measurement stage: per-face accumulation over frames, gating, robust averages, ±.

A frame counts for a face when its iris is big enough to be a ruler, the head faces the
camera (yaw and pitch within limits) and is not moving fast. Over the frames that count, each
measurement is the pose-normalised head-frame distance (`tryon.measure.sample`) times the
scale (the iris's, or a card's when one is found), averaged (20 % trimmed mean) over the
frames that agree on the PD (within a tolerance of their median). Its ± (one standard
deviation, `tryon.measure.stats`) adds in quadrature: the average's standard error (prior
noise model pooled with the frames' scatter), the scale's uncertainty (iris sizes across
adults and how far the two irises' spans disagree, or the card's edge fits and depth
correction), what the pose correction may have
left (yaw and pitch) and, for the widths at the face's edge, their calibration and the
camera's distance (`tryon.measure.calibration`). Face-edge widths and the face shape need
the head turned less (both edges in view). A value whose ± is wider than
`MAX_UNCERTAINTY_MM` allows is withheld with the reason: it could not tell a small face from
an average one.

With a card, the search (about 80 ms a frame) runs on one accepted frame in
`MeasureOptions.card_interval` and stops once the card has been found in
`MeasureOptions.card_frames` frames: the card measures this person's iris, and the frames
without it scale through that.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from tryon.measure.card import detect_card, eye_depth_scale
from tryon.measure.face_shape import classify_face_shape, shape_ratios
from tryon.measure.frame_fit import FrameSize
from tryon.measure.report import FaceReport, MeasurementReport, ScaleSource
from tryon.measure.sample import FaceSample, sample_face
from tryon.measure.stats import average_error, frame_noise_prior, pose_error, trimmed_mean
from tryon.measure.values import MEASUREMENT_NAMES, Measurement
from tryon.tracking.geometry import IRIS_DIAMETER_MM, FaceGeometry

__all__ = ["MAX_UNCERTAINTY_MM", "FaceMeasurer", "MeasureOptions", "MeasurementSession"]

#: Spread of the visible iris diameter across adults, mm (one standard deviation; Rüfer et
#: al. 2005 give 11.71 ± 0.42 mm white-to-white, see docs/measurements.md).
IRIS_SPREAD_MM = 0.42
#: Largest ± worth reporting, mm: wider, a value cannot tell a small face from an average
#: one (PD: its two-sigma range would span most of the adult range, 53-75 mm; monocular PD:
#: half that; widths: a frame size class, about 10 mm; nose bridge: bridges run 14-24 mm).
MAX_UNCERTAINTY_MM: Final = {
    "pd": 3.5,
    "pd_right": 1.75,
    "pd_left": 1.75,
    "face_width": 8.0,
    "temple_width": 8.0,
    "nose_bridge_width": 4.0,
    "face_height": 10.0,
}
#: Measurements taken at the face's outline: both edges must be in view.
EDGE_MEASUREMENTS = ("face_width", "temple_width")
_PD = MEASUREMENT_NAMES.index("pd")


@dataclass(frozen=True, slots=True)
class MeasureOptions:
    """When frames count and how many must agree."""

    max_yaw_deg: float = 15.0
    max_pitch_deg: float = 15.0
    #: Face width, temple width and face shape need both face edges in view.
    max_edge_yaw_deg: float = 8.0
    #: Smallest horizontal iris span (pixels) accepted as a ruler.
    min_iris_px: float = 6.0
    #: Frames that must agree on the PD before anything is reported.
    min_frames: int = 1
    #: Most recent accepted frames kept.
    window: int = 90
    #: Frames agree when their PD is within this fraction of the median (or within 2.5 of
    #: the noise model's standard deviations, if wider).
    agreement: float = 0.04
    #: Head rotation speed above which a frame is skipped, degrees per second.
    max_turn_rate_deg_s: float = 60.0
    #: Look for an ID-1 card on the forehead.
    card: bool = False
    #: While looking for the card, search one accepted frame in this many.
    card_interval: int = 5
    #: Stop looking once the card has been found in this many frames.
    card_frames: int = 5

    def __post_init__(self) -> None:
        for name in ("max_yaw_deg", "max_pitch_deg", "max_edge_yaw_deg"):
            value = getattr(self, name)
            if not 0.0 < value <= 60.0:
                raise ValueError(f"MeasureOptions.{name} must be in (0, 60] degrees, got {value!r}")
        if not self.min_iris_px > 0.0:
            raise ValueError(f"MeasureOptions.min_iris_px must be > 0, got {self.min_iris_px!r}")
        if not 1 <= self.min_frames <= self.window:
            raise ValueError(
                f"MeasureOptions.min_frames must be in [1, window={self.window}], "
                f"got {self.min_frames!r}"
            )
        if not 0.0 < self.agreement < 1.0:
            raise ValueError(f"MeasureOptions.agreement must be in (0, 1), got {self.agreement!r}")
        for name in ("card_interval", "card_frames"):
            value = getattr(self, name)
            if not (isinstance(value, int) and value >= 1):
                raise ValueError(f"MeasureOptions.{name} must be an integer >= 1, got {value!r}")
        if not self.max_turn_rate_deg_s > 0.0:
            raise ValueError(
                f"MeasureOptions.max_turn_rate_deg_s must be > 0, got {self.max_turn_rate_deg_s!r}"
            )


@dataclass(frozen=True, slots=True)
class _Card:
    #: mm per pixel at the eyes' depth, its relative uncertainty, the card's long side (px).
    scale: float
    sigma: float
    long_px: float


@dataclass(frozen=True, slots=True)
class _Frame:
    sample: FaceSample
    card: _Card | None = None


class FaceMeasurer:
    """Accumulates one face's frames and reports its measurements."""

    def __init__(self, options: MeasureOptions | None = None, face: int = 0) -> None:
        self.options = options or MeasureOptions()
        self.face = face
        self._frames: deque[_Frame] = deque(maxlen=self.options.window)
        self._rejections: dict[str, tuple[int, str]] = {}
        self._seen = 0
        self._last: FaceSample | None = None
        self._accepted = 0
        self._cards_found = 0
        self._card_searches = 0

    @property
    def frames(self) -> int:
        """Accepted frames in the window."""
        return len(self._frames)

    @property
    def card_searches(self) -> int:
        """Frames searched for a card so far."""
        return self._card_searches

    def reset(self) -> None:
        self._frames.clear()
        self._rejections.clear()
        self._seen = 0
        self._last = None
        self._accepted = 0
        self._cards_found = 0
        self._card_searches = 0

    def _card_due(self) -> bool:
        o = self.options
        looking = o.card and self._cards_found < o.card_frames
        return looking and self._accepted % o.card_interval == 0

    def add(self, geometry: FaceGeometry, frame: NDArray[np.uint8] | None = None) -> str | None:
        """Take one frame's face; returns why it was skipped, or None when it counts.

        ``frame`` (the RGB image the face was found in) is needed only to look for a card.
        """
        sample = sample_face(geometry)
        self._seen += 1
        previous, self._last = self._last, sample
        rejection = self._reject(sample, previous)
        if rejection is not None:
            kind, message = rejection
            count = self._rejections.get(kind, (0, ""))[0]
            self._rejections[kind] = (count + 1, message)
            return message
        card = None
        if frame is not None and self._card_due():
            self._card_searches += 1
            found = detect_card(frame, sample, geometry.observation.landmarks)
            if found is not None:
                self._cards_found += 1
                card = _Card(*eye_depth_scale(found, sample), found.long_px)
        self._accepted += 1
        self._frames.append(_Frame(sample, card))
        return None

    def _reject(self, s: FaceSample, previous: FaceSample | None) -> tuple[str, str] | None:
        o = self.options
        if s.iris_px < o.min_iris_px:
            return (
                "small",
                f"face too small: iris {s.iris_px:.1f} px across (need ≥ {o.min_iris_px:g} px)",
            )
        if abs(s.yaw_deg) > o.max_yaw_deg:
            return "yaw", f"head turned {s.yaw_deg:+.0f}° (limit ±{o.max_yaw_deg:g}°)"
        if abs(s.pitch_deg) > o.max_pitch_deg:
            return "pitch", f"head tilted {s.pitch_deg:+.0f}° up/down (limit ±{o.max_pitch_deg:g}°)"
        if previous is not None and s.timestamp_ms > previous.timestamp_ms:
            turn = max(
                abs(s.yaw_deg - previous.yaw_deg),
                abs(s.pitch_deg - previous.pitch_deg),
                abs(s.roll_deg - previous.roll_deg),
            )
            rate = turn * 1000.0 / (s.timestamp_ms - previous.timestamp_ms)
            if rate > o.max_turn_rate_deg_s:
                return "moving", f"head moving {rate:.0f}°/s (limit {o.max_turn_rate_deg_s:g}°/s)"
        return None

    def report(self, frames: Sequence[tuple[str, FrameSize]] = ()) -> FaceReport:
        """Measurements over the window, and the fit of each ``(product_id, size)`` given."""
        accepted = list(self._frames)
        if not accepted:
            return self._withheld(self._main_rejection(), 0, "iris")
        o = self.options
        samples = [f.sample for f in accepted]
        distances = np.array([s.distances_px for s in samples])
        scales, ruler_px, scale_rel, source, notes = self._scales(accepted)
        values = distances * scales[:, None]
        noise = frame_noise_prior(ruler_px[:, None], distances)
        pd = values[:, _PD]
        centre = float(np.median(pd))
        tolerance = max(o.agreement, 2.5 * float(np.median(noise[:, _PD])))
        agree = np.abs(pd - centre) <= tolerance * centre
        n = int(agree.sum())
        if n < o.min_frames:
            reason = (
                f"only {n} of {len(accepted)} frames agree on the PD within ±{tolerance:.0%} "
                f"(need {o.min_frames})"
            )
            return self._withheld(reason, n, source, tuple(notes))
        yaw, pitch = np.median(np.abs([(s.yaw_deg, s.pitch_deg) for s in samples]), axis=0)
        yaw, pitch = float(yaw), float(pitch)
        pose_rel = pose_error(yaw, pitch)
        result: dict[str, Measurement] = {}
        withheld: dict[str, str] = {}
        edges_visible = yaw <= o.max_edge_yaw_deg
        # Every measurement at once (columns), then each one's verdict.
        kept = values[agree]
        averages = trimmed_mean(kept)
        spreads = average_error(kept, averages * np.median(noise[agree], axis=0))
        systematic = np.median([s.systematic for s in samples], axis=0)
        for m, name in enumerate(MEASUREMENT_NAMES):
            if name in EDGE_MEASUREMENTS and not edges_visible:
                withheld[name] = (
                    f"head turned {yaw:.0f}° (the face's edges need ≤ {o.max_edge_yaw_deg:g}°)"
                )
                continue
            value = float(averages[m])
            sigma = value * math.hypot(pose_rel, scale_rel, float(systematic[m]))
            sigma = math.hypot(float(spreads[m]), sigma)
            limit = MAX_UNCERTAINTY_MM[name]
            if sigma > limit:
                withheld[name] = (
                    f"{value:.0f} ± {sigma:.1f} mm: too uncertain to help (limit ± {limit:g} mm)"
                )
                continue
            result[name] = Measurement(value, sigma)
        shape = None
        if edges_visible:
            lengths = np.array(
                [s.shape_lengths for s, ok in zip(samples, agree, strict=True) if ok]
            )
            shape = classify_face_shape(trimmed_mean(shape_ratios(lengths)))
        else:
            notes.append("face shape needs both face edges in view")
        return FaceReport(
            face=self.face,
            status="ok",
            reason=None,
            frames=n,
            frames_seen=self._seen,
            scale_source=source,
            values=result,
            withheld=withheld,
            face_shape=shape,
            notes=tuple(notes),
        ).with_fit(frames)

    def _scales(
        self, accepted: list[_Frame]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], float, ScaleSource, list[str]]:
        """Per-frame scale (mm/px at the eyes), ruler length (px), the scale's relative
        uncertainty, its source and notes."""
        iris = np.array([f.sample.mm_per_px for f in accepted])
        iris_px = np.array([f.sample.iris_px for f in accepted])
        mismatch = float(np.median([f.sample.iris_mismatch for f in accepted]))
        iris_rel = math.hypot(IRIS_SPREAD_MM / IRIS_DIAMETER_MM, mismatch)
        if not self.options.card:
            return iris, iris_px, iris_rel, "iris", []
        found = [(f.card, f.sample) for f in accepted if f.card is not None]
        if not found:
            return iris, iris_px, iris_rel, "iris", ["no ID-1 card found on the forehead"]
        cards = [c for c, _ in found]
        # The card measures this person's iris: frames without it scale through the iris.
        ratio = float(np.median([c.scale / s.mm_per_px for c, s in found]))
        scales = np.array(
            [f.card.scale if f.card else ratio * f.sample.mm_per_px for f in accepted]
        )
        rulers = np.array([f.card.long_px if f.card else f.sample.iris_px for f in accepted])
        sigma = float(np.median([c.sigma for c in cards]))
        notes = [
            f"card found in {len(cards)} of {len(accepted)} frames; "
            f"this iris is {IRIS_DIAMETER_MM * ratio:.1f} mm across"
        ]
        return scales, rulers, sigma, "card", notes

    def _main_rejection(self) -> str:
        if not self._rejections:
            return "no frames yet"
        _, message = max(self._rejections.values(), key=lambda cm: cm[0])
        return message

    def _withheld(
        self, reason: str, frames: int, source: ScaleSource, notes: tuple[str, ...] = ()
    ) -> FaceReport:
        return FaceReport(
            face=self.face,
            status="withheld",
            reason=reason,
            frames=frames,
            frames_seen=self._seen,
            scale_source=source,
            notes=notes,
        )


class MeasurementSession:
    """Measurers for every face of a stream, by the face's identity (``face_id``): a face
    keeps its measurements when faces change places or sizes."""

    def __init__(self, options: MeasureOptions | None = None) -> None:
        self.options = options or MeasureOptions()
        self._faces: dict[int, FaceMeasurer] = {}

    def update(self, faces: Sequence[FaceGeometry], frame: NDArray[np.uint8] | None = None) -> None:
        for geometry in faces:
            face_id = geometry.observation.face_id
            measurer = self._faces.get(face_id)
            if measurer is None:
                measurer = self._faces[face_id] = FaceMeasurer(self.options, face_id)
            measurer.add(geometry, frame)

    def measurer(self, face_id: int) -> FaceMeasurer | None:
        """The measurer of face ``face_id``, if that face has been seen."""
        return self._faces.get(face_id)

    def report(self, frames: Sequence[tuple[str, FrameSize]] = ()) -> MeasurementReport:
        return MeasurementReport(tuple(self._faces[i].report(frames) for i in sorted(self._faces)))

    def reset(self) -> None:
        self._faces.clear()
