"""``tryon batch --ray`` on a Ray instance started here (2 CPUs, no dashboard, no usage
stats): the same outputs, byte for byte, as the local processes give."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.batch.conftest import Batch, product_args
from tryon.cli import main

ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install ray")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RAY_USAGE_STATS_ENABLED", "0")  # nothing leaves this machine
        ray.init(
            num_cpus=2, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1"
        )
        try:
            yield
        finally:
            ray.shutdown()


def test_same_outputs_as_local_processes(
    ray_cluster: None, local_batch: Batch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "shots"
    code = main(
        ["batch", str(local_batch.models), *product_args(), "-o", str(out), "--ray", "auto"]
    )
    assert code == 0
    assert "6 ok (0 done before)" in capsys.readouterr().out
    local = sorted(p.relative_to(local_batch.out) for p in local_batch.out.rglob("*.png"))
    assert sorted(p.relative_to(out) for p in out.rglob("*.png")) == local
    assert len(local) == 7  # six outputs and the contact sheet
    for name in local:
        assert (out / name).read_bytes() == (local_batch.out / name).read_bytes(), name

    def without_times(folder: Path) -> list[dict[str, object]]:
        jobs: list[dict[str, object]] = json.loads((folder / "manifest.json").read_text())["jobs"]
        return [{k: v for k, v in job.items() if k != "ms"} for job in jobs]

    assert without_times(out) == without_times(local_batch.out)


def test_bad_inputs_on_ray(
    ray_cluster: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The actors report an unreadable photo and a photo without a face as the local workers
    do, naming the input (not the actor's copy of it)."""
    from skimage import data

    models = tmp_path / "models"
    models.mkdir()
    Image.fromarray(data.coffee()).save(models / "coffee.jpg")
    (models / "broken.jpg").write_bytes(b"not a jpeg")
    out = tmp_path / "shots"
    args = ["batch", str(models), "--product", "round-gunmetal", "-o", str(out), "--ray", "auto"]
    assert main(args) == 1
    assert "1 error, 1 no-face (0 done before)" in capsys.readouterr().out
    jobs = json.loads((out / "manifest.json").read_text())["jobs"]
    errors = {Path(j["input"]).name: j["error"] for j in jobs}
    broken = str(models / "broken.jpg")
    assert re.fullmatch(
        rf"cannot read {re.escape(broken)} as an image: .*{re.escape(broken)}.*",
        errors["broken.jpg"],
    )
    assert errors["coffee.jpg"] == f"no face found in {models / 'coffee.jpg'}"
    assert not (out / "round-gunmetal").exists() or not os.listdir(out / "round-gunmetal")
