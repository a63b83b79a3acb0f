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


CPUINFO = """processor\t: 0
model name\t: Test CPU 9000
physical id\t: 0
core id\t\t: 0
flags\t\t: fpu sse2 avx2 avx512f avx512_bf16

processor\t: 1
model name\t: Test CPU 9000
physical id\t: 0
core id\t\t: 0
flags\t\t: fpu sse2 avx2 avx512f avx512_bf16

processor\t: 2
model name\t: Test CPU 9000
physical id\t: 0
core id\t\t: 1
flags\t\t: fpu sse2 avx2 avx512f avx512_bf16
"""


def test_cpu_facts_come_from_one_reading_of_cpuinfo(monkeypatch):
    monkeypatch.setattr(utils, "_cpuinfo", lambda: CPUINFO)
    monkeypatch.setattr(utils.os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    assert utils.cpu_name() == "Test CPU 9000"
    assert {"avx2", "avx512_bf16"} <= utils.cpu_flags() and utils.cpu_has_bf16()
    assert utils.physical_cores() == 2  # three logical processors on two cores
    monkeypatch.setattr(utils, "_cpuinfo", lambda: CPUINFO.replace(" avx512_bf16", ""))
    assert not utils.cpu_has_bf16()
    monkeypatch.setattr(utils, "_cpuinfo", lambda: "")
    assert utils.cpu_flags() == set() and not utils.cpu_has_bf16() and utils.physical_cores() >= 1


def test_seed_and_threads_shares_the_cores_between_processes(monkeypatch):
    monkeypatch.setattr(utils, "physical_cores", lambda: 4)
    before = torch.get_num_threads()
    try:
        utils.seed_and_threads(3, torch.device("cpu"), processes=2)
        assert torch.get_num_threads() == 2 and torch.initial_seed() == 3
    finally:
        torch.set_num_threads(before)


def test_seed_and_threads_obeys_the_graders_cap(monkeypatch):
    """In the grader's sandbox, notebooks graded side by side share the cores: $GANCOURSE_THREADS caps each."""
    monkeypatch.setattr(utils, "physical_cores", lambda: 8)
    before = torch.get_num_threads()
    try:
        monkeypatch.setenv("GANCOURSE_THREADS", "1")
        utils.seed_and_threads(0, torch.device("cpu"))
        assert torch.get_num_threads() == 1
        monkeypatch.setenv("GANCOURSE_THREADS", "junk")
        utils.seed_and_threads(0, torch.device("cpu"))
        assert torch.get_num_threads() == 8
    finally:
        torch.set_num_threads(before)


def test_tensors_scale_images_both_ways_and_restore_modes():
    from torch import nn

    from gancourse.tensors import eval_mode, generate, to_uint8, to_unit

    u = torch.tensor([0, 127, 128, 255], dtype=torch.uint8).view(1, 1, 2, 2)
    x = to_unit(u)  # u / 127.5 - 1
    assert torch.allclose(x.flatten(), torch.tensor([-1.0, 127 / 127.5 - 1, 128 / 127.5 - 1, 1.0]), atol=1e-6)
    assert torch.equal(to_uint8(x), u) and torch.equal(
        to_uint8(torch.tensor([[[[-3.0, 3.0]]]])), torch.tensor([[[[0, 255]]]], dtype=torch.uint8)
    )
    net = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.9))
    with eval_mode(net):
        assert not net.training
    assert net.training
    out = generate(net, torch.ones(3, 2))
    assert not out.requires_grad and net.training and torch.equal(out, generate(net, torch.ones(3, 2)))  # no dropout
