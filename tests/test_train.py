import math

import pytest
import torch

from gancourse import losses
from gancourse.callbacks import Checkpoint
from gancourse.config import GancourseError
from gancourse.data import Batches
from gancourse.nets import MLPConfig, MLPDiscriminator, MLPGenerator
from gancourse.train import (
    TrainConfig,
    Trainer,
    TrainingDiverged,
    d_step,
    g_step,
    load_checkpoint,
)

CFG = MLPConfig(z_dim=4, img_shape=(1, 4, 4), g_hidden=(16,), d_hidden=(16,))


def easy_data(n=256, seed=0):
    """An easy 'dataset': bright 4x4 images, far from what an untrained G makes."""
    g = torch.Generator().manual_seed(seed)
    return (200 + torch.randint(0, 56, (n, 1, 4, 4), generator=g)).to(torch.uint8)


def make_trainer(seed=0, epochs=2, callbacks=(), **cfg_kwargs):
    torch.manual_seed(seed)
    G, D = MLPGenerator(CFG), MLPDiscriminator(CFG)
    batches = Batches(easy_data(), batch_size=32, seed=seed)
    cfg = TrainConfig(epochs=epochs, log_every=4, seed=seed, **cfg_kwargs)
    return Trainer(G, D, batches, cfg, z_dim=CFG.z_dim, progress=False, callbacks=callbacks, kind="mlp", model_config=CFG)


def params(m):
    return [p.detach().clone() for p in m.parameters()]


def test_d_step_updates_d_only_and_never_touches_g():
    torch.manual_seed(0)
    G, D = MLPGenerator(CFG), MLPDiscriminator(CFG)
    g0, d0 = params(G), params(D)
    out = d_step(G, D, torch.optim.SGD(D.parameters(), lr=0.1), torch.rand(8, 1, 4, 4), torch.randn(8, 4), losses.d_loss_bce)
    assert set(out) == {"loss_D", "D(x)", "D(G(z))"} and all(v.ndim == 0 for v in out.values())
    assert all(torch.equal(a, b) for a, b in zip(g0, params(G), strict=True))
    assert all(p.grad is None for p in G.parameters())  # detached: no gradient into G
    assert not all(torch.equal(a, b) for a, b in zip(d0, params(D), strict=True))


def test_g_step_updates_g_only():
    torch.manual_seed(0)
    G, D = MLPGenerator(CFG), MLPDiscriminator(CFG)
    g0, d0 = params(G), params(D)
    out = g_step(G, D, torch.optim.SGD(G.parameters(), lr=0.1), torch.randn(8, 4), losses.g_loss_nonsaturating)
    assert set(out) == {"loss_G"}
    assert all(torch.equal(a, b) for a, b in zip(d0, params(D), strict=True))
    assert not all(torch.equal(a, b) for a, b in zip(g0, params(G), strict=True))


def test_frozen_g_lets_d_win():
    """With G frozen (lr 0), D learns to separate: L_D falls, D(x) rises, D(G(z)) falls."""
    t = make_trainer(lr_g=0.0, lr_d=1e-3, epochs=10)
    h = t.fit()
    assert h[-1]["loss_D"] < 0.7 * h[0]["loss_D"]
    assert h[-1]["D(x)"] > h[0]["D(x)"] and h[-1]["D(G(z))"] < h[0]["D(G(z))"]


def test_frozen_d_lets_g_fool_it():
    """With D frozen, the non-saturating G loss falls and D(G(z)) rises."""
    t = make_trainer(lr_d=0.0, lr_g=1e-3, epochs=3)
    h = t.fit()
    assert h[-1]["loss_G"] < h[0]["loss_G"] and h[-1]["D(G(z))"] > h[0]["D(G(z))"]


def test_same_seed_same_numbers_and_history_shape():
    h1, h2 = make_trainer(seed=3).fit(), make_trainer(seed=3).fit()
    assert h1 == h2
    assert len(h1) == 4 and h1[-1]["step"] == 16 and h1[-1]["epoch"] == 1  # 8 steps/epoch, logged every 4
    assert make_trainer(seed=4).fit() != h1


