import math

import pytest
import torch

from gancourse import losses, registry
from gancourse.config import GancourseError
from gancourse.data import Batches
from gancourse.nets import MLPConfig, MLPDiscriminator, MLPGenerator
from gancourse.train import (
    Checkpoint,
    GANSteps,
    TrainConfig,
    Trainer,
    TrainingDiverged,
    d_step,
    g_step,
    load_checkpoint,
)
from tests.conftest import CFG, make_trainer


def params(m):
    return [p.detach().clone() for p in m.parameters()]


def test_d_step_updates_d_only_and_never_touches_g():
    torch.manual_seed(0)
    G, D = MLPGenerator(CFG), MLPDiscriminator(CFG)
    g0, d0 = params(G), params(D)
    fake = G(torch.randn(8, 4))  # attached to G's graph, as the steps pass it
    out = d_step(D, torch.optim.SGD(D.parameters(), lr=0.1), torch.rand(8, 1, 4, 4), fake, losses.d_loss_bce)
    assert set(out) == {"loss_D", "D(x)", "D(G(z))"} and all(v.ndim == 0 for v in out.values())
    assert all(torch.equal(a, b) for a, b in zip(g0, params(G), strict=True))
    assert all(p.grad is None for p in G.parameters())  # detached: no gradient into G
    assert not all(torch.equal(a, b) for a, b in zip(d0, params(D), strict=True))
    fake.sum().backward()  # G's graph survived the D step, ready for the G step


def test_g_step_updates_g_only():
    torch.manual_seed(0)
    G, D = MLPGenerator(CFG), MLPDiscriminator(CFG)
    g0, d0 = params(G), params(D)
    out = g_step(D, torch.optim.SGD(G.parameters(), lr=0.1), G(torch.randn(8, 4)), losses.g_loss_nonsaturating)
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


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU (benchmarks/gpu.sh runs it on the lent one)")
def test_resume_on_cuda_continues_exactly(tmp_path):
    """Checkpoints load with map_location="cuda": the RNG and batch-order states it moved must go back to the CPU."""
    full = make_trainer(epochs=2, device="cuda")
    full.fit()
    first = make_trainer(epochs=1, device="cuda")
    first.fit()
    first.save_checkpoint(tmp_path / "ck.pt")
    resumed = make_trainer(epochs=2, device="cuda")
    resumed.load_checkpoint(tmp_path / "ck.pt")
    resumed.fit()
    assert resumed.history == full.history


def test_checkpoint_contents_and_sampling_alone(tmp_path):
    t = make_trainer(epochs=1, ema_decay=0.9)
    t.fit()
    path = t.save_checkpoint(tmp_path / "ck.pt")
    ck = load_checkpoint(path)
    for key in (
        "format",
        "kind",
        "config",
        "G",
        "D",
        "opt_G",
        "opt_D",
        "ema",
        "step",
        "epoch",
        "rng",
        "fixed_noise",
        "fixed_inputs",
        "history",
    ):
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

    t.steps.loss = losses.GANLoss(exploding, losses.g_loss_nonsaturating)
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

    t = make_trainer(epochs=1, d_steps=2, ema_decay=0.5, steps=GANSteps(CFG.z_dim, g_step=counting_g_step))
    t.fit()
    assert calls["g"] == 4  # 8 D steps, a G step after every second one
    ema_params = list(t.ema.module.parameters())
    assert not all(torch.equal(a, b) for a, b in zip(ema_params, t.G.parameters(), strict=True))
    assert t.sample_fixed(ema=True).shape == (64, 1, 4, 4)


def test_fixed_noise_is_fixed_and_seeded():
    a, b = make_trainer(seed=1), make_trainer(seed=1)
    assert len(a.fixed) == 1 and torch.equal(a.fixed[0], b.fixed[0])
    before = a.sample_fixed()
    assert torch.equal(before, a.sample_fixed())  # eval mode: no batch-statistics noise
    assert a.G.training  # and training mode restored


