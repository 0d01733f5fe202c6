"""``tryon serve`` as a newcomer runs it: one-line errors, and TLS with a certificate."""

from __future__ import annotations

import datetime
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .peer import free_port

TRYON = str(Path(sys.executable).with_name("tryon"))


def serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TRYON, "serve", *args], capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cert", "c.pem"], "TLS needs both a certificate and a key"),
        (["--cert", "none.pem", "--key", "none.pem"], "cannot load TLS certificate none.pem"),
        (["--ice-server", "http://stun.example"], "must start with stun:"),
        (["--allow-origin", "shop.example"], "expected an origin like https://"),
        (["--max-sessions", "0"], "max_sessions must be at least 1, got 0"),
    ],
)
def test_bad_options_are_one_line_errors(args: list[str], message: str) -> None:
    result = serve(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tryon serve: ") and message in lines[0]


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_serves_https_with_a_certificate(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    port = free_port()
    server = subprocess.Popen(
        [TRYON, "serve", "--echo", "--port", str(port), "--cert", str(cert), "--key", str(key)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        banner = server.stdout.readline()
        assert f"https://127.0.0.1:{port}/" in banner and "echo" in banner
        insecure = ssl.create_default_context()
        insecure.check_hostname = False
        insecure.verify_mode = ssl.CERT_NONE  # our own self-signed test certificate
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(
                    f"https://127.0.0.1:{port}/healthz", context=insecure, timeout=5
                ) as resp:
                    assert resp.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "no https answer"
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=30)
