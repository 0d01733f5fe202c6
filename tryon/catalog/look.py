"""The look: which products a shopper wears now, and how strongly."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Look", "LookItem"]


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
