"""The kiosk's TOML configuration: defaults, every key read, and what each bad value gets."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tryon.kiosk.config import ConfigError, KioskConfig, Texts, load_config, parse_config

EXAMPLE = Path(__file__).parents[2] / "docs" / "kiosk.example.toml"


def test_no_config_is_the_defaults() -> None:
    config = load_config(None)
    assert config == KioskConfig()
    assert (config.attract_after_s, config.reset_after_s) == (5.0, 60.0)
    assert config.fullscreen and config.mirror and config.text.attract_title


def test_the_example_file_sets_every_key_to_its_default() -> None:
    config = load_config(EXAMPLE)
    assert config.snapshot_dir == EXAMPLE.parent / "snapshots"
    assert replace(config, snapshot_dir=KioskConfig().snapshot_dir) == KioskConfig()


def test_every_key_is_read(tmp_path: Path) -> None:
    config = parse_config(
        {
            "catalog": {"products": ["round-tortoise"], "categories": ["eyewear", "makeup"]},
            "idle": {"attract_after_s": 2, "reset_after_s": 30.5},
            "camera": {"index": 2, "width": 640, "height": 480},
            "window": {"width": 1024, "height": 600, "fullscreen": False, "mirror": False},
            "snapshots": {"folder": "shots"},
            "text": {"attract_title": "Kom dichterbij", "fit_good": "past goed"},
        },
        base=tmp_path,
    )
    assert config.products == ("round-tortoise",)
    assert config.categories == ("eyewear", "makeup")
    assert (config.attract_after_s, config.reset_after_s) == (2.0, 30.5)
    assert (config.camera, config.camera_size) == (2, (640, 480))
    assert (config.window_size, config.fullscreen, config.mirror) == ((1024, 600), False, False)
    assert config.snapshot_dir == tmp_path / "shots"
    assert config.text.attract_title == "Kom dichterbij" and config.text.fit_good == "past goed"
    assert config.text.fit_too_wide == Texts().fit_too_wide  # the rest stays English


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"colour": {}}, "unknown config key colour"),  # an unknown table
        ({"idle": {"atract_after_s": 1}}, "unknown config key idle.atract_after_s"),  # a typo
        ({"idle": 5}, "[idle] must be a table"),  # a value where a table belongs
        ({"idle": {"attract_after_s": 0}}, "idle.attract_after_s must be seconds"),  # zero
        ({"idle": {"reset_after_s": True}}, "idle.reset_after_s must be seconds"),  # a bool
        ({"idle": {"attract_after_s": 10, "reset_after_s": 5}}, "idle.reset_after_s must be at"),
        ({"camera": {"index": -1}}, "camera.index must be an integer in [0, 63]"),
        ({"camera": {"width": 640.5}}, "camera.width must be an integer"),  # a float
        ({"window": {"height": 100}}, "window.height must be an integer in [240, 4320]"),
        ({"window": {"fullscreen": "yes"}}, "window.fullscreen must be true or false"),
        ({"catalog": {"products": "round-tortoise"}}, "catalog.products must be a list"),
        ({"catalog": {"categories": [""]}}, "catalog.categories must be a list of non-empty"),
        ({"snapshots": {"folder": ""}}, "snapshots.folder must be a non-empty path"),
        ({"text": {"fit_good": 3}}, "text.fit_good must be a string"),
        ({"text": {"shout": "HI"}}, "unknown config key text.shout"),
    ],
)
def test_bad_values_name_the_key(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    assert message in str(info.value)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config"):  # missing
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"\xff\xfe[idle]")
    with pytest.raises(ConfigError, match="is not UTF-8 text"):  # binary
        load_config(bad)
    bad.write_text("[idle\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not valid TOML"):  # a syntax error
        load_config(bad)