def test_resume_mid_epoch_continues_exactly(tmp_path):
    """Checkpoints every 4 steps (mid-epoch, 8 steps per epoch): resume from step 12 equals no interruption."""
    from gancourse.train import latest_checkpoint

    full = make_trainer(epochs=3)
    full.fit()
    interrupted = make_trainer(epochs=3, callbacks=[Checkpoint(tmp_path, every_epochs=None, every_steps=4, keep=10)])

    class Stop(Exception):
        pass

    def stop_at_12(trainer, row):
        if trainer.step == 12:
            raise Stop

    interrupted.callbacks.append(
        type(
            "S",
            (),
            {
                "on_log": staticmethod(stop_at_12),
                "on_fit_start": lambda *a: None,
                "on_epoch_end": lambda *a: None,
                "on_fit_end": lambda *a: None,
            },
        )()
    )
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

    from gancourse.train import HistoryFile, save_history

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

    from gancourse.train import TensorBoard

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
    torch.manual_seed(0)
    G, D = registry.build("cgan", {"width": 4})
    imgs = torch.randint(0, 256, (64, 1, 28, 28), dtype=torch.uint8)
    batches = Batches(imgs, torch.arange(64) % 10, batch_size=16)
    seen = []

    def spying_d_step(D, opt_D, real, fake, d_loss, y=None):
        seen.append(y)
        return d_step(D, opt_D, real, fake, d_loss, y)

    t = Trainer(
        G,
        D,
        batches,
        GANSteps(100, n_classes=10, d_step=spying_d_step),
        TrainConfig(epochs=1, log_every=2, n_fixed=20),
        progress=False,
        kind="cgan",
    )
    t.fit()
    assert len(t.history) == 2 and t.sample_fixed().shape == (20, 1, 28, 28)
    assert all(y is not None and y.shape == (16,) for y in seen)
    assert torch.equal(t.fixed[1], torch.arange(20) % 10) and t.steps.grid_nrow == 10  # one class per column


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


class CountingG(MLPGenerator):
    calls = 0

    def forward(self, z):
        CountingG.calls += 1
        return super().forward(z)


def two_forward_step(G, D, opt_G, opt_D, real, z, loss):
    """The old contract: the D step and the G step each ran G(z). The same algorithm, one forward more."""
    opt_D.zero_grad()
    loss_d = loss.d(D(real), D(G(z).detach()))
    loss_d.backward()
    opt_D.step()
    opt_G.zero_grad()
    loss_g = loss.g(D(G(z)))
    loss_g.backward()
    opt_G.step()
    return loss_d.detach(), loss_g.detach()


def test_one_generator_forward_per_step_and_the_same_algorithm():
    """GANSteps runs G once per alternating step, and trains exactly as running G twice did."""
    torch.manual_seed(0)
    G, D = CountingG(CFG), MLPDiscriminator(CFG)
    G2, D2 = MLPGenerator(CFG), MLPDiscriminator(CFG)
    G2.load_state_dict(G.state_dict())
    D2.load_state_dict(D.state_dict())
    steps = GANSteps(CFG.z_dim)
    opts = [torch.optim.Adam(m.parameters(), lr=1e-3, betas=(0.5, 0.999)) for m in (G, D, G2, D2)]
    real = torch.rand(16, 1, 4, 4) * 2 - 1
    for i in range(5):
        torch.manual_seed(100 + i)
        CountingG.calls = 0
        logs = steps.step(G, D, opts[0], opts[1], (real, None), update_g=True)
        assert CountingG.calls == 1
        torch.manual_seed(100 + i)
        z = torch.randn(16, CFG.z_dim)
        loss_d, loss_g = two_forward_step(G2, D2, opts[2], opts[3], real, z, losses.get_loss("bce"))
        assert torch.allclose(logs["loss_D"], loss_d, atol=1e-6) and torch.allclose(logs["loss_G"], loss_g, atol=1e-6)
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(G.parameters(), G2.parameters(), strict=True))


def test_steps_without_a_g_update_build_no_generator_graph():
    torch.manual_seed(0)
    G, D = MLPGenerator(CFG), MLPDiscriminator(CFG)
    seen = []
    steps = GANSteps(CFG.z_dim, d_step=lambda D, opt, real, fake, loss: seen.append(fake.requires_grad) or {})
    steps.step(G, D, None, None, (torch.rand(8, 1, 4, 4), None), update_g=False)
    steps.step(G, D, None, torch.optim.SGD(D.parameters(), lr=0.1), (torch.rand(8, 1, 4, 4), None), update_g=False)
    assert seen == [False, False]


def test_g_penalty_is_added_to_the_generator_loss():
    torch.manual_seed(0)
    G, D = MLPGenerator(CFG), MLPDiscriminator(CFG)
    got = {}

    def recording_g_step(D, opt_G, fake, g_loss):
        logits = D(fake)
        got["with"], got["without"] = g_loss(logits).item(), losses.g_loss_nonsaturating(logits).item()
        return {}

    steps = GANSteps(CFG.z_dim, g_step=recording_g_step, g_penalty=lambda G: torch.tensor(2.5))
    steps.step(G, D, None, torch.optim.SGD(D.parameters(), lr=0.0), (torch.rand(8, 1, 4, 4), None), update_g=True)
    assert got["with"] == pytest.approx(got["without"] + 2.5)


