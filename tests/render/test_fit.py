"""Eyewear fit, alone (pure numpy): where the frame, its lenses and temples land on a face."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tests.render.conftest import HINGE_X, TEMPLE_LENGTH, synthetic_face, synthetic_glasses
from tryon.catalog.asset import Asset
from tryon.catalog.manifest import EyewearAnchors
from tryon.render.eyewear_pass import WornEyewear
from tryon.render.fit import (
    EAR_LEFT,
    EAR_RIGHT,
    IRIS_LEFT,
    IRIS_RIGHT,
    NOSE_BRIDGE,
    NOSE_UPPER,
    EyewearFit,
    eyewear_part,
    fit_eyewear,
    head_frame_vertices,
    head_proxy,
)
from tryon.tracking.camera import CameraIntrinsics

CAMERA = CameraIntrinsics.from_fov(640, 480)
GLASSES = synthetic_glasses()


def _head_point(face, pose, part, point):  # type: ignore[no-untyped-def]
    """An asset-frame point of ``part`` in the head frame."""
    m = pose.part_matrix(part).astype(np.float64)
    cam = m[:3, :3] @ point + m[:3, 3]
    return face.rotation.T @ (cam - face.translation)


def test_lens_centres_sit_at_pupil_height_and_bridge_in_front_of_the_nose() -> None:
    face = synthetic_face(CAMERA)
    pose = fit_eyewear(face, GLASSES)
    v = head_frame_vertices(face)
    lens_centre = _head_point(face, pose, "front", np.array([0.035, 0.0, 0.0]))
    pupils_y = 0.5 * (v[IRIS_RIGHT, 1] + v[IRIS_LEFT, 1])
    assert lens_centre[1] == pytest.approx(pupils_y, abs=1e-4)
    bridge = _head_point(face, pose, "front", GLASSES.anchors["bridge"].astype(np.float64))
    # On the nose ridge between 168 and 6, 3 mm (the default clearance) in front of it.
    top, low = v[NOSE_BRIDGE], v[NOSE_UPPER]
    t = (bridge[1] - top[1]) / (low[1] - top[1])
    ridge_z = top[2] + t * (low[2] - top[2])
    assert bridge[2] - ridge_z == pytest.approx(0.003, abs=1e-6)
    assert bridge[0] == pytest.approx(0.0, abs=1e-6)


def test_pantoscopic_tilt_brings_the_lower_rims_toward_the_face() -> None:
    face = synthetic_face(CAMERA)
    for tilt in (0.0, 10.0):
        pose = fit_eyewear(face, GLASSES, EyewearFit(pantoscopic_tilt_deg=tilt))
        top = _head_point(face, pose, "front", np.array([0.035, 0.02, 0.0]))
        bottom = _head_point(face, pose, "front", np.array([0.035, -0.02, 0.0]))
        angle = np.degrees(np.arctan2(top[2] - bottom[2], top[1] - bottom[1]))
        assert angle == pytest.approx(tilt, abs=1e-6)


def test_fit_is_rigid_so_the_frame_keeps_its_true_size() -> None:
    face = synthetic_face(CAMERA, yaw_deg=25.0, distance=0.7)
    pose = fit_eyewear(face, GLASSES)
    m = pose.part_matrix("front").astype(np.float64)
    np.testing.assert_allclose(m[:3, :3] @ m[:3, :3].T, np.eye(3), atol=1e-6)
    for part in ("temple_left", "temple_right"):
        t = pose.part_matrix(part).astype(np.float64)
        np.testing.assert_allclose(np.linalg.det(t[:3, :3]), 1.0, atol=1e-6)


def test_fit_follows_the_head_pose() -> None:
    """The same face turned gives the same fit in the head frame."""
    frontal, turned = synthetic_face(CAMERA), synthetic_face(CAMERA, yaw_deg=30.0)
    for part, point in (("front", np.zeros(3)), ("temple_left", np.array([HINGE_X, 0, -0.1]))):
        a = _head_point(frontal, fit_eyewear(frontal, GLASSES), part, point)
        b = _head_point(turned, fit_eyewear(turned, GLASSES), part, point)
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_temples_turn_about_their_hinges_to_end_outside_the_head_at_ear_level() -> None:
    face = synthetic_face(CAMERA)
    pose = fit_eyewear(face, GLASSES)
    v = head_frame_vertices(face)
    proxy = head_proxy(face)
    for side, sign, ear in (("left", 1.0, EAR_LEFT), ("right", -1.0, EAR_RIGHT)):
        hinge = GLASSES.anchors[f"hinge_{side}"].astype(np.float64)
        end = GLASSES.anchors[f"temple_end_{side}"].astype(np.float64)
        part = f"temple_{side}"
        # The hinge does not move with the temple's turn.
        np.testing.assert_allclose(
            _head_point(face, pose, part, hinge), _head_point(face, pose, "front", hinge), atol=1e-6
        )
        tip = _head_point(face, pose, part, end)
        assert sign * tip[0] == pytest.approx(proxy.radii[0] + 0.004, abs=0.002)
        assert tip[1] == pytest.approx(v[ear, 1] + 0.025, abs=0.004)
        assert np.linalg.norm(tip - _head_point(face, pose, part, hinge)) == pytest.approx(
            TEMPLE_LENGTH, rel=1e-6
        )
        # The unturned temple would have ended elsewhere: the fit really turned it.
        straight = _head_point(face, pose, "front", end)
        assert np.linalg.norm(straight - tip) > 0.003


def test_head_proxy_is_behind_the_eyes_and_as_wide_as_the_ears() -> None:
    face = synthetic_face(CAMERA)
    v = head_frame_vertices(face)
    proxy = head_proxy(face)
    rx, _, rz_front, _ = proxy.radii
    assert rx == pytest.approx(0.5 * np.linalg.norm(v[EAR_LEFT] - v[EAR_RIGHT]))
    assert proxy.center[2] + rz_front < min(v[IRIS_LEFT, 2], v[IRIS_RIGHT, 2]) - 0.01


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pantoscopic_tilt_deg": 45.0}, r"pantoscopic_tilt_deg must be in \[-5, 20\], got 45.0"),
        ({"bridge_clearance_m": -0.001}, r"bridge_clearance_m must be in \[0, 0.03\] metres"),
        ({"temple_clearance_m": 0.5}, r"temple_clearance_m must be in \[0, 0.03\] metres"),
        ({"vertical_offset_m": 0.1}, r"vertical_offset_m must be within ±0.03 metres, got 0.1"),
    ],
)
def test_bad_fit_parameters_are_named(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        EyewearFit(**kwargs)


def test_parts_come_from_node_names() -> None:
    assert eyewear_part(("glasses", "temple_left", "temple_tip")) == "temple_left"
    assert eyewear_part(("glasses", "temple_right")) == "temple_right"
    assert eyewear_part(("glasses", "frame_front", "lens_left")) == "front"


def _poses_equal(a, b) -> bool:  # type: ignore[no-untyped-def]
    return all(
        np.allclose(a.part_matrix(p), b.part_matrix(p), atol=1e-7)
        for p in ("front", "temple_left", "temple_right")
    )


def test_anchor_nodes_are_read_under_the_manifests_names() -> None:
    face = synthetic_face(CAMERA, yaw_deg=10.0)
    renamed = {
        "bridge": "NosePivot",
        "hinge_left": "HingeL",
        "hinge_right": "HingeR",
        "temple_end_left": "TipL",
        "temple_end_right": "TipR",
    }
    asset = Asset(GLASSES.primitives, {renamed[k]: v for k, v in GLASSES.anchors.items()})
    names = EyewearAnchors(**renamed)
    reference = fit_eyewear(face, GLASSES)
    assert _poses_equal(fit_eyewear(face, asset, anchors=names), reference)
    # Under the default names the renamed nodes are not found: the fit falls back to the
    # asset origin for the bridge and hinges, and lands elsewhere.
    assert not _poses_equal(fit_eyewear(face, asset), reference)
    # The renderer's product carries the names (the engine gives it the manifest's).
    assert WornEyewear(asset, anchors=names).anchors.hinge_left == "HingeL"
    assert WornEyewear(asset).anchors == EyewearAnchors()


def test_a_given_head_proxy_is_the_one_the_temples_follow() -> None:
    face = synthetic_face(CAMERA)
    proxy = head_proxy(face)
    assert _poses_equal(fit_eyewear(face, GLASSES, proxy=proxy), fit_eyewear(face, GLASSES))
    rx, ry, rz_front, rz_back = proxy.radii
    wider = dataclasses.replace(proxy, radii=(rx + 0.01, ry, rz_front, rz_back))
    pose = fit_eyewear(face, GLASSES, proxy=wider)
    end = GLASSES.anchors["temple_end_left"].astype(np.float64)
    tip = _head_point(face, pose, "temple_left", end)
    assert tip[0] == pytest.approx(wider.center[0] + wider.radii[0] + 0.004, abs=0.002)
