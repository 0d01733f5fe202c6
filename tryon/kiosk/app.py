"""The kiosk window: the mirrored live try-on at the camera's rate, a product carousel, a
before/after split, the measurement panel, snapshots, and the idle attract screen and reset.

Threads: the source keeps the latest frame; the tracking worker tracks the latest frame;
this (GL) thread presents every new frame with the latest faces and the UI overlay. State
changes are logged as plain lines on stdout (never any face data).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import glfw
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from tryon.catalog.catalog import Catalog
from tryon.catalog.look import Look
from tryon.engine import Engine, EngineOptions
from tryon.kiosk.config import KioskConfig, Texts
from tryon.kiosk.layers import BeforeLayer, OverlayLayer
from tryon.kiosk.source import FrameSource, LatestFrame
from tryon.kiosk.tracking import TrackingWorker
from tryon.kiosk.ui import Layout, Rect, Shelf, UiState, draw_ui
from tryon.measure.measurements import MeasureOptions
from tryon.measure.report import FaceReport
from tryon.media import write_image
from tryon.render.context import create_context
from tryon.render.programs import ProgramCache
from tryon.render.renderer import Renderer
from tryon.render.surface import Surface
from tryon.render.thumbnails import product_thumbnail

__all__ = ["Kiosk", "KioskError", "Window", "make_shelves", "run_kiosk"]

#: How often the measurement report is rebuilt for the fit line and the panel, seconds.
_MEASURE_EVERY_S = 0.5
#: How long a notice (snapshot saved) stays, seconds.
_NOTICE_S = 2.0
_TITLE = "tryon kiosk"


class KioskError(RuntimeError):
    """The kiosk cannot start (no display, no products); one line for the user."""


def say(line: str) -> None:
    """One state-change line on stdout (what the tests and a shop's log collector read)."""
    print(line, flush=True)


def make_shelves(catalog: Catalog, config: KioskConfig) -> tuple[Shelf, ...]:
    """The carousel rows: the configured products (in config order, else catalog order) of
    the configured categories (in config order, else in first-seen order)."""
    unknown = [pid for pid in config.products if pid not in catalog]
    if unknown:
        raise KioskError(f"catalog.products names {unknown[0]!r}, which the catalog lacks")
    if config.products:
        products = [catalog.get(pid) for pid in dict.fromkeys(config.products)]
    else:
        products = catalog.products()
    order = list(config.categories) or list(dict.fromkeys(p.category for p in products))
    shelves = []
    for category in order:
        ids = tuple(p.id for p in products if p.category == category)
        if ids:
            shelves.append(Shelf(category, ids))
    if not shelves:
        raise KioskError("the catalog subset chosen in [catalog] has no products")
    return tuple(shelves)


def _glfw_error() -> str:
    """glfw's description of its last error on this thread."""
    _, text = glfw.get_error()
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return str(text or "unknown error")


def _fit_window(frame_size: tuple[int, int], window: tuple[int, int]) -> Rect:
    """The largest rect of the frame's aspect centered in the window."""
    fw, fh = frame_size
    ww, wh = window
    scale = min(ww / fw, wh / fh)
    w, h = round(fw * scale), round(fh * scale)
    x, y = (ww - w) // 2, (wh - h) // 2
    return (x, y, x + w, y + h)


class Window:
    """The glfw window with its GL context, renderer and kiosk layers (GL thread only)."""

    def __init__(self, config: KioskConfig) -> None:
        glfw.ERROR_REPORTING = "ignore"  # failures become one line (KioskError) below
        if not glfw.init():
            raise KioskError(f"cannot open a window: {_glfw_error()} (is DISPLAY set?)")
        try:
            glfw.window_hint(glfw.CONTEXT_VERSION_MAJOR, 3)
            glfw.window_hint(glfw.CONTEXT_VERSION_MINOR, 3)
            glfw.window_hint(glfw.OPENGL_PROFILE, glfw.OPENGL_CORE_PROFILE)
            glfw.window_hint(glfw.OPENGL_FORWARD_COMPAT, True)
            glfw.window_hint(glfw.RESIZABLE, False)  # the layout is made for one size
            monitor = glfw.get_primary_monitor() if config.fullscreen else None
            if monitor:
                mode = glfw.get_video_mode(monitor)
                size = (mode.size.width, mode.size.height)
            else:
                size = config.window_size
            handle = glfw.create_window(size[0], size[1], _TITLE, monitor, None)
            if not handle:
                raise KioskError(
                    f"cannot open a {size[0]}x{size[1]} OpenGL 3.3 window: {_glfw_error()}"
                )
            self.handle: Any = handle
            glfw.make_context_current(handle)
            glfw.swap_interval(1)
            if monitor:  # a touch screen in a shop: no pointer over the picture
                glfw.set_input_mode(handle, glfw.CURSOR, glfw.CURSOR_HIDDEN)
            self.ctx = create_context(standalone=False)
            self.size: tuple[int, int] = tuple(glfw.get_framebuffer_size(handle))  # type: ignore[assignment]
            self.renderer = Renderer(self.ctx)
            self.programs = ProgramCache(self.ctx)
            self.overlay = OverlayLayer(self.ctx, self.programs, self.size)
            self.before = BeforeLayer(self.ctx, self.programs)
            self.fbo = self.ctx.detect_framebuffer(0)
        except BaseException:
            glfw.terminate()
            raise

    def pixel_scale(self) -> float:
        """Framebuffer pixels per window coordinate (HiDPI)."""
        return self.size[0] / max(glfw.get_window_size(self.handle)[0], 1)

    def read(self) -> NDArray[np.uint8]:
        """What the window shows now, ``(H, W, 3)`` RGB, top row first (for a snapshot)."""
        w, h = self.size
        data = self.fbo.read(viewport=(0, 0, w, h), components=3)
        return np.frombuffer(data, np.uint8).reshape(h, w, 3)[::-1].copy()

    def close(self) -> None:
        self.before.release()
        self.overlay.release()
        self.programs.release()
        self.renderer.release()
        self.fbo.release()
        glfw.destroy_window(self.handle)
        glfw.terminate()


class Kiosk:
    """The kiosk's state and its reactions to input, time and tracking (GL thread)."""

    def __init__(
        self,
        window: Window,
        config: KioskConfig,
        catalog: Catalog,
        shelves: tuple[Shelf, ...],
        frames: LatestFrame,
    ) -> None:
        self.window = window
        self.config = config
        self.catalog = catalog
        self.texts: Texts = config.text
        self.layout = Layout(window.size, shelves)
        self.shelves = shelves
        self.frames = frames
        self.thumbnails = self._make_thumbnails()
        self.engine = Engine(
            EngineOptions(measure=MeasureOptions()), catalog=catalog, renderer=window.renderer
        )
        self.worker = TrackingWorker(frames, self.engine)
        self.state = UiState()
        self.worn: str | None = None
        self._drawn_state: UiState | None = None
        self._shown_seq = 0
        #: Where the camera picture is in the window (set by each draw).
        self.picture: Rect = (0, 0, *window.size)
        self._dragging = False
        self._snapshot_wanted = False
        self.snapshots: list[Path] = []
        self._writers: list[threading.Thread] = []
        self._notice_until = 0.0
        self._next_measure = 0.0
        self._idle_reset_done = False
        self.quit = False
        self.presented = 0

    # -- set-up ----------------------------------------------------------------------------

    def _make_thumbnails(self) -> dict[str, Image.Image]:
        t = self.layout.thumb_size
        out = {}
        for shelf in self.shelves:
            for pid in shelf.product_ids:
                rgba = product_thumbnail(self.window.renderer, self.catalog, pid, 2 * t)
                out[pid] = Image.fromarray(rgba, "RGBA").resize((t, t), Image.Resampling.LANCZOS)
        return out

    def start(self) -> None:
        self.worker.start()
        self.wear(0, 0)

    def stop(self) -> None:
        """Stop tracking, finish writing the snapshots asked for, release the engine."""
        self.worker.stop()
        for writer in self._writers:
            writer.join(timeout=10.0)
        self.engine.close()

    # -- actions ---------------------------------------------------------------------------

    def wear(self, category: int, product: int) -> None:
        """Select and wear a product of the carousel (indices wrap around)."""
        category %= len(self.shelves)
        ids = self.shelves[category].product_ids
        product %= len(ids)
        pid = ids[product]
        self.state = replace(self.state, category=category, product=product)
        if pid != self.worn:
            self.worn = pid
            self._next_measure = 0.0
            p = self.catalog.get(pid)
            title = f"{p.name}  ·  {p.price:.2f} {p.currency}"
            self.state = replace(self.state, title=title, fit="")
            say(f"product: {pid} ({self.shelves[category].category})")

    def toggle_split(self) -> None:
        on = self.state.split is None
        self.state = replace(self.state, split=0.5 if on else None)
        say(f"split: {'on' if on else 'off'}")

    def toggle_panel(self) -> None:
        on = self.state.panel is None
        self.state = replace(self.state, panel=() if on else None)
        self._update_measurements()
        say(f"measurements: {'shown' if on else 'hidden'}")

    def reset(self) -> None:
        """Forget the session: look, measurements, snapshots held in memory."""
        dropped = len(self.snapshots)
        self.snapshots.clear()
        self.worker.reset()
        self.worn = None
        self.state = UiState(attract=self.state.attract)
        say(f"reset: session cleared ({dropped} snapshots forgotten)")
        self.wear(0, 0)

    # -- input -----------------------------------------------------------------------------

    def on_key(self, key: int) -> None:
        s = self.state
        actions: dict[int, Callable[[], None]] = {
            glfw.KEY_RIGHT: lambda: self.wear(s.category, s.product + 1),
            glfw.KEY_LEFT: lambda: self.wear(s.category, s.product - 1),
            glfw.KEY_DOWN: lambda: self.wear(s.category + 1, 0),
            glfw.KEY_UP: lambda: self.wear(s.category - 1, 0),
            glfw.KEY_SPACE: self._ask_snapshot,
            glfw.KEY_B: self.toggle_split,
            glfw.KEY_M: self.toggle_panel,
            glfw.KEY_ESCAPE: self._ask_quit,
        }
        action = actions.get(key)
        if action is not None:
            action()

    def on_press(self, x: float, y: float) -> None:
        hit = self.layout.hit(x, y, self.state)
        if hit is not None:
            kind, i = hit
            if kind == "category":
                self.wear(i, 0)
            else:
                self.wear(self.state.category, i)
            return
        x0, y0, x1, y1 = self.picture
        if x0 <= x < x1 and y0 <= y < y1:
            self._dragging = True
            if self.state.split is None:
                say("split: on")
            self.on_drag(x)

    def on_drag(self, x: float) -> None:
        if self._dragging:
            x0, _, x1, _ = self.picture
            self.state = replace(self.state, split=min(max((x - x0) / max(x1 - x0, 1), 0.0), 1.0))

    def on_release(self) -> None:
        self._dragging = False

    def _ask_snapshot(self) -> None:
        self._snapshot_wanted = True

    def _ask_quit(self) -> None:
        self.quit = True

    # -- per frame -------------------------------------------------------------------------

    def tick(self) -> bool:
        """Update idle state and measurements; present a new frame (or a changed UI).
        True if the window was redrawn."""
        now = time.monotonic()
        self._update_idle()
        if now >= self._next_measure and not self.state.attract:
            self._next_measure = now + _MEASURE_EVERY_S
            self._update_measurements()
        if self.state.notice and now >= self._notice_until:
            self.state = replace(self.state, notice="")
        frame = self.frames.latest()
        if frame is None:
            return False
        fresh = frame.seq != self._shown_seq or self.state != self._drawn_state
        if not fresh and not self._snapshot_wanted:
            return False
        self._shown_seq = frame.seq
        self.draw(frame.image)
        if self._snapshot_wanted:
            self._snapshot_wanted = False
            self._save_snapshot(self.window.read())
        return True

    def draw(self, image: NDArray[np.uint8]) -> None:
        """Present ``image`` with the worn product on the latest faces, then the UI."""
        win = self.window
        h, w = image.shape[:2]
        picture = _fit_window((w, h), win.size)
        self.picture = picture
        x0, y0, x1, y1 = picture
        surface = Surface(win.fbo, (x0, win.size[1] - y1, x1 - x0, y1 - y0), self.config.mirror)
        win.fbo.use()
        win.fbo.clear(0.0, 0.0, 0.0, 1.0)
        look = Look.of(self.worn) if self.worn else None
        self.engine.present(image, self.worker.faces, look, surface)
        if self.state.split is not None:
            win.before.draw(image, surface, self.state.split)
        if self.state != self._drawn_state:
            rgba = draw_ui(self.state, self.layout, picture, self.thumbnails, self.texts)
            win.overlay.upload(rgba)
            self._drawn_state = self.state
        win.overlay.draw(win.fbo)
        self.presented += 1

    def _update_idle(self) -> None:
        idle = self.worker.seconds_without_face()
        if idle < self.config.attract_after_s:
            self._idle_reset_done = False
            if self.state.attract:
                self.state = replace(self.state, attract=False)
                say("attract: off")
            return
        if not self.state.attract:
            self.state = replace(self.state, attract=True)
            say("attract: on")
        if idle >= self.config.reset_after_s and not self._idle_reset_done:
            self._idle_reset_done = True
            self.reset()

    def _update_measurements(self) -> None:
        """The fit line (glasses worn) and the panel (when shown) from a fresh report."""
        worn = self.worn
        eyewear = worn is not None and self.catalog.get(worn).category == "eyewear"
        face = None
        if eyewear or self.state.panel is not None:
            report = self.worker.measurements()
            faces = report.faces if report is not None else ()
            face = next((f for f in faces if f.status == "ok"), None)
        fit = self._fit_line(face) if eyewear else ""
        panel = None if self.state.panel is None else self._panel_lines(face)
        self.state = replace(self.state, fit=fit, panel=panel)

    def _fit_line(self, face: FaceReport | None) -> str:
        """The worn frame's verdict; "measuring..." until the face is measured; nothing
        for a frame without a size."""
        t = self.texts
        if face is None:
            return t.measuring
        for result in face.fit:
            if result.product_id == self.worn:
                verdicts = {"good": t.fit_good, "too narrow": t.fit_too_narrow}
                return verdicts.get(result.verdict, t.fit_too_wide)
        return ""

    def _panel_lines(self, face: FaceReport | None) -> tuple[str, ...]:
        if face is None:
            return (self.texts.measuring,)
        t = self.texts
        lines = []
        for key, label in (
            ("pd", t.pd_label),
            ("face_width", t.face_width_label),
            ("temple_width", t.temple_width_label),
        ):
            m = face.values.get(key)
            if m is not None:
                lines.append(f"{label}: {m.value_mm:.1f} ± {m.uncertainty_mm:.1f} mm")
        if face.face_shape is not None:
            lines.append(f"{t.face_shape_label}: {face.face_shape.shape}")
        return tuple(lines) or (t.measuring,)

    def _save_snapshot(self, image: NDArray[np.uint8]) -> None:
        folder = self.config.snapshot_dir
        path = folder / time.strftime(f"snapshot-%Y%m%d-%H%M%S-{len(self.snapshots) + 1:03d}.png")
        self.snapshots.append(path)
        self.state = replace(self.state, notice=self.texts.snapshot_saved)
        self._notice_until = time.monotonic() + _NOTICE_S

        def save() -> None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                write_image(path, image)
                say(f"snapshot: saved {path}")
            except Exception as exc:  # a full disk must not take the kiosk down
                say(f"snapshot: failed: {exc}")

        writer = threading.Thread(target=save, name="kiosk-snapshot", daemon=True)
        writer.start()
        self._writers = [w for w in self._writers if w.is_alive()] + [writer]


def run_kiosk(
    config: KioskConfig, catalog: Catalog, shelves: tuple[Shelf, ...], source: FrameSource
) -> int:
    """Open the window, start ``source`` and run until Esc or the window is closed (0), or
    until the source fails (1, its error on stderr). ``shelves``: from `make_shelves`."""
    window = None
    kiosk = None
    try:
        window = Window(config)
        source.start(glfw.post_empty_event)
        kiosk = Kiosk(window, config, catalog, shelves, source.frames)
        _connect(window, kiosk)
        count = sum(len(s.product_ids) for s in shelves)
        say(
            f"kiosk: ready {window.size[0]}x{window.size[1]}, {count} products in"
            f" {len(shelves)} categories, source {source.description}"
        )
        kiosk.start()
        while not kiosk.quit and not glfw.window_should_close(window.handle):
            glfw.wait_events_timeout(0.05)
            if kiosk.tick():
                glfw.swap_buffers(window.handle)
            if source.frames.closed and source.frames.error:
                print(f"tryon kiosk: {source.frames.error}", file=sys.stderr)
                return 1
        say("quit")
        return 0
    finally:
        if kiosk is not None:
            kiosk.stop()
        source.stop()
        if window is not None:
            window.close()


def _connect(window: Window, kiosk: Kiosk) -> None:
    """glfw callbacks (run on this thread inside the event wait) to the kiosk's handlers."""
    scale = window.pixel_scale()

    def on_key(_w: Any, key: int, _scancode: int, action: int, _mods: int) -> None:
        if action in (glfw.PRESS, glfw.REPEAT):
            kiosk.on_key(key)

    def on_button(_w: Any, button: int, action: int, _mods: int) -> None:
        if button != glfw.MOUSE_BUTTON_LEFT:
            return
        if action == glfw.PRESS:
            x, y = glfw.get_cursor_pos(window.handle)
            kiosk.on_press(x * scale, y * scale)
        else:
            kiosk.on_release()

    def on_move(_w: Any, x: float, _y: float) -> None:
        kiosk.on_drag(x * scale)

    glfw.set_key_callback(window.handle, on_key)
    glfw.set_mouse_button_callback(window.handle, on_button)
    glfw.set_cursor_pos_callback(window.handle, on_move)