def test_format_1_checkpoints_still_load(tmp_path):
    """A checkpoint of the earlier format (fixed_noise/fixed_labels, no 'format' key) resumes."""
    t = make_trainer(epochs=1)
    t.fit()
    old = t.state_dict()
    del old["format"], old["fixed_inputs"]
    old.update(fixed_labels=None, fixed_inputs=None, state={})
    torch.save(old, tmp_path / "old.pt")
    resumed = make_trainer(epochs=2)
    resumed.load_checkpoint(tmp_path / "old.pt")
    assert resumed.step == 8 and torch.equal(resumed.fixed[0], old["fixed_noise"])
    resumed.fit()
    assert resumed.step == 16


def test_newer_checkpoint_format_and_other_kinds_are_refused(tmp_path):
    t = make_trainer(epochs=1)
    ck = t.state_dict()
    torch.save({**ck, "format": 99}, tmp_path / "new.pt")
    with pytest.raises(GancourseError, match="checkpoint format 99; this gancourse reads formats 1 to 2: upgrade"):
        load_checkpoint(tmp_path / "new.pt")
    torch.save({**ck, "kind": "dcgan"}, tmp_path / "dcgan.pt")
    with pytest.raises(GancourseError, match="holds a 'dcgan' model, not 'gan'"):
        t.load_checkpoint(tmp_path / "dcgan.pt")


def test_background_checkpoints_are_snapshots_written_in_order(tmp_path):
    """A checkpoint written by the background thread holds the weights of its step, not later ones."""
    t = make_trainer(epochs=1)
    t.fit()
    cb = Checkpoint(tmp_path, keep=5)
    at_save = params(t.G)
    path = cb.save(t, wait=False)
    with torch.no_grad():
        for p in t.G.parameters():
            p.add_(1.0)  # training goes on while the file is written
    cb.wait()
    saved = load_checkpoint(path)["G"]
    assert all(torch.equal(saved[k], v) for k, v in zip(dict(t.G.named_parameters()), at_save, strict=True))
    assert saved._metadata == t.G.state_dict()._metadata  # layer versions, as a direct save keeps them


def test_fit_waits_for_the_last_checkpoint_even_when_it_fails(tmp_path):
    class Boom(Exception):
        pass

    class Crash:
        def on_fit_start(self, trainer): ...
        def on_log(self, trainer, row): ...
        def on_fit_end(self, trainer): ...

        def on_epoch_end(self, trainer):
            raise Boom  # after the checkpoint callback queued this epoch's file

    t = make_trainer(epochs=3, callbacks=[Checkpoint(tmp_path, every_epochs=1), Crash()])
    with pytest.raises(Boom):
        t.fit()
    assert [p.name for p in tmp_path.glob("ckpt-*.pt")] == ["ckpt-00000008.pt"]  # on disk when fit() raised


def test_a_full_disk_in_the_background_is_reported_at_the_end(tmp_path, monkeypatch):
    import errno

    from gancourse.train import callbacks

    def full(obj, path):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(callbacks, "atomic_save", full)
    t = make_trainer(epochs=1, callbacks=[Checkpoint(tmp_path, every_epochs=1)])
    with pytest.raises(GancourseError, match="no space left on device"):
        t.fit()


def test_the_g_update_computes_no_gradient_for_ds_weights_and_gives_them_back():
    """G's update through D skips D's weight gradients (D's .grad stays as D's own update left it), and D's
    parameters require gradients again afterwards, also when the step raises."""
    from gancourse.train.steps import frozen

    torch.manual_seed(0)
    G, D = MLPGenerator(CFG), MLPDiscriminator(CFG)
    opt_G, opt_D = (torch.optim.Adam(m.parameters(), lr=1e-3) for m in (G, D))
    seen = {}

    def g_step(D_, opt, fake, g_loss):
        seen["requires_grad"] = [p.requires_grad for p in D_.parameters()]
        return {}

    def d_step(D_, opt, real, fake, d_loss):
        logs = __import__("gancourse").train.d_step(D_, opt, real, fake, d_loss)
        seen["grads"] = [p.grad.clone() for p in D_.parameters()]
        return logs

    GANSteps(CFG.z_dim, d_step=d_step, g_step=g_step).step(G, D, opt_G, opt_D, (torch.rand(8, 1, 4, 4), None), True)
    assert seen["requires_grad"] and not any(seen["requires_grad"])
    assert all(p.requires_grad for p in D.parameters())
    GANSteps(CFG.z_dim, d_step=d_step).step(G, D, opt_G, opt_D, (torch.rand(8, 1, 4, 4), None), True)
    assert all(torch.equal(p.grad, g) for p, g in zip(D.parameters(), seen["grads"], strict=True))  # no G-loss part
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in G.parameters() if p.ndim > 1)
    with pytest.raises(RuntimeError, match="inside"):
        with frozen(D):
            raise RuntimeError("inside")
    assert all(p.requires_grad for p in D.parameters())
