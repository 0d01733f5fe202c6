"""The kiosk's TOML configuration: which products, the on-screen words, idle times, camera,
window and snapshot folder. Every key is optional; a bad one is a `ConfigError` naming it.

See ``docs/kiosk.example.toml`` for every key with its default.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

__all__ = ["ConfigError", "KioskConfig", "Texts", "load_config"]


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names the key."""


@dataclass(frozen=True, slots=True)
class Texts:
    """Every word shown on screen (``[text]`` in the config), English by default."""

    attract_title: str = "Step closer to try on"
    attract_hint: str = "Look into the mirror: glasses and makeup appear on you"
    fit_label: str = "Fit"
    fit_good: str = "good fit"
    fit_too_narrow: str = "too narrow for you"
    fit_too_wide: str = "too wide for you"
    measuring: str = "measuring..."
    before: str = "before"
    after: str = "after"
    snapshot_saved: str = "Snapshot saved"
    measurements_title: str = "Your measurements"
    pd_label: str = "PD"
    face_width_label: str = "face width"
    temple_width_label: str = "temple width"
    face_shape_label: str = "face shape"
    help_line: str = (
        "Left/Right: product    Up/Down: category    Space: snapshot    B: before/after    "
        "M: measurements"
    )
    category_eyewear: str = "Glasses"
    category_makeup: str = "Makeup"
    category_look: str = "Looks"
    category_hair: str = "Hair"


@dataclass(frozen=True, slots=True)
class KioskConfig:
    """What the kiosk shows and how (see the module doc)."""

    #: Product ids to offer (empty: every product of ``categories``).
    products: tuple[str, ...] = ()
    #: Categories to offer, in carousel order (empty: every category in the catalog).
    categories: tuple[str, ...] = ()
    #: No face for this long: the attract screen.
    attract_after_s: float = 5.0
    #: No face for this long: the session is cleared (look, measurements, snapshots).
    reset_after_s: float = 60.0
    camera: int = 0
    #: Requested capture size (the camera may give another).
    camera_size: tuple[int, int] = (1280, 720)
    #: Window size when not full screen.
    window_size: tuple[int, int] = (1280, 720)
    fullscreen: bool = True
    mirror: bool = True
    snapshot_dir: Path = Path("snapshots")
    text: Texts = field(default_factory=Texts)


_TOP_KEYS = {"catalog", "idle", "camera", "window", "snapshots", "text"}


def load_config(path: Path | None) -> KioskConfig:
    """The configuration in ``path`` (defaults when None); `ConfigError` naming the key."""
    if path is None:
        return KioskConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config {path} is not valid TOML: {exc}") from None
    return parse_config(data, base=path.parent)


def parse_config(data: dict[str, Any], base: Path = Path(".")) -> KioskConfig:
    """A `KioskConfig` from parsed TOML; relative paths are taken from ``base``."""
    _no_unknown(data, _TOP_KEYS, "")
    cat = _table(data, "catalog")
    idle = _table(data, "idle")
    camera = _table(data, "camera")
    window = _table(data, "window")
    snaps = _table(data, "snapshots")
    text = _table(data, "text")
    _no_unknown(cat, {"products", "categories"}, "catalog.")
    _no_unknown(idle, {"attract_after_s", "reset_after_s"}, "idle.")
    _no_unknown(camera, {"index", "width", "height"}, "camera.")
    _no_unknown(window, {"width", "height", "fullscreen", "mirror"}, "window.")
    _no_unknown(snaps, {"folder"}, "snapshots.")
    _no_unknown(text, {f.name for f in fields(Texts)}, "text.")
    d = KioskConfig()
    attract = _number(idle, "attract_after_s", d.attract_after_s, "idle.")
    reset = _number(idle, "reset_after_s", d.reset_after_s, "idle.")
    if reset < attract:
        raise ConfigError(
            f"idle.reset_after_s must be at least idle.attract_after_s ({attract:g}), got {reset:g}"
        )
    folder = snaps.get("folder", str(d.snapshot_dir))
    if not isinstance(folder, str) or not folder:
        raise ConfigError(f"snapshots.folder must be a non-empty path string, got {folder!r}")
    texts = Texts()
    for key, value in text.items():
        if not isinstance(value, str):
            raise ConfigError(f"text.{key} must be a string, got {value!r}")
        texts = replace(texts, **{key: value})
    return KioskConfig(
        products=_strings(cat, "products", "catalog."),
        categories=_strings(cat, "categories", "catalog."),
        attract_after_s=attract,
        reset_after_s=reset,
        camera=_integer(camera, "index", d.camera, 0, 63, "camera."),
        camera_size=(
            _integer(camera, "width", d.camera_size[0], 16, 7680, "camera."),
            _integer(camera, "height", d.camera_size[1], 16, 4320, "camera."),
        ),
        window_size=(
            _integer(window, "width", d.window_size[0], 320, 7680, "window."),
            _integer(window, "height", d.window_size[1], 240, 4320, "window."),
        ),
        fullscreen=_boolean(window, "fullscreen", d.fullscreen, "window."),
        mirror=_boolean(window, "mirror", d.mirror, "window."),
        snapshot_dir=base / Path(folder).expanduser(),
        text=texts,
    )


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"[{key}] must be a table, got {value!r}")
    return value


def _no_unknown(table: dict[str, Any], allowed: set[str], prefix: str) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(
                f"unknown config key {prefix}{key} (allowed: {', '.join(sorted(allowed))})"
            )


def _strings(table: dict[str, Any], key: str, prefix: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{prefix}{key} must be a list of non-empty strings, got {value!r}")
    return tuple(value)


def _number(table: dict[str, Any], key: str, default: float, prefix: str) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 86400:
        raise ConfigError(f"{prefix}{key} must be seconds in (0, 86400], got {value!r}")
    return float(value)


def _integer(table: dict[str, Any], key: str, default: int, lo: int, hi: int, prefix: str) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ConfigError(f"{prefix}{key} must be an integer in [{lo}, {hi}], got {value!r}")
    return value


def _boolean(table: dict[str, Any], key: str, default: bool, prefix: str) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{prefix}{key} must be true or false, got {value!r}")
    return value
