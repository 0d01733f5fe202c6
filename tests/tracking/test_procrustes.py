"""Weighted Umeyama: recovers known similarities, ignores zero-weight outliers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from tryon.tracking.procrustes import AlignmentSource, weighted_umeyama


def test_recovers_a_known_similarity() -> None:
    rng = np.random.default_rng(1)
    src = rng.normal(size=(50, 3))
    rot = Rotation.from_euler("xyz", [20, -35, 70], degrees=True).as_matrix()
    dst = 2.5 * src @ rot.T + np.array([1.0, -2.0, 3.0])
    fit = weighted_umeyama(src, dst)
    assert fit.rotation == pytest.approx(rot, abs=1e-9)
    assert fit.scale == pytest.approx(2.5)
    assert fit.translation == pytest.approx([1.0, -2.0, 3.0])
    assert fit.rms < 1e-9
    assert fit.apply(src) == pytest.approx(dst)


def test_zero_weights_ignore_outliers_and_rigid_mode_keeps_scale() -> None:
    rng = np.random.default_rng(2)
    src = rng.normal(size=(30, 3))
    rot = Rotation.from_rotvec([0.1, 0.2, 0.3]).as_matrix()
    dst = src @ rot.T
    dst[:5] += 10.0  # outliers
    w = np.ones(30)
    w[:5] = 0.0
    fit = weighted_umeyama(src, dst, w, with_scale=False)
    assert fit.rotation == pytest.approx(rot, abs=1e-9)
    assert fit.scale == 1.0


def test_never_returns_a_reflection() -> None:
    rng = np.random.default_rng(3)
    src = rng.normal(size=(20, 3))
    fit = weighted_umeyama(src, src * np.array([-1.0, 1.0, 1.0]))
    assert np.linalg.det(fit.rotation) == pytest.approx(1.0)


@pytest.mark.parametrize("mirror", [1.0, -1.0], ids=["rotation", "reflection"])
def test_no_weights_are_equal_weights_bit_for_bit(mirror: float) -> None:
    rng = np.random.default_rng(4)
    src = rng.normal(size=(28, 3))
    dst = 1.3 * src * np.array([mirror, 1.0, 1.0]) + rng.normal(scale=0.01, size=(28, 3))
    unweighted = weighted_umeyama(src, dst)
    weighted = weighted_umeyama(src, dst, np.ones(28))
    assert unweighted.rotation.tobytes() == weighted.rotation.tobytes()
    assert unweighted.translation.tobytes() == weighted.translation.tobytes()
    assert (unweighted.scale, unweighted.rms) == (weighted.scale, weighted.rms)


def test_bad_input_is_named() -> None:
    with pytest.raises(ValueError, match=r"got \(4, 2\) and \(4, 2\)"):
        weighted_umeyama(np.zeros((4, 2)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="non-negative weights"):
        weighted_umeyama(np.zeros((4, 3)), np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match=r"expected \(0,\) non-negative weights"):
        weighted_umeyama(np.zeros((0, 3)), np.zeros((0, 3)))  # no points: no weights to sum


def test_a_prepared_source_aligns_like_the_function_bit_for_bit() -> None:
    """`AlignmentSource` (the source's half done once) gives `weighted_umeyama`'s fit to every
    target; a target of another shape is named."""
    rng = np.random.default_rng(5)
    src = rng.normal(size=(28, 3))
    source = AlignmentSource.of(src)
    for mirror in (1.0, -1.0):
        dst = 0.7 * src * np.array([mirror, 1.0, 1.0]) + rng.normal(scale=0.01, size=(28, 3))
        once, prepared = weighted_umeyama(src, dst), source.align(dst)
        assert once.rotation.tobytes() == prepared.rotation.tobytes()
        assert once.translation.tobytes() == prepared.translation.tobytes()
        assert (once.scale, once.rms) == (prepared.scale, prepared.rms)
    with pytest.raises(ValueError, match=r"got \(28, 3\) and \(27, 3\)"):
        source.align(src[:27])
    with pytest.raises(ValueError, match=r"expected an \(N, 3\) point set, got \(28, 2\)"):
        AlignmentSource.of(src[:, :2])
