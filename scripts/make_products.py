#!/usr/bin/env python
"""Generate the shipped catalog: products/<id>/{product.json, model.glb} and
products/product.schema.json, all from the tables below (eyewear, makeup, looks).

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


def _m(area: str, color: str, finish: str | None = None, **extra: str) -> dict[str, str]:
    """A manifest's "makeup" object."""
    return {"area": area, "color": color, **({} if finish is None else {"finish": finish}), **extra}


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
        **_common(product_id, name, brand, price, "hairstyle"),
        "hairstyle": {
            "model": MODEL_NAME,
            "length": spec.style,
            "color": spec.colour,
            "design_head_width_mm": DESIGN_HEAD.width_mm,
        },
    }
    parse_manifest(data, product_id)  # the table must make valid manifests
    return data


#: Makeup in shades for light to deep skin: id -> (display name, brand, price EUR, the
#: manifest's "makeup" object).
MAKEUP: dict[str, tuple[str, str, float, dict[str, str]]] = {
    # lips
    "lips-velvet-red": ("Velvet Red", "Tryon Beauty", 24.0, _m("lips", "#a3202e", "matte")),
    "lips-rosewood": ("Rosewood Satin", "Tryon Beauty", 22.0, _m("lips", "#9a5b5e", "satin")),
    "lips-soft-beige": ("Soft Beige Nude", "Tryon Beauty", 22.0, _m("lips", "#c08a7a", "satin")),
    "lips-caramel": ("Caramel Nude", "Tryon Beauty", 22.0, _m("lips", "#9a6248", "satin")),
    "lips-cocoa": ("Cocoa Nude", "Maison Lune", 26.0, _m("lips", "#6b3b2c", "matte")),
    "lips-berry-gloss": ("Berry Gloss", "Maison Lune", 19.0, _m("lips", "#7d1f45", "gloss")),
    "lips-glass-gloss": ("Glass Gloss", "Maison Lune", 18.0, _m("lips", "#c98a8a", "gloss")),
    "lips-bronze-foil": ("Bronze Foil", "Maison Lune", 27.0, _m("lips", "#8a4b2c", "metallic")),
    "lips-plum-shimmer": ("Plum Shimmer", "Tryon Beauty", 24.0, _m("lips", "#5e2340", "shimmer")),
    "lips-coral": ("Coral Satin", "Tryon Beauty", 22.0, _m("lips", "#e0624f", "satin")),
    "lip-liner-spice": ("Spice Lip Liner", "Tryon Beauty", 14.0, _m("lip-liner", "#8a4a3a")),
    "lip-liner-espresso": ("Espresso Lip Liner", "Maison Lune", 15.0, _m("lip-liner", "#4a2820")),
    # eyes
    "eyeshadow-warm-neutrals": (
        "Warm Neutrals Trio",
        "Tryon Beauty",
        32.0,
        _m("eyeshadow", "#c9a27e", "satin", crease_color="#8a5a3c", outer_color="#4b2e20"),
    ),
    "eyeshadow-smoky-plum": (
        "Smoky Plum Trio",
        "Maison Lune",
        36.0,
        _m("eyeshadow", "#8a6a7a", "shimmer", crease_color="#4a2a3a", outer_color="#24161e"),
    ),
    "eyeshadow-gold-metal": (
        "Gold Metal Duo",
        "Maison Lune",
        34.0,
        _m("eyeshadow", "#c8a050", "metallic", crease_color="#7a5028"),
    ),
    "eyeliner-black-winged": (
        "Black Winged Liner",
        "Tryon Beauty",
        18.0,
        _m("eyeliner", "#121212", "matte", wing="classic"),
    ),
    "eyeliner-ink-dramatic": (
        "Ink Dramatic Liner",
        "Maison Lune",
        21.0,
        _m("eyeliner", "#0e1020", "gloss", wing="dramatic"),
    ),
    "eyeliner-brown-tightline": (
        "Brown Tightline",
        "Tryon Beauty",
        16.0,
        _m("eyeliner", "#3a2418", "matte", wing="none"),
    ),
    "mascara-black": ("Volume Mascara Black", "Tryon Beauty", 19.0, _m("mascara", "#0c0c0c")),
    "contacts-ocean-blue": ("Ocean Blue Lenses", "Clearview", 29.0, _m("contacts", "#3f7fbf")),
    "contacts-hazel": ("Hazel Lenses", "Clearview", 29.0, _m("contacts", "#9a7038")),
    "contacts-grey": ("Misty Grey Lenses", "Clearview", 29.0, _m("contacts", "#8a9098")),
    # brows
    "brows-taupe": ("Taupe Brow Tint", "Tryon Beauty", 17.0, _m("brows", "#6b5444")),
    "brows-ebony": ("Ebony Brow Tint", "Tryon Beauty", 17.0, _m("brows", "#2a1e18")),
    # cheeks
    "blush-peach": ("Peach Blush", "Tryon Beauty", 21.0, _m("blush", "#e89a80", "matte")),
    "blush-rose": ("Rose Blush", "Maison Lune", 23.0, _m("blush", "#c85a70", "satin")),
    "blush-berry": ("Berry Blush", "Maison Lune", 23.0, _m("blush", "#8a2f45", "shimmer")),
    "contour-soft-taupe": ("Soft Taupe Contour", "Tryon Beauty", 24.0, _m("contour", "#a07a62")),
    "contour-deep-cocoa": ("Deep Cocoa Contour", "Tryon Beauty", 24.0, _m("contour", "#4a2c20")),
    "highlighter-champagne": (
        "Champagne Glow",
        "Maison Lune",
        28.0,
        _m("highlighter", "#f0dcc0", "shimmer"),
    ),
    "highlighter-bronze-gold": (
        "Bronze Gold Glow",
        "Maison Lune",
        28.0,
        _m("highlighter", "#d8a060", "metallic"),
    ),
    # skin: foundations from fair to deep, concealers
    "foundation-porcelain": (
        "Porcelain Foundation",
        "Tryon Beauty",
        34.0,
        _m("foundation", "#f0d2bc"),
    ),
    "foundation-light-beige": (
        "Light Beige Foundation",
        "Tryon Beauty",
        34.0,
        _m("foundation", "#e0b898"),
    ),
    "foundation-sand": ("Sand Foundation", "Tryon Beauty", 34.0, _m("foundation", "#c99a76")),
    "foundation-golden-tan": (
        "Golden Tan Foundation",
        "Tryon Beauty",
        34.0,
        _m("foundation", "#a8744f"),
    ),
    "foundation-chestnut": (
        "Chestnut Foundation",
        "Tryon Beauty",
        34.0,
        _m("foundation", "#7a4e34"),
    ),
    "foundation-espresso": (
        "Espresso Foundation",
        "Tryon Beauty",
        34.0,
        _m("foundation", "#4a2e20"),
    ),
    "concealer-light": ("Light Concealer", "Tryon Beauty", 22.0, _m("concealer", "#f2d6c0")),
    "concealer-medium": ("Medium Concealer", "Tryon Beauty", 22.0, _m("concealer", "#c89c78")),
    "concealer-deep": ("Deep Concealer", "Tryon Beauty", 22.0, _m("concealer", "#7a5038")),
}

