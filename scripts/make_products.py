#!/usr/bin/env python
"""Generate the shipped catalog: products/<id>/{product.json, model.glb} and
products/product.schema.json, all from the table below.

Usage: scripts/make_products.py [--check]   (--check: exit 1 if the committed files differ)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tryon.catalog.eyewear_gen import TINTS, GlassesSpec, build_glasses
from tryon.catalog.hairstyle_gen import DESIGN_HEAD, HairstyleSpec, build_hairstyle
from tryon.catalog.manifest import (
    MANIFEST_NAME,
    EyewearAnchors,
    manifest_json_schema,
    parse_manifest,
)

ROOT = Path(__file__).resolve().parent.parent / "products"
SCHEMA_NAME = "product.schema.json"
MODEL_NAME = "model.glb"

#: id -> (display name, brand, price EUR, generator spec)
PRODUCTS: dict[str, tuple[str, str, float, GlassesSpec]] = {
    "classic-rectangle-black": (
        "Classic Rectangle",
        "Tryon Originals",
        129.0,
        GlassesSpec("rectangle", 52, 18, 140, 40, "acetate", "#1b1b1d", tint="grey"),
    ),
    "round-tortoise": (
        "Round Tortoise",
        "Tryon Originals",
        139.0,
        GlassesSpec(
            "round", 48, 20, 145, 46, "tortoiseshell", metal_colour="#d8c08a", tint="clear"
        ),
    ),
    "aviator-gold-58": (
        "Aviator Gold 58",
        "Skyline",
        159.0,
        GlassesSpec("aviator", 58, 14, 140, 50, "metal", "#e0bf6a", "#e0bf6a", tint="gradient"),
    ),
    "aviator-silver-55": (
        "Aviator Silver Mirror 55",
        "Skyline",
        149.0,
        GlassesSpec("aviator", 55, 16, 135, 47, "metal", "#cfd2d6", "#cfd2d6", tint="mirror"),
    ),
    "cat-eye-burgundy": (
        "Cat-Eye Burgundy",
        "Maison Lune",
        135.0,
        GlassesSpec("cat-eye", 53, 17, 140, 41, "acetate", "#6d1a2a", tint="brown"),
    ),
    "browline-tortoise-gold": (
        "Browline Tortoise",
        "Maison Lune",
        145.0,
        GlassesSpec(
            "browline", 51, 21, 145, 40, "tortoiseshell", metal_colour="#d6b46a", tint="clear"
        ),
    ),
    "rimless-titanium": (
        "Rimless Titanium",
        "Featherweight",
        189.0,
        GlassesSpec("rimless", 52, 17, 140, 36, "metal", "#b8b9be", "#b8b9be", tint="clear"),
    ),
    "round-gunmetal": (
        "Round Gunmetal",
        "Featherweight",
        119.0,
        GlassesSpec("round", 49, 21, 145, 45, "metal", "#4a4a50", "#4a4a50", tint="grey"),
    ),
    "rectangle-navy-gradient": (
        "Wide Rectangle Navy",
        "Tryon Originals",
        125.0,
        GlassesSpec("rectangle", 55, 16, 145, 42, "acetate", "#1d2c4c", tint="gradient"),
    ),
}

#: Hairstyles: id -> (display name, brand, price EUR, generator spec).
HAIRSTYLES: dict[str, tuple[str, str, float, HairstyleSpec]] = {
    "hair-fringe-espresso": ("Soft Fringe", "Tryon Hair", 59.0, HairstyleSpec("fringe", "#3b2a20")),
    "hair-bob-chestnut": ("Chin Bob", "Tryon Hair", 79.0, HairstyleSpec("bob", "#6a3f26")),
    "hair-long-black": (
        "Long Straight",
        "Tryon Hair",
        99.0,
        HairstyleSpec("long", "#1e1a18", drop_m=0.3, seed=2),
    ),
    "hair-updo-honey": ("Chignon Updo", "Tryon Hair", 89.0, HairstyleSpec("updo", "#a7773f")),
}


def hairstyle_manifest(product_id: str) -> dict[str, object]:
    name, brand, price, spec = HAIRSTYLES[product_id]
    data: dict[str, object] = {
        "schema_version": 1,
        "id": product_id,
        "name": name,
        "brand": brand,
        "category": "hairstyle",
        "price": price,
        "currency": "EUR",
        "thumbnails": [],
        "hairstyle": {
            "model": MODEL_NAME,
            "length": spec.style,
            "color": spec.colour,
            "design_head_width_mm": DESIGN_HEAD.width_mm,
        },
    }
    parse_manifest(data, product_id)  # the table must make valid manifests
    return data


def manifest(product_id: str) -> dict[str, object]:
    name, brand, price, spec = PRODUCTS[product_id]
    look = TINTS[spec.tint]
    data: dict[str, object] = {
        "schema_version": 1,
        "id": product_id,
        "name": name,
        "brand": brand,
        "category": "eyewear",
        "price": price,
        "currency": "EUR",
        "thumbnails": [],
        "eyewear": {
            "model": MODEL_NAME,
            "style": spec.style,
            "size": {
                "lens_width_mm": spec.lens_width_mm,
                "bridge_mm": spec.bridge_mm,
                "temple_length_mm": spec.temple_length_mm,
                "lens_height_mm": spec.lens_height_mm,
            },
            "anchors": EyewearAnchors().model_dump(),
            "lens": {
                "tint": look.colour,
                "gradient": look.gradient,
                "mirror": look.mirror,
                "transmission": look.transmission,
            },
        },
    }
    parse_manifest(data, product_id)  # the table must make valid manifests
    return data


def expected_files() -> dict[str, bytes]:
    """Path relative to products/ -> the bytes the generator makes for it."""
    files = {SCHEMA_NAME: schema_bytes()}
    for pid, (*_, spec) in PRODUCTS.items():
        files[f"{pid}/{MANIFEST_NAME}"] = _json(manifest(pid))
        files[f"{pid}/{MODEL_NAME}"] = build_glasses(spec)
    for pid, (*_, hair) in HAIRSTYLES.items():
        files[f"{pid}/{MANIFEST_NAME}"] = _json(hairstyle_manifest(pid))
        files[f"{pid}/{MODEL_NAME}"] = build_hairstyle(hair)
    return files


def schema_bytes() -> bytes:
    """What products/product.schema.json must hold."""
    return _json(manifest_json_schema())


def _json(data: object) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    stale = []
    for rel, data in expected_files().items():
        path = ROOT / rel
        if path.is_file() and path.read_bytes() == data:
            continue
        stale.append(rel)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    verb = "differ" if args.check else "written"
    print(f"{len(stale)} files {verb}: {', '.join(stale) or 'none'}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