def test_resume_continues_exactly(tmp_path):
    full = make_trainer(epochs=3)
    full.fit()
    first = make_trainer(epochs=1)
    first.fit()
    first.save_checkpoint(tmp_path / "ck.pt")
    torch.manual_seed(999)  # a different global RNG state: the checkpoint must restore it
    resumed = make_trainer(epochs=3)
    resumed.load_checkpoint(tmp_path / "ck.pt")
    resumed.fit()
    assert resumed.history == full.history
    assert all(torch.equal(a, b) for a, b in zip(params(resumed.G), params(full.G), strict=True))


def test_checkpoint_contents_and_sampling_alone(tmp_path):
    t = make_trainer(epochs=1, ema_decay=0.9)
    t.fit()
    path = t.save_checkpoint(tmp_path / "ck.pt")
    ck = load_checkpoint(path)
    for key in ("kind", "config", "G", "D", "opt_G", "opt_D", "ema", "step", "epoch", "rng", "fixed_noise", "history"):
        assert key in ck
    assert ck["config"]["z_dim"] == 4 and ck["step"] == 8 and ck["epoch"] == 1
    G = MLPGenerator(MLPConfig(**{**ck["config"]}))
    G.load_state_dict(ck["G"])
    assert G(ck["fixed_noise"]).shape == (64, 1, 4, 4)
    assert not list(tmp_path.glob(".*.tmp"))  # atomic write left no temporary file


def test_checkpoint_callback_keeps_last_k(tmp_path):
    t = make_trainer(epochs=5, callbacks=[Checkpoint(tmp_path, every_epochs=1, keep=2)])
    t.fit()
    assert [p.name for p in sorted(tmp_path.glob("ckpt-*.pt"))] == ["ckpt-00000032.pt", "ckpt-00000040.pt"]