#: Looks: id -> (display name, brand, price EUR, (product id, intensity) in the order worn).
LOOKS: dict[str, tuple[str, str, float, tuple[tuple[str, float], ...]]] = {
    "look-everyday-natural": (
        "Everyday Natural",
        "Tryon Beauty",
        99.0,
        (
            ("foundation-light-beige", 0.8),
            ("concealer-light", 0.7),
            ("blush-peach", 0.7),
            ("brows-taupe", 0.6),
            ("mascara-black", 1.0),
            ("lips-rosewood", 0.8),
        ),
    ),
    "look-evening-glam": (
        "Evening Glam",
        "Maison Lune",
        149.0,
        (
            ("foundation-sand", 0.9),
            ("contour-soft-taupe", 0.7),
            ("highlighter-champagne", 0.8),
            ("eyeshadow-smoky-plum", 0.9),
            ("eyeliner-black-winged", 1.0),
            ("mascara-black", 1.0),
            ("lip-liner-spice", 0.8),
            ("lips-velvet-red", 1.0),
        ),
    ),
    "look-deep-bronze": (
        "Deep Bronze",
        "Maison Lune",
        159.0,
        (
            ("foundation-espresso", 0.8),
            ("concealer-deep", 0.6),
            ("contour-deep-cocoa", 0.6),
            ("highlighter-bronze-gold", 0.7),
            ("blush-berry", 0.6),
            ("eyeshadow-gold-metal", 0.8),
            ("eyeliner-ink-dramatic", 1.0),
            ("mascara-black", 1.0),
            ("brows-ebony", 0.7),
            ("lip-liner-espresso", 0.9),
            ("lips-cocoa", 0.9),
        ),
    ),
    "look-warm-caramel": (
        "Warm Caramel",
        "Tryon Beauty",
        119.0,
        (
            ("foundation-golden-tan", 0.8),
            ("blush-rose", 0.5),
            ("eyeshadow-warm-neutrals", 0.8),
            ("eyeliner-brown-tightline", 1.0),
            ("mascara-black", 0.9),
            ("lips-caramel", 0.9),
        ),
    ),
    "look-blue-gloss": (
        "Blue Eyes, Berry Gloss",
        "Clearview",
        59.0,
        (
            ("contacts-ocean-blue", 0.9),
            ("mascara-black", 1.0),
            ("lips-berry-gloss", 0.9),
        ),
    ),
}


