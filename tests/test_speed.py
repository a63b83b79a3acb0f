"""The trainer's speed options: simultaneous update, bf16 autocast, channels_last, fused Adam, compile."""

from dataclasses import replace

import pytest
import torch
from torch import nn

from gancourse import nets, registry
from gancourse.config import GancourseError
from gancourse.data import Batches
from gancourse.losses import get_loss
from gancourse.train import TrainConfig, Trainer, simultaneous_step
from gancourse.utils import cpu_has_bf16


class Counting(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net, self.calls = net, 0

    def forward(self, x):
        self.calls += 1
        return self.net(x)


def test_simultaneous_step_gives_each_network_its_own_gradient():
    torch.manual_seed(0)
    G = Counting(nn.Sequential(nn.Linear(3, 4), nn.Tanh()))
    D = nn.Sequential(nn.Linear(4, 5), nn.LeakyReLU(0.2), nn.Linear(5, 1), nn.Flatten(0))
    real, z = torch.randn(6, 4), torch.randn(6, 3)
    loss = get_loss("bce")
    # the expected gradients, each from one forward at the same (pre-update) point
    fake = G.net(z)
    want_d = torch.autograd.grad(loss.d(D(real), D(fake.detach())), list(D.parameters()))
    want_g = torch.autograd.grad(loss.g(D(fake)), list(G.parameters()))
    before_d = [p.clone() for p in D.parameters()]
    before_g = [p.clone() for p in G.parameters()]
    opt_g, opt_d = torch.optim.SGD(G.parameters(), lr=0.1), torch.optim.SGD(D.parameters(), lr=0.1)
    logs = simultaneous_step(G, D, opt_g, opt_d, real, z, loss)
    assert G.calls == 1  # one generator forward for both updates
    for p, p0, g in zip(D.parameters(), before_d, want_d, strict=True):
        assert torch.allclose(p, p0 - 0.1 * g, atol=1e-6)
    for p, p0, g in zip(G.parameters(), before_g, want_g, strict=True):
        assert torch.allclose(p, p0 - 0.1 * g, atol=1e-6)
    assert {"loss_D", "loss_G", "D(x)", "D(G(z))"} <= set(logs)


def _trainer(**cfg):
    torch.manual_seed(0)
    G, D = registry.build("dcgan", {"width": 8, "dropout": 0.0})
    images = torch.randint(0, 256, (64, 1, 28, 28), dtype=torch.uint8)
    config = replace(TrainConfig(epochs=1, log_every=1), **cfg)
    steps = registry.get("dcgan").steps(nets.DCGANConfig(width=8, dropout=0.0), config)
    return Trainer(G, D, Batches(images, None, 16, seed=0), steps, config, progress=False)


def test_alternating_is_the_default_and_simultaneous_trains():
    cfg = TrainConfig()
    assert cfg.update == "alternating" and cfg.precision == "fp32" and cfg.conv == "auto"
    assert cfg.channels_last is None and cfg.fused_adam is None  # timed / chosen on the machine
    t = _trainer(update="simultaneous")
    history = t.fit()
    assert len(history) == 4 and all(torch.isfinite(torch.tensor(list(r.values()))).all() for r in history)


def test_bad_speed_options_are_refused():
    with pytest.raises(GancourseError, match="d_steps=1"):
        _trainer(update="simultaneous", d_steps=2)
    with pytest.raises(GancourseError, match="alternating"):
        _trainer(update="sometimes")
    with pytest.raises(GancourseError, match="fp32"):
        _trainer(precision="fp16")
    with pytest.raises(GancourseError, match="auto, torch, phase, dft"):
        _trainer(conv="winograd")


def test_channels_last_and_fused_adam_give_the_same_training():
    plain = _trainer(conv="torch", channels_last=False, fused_adam=False).fit()
    fast = _trainer(channels_last=True, fused_adam=True)
    assert any(p.dim() == 4 and p.is_contiguous(memory_format=torch.channels_last) for p in fast.D.parameters())
    assert fast.opt_G.defaults["fused"] is True
    history = fast.fit()
    for a, b in zip(plain, history, strict=True):
        assert a["loss_D"] == pytest.approx(b["loss_D"], rel=1e-3) and a["loss_G"] == pytest.approx(
            b["loss_G"], rel=1e-3
        )


@pytest.mark.skipif(not cpu_has_bf16(), reason="this CPU has no native bf16")
def test_bf16_training_stays_stable():
    """bf16 autocast tracks the fp32 losses closely and stays finite over a few epochs."""
    fp32 = _trainer(precision="fp32").fit()
    bf16 = _trainer(precision="bf16")
    history = bf16.fit(3)
    assert history[0]["loss_D"] == pytest.approx(fp32[0]["loss_D"], rel=0.05)
    assert all(torch.isfinite(torch.tensor(list(r.values()))).all() for r in history)
    assert next(bf16.G.parameters()).dtype == torch.float32  # weights and optimizer state stay fp32


@pytest.mark.skipif(cpu_has_bf16(), reason="this CPU has native bf16")
def test_bf16_is_refused_without_native_support():
    with pytest.raises(GancourseError, match="no native bf16"):
        _trainer(precision="bf16")


def test_cli_speed_flags_and_compile_keeps_checkpoint_names(tmp_path, capsys):
    from gancourse.cli import main
    from gancourse.train import load_checkpoint

    flags = ["--simultaneous", "--channels-last", "--fused-adam", "--conv", "dft"] + (
        ["--precision", "bf16"] if cpu_has_bf16() else []
    )
    out = tmp_path / "run"
    assert main(["train", "dcgan", "--epochs", "1", "--limit", "64", "--quiet", "--out", str(out), *flags]) == 0
    ckpt = load_checkpoint(next((out / "checkpoints").glob("*.pt")))
    assert ckpt["train_config"]["update"] == "simultaneous" and ckpt["train_config"]["channels_last"]
    assert ckpt["train_config"]["conv"] == "dft" and set(ckpt["G"]) == set(registry.build("dcgan", {})[0].state_dict())
    G, _ = registry.build("dcgan", {})
    names = set(G.state_dict())
    G.compile()
    assert set(G.state_dict()) == names  # compiled in place: checkpoints stay loadable without torch.compile
    assert (
        main(
            [
                "train",
                "dcgan",
                "--epochs",
                "1",
                "--limit",
                "64",
                "--quiet",
                "--out",
                str(tmp_path / "p"),
                "--no-channels-last",
                "--no-fused-adam",
                "--conv",
                "torch",
                "--precision",
                "fp32",
            ]
        )
        == 0
    )
    plain = load_checkpoint(next((tmp_path / "p" / "checkpoints").glob("*.pt")))["train_config"]
    assert (plain["channels_last"], plain["fused_adam"], plain["conv"], plain["precision"]) == (
        False,
        False,
        "torch",
        "fp32",
    )
    assert main(["train", "cyclegan", "--simultaneous", "--quiet", "--out", str(tmp_path / "c")]) == 2
    assert "cyclegan keeps its own alternating steps: drop --simultaneous" in capsys.readouterr().err
