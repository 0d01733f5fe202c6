"""Headshot fixtures: one maker (engine + matte model) for the package's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tryon.headshot.pipeline import HeadshotMaker


@pytest.fixture(scope="package")
def maker() -> Iterator[HeadshotMaker]:
    with HeadshotMaker() as m:
        yield m
