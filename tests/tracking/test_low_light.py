"""Low light: dim frames are denoised before tracking, so darker skin is not lost first."""

from __future__ import annotations

import numpy as np
import pytest
from face_set import FacePhoto

from tests.measure.face_clips import noisy_frames, track_labelled
from tryon.tracking.low_light import BRIGHT_SHARE, DIM_LEVEL, is_dim, prepare_for_tracking
from tryon.tracking.tracker import TrackerOptions

#: The family photo: a light-skinned adult and two dark-skinned faces (MST 9 adult, MST 7
#: child) among others; at 12 % light with sensor noise the mesh lost the dark faces.
PHOTO = "facetorch-test"
FRAMES = 4


def test_bright_frames_pass_through_untouched() -> None:
    frame = np.full((48, 64, 3), 200, np.uint8)
    assert not is_dim(frame)
    assert prepare_for_tracking(frame) is frame


def test_dim_means_under_one_percent_of_sampled_pixels_reach_the_level() -> None:
    # 400x400: a 100x100 subsample (every 4th row and column), of which 1 % is 100 pixels.
    frame = np.full((400, 400, 3), DIM_LEVEL - 1, np.uint8)
    bright = round(BRIGHT_SHARE * 100 * 100)
    rows, cols = np.divmod(np.arange(bright), 100)
    frame[rows[:-1] * 4, cols[:-1] * 4, 2] = DIM_LEVEL  # one channel is enough
    frame[1::4, 1::4] = 255  # pixels off the subsample do not count
    assert is_dim(frame)  # 99 of 10000 sampled pixels reach the level
    frame[rows[-1] * 4, cols[-1] * 4, 0] = DIM_LEVEL
    assert not is_dim(frame)  # 100 do


@pytest.mark.parametrize("width", [641, 642, 643, 644])
@pytest.mark.parametrize("view", ["contiguous", "mirrored", "channels reversed"])
def test_every_sampled_pixel_counts_at_any_width_and_layout(width: int, view: str) -> None:
    """The count runs on whole 4-pixel groups (one word each), plus the last sampled column
    when the width is not a multiple of 4; every layout counts the same pixels."""
    layouts = {
        "contiguous": lambda f: f,
        "mirrored": lambda f: f[:, ::-1],
        "channels reversed": lambda f: f[..., ::-1],
    }
    base = np.full((37, width, 3), DIM_LEVEL - 1, np.uint8)
    frame = layouts[view](base)  # a view: writes below land in base
    sampled = 10 * -(-width // 4)  # 10 of the 37 rows, every 4th column
    needed = int(BRIGHT_SHARE * sampled) + 1  # the fewest bright pixels of a frame not dim
    last = 4 * ((width - 1) // 4)  # the last sampled column
    frame[0, last, 1] = DIM_LEVEL
    frame[4, 0 : 4 * (needed - 1) : 4, 2] = DIM_LEVEL
    frame[:, last + 1 :] = 255  # off the subsample
    assert not is_dim(frame)  # needed sampled pixels reach the level, one in the last column
    frame[0, last, 1] = DIM_LEVEL - 1
    assert is_dim(frame)
    rng = np.random.default_rng(width)
    for share in (0.002, 0.003, 0.004, 0.01):  # per channel: around 1 % of the pixels
        frame[:] = rng.integers(0, DIM_LEVEL, frame.shape, dtype=np.uint8)
        bright = rng.random(frame.shape) < share
        frame[bright] = DIM_LEVEL
        sample = frame[::4, ::4].max(axis=2)
        expected = np.count_nonzero(sample >= DIM_LEVEL) < BRIGHT_SHARE * sample.size
        assert is_dim(frame) == expected


def test_dim_frames_are_smoothed_not_moved() -> None:
    rng = np.random.default_rng(0)
    frame = np.clip(30 + rng.normal(0, 8, (48, 64, 3)), 0, 255).astype(np.uint8)
    assert is_dim(frame)
    out = prepare_for_tracking(frame)
    assert out.shape == frame.shape and out.dtype == np.uint8
    assert out.std() < 0.6 * frame.std()  # the noise is smoothed
    assert abs(float(out.mean()) - float(frame.mean())) < 1.0  # the exposure is kept


@pytest.mark.slow
def test_dark_skinned_faces_are_kept_in_low_light(face_set: list[FacePhoto]) -> None:
    photo = next(p for p in face_set if p.id == PHOTO)
    dark = [i for i, f in enumerate(photo.faces) if f.group == "dark"]
    assert len(dark) == 2
    clip = noisy_frames(photo.rgb, FRAMES, gain=0.12, sigma=8.0, seed=1)
    centres = [f.center for f in photo.faces]
    found = {
        denoise: track_labelled(
            clip, centres, TrackerOptions(max_faces=6, low_light_denoise=denoise)
        )
        for denoise in (False, True)
    }
    tags = [photo.faces[i].tag() for i in dark]
    # Without denoising the dark faces are lost (what the fix is for) ...
    assert all(len(found[False].get(i, [])) == 0 for i in dark), tags
    # ... with it they are found in every frame, as are all the faces found before.
    assert all(len(found[True].get(i, [])) == FRAMES for i in dark), tags
    assert set(found[False]) <= set(found[True])
