"""One Euro filter: smooths noise, follows a ramp, validates its inputs."""

from __future__ import annotations

import numpy as np
import pytest

from tryon.tracking.one_euro import OneEuroFilter, OneEuroParams


def test_reduces_noise_on_a_still_signal() -> None:
    rng = np.random.default_rng(0)
    f = OneEuroFilter(OneEuroParams(min_cutoff=1.0, beta=0.0))
    noisy = rng.normal(size=(300, 10))
    out = np.array([f(x, i / 30) for i, x in enumerate(noisy)])
    assert out[30:].std() < noisy.std() / 3


def test_speed_raises_the_cutoff_and_cuts_lag_on_a_ramp() -> None:
    ramp = np.arange(100, dtype=np.float64) * 5.0  # 150 units/s at 30 Hz
    lags = {}
    for beta in (0.0, 0.5):
        f = OneEuroFilter(OneEuroParams(min_cutoff=1.0, beta=beta))
        out = np.array([f(np.array([x]), i / 30)[0] for i, x in enumerate(ramp)])
        lags[beta] = (ramp[-1] - out[-1]) / 5.0  # in frames
    assert lags[0.0] > 4.0
    assert lags[0.5] < 0.5


def test_first_sample_passes_and_reset_forgets() -> None:
    f = OneEuroFilter()
    assert not f.primed
    assert f(np.array([3.0, 4.0]), 0.0) == pytest.approx([3.0, 4.0])
    f(np.array([5.0, 6.0]), 0.1)
    f.reset()
    assert f(np.array([-1.0, 1.0]), 0.2) == pytest.approx([-1.0, 1.0])


def test_bad_input_is_named() -> None:
    f = OneEuroFilter()
    f(np.zeros(3), 1.0)
    with pytest.raises(ValueError, match=r"times must increase: got 1.0 s after 1.0 s"):
        f(np.zeros(3), 1.0)
    with pytest.raises(ValueError, match=r"expected shape \(3,\) \(as before\), got \(4,\)"):
        f(np.zeros(4), 2.0)
    with pytest.raises(ValueError, match="min_cutoff=0"):
        OneEuroParams(min_cutoff=0)
