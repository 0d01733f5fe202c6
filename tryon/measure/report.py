"""What the measurement stage reports: per face, values with ±, what was withheld and why.

``MeasurementReport.to_dict()`` is the stable wire format (the server's data channel sends
``{"type": "measurements", **report.to_dict()}``)::

    {"faces": [{"face": 0, "status": "ok" | "withheld", "reason": str | None,
                "frames": int, "frames_seen": int, "scale_source": "iris" | "card",
                "values": {name: {"value_mm": float, "uncertainty_mm": float}},
                "withheld": {name: reason},
                "face_shape": {"shape": str, "confidence": float, "ratios": {...}} | None,
                "fit": [{"product_id": ..., "verdict": "too narrow" | "good" | "too wide",
                         ...}],
                "notes": [str]}]}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from tryon.measure.face_shape import FaceShape
from tryon.measure.frame_fit import FitResult, FrameSize, recommend
from tryon.measure.values import MEASUREMENT_NAMES, Measurement

__all__ = ["FaceReport", "MeasurementReport", "ScaleSource", "Status"]

Status = Literal["ok", "withheld"]
ScaleSource = Literal["iris", "card"]

_LABELS = {
    "pd": "PD (binocular)",
    "pd_right": "PD right eye",
    "pd_left": "PD left eye",
    "face_width": "face width",
    "temple_width": "temple width",
    "nose_bridge_width": "nose bridge",
    "face_height": "face height",
}


@dataclass(frozen=True, slots=True)
class FaceReport:
    """One face's measurements, averaged over the frames that agreed."""

    face: int
    status: Status
    #: Why everything is withheld (``status == "withheld"``), else None.
    reason: str | None
    #: Frames the values rest on, and frames seen in the window.
    frames: int
    frames_seen: int
    scale_source: ScaleSource
    values: Mapping[str, Measurement] = field(default_factory=dict)
    #: Measurement name -> why it is withheld while others are reported.
    withheld: Mapping[str, str] = field(default_factory=dict)
    face_shape: FaceShape | None = None
    fit: tuple[FitResult, ...] = ()
    notes: tuple[str, ...] = ()

    def with_fit(self, frames: Sequence[tuple[str, FrameSize]]) -> FaceReport:
        """This report with the fit of each ``(product_id, size)`` (best first)."""
        return replace(self, fit=tuple(recommend(frames, self.values)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "face": self.face,
            "status": self.status,
            "reason": self.reason,
            "frames": self.frames,
            "frames_seen": self.frames_seen,
            "scale_source": self.scale_source,
            "values": {name: m.to_dict() for name, m in self.values.items()},
            "withheld": dict(self.withheld),
            "face_shape": None if self.face_shape is None else self.face_shape.to_dict(),
            "fit": [f.to_dict() for f in self.fit],
            "notes": list(self.notes),
        }

    def to_text(self) -> str:
        """Readable lines for a terminal."""
        head = f"face {self.face}: "
        if self.status == "withheld":
            return head + f"withheld: {self.reason} ({self.frames_seen} frames seen)"
        lines = [
            head + f"{self.frames} of {self.frames_seen} frames, scale from the {self.scale_source}"
        ]
        for name in MEASUREMENT_NAMES:
            if name in self.values:
                lines.append(f"  {_LABELS[name]:<16} {self.values[name]}")
            elif name in self.withheld:
                lines.append(f"  {_LABELS[name]:<16} withheld: {self.withheld[name]}")
        if self.face_shape is not None:
            s = self.face_shape
            lines.append(f"  {'face shape':<16} {s.shape} (confidence {s.confidence:.0%})")
        for fit in self.fit:
            bridge = "" if fit.bridge_verdict is None else f", bridge {fit.bridge_verdict}"
            verdict = (
                f"uncertain (leaning {fit.leaning}, {fit.confidence:.0%})"
                if fit.verdict == "uncertain"
                else f"{fit.verdict} ({fit.confidence:.0%})"
            )
            lines.append(
                f"  fit {fit.product_id} {fit.size}: {verdict}: frame "
                f"{fit.frame_width_mm:.1f} mm vs temples {fit.temple_width_mm:.1f} ± "
                f"{fit.uncertainty_mm:.1f} mm{bridge}"
            )
        lines.extend(f"  note: {note}" for note in self.notes)
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class MeasurementReport:
    faces: tuple[FaceReport, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"faces": [f.to_dict() for f in self.faces]}

    def to_text(self) -> str:
        if not self.faces:
            return "no face found"
        return "\n".join(f.to_text() for f in self.faces)