#: Hair colours, natural shades and fashion colours: id -> (display name, price EUR, the
#: manifest's "hair_color" object); brand "Tryon Colour".
HAIR_COLORS: dict[str, tuple[str, float, dict[str, object]]] = {
    "hair-jet-black": ("Jet Black", 14.0, {"color": "#141214"}),
    "hair-dark-brown": ("Dark Chocolate Brown", 14.0, {"color": "#3b2419"}),
    "hair-chestnut": ("Chestnut", 14.0, {"color": "#6b3a22"}),
    "hair-copper-red": ("Copper Red", 15.0, {"color": "#a4461f"}),
    "hair-honey-blonde": ("Honey Blonde", 15.0, {"color": "#b98b4e"}),
    "hair-platinum": ("Platinum Blonde", 17.0, {"color": "#e3d9c4"}),
    "hair-ash-grey": ("Ash Grey", 16.0, {"color": "#8e8d89"}),
    "hair-pastel-pink": ("Pastel Pink", 16.0, {"color": "#e8a0b4"}),
    "hair-electric-blue": ("Electric Blue", 16.0, {"color": "#2450c8"}),
    "hair-violet": ("Violet", 16.0, {"color": "#5b2a86"}),
    "hair-caramel-highlights": (
        "Caramel Highlights",
        22.0,
        {"color": "#4a2e1f", "style": "highlights", "tip_color": "#c08a4f", "blend": 0.4},
    ),
    "hair-sunset-ombre": (
        "Sunset Ombre",
        24.0,
        {"color": "#3b2419", "style": "ombre", "tip_color": "#d9662b", "blend": 0.55},
    ),
    "hair-beach-balayage": (
        "Beach Balayage",
        26.0,
        {"color": "#5a3a26", "style": "balayage", "tip_color": "#d8b98a", "blend": 0.5},
    ),
}


def _common(
    product_id: str, name: str, brand: str, price: float, category: str
) -> dict[str, object]:
    return {
        "schema_version": 1,
        "id": product_id,
        "name": name,
        "brand": brand,
        "category": category,
        "price": price,
        "currency": "EUR",
        "thumbnails": [],
    }


def makeup_manifest(product_id: str) -> dict[str, object]:
    name, brand, price, params = MAKEUP[product_id]
    data = {**_common(product_id, name, brand, price, "makeup"), "makeup": params}
    parse_manifest(data, product_id)  # the table must make valid manifests
    return data


def hair_color_manifest(product_id: str) -> dict[str, object]:
    name, price, params = HAIR_COLORS[product_id]
    common = _common(product_id, name, "Tryon Colour", price, "hair_color")
    data = {**common, "hair_color": params}
    parse_manifest(data, product_id)
    return data


def look_manifest(product_id: str) -> dict[str, object]:
    name, brand, price, items = LOOKS[product_id]
    entries = [{"product": pid, "intensity": intensity} for pid, intensity in items]
    data = {**_common(product_id, name, brand, price, "look"), "look": {"items": entries}}
    parse_manifest(data, product_id)
    return data


def manifest(product_id: str) -> dict[str, object]:
    name, brand, price, spec = PRODUCTS[product_id]
    look = TINTS[spec.tint]
    data: dict[str, object] = {
        **_common(product_id, name, brand, price, "eyewear"),
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
    for pid in MAKEUP:
        files[f"{pid}/{MANIFEST_NAME}"] = _json(makeup_manifest(pid))
    for pid in HAIR_COLORS:
        files[f"{pid}/{MANIFEST_NAME}"] = _json(hair_color_manifest(pid))
    for pid in LOOKS:
        files[f"{pid}/{MANIFEST_NAME}"] = _json(look_manifest(pid))
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
