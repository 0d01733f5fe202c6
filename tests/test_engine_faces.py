"""Faces keep their identity, and so their looks, across frames: two real faces walking past
each other (their size rank flipping on the way) keep what each was given to wear."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from tryon.catalog.look import FaceLooks, Look
from tryon.engine import Engine, EngineOptions

W, H = 1280, 720


def _head(astronaut: NDArray[np.uint8], size: int, mirror: bool) -> NDArray[np.uint8]:
    crop = astronaut[0:300, 75:375]
    img = Image.fromarray(crop).resize((size, size), Image.Resampling.BILINEAR)
    out = np.asarray(img)
    return out[:, ::-1] if mirror else out


def _frame(a: NDArray[np.uint8], ax: int, b: NDArray[np.uint8], bx: int) -> NDArray[np.uint8]:
    canvas = np.full((H, W, 3), 90, np.uint8)
    canvas[20 : 20 + a.shape[0], ax : ax + a.shape[1]] = a
    canvas[400 : 400 + b.shape[0], bx : bx + b.shape[1]] = b
    return canvas


def test_two_faces_swapping_places_keep_their_own_looks(astronaut: NDArray[np.uint8]) -> None:
    steps = 24
    with Engine(EngineOptions(max_faces=2)) as engine:
        first_id = None
        for step in range(steps + 1):
            # Face A walks right and shrinks; face B (mirrored) walks left and grows.
            size_a, size_b = 300 - 3 * step, 228 + 3 * step
            ax = 60 + step * (W - 60 - 228 - 60) // steps
            bx = W - 60 - 228 - step * (W - 60 - 228 - 60) // steps
            frame = _frame(_head(astronaut, size_a, False), ax, _head(astronaut, size_b, True), bx)
            if first_id is None:
                engine.process(frame, timestamp_ms=1000)
                faces = engine.last_result.faces if engine.last_result else ()
                assert len(faces) == 2
                top = min(faces, key=lambda f: f.observation.bbox[1])  # face A is the upper one
                first_id = top.observation.face_id
                looks = FaceLooks.per_face({first_id: Look.of("round-tortoise")})
                continue
            out = engine.process(frame, looks, timestamp_ms=1000 + 33 * step)
            result = engine.last_result
            assert result is not None and len(result.faces) == 2, f"frame {step}"
            changed = np.argwhere(np.any(out != frame, axis=2))
            assert len(changed) > 500, f"frame {step}: nothing drawn"
            rows, cols = changed[:, 0], changed[:, 1]
            # Glasses only on face A: the upper band, within A's columns.
            assert rows.max() < 20 + size_a, f"frame {step}: drawn on the lower face"
            assert cols.min() >= ax - 10 and cols.max() <= ax + size_a + 10, f"frame {step}"
            ids = {f.observation.face_id for f in result.faces}
            assert first_id in ids and len(ids) == 2
        # They have changed places and sizes: A is now right and the smaller face.
        a_face = next(f for f in result.faces if f.observation.face_id == first_id)
        b_face = next(f for f in result.faces if f.observation.face_id != first_id)
        assert a_face.observation.bbox[0] > b_face.observation.bbox[0]
        assert a_face.observation.index == 1  # the tracker ranks it second by size now
