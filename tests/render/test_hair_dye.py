"""The hair dye's values: an intensity or shade outside [0, 1] gets a ValueError naming the
dye's class (a hair colour is a dye). Its drawing is tested through the passes that use it
(test_hair_color.py, test_hairstyle.py)."""

from __future__ import annotations

import pytest

from tryon.render.hair_color_pass import WornHairColor
from tryon.render.hair_dye import Dye

BROWN = (0.2, 0.1, 0.05)


def test_dye_rejects_values_outside_0_1() -> None:
    with pytest.raises(ValueError, match=r"^Dye.intensity must be in \[0, 1\], got -0.1$"):
        Dye(BROWN, BROWN, intensity=-0.1)
    with pytest.raises(ValueError, match=r"^Dye.shade must be in \[0, 1\], got 1.5$"):
        Dye(BROWN, BROWN, shade=1.5)
    with pytest.raises(ValueError, match=r"^WornHairColor.intensity must be in \[0, 1\], got 2$"):
        WornHairColor(BROWN, BROWN, intensity=2)
    assert WornHairColor(BROWN, BROWN).shade == 1.0  # a hair colour at the dye's brightness
