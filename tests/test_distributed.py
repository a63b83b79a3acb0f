"""Data-parallel training with torch.distributed: 2 gloo processes on 127.0.0.1."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from gancourse import registry
from gancourse.train import load_checkpoint

pytestmark = pytest.mark.slow  # `make test-fast` leaves it out; `make test` runs it

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _torchrun(*args, cwd=ROOT, timeout=240):
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node=2",
        "--master_addr=127.0.0.1",
        f"--master_port={_free_port()}",
        *args,
    ]
    result = subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env={**os.environ, "GANCOURSE_FAST": "1"}
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.mark.timeout(300)
def test_two_gloo_processes_keep_identical_weights(tmp_path):
    _torchrun(str(ROOT / "tests" / "ddp_worker.py"), str(tmp_path))
    r0, r1 = torch.load(tmp_path / "rank0.pt"), torch.load(tmp_path / "rank1.pt")
    assert r0["steps"] == r1["steps"] == 4  # 32 images per rank, batch 8
    assert not torch.equal(r0["first_image"], r1["first_image"])  # each rank trained on its own shard...
    assert torch.equal(r0["weights"], r1["weights"])  # ...and DDP kept the weights identical
    ckpt = load_checkpoint(tmp_path / "ckpt.pt")  # rank 0's checkpoint loads in one process
    G, D = registry.build("dcgan", ckpt["config"])
    G.load_state_dict(ckpt["G"])  # plain parameter names, no "module." prefix
    D.load_state_dict(ckpt["D"])
    flat = torch.cat([p.detach().flatten() for p in [*G.parameters(), *D.parameters()]])
    assert torch.equal(flat, r0["weights"])


@pytest.mark.timeout(300)
def test_torchrun_cli_writes_one_run_that_samples(tmp_path):
    result = _torchrun(
        "-m",
        "gancourse",
        "train",
        "dcgan",
        "--epochs",
        "1",
        "--limit",
        "128",
        "--quiet",
        "--data",
        str(tmp_path / "data"),
        "--out",
        str(tmp_path / "runs" / "ddp"),
        cwd=tmp_path,
    )
    assert "x 2 processes (DDP, gloo)" in result.stdout
    assert [p.name for p in (tmp_path / "runs").iterdir()] == ["ddp"]  # only rank 0 wrote
    ckpt = next((tmp_path / "runs" / "ddp" / "checkpoints").glob("*.pt"))
    from gancourse.cli import main

    assert main(["sample", str(ckpt), "--n", "8", "--out", str(tmp_path / "s.png")]) == 0
