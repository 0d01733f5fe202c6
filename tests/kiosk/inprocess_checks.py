"""The kiosk in this process on the test display: clicks and drags, the before/after split
in the window's pixels, and the UI uploaded only when it changes.

Run by test_kiosk_inprocess.py in an interpreter of its own: Mesa refuses a GLX context
(X_GLXMakeCurrent: BadAccess, and Xlib then exits the process) on a thread that has had an
EGL context current, as the other tests' headless renderers have on pytest's main thread.
A kiosk never has one there."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pytest
from numpy.typing import NDArray

from tryon.catalog.catalog import Catalog
from tryon.kiosk.app import Kiosk, Window, make_shelves
from tryon.kiosk.config import KioskConfig
from tryon.kiosk.source import LatestFrame

PRODUCTS = ("classic-rectangle-black", "round-tortoise")


@pytest.fixture
def kiosk(xvfb: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Kiosk]:
    monkeypatch.setenv("DISPLAY", xvfb)
    config = KioskConfig(products=PRODUCTS, fullscreen=False, window_size=(640, 480))
    catalog = Catalog.default()
    window = Window(config)
    kiosk = Kiosk(window, config, catalog, make_shelves(catalog, config), LatestFrame())
    kiosk.start()
    try:
        yield kiosk
    finally:
        kiosk.stop()
        window.close()


def _show(kiosk: Kiosk, frame: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Offer ``frame`` until a face is tracked, draw it, and read the window."""
    for _ in range(200):
        kiosk.frames.put(frame.copy())
        seen = kiosk.worker.tracked_frames
        while kiosk.worker.tracked_frames == seen:
            kiosk.tick()
            time.sleep(0.005)
        if kiosk.worker.faces:
            break
    kiosk.frames.put(frame.copy())
    assert kiosk.tick()
    return kiosk.window.read()


def test_click_split_and_overlay_uploads(
    kiosk: Kiosk, astronaut: NDArray[np.uint8], monkeypatch: pytest.MonkeyPatch
) -> None:
    uploads: list[int] = []
    upload = kiosk.window.overlay.upload
    monkeypatch.setattr(
        kiosk.window.overlay, "upload", lambda rgba: (uploads.append(1), upload(rgba))
    )
    assert kiosk.worn == PRODUCTS[0]
    worn = _show(kiosk, astronaut).astype(int)
    # 480x480 picture at x=80, mirrored: the photo's eyes (rows 100..135, cols 190..290)
    eyes = (slice(int(100 * 0.9375), int(135 * 0.9375)), slice(80 + 208, 80 + 302))
    presented = kiosk.presented
    for _ in range(10):
        _show(kiosk, astronaut)
    assert kiosk.presented >= presented + 10
    assert len(uploads) < 6  # the UI changed a few times at most (fit line), not per frame
    kiosk.toggle_panel()
    texts = kiosk.texts
    deadline = time.monotonic() + 20
    while kiosk.state.fit in ("", texts.measuring) and time.monotonic() < deadline:
        _show(kiosk, astronaut)
    assert kiosk.state.fit in (texts.fit_good, texts.fit_too_narrow, texts.fit_too_wide)
    assert kiosk.state.panel is not None and kiosk.state.panel[0].startswith("PD: ")
    kiosk.toggle_panel()

    x0, y0, x1, y1 = kiosk.picture
    kiosk.on_press(x1 - 2, (y0 + y1) / 2)  # drag the split to the far right: all "before"
    kiosk.on_release()
    assert kiosk.state.split is not None and kiosk.state.split > 0.98
    before = _show(kiosk, astronaut).astype(int)
    assert before[eyes].mean() > worn[eyes].mean() + 15  # no glasses on the raw side
    kiosk.on_press(x0 + 1, (y0 + y1) / 2)  # to the far left: all "after"
    kiosk.on_drag(x0 - 50)  # beyond the picture: clamped
    kiosk.on_release()
    assert kiosk.state.split == 0.0
    after = _show(kiosk, astronaut).astype(int)
    assert np.abs(after[eyes] - worn[eyes]).mean() < 8

    (_, (tx0, ty0, tx1, ty1)) = kiosk.layout.thumbs(0, 0)[1]
    kiosk.on_press((tx0 + tx1) / 2, (ty0 + ty1) / 2)  # a click on the second thumbnail
    kiosk.on_release()
    assert kiosk.worn == PRODUCTS[1] and kiosk.state.product == 1
    kiosk.on_press(2, 2)  # the letterbox beside the picture: nothing happens
    assert kiosk.worn == PRODUCTS[1] and kiosk.state.split == 0.0
