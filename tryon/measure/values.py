"""One measured value with its uncertainty, and the names of the values a face report holds."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

__all__ = ["MEASUREMENT_NAMES", "Measurement"]

#: Every value a face report can hold, in display order (all in millimetres):
#: binocular and monocular pupillary distances, face width (cheekbone to cheekbone at the face
#: edge), temple width (head width where a frame's hinges sit), nose bridge width (where a
#: frame's bridge rests) and face height (upper forehead to chin, as far as the mesh reaches).
MEASUREMENT_NAMES: Final = (
    "pd",
    "pd_right",
    "pd_left",
    "face_width",
    "temple_width",
    "nose_bridge_width",
    "face_height",
)


@dataclass(frozen=True, slots=True)
class Measurement:
    """``value_mm ± uncertainty_mm`` (one standard deviation)."""

    value_mm: float
    uncertainty_mm: float

    def __post_init__(self) -> None:
        if not math.isfinite(self.value_mm) or self.value_mm <= 0.0:
            raise ValueError(f"value_mm must be finite and positive, got {self.value_mm!r}")
        if not math.isfinite(self.uncertainty_mm) or self.uncertainty_mm < 0.0:
            raise ValueError(
                f"uncertainty_mm must be finite and non-negative, got {self.uncertainty_mm!r}"
            )

    def to_dict(self) -> dict[str, float]:
        return {
            "value_mm": round(self.value_mm, 1),
            "uncertainty_mm": round(self.uncertainty_mm, 1),
        }

    def __str__(self) -> str:
        return f"{self.value_mm:.1f} ± {self.uncertainty_mm:.1f} mm"
