import random

import numpy as np
import pytest
import torch

from gancourse import utils
from gancourse.config import GancourseError


def draws():
    return random.random(), float(np.random.rand()), torch.rand(1).item()


def test_seed_everything_seeds_all_three():
    utils.seed_everything(7)
    a = draws()
    utils.seed_everything(7)
    assert draws() == a
    utils.seed_everything(8)
    assert draws() != a


def test_rng_state_round_trip_survives_weights_only_load(tmp_path):
    utils.seed_everything(1)
    draws()
    utils.atomic_save(utils.rng_state(), tmp_path / "rng.pt")
    expected = draws()
    utils.seed_everything(99)
    utils.set_rng_state(torch.load(tmp_path / "rng.pt", weights_only=True))
    assert draws() == expected


def test_atomic_save_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "ck.pt"
    utils.atomic_save({"v": 1}, path)

    def broken_save(obj, f):
        f.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        utils.atomic_save({"v": 2}, path)
    monkeypatch.undo()
    assert torch.load(path, weights_only=True) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["ck.pt"]  # no temporary file left behind


def test_unique_path_never_returns_an_existing_file(tmp_path):
    p = tmp_path / "run"
    assert utils.unique_path(p) == p
    p.mkdir()
    assert utils.unique_path(p) == tmp_path / "run-2"
    (tmp_path / "run-2").mkdir()
    assert utils.unique_path(p) == tmp_path / "run-3"
    (tmp_path / "a.png").write_bytes(b"x")
    assert utils.unique_path(tmp_path / "a.png") == tmp_path / "a-2.png"


def test_choose_device_prefers_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert utils.choose_device().type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert utils.choose_device().type == "mps"
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert utils.choose_device().type == "cpu"
    assert utils.choose_device("cpu").type == "cpu"
    with pytest.raises(GancourseError, match="CUDA is not available"):
        utils.choose_device("cuda")


def test_physical_cores_is_sane():
    import os

    assert 1 <= utils.physical_cores() <= (os.cpu_count() or 1)


def test_setup_notebook_prints_one_banner_line(capsys):
    dev = utils.setup_notebook(seed=3)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("gancourse:") and str(dev) in out[0]
