"""``tryon serve`` as a newcomer runs it: one-line errors, TLS with a certificate, and a
SIGTERM that stops it whatever its peers are doing."""

from __future__ import annotations

import asyncio
import datetime
import json
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .peer import (
    AstronautTrack,
    HalfOpenPeer,
    Peer,
    browser_like_offer,
    connect,
    edit_sdp,
    free_port,
    get,
    metric,
    post_offer,
)
from .serve_process import serve_option_error

TRYON = str(Path(sys.executable).with_name("tryon"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cert", "c.pem"], "TLS needs both a certificate and a key"),
        (["--cert", "none.pem", "--key", "none.pem"], "cannot load TLS certificate none.pem"),
        (["--ice-server", "http://stun.example"], "must start with stun:"),
        (["--allow-origin", "shop.example"], "expected an origin like https://"),
        (["--max-sessions", "0"], "max_sessions must be at least 1, got 0"),
        (["--connect-timeout", "0"], "connect_timeout_s must be positive, got 0.0"),
        (["--video-encoder", "x265"], "must be one of vp8, libx264, h264_nvenc, got 'x265'"),
    ],
)
def test_bad_options_are_one_line_errors(args: list[str], message: str) -> None:
    assert message in serve_option_error(*args)


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


def _wait_healthy(url: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if get(f"{url}/healthz")[0] == 200:
                return
        except OSError:  # not listening yet
            pass
        assert server.poll() is None, "tryon serve exited"
        assert time.monotonic() < deadline, "no answer from tryon serve"
        time.sleep(0.2)


@pytest.mark.slow
def test_sigterm_stops_a_server_stuck_with_half_open_peers(
    astronaut_track: Callable[[], AstronautTrack],
) -> None:
    """Half-open peers (ICE done, DTLS never answered), a peer whose offer made aiortc fail,
    and a shopper streaming through the engine: SIGTERM closes them all and the process
    exits within a few seconds (the connect timeout, 60 s here, plays no part)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            *(TRYON, "serve", "--port", str(port), "--connect-timeout", "60"),
            *("--max-sessions", "8", "--connecting-per-ip", "4"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    stuck = [HalfOpenPeer() for _ in range(3)]
    try:
        _wait_healthy(url, server)

        async def load() -> Peer:
            for peer in stuck:
                assert (await peer.offer(url))[0] == 200
            broken = edit_sdp(await browser_like_offer(), drop="a=setup:")
            assert (await post_offer(url, json.dumps({"sdp": broken, "type": "offer"})))[0] == 400
            shopper = await connect(url, astronaut_track())
            await shopper.wait_frames(5)
            return shopper

        loop = asyncio.new_event_loop()
        shopper = loop.run_until_complete(load())
        assert json.loads(get(f"{url}/healthz")[2])["sessions"] == 4
        # Peers that never connect cost no engine: only the shopper has a worker thread.
        assert metric(url, "tryon_worker_threads") == 1
        started = time.monotonic()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
        took = time.monotonic() - started
        loop.run_until_complete(shopper.close())
        for peer in stuck:
            loop.run_until_complete(peer.close())
        loop.close()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    print(f"SIGTERM to exit with 3 half-open peers and a shopper: {took:.2f} s")
    assert server.returncode == 0
    assert took < 10
