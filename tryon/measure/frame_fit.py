"""Frame fit: does an eyewear frame's size suit a measured face?

An eyewear size marking reads ``lens width □ bridge – temple length`` (e.g. ``52□18-140``, in
mm). The frame's total width is ``2 × lens width + bridge + 2 × end piece``; the end pieces
(which carry the hinges) are not in the marking: retailers' guides put them at 2–6 mm each,
so unless the product says, each is taken as 4 ± 1.2 mm (the spread of a uniform 2–6 mm),
both alike, and that spread goes into the verdict's uncertainty.

Rules used here (retailers' and opticians' published sizing rules, sources and figures in
``docs/measurements.md``; a starting point, not a prescription fit):

* **Width** — the frame's total width against the head's width at the temples, where the
  hinges sit. Size guides say to pick a frame within ±3 mm of the temple-to-temple width and
  rather slightly wider than narrower, and sell frames in size classes about 10 mm apart
  (small under 130 mm, medium 130–139 mm, large 140 mm and over). *Good* is one size class:
  from 4 mm narrower (the temples begin to pinch) to 6 mm wider (the frame begins to
  overhang).
* **Bridge** — the bridge (distance between lenses) against the nose's width where the
  bridge rests: more than 2 mm narrower is *tight* (the frame perches high), more than 4 mm
  wider is *loose* (it slides down). (No published figure found; a rule of thumb.)
* **Pupils** — the frame PD (lens width + bridge) against the wearer's PD: the difference,
  split over two lenses, is how far each pupil sits from its lens centre (decentration).

Each verdict carries a confidence: the probability, under the uncertainties (Gaussian), that
the true difference lies in the verdict's band. Below `MIN_CONFIDENCE` the verdict reads
*uncertain*, with the band it leans to.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeVar

from tryon.catalog.manifest import EyewearProduct, Product
from tryon.measure.values import Measurement

__all__ = [
    "DEFAULT_END_PIECE_MM",
    "END_PIECE_SIGMA_MM",
    "MIN_CONFIDENCE",
    "BridgeVerdict",
    "FitResult",
    "FrameSize",
    "Verdict",
    "fit_frame",
    "frame_sizes",
    "recommend",
]

T = TypeVar("T", bound=str)
Verdict = Literal["too narrow", "good", "too wide", "uncertain"]
BridgeVerdict = Literal["tight", "good", "loose", "uncertain"]

#: An end piece's width when the product does not give it, and its spread (uniform 2-6 mm).
DEFAULT_END_PIECE_MM: Final = 4.0
END_PIECE_SIGMA_MM: Final = 4.0 / math.sqrt(12.0)
#: A verdict less likely than this reads "uncertain".
MIN_CONFIDENCE: Final = 0.7
#: Frame total width minus temple width: the band judged a good fit.
WIDTH_BAND_MM: Final = (-4.0, 6.0)
#: Frame bridge minus nose bridge width: the band judged a good fit.
BRIDGE_BAND_MM: Final = (-2.0, 4.0)


@dataclass(frozen=True, slots=True)
class FrameSize:
    """An eyewear frame's size marking, millimetres."""

    lens_width_mm: float
    bridge_mm: float
    temple_length_mm: float | None = None
    #: Each end piece's width; None when unknown (`DEFAULT_END_PIECE_MM` ± its spread).
    end_piece_mm: float | None = None

    def __post_init__(self) -> None:
        checks = {
            "lens_width_mm": (self.lens_width_mm, 20.0, 80.0),
            "bridge_mm": (self.bridge_mm, 5.0, 40.0),
        }
        if self.end_piece_mm is not None:
            checks["end_piece_mm"] = (self.end_piece_mm, 0.0, 30.0)
        if self.temple_length_mm is not None:
            checks["temple_length_mm"] = (self.temple_length_mm, 80.0, 180.0)
        for name, (value, lo, hi) in checks.items():
            if not (math.isfinite(value) and lo <= value <= hi):
                raise ValueError(f"FrameSize.{name} must be in [{lo}, {hi}] mm, got {value!r}")

    @property
    def total_width_mm(self) -> float:
        end = DEFAULT_END_PIECE_MM if self.end_piece_mm is None else self.end_piece_mm
        return 2.0 * self.lens_width_mm + self.bridge_mm + 2.0 * end

    @property
    def total_width_sigma_mm(self) -> float:
        """One standard deviation of the total width (both end pieces alike, when unknown)."""
        return 2.0 * END_PIECE_SIGMA_MM if self.end_piece_mm is None else 0.0

    @property
    def frame_pd_mm(self) -> float:
        """Distance between the two lens centres."""
        return self.lens_width_mm + self.bridge_mm

    def __str__(self) -> str:
        temple = "" if self.temple_length_mm is None else f"-{self.temple_length_mm:g}"
        return f"{self.lens_width_mm:g}□{self.bridge_mm:g}{temple}"


