"""The overlay's layout and drawing: clicks find the control under them; each state shows."""

from __future__ import annotations

import numpy as np
from PIL import Image

from tryon.kiosk.config import Texts
from tryon.kiosk.ui import Layout, Shelf, UiState, draw_ui

SHELVES = (Shelf("eyewear", tuple(f"frame-{i}" for i in range(12))), Shelf("makeup", ("lips",)))
LAYOUT = Layout((1280, 720), SHELVES)
PICTURE = (160, 0, 1120, 720)


def _center(rect: tuple[int, int, int, int]) -> tuple[float, float]:
    return (rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2


def test_clicks_hit_tabs_and_thumbnails() -> None:
    state = UiState(category=0, product=0)
    tabs = LAYOUT.tabs()
    assert [i for i, _ in tabs] == [0, 1]
    assert LAYOUT.hit(*_center(tabs[1][1]), state) == ("category", 1)
    thumbs = LAYOUT.thumbs(0, 0)
    assert thumbs[0][0] == 0 and len(thumbs) < 12  # more than fit: a window of them
    assert LAYOUT.hit(*_center(thumbs[3][1]), state) == ("product", 3)
    assert LAYOUT.hit(640, 200, state) is None  # the picture, not a control
    late = LAYOUT.thumbs(0, 11)  # the selection scrolls into view
    assert late[-1][0] == 11 and LAYOUT.hit(*_center(late[-1][1]), UiState(product=11)) == (
        "product",
        11,
    )
    assert LAYOUT.thumbs(5, 0) == []  # no such category: nothing to click


def test_each_state_draws_what_it_says() -> None:
    texts = Texts()
    thumbs = {
        f"frame-{i}": Image.new("RGBA", (LAYOUT.thumb_size,) * 2, (0, 0, 0, 255)) for i in range(12)
    }
    plain = draw_ui(UiState(title="Round · 99.00 EUR"), LAYOUT, PICTURE, thumbs, texts)
    assert plain.shape == (720, 1280, 4) and plain.dtype == np.uint8
    band = plain[LAYOUT.band[1] :]
    assert band[..., 3].min() > 150  # the carousel band covers the bottom
    assert plain[300:400, 400:800, 3].max() == 0  # the picture stays clear
    assert plain[:40, 16:200, 3].max() > 0  # the title
    attract = draw_ui(UiState(attract=True), LAYOUT, PICTURE, thumbs, texts)
    assert attract[..., 3].min() > 100  # dims the whole picture
    assert (attract[..., :3].min(-1) > 240).sum() > 500  # the invitation, in white
    split = draw_ui(UiState(split=0.25), LAYOUT, PICTURE, thumbs, texts)
    assert split[360, 160 + 240, 3] == 255 and split[360, 640, 3] == 0  # the split line
    panel = draw_ui(UiState(panel=("PD: 62.0 ± 2.5 mm",)), LAYOUT, PICTURE, thumbs, texts)
    assert panel[150:200, 1000:1200, 3].max() > 0 and plain[150:200, 1000:1200, 3].max() == 0


def test_overlay_rows_with_something_drawn() -> None:
    from tryon.kiosk.layers import row_spans

    alpha = np.zeros((10, 4), np.uint8)
    assert row_spans(alpha) == []  # nothing to blend
    alpha[0, 1] = alpha[1, 0] = alpha[6:, 3] = 9
    assert row_spans(alpha) == [(0, 2), (6, 10)]  # the top bar and the band, not between
    assert row_spans(np.full((3, 2), 255, np.uint8)) == [(0, 3)]  # the attract screen
