"""The look: which products a shopper wears now, and how strongly."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["FaceLooks", "Look", "LookItem"]


@dataclass(frozen=True, slots=True)
class LookItem:
    """One worn product. ``intensity`` in [0, 1] scales makeup opacity and lens tint."""

    product_id: str
    intensity: float = 1.0

    def __post_init__(self) -> None:
        if not self.product_id:
            raise ValueError("LookItem.product_id must be a non-empty string, got ''")
        if not 0.0 <= self.intensity <= 1.0:
            raise ValueError(f"LookItem.intensity must be in [0, 1], got {self.intensity!r}")


@dataclass(frozen=True, slots=True)
class Look:
    """An ordered set of worn products; the empty look renders nothing."""

    items: tuple[LookItem, ...] = ()

    @classmethod
    def of(cls, *product_ids: str) -> Look:
        return cls(tuple(LookItem(pid) for pid in product_ids))

    @property
    def product_ids(self) -> tuple[str, ...]:
        return tuple(item.product_id for item in self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


@dataclass(frozen=True, slots=True)
class FaceLooks:
    """A look per face: faces named in ``by_face`` (by their stable ``face_id``, see
    `tryon.tracking.identity`) wear theirs, every other face wears ``default``."""

    default: Look = Look()
    by_face: tuple[tuple[int, Look], ...] = ()

    @classmethod
    def per_face(cls, looks: Mapping[int, Look], default: Look | None = None) -> FaceLooks:
        return cls(default or Look(), tuple(sorted(looks.items())))

    def for_face(self, face_id: int) -> Look:
        for fid, look in self.by_face:
            if fid == face_id:
                return look
        return self.default

    def __bool__(self) -> bool:
        return bool(self.default) or any(look for _, look in self.by_face)
