"""Shared fixtures: a real face photo, a real GL context that must stay error-free."""

from __future__ import annotations

from collections.abc import Iterator

import moderngl
import numpy as np
import pytest
from face_set import FacePhoto, load_face_set
from numpy.typing import NDArray

from tryon.render.context import create_context, make_current


@pytest.fixture(scope="session")
def astronaut() -> NDArray[np.uint8]:
    """Eileen Collins, 512x512 RGB, from scikit-image's bundled data (no download)."""
    from skimage import data

    img = np.ascontiguousarray(data.astronaut())
    img.setflags(write=False)
    return img


@pytest.fixture(scope="session")
def _gl_session_ctx() -> Iterator[moderngl.Context]:
    ctx = create_context()
    yield ctx
    ctx.release()


@pytest.fixture
def gl_ctx(_gl_session_ctx: moderngl.Context) -> Iterator[moderngl.Context]:
    """The session's EGL context, current during the test; the test fails if it leaves a
    GL error behind (read on this context: another one, say an engine's, may be current)."""
    ctx = _gl_session_ctx
    make_current(ctx)
    assert ctx.error == "GL_NO_ERROR", f"GL error before the test: {ctx.error}"
    yield ctx
    make_current(ctx)
    assert ctx.error == "GL_NO_ERROR", f"GL error after the test: {ctx.error}"


@pytest.fixture(scope="session")
def face_set() -> list[FacePhoto]:
    """The real-face test set (photos from registry packages, fetched into a cache; our own
    labels from tests/data/faces.toml)."""
    return load_face_set()
