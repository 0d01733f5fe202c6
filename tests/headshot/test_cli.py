"""``tryon headshot`` end to end: real files, the edit record in them, a signed C2PA
manifest with a test certificate chain, the passport checks, and bad photos."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from tryon.cli import main
from tryon.headshot.metadata import EDITS_KEY, read_edits


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory, astronaut: NDArray[np.uint8]) -> Path:
    path = tmp_path_factory.mktemp("headshot") / "astronaut.png"
    Image.fromarray(astronaut).save(path)
    return path


def test_the_headshot_says_what_was_edited(
    photo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "hs.png"
    args = ["headshot", str(photo), "-o", str(out), "--smooth", "0.3", "--explain"]
    assert main([*args, "--light", "butterfly", "--aspect", "4:5"]) == 0
    printed = capsys.readouterr().out
    assert "no generative model was used" in printed
    assert "smooth skin 0.30" in printed and "relight 0.50: toward butterfly" in printed
    with Image.open(out) as im:
        assert im.size[0] / im.size[1] == pytest.approx(0.8, abs=0.01)
        record = json.loads(im.text[EDITS_KEY])
        assert "tryon:edits=" in im.text["XML:com.adobe.xmp"]
    assert record["generative"] is False
    names = [op["name"] for op in record["operations"]]
    assert names == ["blemishes", "smooth skin", "relight", "background", "frame"]
    # --explain on the file reads the record back
    assert main(["headshot", str(out), "--explain"]) == 0
    assert "smooth skin 0.30: mid frequencies evened" in capsys.readouterr().out


def test_a_jpeg_carries_the_record_too(photo: Path, tmp_path: Path) -> None:
    out = tmp_path / "hs.jpg"
    assert main(["headshot", str(photo), "-o", str(out), "--background", "blur"]) == 0
    record = read_edits(out)
    assert record is not None
    assert {"name": "background", "strength": None, "detail": "blur"} in record["operations"]
    with Image.open(out) as im:
        assert b"tryon:edits=" in im.info["xmp"]


def test_a_picture_as_the_backdrop(photo: Path, tmp_path: Path) -> None:
    ramp = np.zeros((300, 400, 3), dtype=np.uint8)
    ramp[..., 0] = np.linspace(0, 255, 400, dtype=np.uint8)[None, :]
    ramp[..., 2] = 90
    backdrop = tmp_path / "backdrop.png"
    Image.fromarray(ramp).save(backdrop)
    out = tmp_path / "hs.png"
    args = ["headshot", str(photo), "-o", str(out), "--preset", "none", "--background"]
    assert main([*args, str(backdrop)]) == 0
    shot = np.asarray(Image.open(out))
    # scaled by 512/300 to cover 512x512 and centred: 85 of its 683 columns trimmed each side,
    # so output column x shows the ramp's column (x + 85) * 300/512, red = that * 255/399
    corner = shot[5:60, 2:25]
    assert np.abs(corner[..., 2].astype(int) - 90).max() <= 1
    assert corner[..., 0].min() >= 29 and corner[..., 0].max() <= 43  # 31..41, ±2 resampling
    assert shot[5:60, 490:510, 0].min() >= 213 and shot[5:60, 490:510, 0].max() <= 226


def test_the_output_must_carry_the_record(photo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["headshot", str(photo), "-o", "hs.webp"]) == 2
    assert "-o must be a .png or .jpg (they carry the record of edits), got hs.webp" in (
        capsys.readouterr().err
    )


def test_a_file_without_a_record_says_so(photo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["headshot", str(photo), "--explain"]) == 1
    assert "no tryon edits recorded" in capsys.readouterr().out


def test_the_passport_preset_checks_the_portrait(
    photo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "id.png"
    code = main(
        ["headshot", str(photo), "-o", str(out), "--preset", "passport", "--size", "413x531"]
    )
    printed = capsys.readouterr().out
    verdict = {
        name: status.strip()
        for status, name in re.findall(r"^(ok  |FAIL) ([a-z ]+):", printed, flags=re.M)
    }
    assert verdict == {
        "head size": "ok",
        "eye line": "ok",
        "centred": "ok",
        "resolution": "ok",
        "facing the camera": "ok",
        "eyes open": "ok",
        "mouth closed": "FAIL",  # she smiles with her teeth showing
        "plain light background": "ok",
    }, printed
    assert code == 3
    with Image.open(out) as im:
        assert im.size == (413, 531)


def test_an_id_photo_keeping_its_background_has_it_judged(
    photo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "id.png"
    args = ["headshot", str(photo), "-o", str(out), "--preset", "passport"]
    assert main([*args, "--background", "keep"]) == 3  # her smile fails "mouth closed"
    printed = capsys.readouterr().out
    # the photo's own backdrop around her head is measured (the flag and the shuttle are
    # outside the crop): light and even enough
    assert "ok   plain light background: level" in printed
    assert "too little background" not in printed


def test_retouching_an_id_photo_is_reported(
    photo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "id.png"
    main(["headshot", str(photo), "-o", str(out), "--preset", "passport", "--smooth", "0.5"])
    assert "FAIL not retouched: ICAO 9303 asks for an unaltered likeness" in capsys.readouterr().out


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("make", "extra", "message"),
    [
        (  # a grey picture: no face
            lambda d: _grey(d),
            [],
            r"grey\.png: no face found in the photo",
        ),
        (  # two people in an ID photo
            lambda d: _pair(d),
            ["--preset", "passport"],
            r"pair\.png: a passport photo shows one person; found 2 faces",
        ),
        (lambda d: _write(d, "junk.png", b"not a picture"), [], r"cannot read .*junk\.png"),
        (lambda d: d / "missing.png", [], r"no such file: .*missing\.png"),
        (lambda d: _grey(d), ["--smooth", "2"], r"smooth must be in \[0, 1\], got 2.0"),
        (lambda d: _grey(d), ["--size", "big"], r"--size must be WIDTHxHEIGHT"),
        (lambda d: _grey(d), ["--color", "red"], r"--color: a colour must be #rrggbb, got 'red'"),
        (lambda d: _grey(d), ["--background", "nope"], r"--background must be one of solid"),
        (lambda d: _grey(d), ["--c2pa-cert", "x.pem"], r"--c2pa-cert and --c2pa-key go together"),
        (lambda d: _grey(d), ["--preset", "passport", "--aspect", "4:5"], r"--aspect is for the"),
        (lambda d: _grey(d), ["--hfov", "0"], r"--hfov: horizontal field of view must be in \[1"),
        (lambda d: _grey(d), ["--product", "no-such"], r"unknown product 'no-such' \(the catalog"),
    ],
)
def test_bad_photos_get_one_line_and_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    make: object,
    extra: list[str],
    message: str,
) -> None:
    src = make(tmp_path)  # type: ignore[operator]
    out = tmp_path / "out.png"
    assert main(["headshot", str(src), "-o", str(out), *extra]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert re.search(message, err), err
    assert not out.exists()


_ASTRONAUT: list[NDArray[np.uint8]] = []


@pytest.fixture(autouse=True)
def _remember(astronaut: NDArray[np.uint8]) -> None:
    if not _ASTRONAUT:
        _ASTRONAUT.append(astronaut)


def _grey(d: Path) -> Path:
    path = d / "grey.png"
    Image.fromarray(np.full((240, 320, 3), 128, dtype=np.uint8)).save(path)
    return path


def _pair(d: Path) -> Path:
    path = d / "pair.png"
    a = _ASTRONAUT[0]
    Image.fromarray(np.concatenate([a, a[:, ::-1]], axis=1)).save(path)
    return path


def _test_chain(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed ES256 CA and a signing certificate it issued (PEM chain, PKCS#8 key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, cn),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tryon tests"),
            ]
        )

    def usage(sign: bool) -> x509.KeyUsage:
        return x509.KeyUsage(
            digital_signature=sign,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=not sign,
            crl_sign=not sign,
            encipher_only=False,
            decipher_only=False,
        )

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    span = (now - datetime.timedelta(days=1), now + datetime.timedelta(days=30))

    def cert(subject: str, issuer: x509.Name, public: object, ca: bool) -> x509.Certificate:
        b = (
            x509.CertificateBuilder()
            .subject_name(name(subject))
            .issuer_name(issuer)
            .public_key(public)  # type: ignore[arg-type]
            .serial_number(x509.random_serial_number())
            .not_valid_before(span[0])
            .not_valid_after(span[1])
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(usage(sign=not ca), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)  # type: ignore[arg-type]
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
        )
        if not ca:
            b = b.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
            )
        return b.sign(ca_key, hashes.SHA256())

    root = cert("tryon test CA", name("tryon test CA"), ca_key.public_key(), ca=True)
    leaf = cert("tryon test signer", root.subject, key.public_key(), ca=False)
    pem = serialization.Encoding.PEM
    chain = _write(tmp_path, "chain.pem", leaf.public_bytes(pem) + root.public_bytes(pem))
    private = key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return chain, _write(tmp_path, "key.pem", private)


def test_a_signed_c2pa_manifest_lists_the_edits(photo: Path, tmp_path: Path) -> None:
    c2pa = pytest.importorskip("c2pa")
    chain, key = _test_chain(tmp_path)
    out = tmp_path / "signed.png"
    args = ["headshot", str(photo), "-o", str(out), "--c2pa-cert", str(chain)]
    assert main([*args, "--c2pa-key", str(key)]) == 0
    with out.open("rb") as f, c2pa.Reader("image/png", f) as reader:
        store = json.loads(reader.json())
    manifest = store["manifests"][store["active_manifest"]]
    actions = next(a for a in manifest["assertions"] if a["label"].startswith("c2pa.actions"))
    kinds = [a["action"] for a in actions["data"]["actions"]]
    assert kinds[0] == "c2pa.opened" and kinds.count("c2pa.edited") == 5
    assert "thumbnail" not in manifest  # the edited face is not copied in again
    assert all("thumbnail" not in i for i in manifest["ingredients"])  # nor the unedited one
    codes = {s["code"] for s in store.get("validation_status", [])}
    assert codes <= {"signingCredential.untrusted"}, codes  # our test CA is in no trust list
    assert read_edits(out) is not None  # the PNG record survives signing