def test_load_checkpoint_errors(tmp_path):
    with pytest.raises(GancourseError, match="no checkpoint"):
        load_checkpoint(tmp_path / "missing.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(GancourseError, match="not a readable gancourse checkpoint"):
        load_checkpoint(tmp_path / "junk.pt")


def test_nan_stops_training_with_clear_message(tmp_path):
    t = make_trainer(epochs=2, callbacks=[Checkpoint(tmp_path, every_epochs=1)])

    def exploding(real_logits, fake_logits):
        return losses.d_loss_bce(real_logits, fake_logits) * (math.nan if t.epoch >= 1 else 1.0)

    t.loss = losses.GANLoss(exploding, losses.g_loss_nonsaturating)
    with pytest.raises(TrainingDiverged, match="loss_D.* became nan at step 12.*checkpoint is intact"):
        t.fit()
    saved = sorted(tmp_path.glob("ckpt-*.pt"))
    assert [p.name for p in saved] == ["ckpt-00000008.pt"]
    assert math.isfinite(load_checkpoint(saved[0])["history"][-1]["loss_D"])


def test_d_steps_per_g_step_and_ema():
    calls = {"g": 0}

    def counting_g_step(*args, **kwargs):
        calls["g"] += 1
        return g_step(*args, **kwargs)

    t = make_trainer(epochs=1, d_steps=2, ema_decay=0.5)
    t.g_step_fn = counting_g_step
    t.fit()
    assert calls["g"] == 4  # 8 D steps, a G step after every second one
    ema_params = list(t.ema.module.parameters())
    assert not all(torch.equal(a, b) for a, b in zip(ema_params, t.G.parameters(), strict=True))
    assert t.sample_fixed(ema=True).shape == (64, 1, 4, 4)


def test_fixed_noise_is_fixed_and_seeded():
    a, b = make_trainer(seed=1), make_trainer(seed=1)
    assert torch.equal(a.fixed_noise, b.fixed_noise)
    before = a.sample_fixed()
    assert torch.equal(before, a.sample_fixed())  # eval mode: no batch-statistics noise
    assert a.G.training  # and training mode restored


def test_resume_mid_epoch_continues_exactly(tmp_path):
    """Checkpoints every 4 steps (mid-epoch, 8 steps per epoch): resume from step 12 equals no interruption."""
    from gancourse.callbacks import latest_checkpoint

    full = make_trainer(epochs=3)
    full.fit()
    interrupted = make_trainer(epochs=3, callbacks=[Checkpoint(tmp_path, every_epochs=None, every_steps=4, keep=10)])

    class Stop(Exception):
        pass

    def stop_at_12(trainer, row):
        if trainer.step == 12:
            raise Stop

    interrupted.callbacks.append(type("S", (), {"on_log": staticmethod(stop_at_12), "on_fit_start": lambda *a: None,
                                                "on_epoch_end": lambda *a: None, "on_fit_end": lambda *a: None})())
    with pytest.raises(Stop):
        interrupted.fit()
    ckpt = latest_checkpoint(tmp_path)
    assert ckpt.name == "ckpt-00000012.pt" and load_checkpoint(ckpt)["batch_in_epoch"] == 4
    resumed = make_trainer(epochs=3)
    resumed.load_checkpoint(ckpt)
    resumed.fit()
    assert resumed.history == full.history
    assert all(torch.equal(a, b) for a, b in zip(params(resumed.G), params(full.G), strict=True))


def test_history_files(tmp_path):
    import csv
    import json

    from gancourse.callbacks import HistoryFile, save_history

    t = make_trainer(epochs=1, callbacks=[HistoryFile(tmp_path / "h.json")])
    t.fit()
    assert json.loads((tmp_path / "h.json").read_text()) == t.history
    save_history(t.history, tmp_path / "h.csv")
    rows = list(csv.DictReader(open(tmp_path / "h.csv")))
    assert len(rows) == len(t.history) and float(rows[0]["loss_D"]) == pytest.approx(t.history[0]["loss_D"])
    with pytest.raises(ValueError, match=".json or .csv"):
        save_history(t.history, tmp_path / "h.txt")


def test_tensorboard_is_optional(tmp_path, monkeypatch, capsys):
    import builtins

    from gancourse.callbacks import TensorBoard

    real_import = builtins.__import__

    def no_tensorboard(name, *args, **kwargs):
        if name.startswith("torch.utils.tensorboard"):
            raise ImportError("No module named 'tensorboard'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tensorboard)
    t = make_trainer(epochs=1, callbacks=[TensorBoard(tmp_path / "tb")])
    t.fit()
    assert "tensorboard is not installed" in capsys.readouterr().out and len(t.history) == 2


def test_conditional_training_passes_labels():
    from gancourse import nets

    torch.manual_seed(0)
    G, D = nets.build("cgan", {"width": 4})
    imgs = torch.randint(0, 256, (64, 1, 28, 28), dtype=torch.uint8)
    batches = Batches(imgs, torch.arange(64) % 10, batch_size=16)
    t = Trainer(G, D, batches, TrainConfig(epochs=1, log_every=2, n_fixed=20), z_dim=100,
                fixed_labels=torch.arange(20) % 10, progress=False, kind="cgan")
    t.fit()
    assert len(t.history) == 2 and t.sample_fixed().shape == (20, 1, 28, 28)


def test_ema_warmup_by_hand():
    from gancourse.train import ema_with_warmup

    fn = ema_with_warmup(0.999)
    avg, cur = torch.tensor([1.0]), torch.tensor([3.0])
    # n = 0: d = 1/10 -> 0.1·1 + 0.9·3 = 2.8 ; n = 10**6: d = 0.999 -> 0.999 + 0.003 = 1.002
    assert fn(avg, cur, torch.tensor(0)).item() == pytest.approx(2.8)
    assert fn(avg, cur, torch.tensor(10**6)).item() == pytest.approx(1.002)
    assert fn(avg, cur, torch.tensor(90)).item() == pytest.approx(0.91 * 1 + 0.09 * 3)  # (1+90)/(10+90) = 0.91


def test_ema_tracks_g_early_in_training():
    t = make_trainer(epochs=2, ema_decay=0.999)
    t.fit()
    g = torch.cat([p.flatten() for p in t.G.parameters()])
    e = torch.cat([p.flatten() for p in t.ema.module.parameters()])
    torch.manual_seed(0)
    g0 = torch.cat([p.flatten() for p in MLPGenerator(CFG).parameters()])  # the initial weights
    assert (e - g).norm() < (e - g0).norm()  # after 16 steps the average is nearer G than its initialisation
