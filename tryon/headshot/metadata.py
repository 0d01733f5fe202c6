"""Saying in the file what was edited: every headshot carries the list of its operations and
their strengths, as PNG text chunks plus XMP (PNG), or XMP plus a comment (JPEG); optionally
a signed C2PA manifest (``c2pa-python``, with the user's certificate chain and key)."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
from numpy.typing import NDArray
from PIL import Image, PngImagePlugin, UnidentifiedImageError

from tryon import __version__
from tryon.frames import validate_frame
from tryon.media import MediaError, atomic_path

__all__ = [
    "EDITS_KEY",
    "METADATA_SUFFIXES",
    "Operation",
    "describe",
    "edit_record",
    "read_edits",
    "sign_c2pa",
    "write_headshot",
]

#: The PNG text key (and JSON member) holding the record of edits.
EDITS_KEY = "tryon:edits"
#: Output formats that carry the record.
METADATA_SUFFIXES = frozenset({".png", ".jpg", ".jpeg"})
_STATEMENT = (
    "Edited by tryon {version}: the person's own photo, retouched, relit and reframed;"
    " no generative model was used, the face's geometry was not changed."
)


@dataclass(frozen=True, slots=True)
class Operation:
    """One edit: its name, its strength in [0, 1] (None when it has none) and what it did."""

    name: str
    strength: float | None
    detail: str


def edit_record(operations: Sequence[Operation]) -> dict[str, Any]:
    """The JSON-ready record written into the file."""
    return {
        "software": f"tryon {__version__}",
        "statement": _STATEMENT.format(version=__version__),
        "generative": False,
        "operations": [asdict(op) for op in operations],
    }


def describe(record: dict[str, Any]) -> str:
    """The record as lines for a person (``tryon headshot --explain``)."""
    lines = [str(record.get("statement", "")), "operations:"]
    for op in record.get("operations", []):
        strength = op.get("strength")
        amount = "" if strength is None else f" {float(strength):.2f}"
        lines.append(f"  {op.get('name')}{amount}: {op.get('detail')}")
    return "\n".join(lines)


def _xmp(record: dict[str, Any]) -> bytes:
    data = escape(json.dumps(record, separators=(",", ":")), {'"': "&quot;"})
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF'
        ' xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about=""'
        ' xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:tryon="https://github.com/tryon/ns/1.0/"'
        f' xmp:CreatorTool="{escape(record["software"])}" tryon:edits="{data}">'
        f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{escape(record["statement"])}'
        "</rdf:li></rdf:Alt></dc:description>"
        '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


def write_headshot(path: Path, image: NDArray[np.uint8], operations: Sequence[Operation]) -> None:
    """Write ``image`` with the record of ``operations`` (PNG or JPEG, by suffix)."""
    suffix = path.suffix.lower()
    if suffix not in METADATA_SUFFIXES:
        raise MediaError(f"a headshot is written as .png or .jpg (to carry its edits), got {path}")
    record = edit_record(operations)
    text = json.dumps(record, separators=(",", ":"))
    pil = Image.fromarray(validate_frame(image))
    try:
        with atomic_path(path) as tmp:
            if suffix == ".png":
                info = PngImagePlugin.PngInfo()
                info.add_text("Software", record["software"])
                info.add_itxt("Description", record["statement"])
                info.add_itxt(EDITS_KEY, text)
                info.add_itxt("XML:com.adobe.xmp", _xmp(record).decode())
                pil.save(tmp, format="PNG", pnginfo=info, optimize=True)
            else:
                pil.save(tmp, format="JPEG", quality=92, xmp=_xmp(record), comment=text)
    except (OSError, ValueError) as exc:
        raise MediaError(f"cannot write image {path}: {exc}") from None


def read_edits(path: Path) -> dict[str, Any] | None:
    """The record of edits in an image file, or None if it has none."""
    try:
        with Image.open(path) as im:
            text = getattr(im, "text", {}).get(EDITS_KEY) or im.info.get("comment")
    except FileNotFoundError:
        raise MediaError(f"no such file: {path}") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise MediaError(f"cannot read {path} as an image: {exc}") from None
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not text:
        return None
    try:
        record = json.loads(text)
    except json.JSONDecodeError:
        return None
    return record if isinstance(record, dict) and "operations" in record else None


def sign_c2pa(
    path: Path,
    source: Path,
    operations: Sequence[Operation],
    cert_chain: bytes,
    private_key: bytes,
) -> None:
    """Add a signed C2PA manifest to the written headshot at ``path``: the source photo as
    its parent ingredient (no thumbnails: the unedited face is not copied into the file), an
    ``opened`` action and one ``edited`` action per operation. ES256 with the given PEM chain
    (signing certificate first) and PKCS#8 key. Offline: no timestamp authority."""
    try:
        import c2pa  # type: ignore[import-untyped]
    except ImportError:
        raise MediaError("signing a C2PA manifest needs the c2pa-python package") from None
    mime = "image/png" if path.suffix.lower() == ".png" else "image/jpeg"
    source_mime = "image/png" if source.suffix.lower() == ".png" else "image/jpeg"
    manifest = {
        "claim_generator_info": [{"name": "tryon", "version": __version__}],
        "title": path.name,
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {"action": "c2pa.opened", "parameters": {"ingredientIds": ["source"]}},
                        *(
                            {
                                "action": "c2pa.edited",
                                "softwareAgent": {"name": "tryon", "version": __version__},
                                "description": f"{op.name}: {op.detail}",
                                "parameters": {"strength": op.strength},
                            }
                            for op in operations
                        ),
                    ]
                },
            },
            {"label": EDITS_KEY.replace(":", "."), "data": edit_record(operations)},
        ],
    }
    try:
        context = c2pa.Context(
            c2pa.Settings.from_dict({"builder": {"thumbnail": {"enabled": False}}})
        )
        info = c2pa.C2paSignerInfo(
            alg=b"es256", sign_cert=cert_chain, private_key=private_key, ta_url=None
        )
        signer = c2pa.Signer.from_info(info)
        with c2pa.Builder(manifest, context) as builder:
            with source.open("rb") as src:
                builder.add_ingredient(
                    {"title": source.name, "relationship": "parentOf", "label": "source"},
                    source_mime,
                    src,
                )
            signed = io.BytesIO()
            with path.open("rb") as unsigned:
                builder.sign(signer, mime, unsigned, signed)
        with atomic_path(path) as tmp:
            tmp.write_bytes(signed.getvalue())
    except c2pa.C2paError as exc:
        raise MediaError(f"cannot sign a C2PA manifest into {path}: {exc}") from None
