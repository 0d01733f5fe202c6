"""Face mapping: PD and face measurements with ±, face shape, ID-1 card calibration, frame fit.

Feed `MeasurementSession.update` each frame's `FaceGeometry` (the engine does it with
``EngineOptions(measure=True)``) and read `MeasurementSession.report()`.
"""

from tryon.measure.card import CardDetection, detect_card
from tryon.measure.face_shape import FaceShape, classify_face_shape
from tryon.measure.frame_fit import FitResult, FrameSize, fit_frame, recommend
from tryon.measure.measurements import FaceMeasurer, MeasurementSession, MeasureOptions
from tryon.measure.report import FaceReport, MeasurementReport
from tryon.measure.values import MEASUREMENT_NAMES, Measurement

__all__ = [
    "MEASUREMENT_NAMES",
    "CardDetection",
    "FaceMeasurer",
    "FaceReport",
    "FaceShape",
    "FitResult",
    "FrameSize",
    "MeasureOptions",
    "Measurement",
    "MeasurementReport",
    "MeasurementSession",
    "classify_face_shape",
    "detect_card",
    "fit_frame",
    "recommend",
]