@dataclass(frozen=True, slots=True)
class FitResult:
    """How one frame suits one face, with the numbers behind the verdict."""

    product_id: str
    size: FrameSize
    verdict: Verdict
    #: Probability of the most likely band (the verdict's, or the one an uncertain verdict
    #: leans to) given the uncertainties.
    confidence: float
    #: The most likely band, even when the verdict is "uncertain".
    leaning: Verdict
    frame_width_mm: float
    temple_width_mm: float
    #: ``frame_width_mm - temple_width_mm``.
    width_difference_mm: float
    #: One standard deviation of the width difference (the face's and the frame's).
    uncertainty_mm: float
    bridge_verdict: BridgeVerdict | None = None
    bridge_confidence: float | None = None
    nose_bridge_mm: float | None = None
    #: How far each pupil sits from its lens centre (positive: pupil inside the centre).
    decentration_mm: float | None = None

    def to_dict(self) -> dict[str, Any]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 1)

        def r2(x: float | None) -> float | None:
            return None if x is None else round(x, 2)

        return {
            "product_id": self.product_id,
            "size": str(self.size),
            "verdict": self.verdict,
            "confidence": round(self.confidence, 2),
            "leaning": self.leaning,
            "frame_width_mm": r(self.frame_width_mm),
            "temple_width_mm": r(self.temple_width_mm),
            "width_difference_mm": r(self.width_difference_mm),
            "uncertainty_mm": r(self.uncertainty_mm),
            "bridge_verdict": self.bridge_verdict,
            "bridge_confidence": r2(self.bridge_confidence),
            "bridge_mm": r(self.size.bridge_mm),
            "nose_bridge_mm": r(self.nose_bridge_mm),
            "decentration_mm": r(self.decentration_mm),
        }


_WIDTH_VERDICTS: Final[tuple[Verdict, Verdict, Verdict]] = ("too narrow", "good", "too wide")
_BRIDGE_VERDICTS: Final[tuple[BridgeVerdict, BridgeVerdict, BridgeVerdict]] = (
    "tight",
    "good",
    "loose",
)


def _band_verdict(
    difference: float, sigma: float, band: tuple[float, float], names: tuple[T, T, T]
) -> tuple[T, float]:
    """The most likely of ``names`` = (below the band, inside it, above it) for a difference
    ``difference ± sigma``, and its probability."""
    lo, hi = band
    chances = (
        _probability_in(-math.inf, lo, difference, sigma),
        _probability_in(lo, hi, difference, sigma),
        _probability_in(hi, math.inf, difference, sigma),
    )
    best = max(range(3), key=lambda i: chances[i])
    return names[best], chances[best]


def _probability_in(lo: float, hi: float, mean: float, sigma: float) -> float:
    """P(lo <= X <= hi) for X ~ N(mean, sigma²); a step function when sigma is 0."""
    if sigma <= 0.0:
        return 1.0 if lo <= mean <= hi else 0.0

    def cdf(x: float) -> float:
        return 0.5 * (1.0 + math.erf((x - mean) / (sigma * math.sqrt(2.0))))

    return cdf(hi) - cdf(lo)


def fit_frame(
    product_id: str, size: FrameSize, values: Mapping[str, Measurement]
) -> FitResult | None:
    """Judge ``size`` against a face's measurements; ``None`` without a temple width."""
    temple = values.get("temple_width")
    if temple is None:
        return None
    frame_width = size.total_width_mm
    difference = frame_width - temple.value_mm
    sigma = math.hypot(temple.uncertainty_mm, size.total_width_sigma_mm)
    leaning, confidence = _band_verdict(difference, sigma, WIDTH_BAND_MM, _WIDTH_VERDICTS)
    verdict: Verdict = leaning if confidence >= MIN_CONFIDENCE else "uncertain"

    nose = values.get("nose_bridge_width")
    bridge_verdict: BridgeVerdict | None = None
    bridge_confidence = None
    if nose is not None:
        bridge, bridge_confidence = _band_verdict(
            size.bridge_mm - nose.value_mm, nose.uncertainty_mm, BRIDGE_BAND_MM, _BRIDGE_VERDICTS
        )
        bridge_verdict = bridge if bridge_confidence >= MIN_CONFIDENCE else "uncertain"
    pd = values.get("pd")
    decentration = None if pd is None else (size.frame_pd_mm - pd.value_mm) / 2.0
    return FitResult(
        product_id=product_id,
        size=size,
        verdict=verdict,
        confidence=confidence,
        leaning=leaning,
        frame_width_mm=frame_width,
        temple_width_mm=temple.value_mm,
        width_difference_mm=difference,
        uncertainty_mm=sigma,
        bridge_verdict=bridge_verdict,
        bridge_confidence=bridge_confidence,
        nose_bridge_mm=None if nose is None else nose.value_mm,
        decentration_mm=decentration,
    )


def recommend(
    frames: Iterable[tuple[str, FrameSize]], values: Mapping[str, Measurement]
) -> list[FitResult]:
    """Fit every frame; best first: good fits, then those leaning good, then good bridges, then
    nearest the band's middle."""
    middle = sum(WIDTH_BAND_MM) / 2.0
    results = [r for pid, size in frames if (r := fit_frame(pid, size, values)) is not None]
    return sorted(
        results,
        key=lambda r: (
            r.verdict != "good",
            r.leaning != "good",
            r.bridge_verdict not in (None, "good"),
            abs(r.width_difference_mm - middle),
            r.product_id,
        ),
    )


def frame_sizes(products: Iterable[Product]) -> list[tuple[str, FrameSize]]:
    """``(product id, size)`` of the catalog's eyewear, from each manifest's size markings
    (products of other kinds have none)."""
    return [
        (
            p.id,
            FrameSize(
                lens_width_mm=p.eyewear.size.lens_width_mm,
                bridge_mm=p.eyewear.size.bridge_mm,
                temple_length_mm=p.eyewear.size.temple_length_mm,
            ),
        )
        for p in products
        if isinstance(p, EyewearProduct)
    ]
