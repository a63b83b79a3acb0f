"""Lesson 04: translation networks, losses, image pool, schedule, domains, loaders, training and evaluation."""

import math

import numpy as np
import pytest
import torch
from conftest import write_idx_folder
from PIL import Image
from torch import nn

from gancourse import registry
from gancourse.config import GancourseError
from gancourse.data.domains import (
    UnpairedBatches,
    load_domains,
    load_folders,
    load_pix2pix,
    sobel_edges,
)
from gancourse.losses import cycle_loss, d_loss_lsgan, g_loss_lsgan, reconstruction_loss_l2
from gancourse.nets.translation import EncoderDecoder, TranslationConfig, build_translation
from gancourse.translation import (
    METHODS,
    ImagePool,
    LinearDecay,
    TranslationLoss,
    TranslationSteps,
    cycle_rows,
    evaluate_translation,
    format_translation,
    lr_factor,
    translation_config,
    translation_trainer,
)

# ------------------------------------------------------------------ networks


@pytest.mark.parametrize("generator", ["encoder-decoder", "unet", "resnet"])
@pytest.mark.parametrize("size, patches", [(28, 5), (32, 6), (64, 6)])
def test_translation_shapes(generator, size, patches):
    cfg = TranslationConfig(generator=generator, image_size=size, channels_a=1, channels_b=3, width=4, n_res=1)
    G, D = build_translation(cfg)
    a = torch.randn(2, 1, size, size)
    b = G["AB"](a)
    assert b.shape == (2, 3, size, size) and b.abs().max() <= 1
    assert G["BA"](b).shape == (2, 1, size, size)
    assert D["A"](a).shape == (2, 1, patches, patches)
    assert D["B"](b).shape == (2, 1, patches, patches)


def test_unet_skip_uses_encoder_features():
    cfg = TranslationConfig(generator="unet", image_size=28, width=4)
    plain, unet = EncoderDecoder(1, 1, cfg, skip=False), EncoderDecoder(1, 1, cfg, skip=True)
    assert unet.up[-1][0].in_channels == 2 * plain.up[-1][0].in_channels  # decoder sees [decoder, encoder] features


def test_bad_image_size_is_a_clear_error():
    with pytest.raises(GancourseError, match="not divisible"):
        registry.build("cyclegan", {"image_size": 30, "generator": "encoder-decoder"})


def test_checkpoint_config_rebuilds_the_model():
    G, D = registry.build("discogan", {"generator": "encoder-decoder", "norm": "batch", "width": 4})
    assert set(G) == {"AB", "BA"} and set(D) == {"A", "B"}
    assert any(isinstance(m, nn.BatchNorm2d) for m in G.modules())


# ------------------------------------------------------------------ losses, by hand


def test_translation_losses_by_hand():
    x = torch.tensor([0.0, 1.0, -1.0, 0.5])
    x_rec = torch.tensor([0.5, 1.0, 0.0, 0.5])
    assert cycle_loss(x, x_rec).item() == pytest.approx(10 * (0.5 + 0 + 1 + 0) / 4)
    assert cycle_loss(x, x_rec, 2.0).item() == pytest.approx(2 * 1.5 / 4)
    assert reconstruction_loss_l2(x, x_rec).item() == pytest.approx((0.25 + 0 + 1 + 0) / 4)
    real, fake = torch.tensor([1.0, 0.0]), torch.tensor([0.5, -1.0])
    assert d_loss_lsgan(real, fake).item() == pytest.approx((0 + 1) / 2 + (0.25 + 1) / 2)
    assert g_loss_lsgan(fake).item() == pytest.approx((0.25 + 4) / 2)


class Shift(nn.Module):
    """G(x) = x + c: easy to compute by hand."""

    def __init__(self, c):
        super().__init__()
        self.c = nn.Parameter(torch.tensor(float(c)))

    def forward(self, x):
        return x + self.c


class MeanLogit(nn.Module):
    """D(x) = w · mean(x) per image, as a (N, 1, 1, 1) patch map."""

    def __init__(self, w=1.0):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(float(w)))

    def forward(self, x):
        return self.w * x.mean(dim=(1, 2, 3), keepdim=True)


def _toy(c_ab=0.5, c_ba=-0.25):
    G = nn.ModuleDict({"AB": Shift(c_ab), "BA": Shift(c_ba)})
    D = nn.ModuleDict({"A": MeanLogit(), "B": MeanLogit()})
    return G, D


def _steps(loss):
    return TranslationSteps(
        loss, (torch.zeros(1, 1, 2, 2, dtype=torch.uint8), torch.zeros(1, 1, 2, 2, dtype=torch.uint8))
    )


def _g_update(steps, G, D, a, b):
    return steps.g_update(G, D, torch.optim.SGD(G.parameters(), lr=0.0), a, b, G["BA"](b), G["AB"](a))


def test_cyclegan_g_step_by_hand():
    G, D = _toy()
    steps = _steps(METHODS["cyclegan"])
    a, b = torch.zeros(2, 1, 2, 2), torch.ones(2, 1, 2, 2)
    logs = _g_update(steps, G, D, a, b)
    # fake_b = a + 0.5 -> D_B = 0.5; fake_a = b - 0.25 -> D_A = 0.75
    adv = (0.5 - 1) ** 2 + (0.75 - 1) ** 2
    # cycles: a -> 0.5 -> 0.25 (|err| 0.25); b -> 0.75 -> 1.25 (|err| 0.25); lambda = 10
    rec = 10 * 0.25 + 10 * 0.25
    # identity: G_AB(b) = 1.5 (|err| 0.5), G_BA(a) = -0.25 (|err| 0.25); weight 0.5 * lambda = 5
    idt = 5 * 0.5 + 5 * 0.25
    assert logs["loss_G_adv"].item() == pytest.approx(adv)
    assert logs["loss_rec"].item() == pytest.approx(rec)
    assert logs["loss_id"].item() == pytest.approx(idt)
    assert logs["loss_G"].item() == pytest.approx(adv + rec + idt)


def test_discogan_g_step_by_hand():
    G, D = _toy()
    steps = _steps(METHODS["discogan"])
    a, b = torch.zeros(2, 1, 2, 2), torch.ones(2, 1, 2, 2)
    logs = _g_update(steps, G, D, a, b)
    softplus = lambda s: math.log1p(math.exp(s))  # noqa: E731
    adv = softplus(-0.5) + softplus(-0.75)  # non-saturating BCE on both directions
    rec = 0.25**2 + 0.25**2  # L2, weight 1
    assert logs["loss_G"].item() == pytest.approx(adv + rec)
    assert "loss_id" not in logs  # DiscoGAN has no identity loss


def test_d_step_halves_each_discriminator_loss_and_leaves_g_alone():
    G, D = _toy()
    steps = _steps(TranslationLoss("cyclegan", "lsgan", 10.0, 5.0, pool_size=0))
    a, b = torch.zeros(2, 1, 2, 2), torch.ones(2, 1, 2, 2)
    before = [p.clone() for p in G.parameters()]
    logs = steps.step(
        G,
        D,
        torch.optim.SGD(G.parameters(), lr=0.1),
        torch.optim.SGD(D.parameters(), lr=0.1),
        ((a, b), None),
        update_g=False,
    )
    # D_A: real a -> 0, fake b - 0.25 -> 0.75: 0.5 * ((0 - 1)^2 + 0.75^2)
    assert logs["loss_D_A"].item() == pytest.approx(0.5 * (1 + 0.75**2))
    # D_B: real b -> 1, fake a + 0.5 -> 0.5: 0.5 * (0 + 0.25)
    assert logs["loss_D_B"].item() == pytest.approx(0.5 * 0.25)
    assert all(torch.equal(p, q) for p, q in zip(before, G.parameters(), strict=True))


def test_one_translation_per_direction_per_step_and_d_first():
    """A step runs each generator once on the batch (plus the cycle and identity passes of the G update), and the
    G update sees the discriminators after their update."""
    calls = []

    class Recording(Shift):
        def forward(self, x):
            calls.append(self.name)
            return super().forward(x)

    G = nn.ModuleDict({"AB": Recording(0.5), "BA": Recording(-0.25)})
    G["AB"].name, G["BA"].name = "AB", "BA"
    D = nn.ModuleDict({"A": MeanLogit(), "B": MeanLogit()})
    steps = _steps(METHODS["discogan"])  # no identity loss: the G update adds only the two cycle passes
    a, b = torch.zeros(2, 1, 2, 2), torch.ones(2, 1, 2, 2)
    opt_d = torch.optim.SGD(D.parameters(), lr=0.5)
    logs = steps.step(G, D, torch.optim.SGD(G.parameters(), lr=0.0), opt_d, ((a, b), None), update_g=True)
    assert sorted(calls) == ["AB", "AB", "BA", "BA"]  # G_AB(a), G_BA(b), then G_BA(G_AB(a)), G_AB(G_BA(b))
    softplus = lambda s: math.log1p(math.exp(s))  # noqa: E731
    w_b, w_a = D["B"].w.item(), D["A"].w.item()  # the updated discriminators
    assert logs["loss_G_adv"].item() == pytest.approx(softplus(-0.5 * w_b) + softplus(-0.75 * w_a))


# ------------------------------------------------------------------ image pool


def test_pool_fills_then_mixes_old_and_new():
    torch.manual_seed(0)
    pool = ImagePool(4)
    first = torch.arange(4.0).view(4, 1, 1, 1)
    assert torch.equal(pool.query(first), first)  # filling: every fake comes straight back
    assert len(pool.images) == 4
    seen = set()
    for i in range(20):
        new = torch.full((4, 1, 1, 1), 100.0 + i)
        out = pool.query(new)
        assert out.shape == new.shape
        vals = set(out.flatten().tolist())
        seen |= vals - {100.0 + i}
        assert vals <= {100.0 + k for k in range(i + 1)} | set(range(4))  # only new or earlier fakes
    assert seen, "a full pool must sometimes return an older fake"
    assert len(pool.images) == 4  # never grows beyond its size


def test_pool_of_size_zero_is_the_identity_and_state_round_trips():
    x = torch.randn(3, 1, 2, 2)
    assert ImagePool(0).query(x) is x
    pool = ImagePool(5)
    pool.query(x)
    other = ImagePool(5)
    other.load_state_dict(pool.state_dict())
    assert len(other.images) == 3 and torch.equal(other.images[1], x[1])


# ------------------------------------------------------------------ schedule


def test_lr_factor_is_the_seeds_schedule():
    # seed: lr = l_r if epoch < epoch_step else l_r * (epochs - epoch) / (epochs - epoch_step); 200 epochs, step 10
    assert lr_factor(0, 200, 0.05) == 1.0
    assert lr_factor(9, 200, 0.05) == 1.0
    assert lr_factor(10, 200, 0.05) == pytest.approx(190 / 190)
    assert lr_factor(105, 200, 0.05) == pytest.approx(95 / 190)
    assert lr_factor(199, 200, 0.05) == pytest.approx(1 / 190)
    assert lr_factor(200, 200, 0.05) == 0.0
    assert lr_factor(50, 100, 0.5) == 1.0 and lr_factor(75, 100, 0.5) == pytest.approx(0.5)


def test_linear_decay_sets_both_optimizers():
    class T:
        pass

    t = T()
    t.epoch = 3
    t.cfg = type("cfg", (), {"epochs": 4, "lr_g": 2e-4, "lr_d": 1e-4})()
    p = nn.Parameter(torch.zeros(1))
    t.opt_G, t.opt_D = torch.optim.Adam([p], lr=1.0), torch.optim.Adam([p], lr=1.0)
    LinearDecay(0.5).on_epoch_end(t)
    assert t.opt_G.param_groups[0]["lr"] == pytest.approx(2e-4 * 0.5)  # epoch 3 of 4, decay from 2: (4-3)/(4-2)
    assert t.opt_D.param_groups[0]["lr"] == pytest.approx(1e-4 * 0.5)


# ------------------------------------------------------------------ domains and loaders


def test_sobel_edges_by_hand():
    img = torch.zeros(1, 1, 5, 5, dtype=torch.uint8)
    img[..., 3:] = 255  # a vertical step between columns 2 and 3
    e = sobel_edges(img)[0, 0]
    assert e.dtype == torch.uint8
    assert (e[:, 2] == 255).all() and (e[:, 3] == 255).all()  # |Kx * I| = 4 on both sides of the step
    assert (e[:, 0] == 0).all() and (e[:, 4] == 0).all()  # flat regions: no edge
    assert sobel_edges(torch.zeros(2, 1, 4, 4, dtype=torch.uint8)).sum() == 0


@pytest.fixture
def tiny_fashion(tmp_path):
    rng = np.random.default_rng(0)
    labels = np.array([8, 5, 7, 9, 0, 8, 8, 7] * 4, dtype=np.uint8)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (32, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": labels,
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (16, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": labels[:16],
    }
    write_idx_folder(tmp_path / "data" / "FashionMNIST" / "raw", arrays)
    return arrays


def test_offline_domains(tiny_fashion):
    pair = load_domains("bag-edges:bags")
    bags = torch.from_numpy(tiny_fashion["train-images-idx3-ubyte"][tiny_fashion["train-labels-idx1-ubyte"] == 8])
    assert pair.paired and pair.names == ("bag-edges", "bags")
    assert torch.equal(pair.b[:, 0], bags)
    assert torch.equal(pair.a, sobel_edges(pair.b))  # edge map i is made from bag i
    shoes = load_domains("bags:shoes")
    assert not shoes.paired and len(shoes.b) == 16 and shoes.target_classes == ((8,), (5, 7, 9))


@pytest.mark.parametrize(
    "spec, message", [("bags", "A:B"), ("bags:hats", "unknown domain"), ("bags:bags", "different")]
)
def test_bad_domain_specs(spec, message, tiny_fashion):
    with pytest.raises(GancourseError, match=message):
        load_domains(spec)


def test_unpaired_batches_are_shuffled_independently():
    a = torch.arange(16, dtype=torch.uint8).view(16, 1, 1, 1).expand(16, 1, 4, 4).contiguous()
    batches = UnpairedBatches(a, a.clone(), batch_size=8)
    (xa, xb), y = next(iter(batches))
    assert y is None and xa.shape == (8, 1, 4, 4)
    assert not torch.equal(xa, xb)  # same images, different order: no hidden pairing
    assert len(UnpairedBatches(a, a[:9], batch_size=4)) == 2  # the shorter domain sets the epoch


def _rgb(path, array):
    Image.fromarray(array.astype(np.uint8), "RGB").save(path)


def test_pix2pix_split_puts_each_half_in_its_own_domain(tmp_path):
    for i in range(3):
        img = np.zeros((16, 32, 3), np.uint8)
        img[:, :16, 0] = 200  # A half: red
        img[:, 16:, 2] = 100 + i  # B half: blue
        _rgb(tmp_path / f"{i}.png", img)
    pair = load_pix2pix(tmp_path, size=8)
    assert pair.a.shape == (3, 3, 8, 8) and pair.b.shape == (3, 3, 8, 8) and pair.paired
    assert (pair.a[:, 0] == 200).all() and (pair.a[:, 2] == 0).all()  # not the B half (the seed's bug)
    assert (pair.b[:, 0] == 0).all() and (pair.b[:, 2] >= 100).all()


def test_pix2pix_errors(tmp_path):
    with pytest.raises(GancourseError, match="holds no images"):
        load_pix2pix(tmp_path)
    _rgb(tmp_path / "odd.png", np.zeros((8, 15, 3)))
    with pytest.raises(GancourseError, match="odd width"):
        load_pix2pix(tmp_path)
    (tmp_path / "odd.png").unlink()
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(GancourseError, match="cannot read image"):
        load_pix2pix(tmp_path)


def test_two_folder_loader(tmp_path):
    for side, n in (("trainA", 2), ("trainB", 3)):
        (tmp_path / side).mkdir()
        for i in range(n):
            _rgb(tmp_path / side / f"{i}.png", np.full((20, 30, 3), 50 * i))
    pair = load_folders(tmp_path / "trainA", tmp_path / "trainB", size=16)
    assert pair.a.shape == (2, 3, 16, 16) and pair.b.shape == (3, 3, 16, 16) and not pair.paired
    (tmp_path / "empty").mkdir()
    with pytest.raises(GancourseError, match="holds no images"):
        load_folders(tmp_path / "trainA", tmp_path / "empty")


# ------------------------------------------------------------------ training end to end


def _tiny_pair(n=16, size=28):
    g = torch.Generator().manual_seed(0)
    b = torch.randint(0, 256, (n, 1, size, size), generator=g, dtype=torch.uint8)
    from gancourse.data.domains import DomainPair

    return DomainPair(sobel_edges(b), b, ("bag-edges", "bags"), True, "random", ((8,), (8,)))


def _trainer(method, epochs=2):
    pair = _tiny_pair()
    from gancourse.translation import translation_train_config as train_config

    mcfg = translation_config(method, 28, 1, 1, width=4, n_res=1)
    return translation_trainer(
        method,
        pair,
        model_config=mcfg,
        train_config=train_config(method, epochs=epochs, log_every=1),
        batch_size=4,
        progress=False,
    )


@pytest.mark.parametrize("method", ["discogan", "cyclegan"])
def test_tiny_translation_run_and_exact_resume(method, tmp_path):
    torch.manual_seed(0)
    full = _trainer(method)
    full.fit(2)
    torch.manual_seed(0)
    first = _trainer(method)
    first.fit(1)
    first.save_checkpoint(tmp_path / "ckpt.pt")
    torch.manual_seed(123)  # resuming must not depend on the state of the process
    resumed = _trainer(method)
    resumed.load_checkpoint(tmp_path / "ckpt.pt")
    if method == "cyclegan":
        assert len(resumed.steps.pool_a.images) == 16  # the pools came back with the checkpoint
    resumed.fit(2)
    assert full.history[-1] == pytest.approx(resumed.history[-1])
    assert {"loss_D_A", "loss_D_B", "loss_G", "loss_rec"} <= set(full.history[-1])
    assert full.opt_G.param_groups[0]["lr"] < full.cfg.lr_g  # the schedule decayed the rate
    grid = full.sample_fixed()
    assert grid.shape == (6 * 8, 1, 28, 28)  # rows a, ab, aba, b, ba, bab


def test_cycle_rows_order():
    G = nn.ModuleDict({"AB": Shift(1.0), "BA": Shift(-0.5)})
    a, b = torch.zeros(2, 1, 2, 2), torch.ones(2, 1, 2, 2)
    rows = cycle_rows(G, a, b)[:, 0, 0, 0].tolist()
    assert rows == [0, 0, 1, 1, 0.5, 0.5, 1, 1, 0.5, 0.5, 1.5, 1.5]


def test_evaluation_of_the_identity_translation():
    pair = _tiny_pair(32)
    G = nn.ModuleDict({"AB": Shift(0.0), "BA": Shift(0.0)})
    r = evaluate_translation(G, pair)
    assert r["cycle_l1_aba"] == pytest.approx(0.0, abs=1e-6)
    assert r["paired_l1_ab"] == pytest.approx(r["paired_l1_identity"], abs=1e-6)  # identity: no better than the input
    assert r["target_rate_ab"] == pytest.approx(r["target_rate_identity_ab"])
    assert r["fd_ab"] == pytest.approx(r["fd_identity"], rel=1e-6)
    table = format_translation({"identity": r})
    assert "untranslated A classified as B" in table and "| identity |" in table


def test_translation_trainer_rejects_unknown_method():
    with pytest.raises(GancourseError, match="discogan or cyclegan"):
        translation_trainer("pix2pix", _tiny_pair())


# ------------------------------------------------------------------ command line


@pytest.fixture
def cyclegan_run(tiny_fashion, tmp_path):
    from gancourse.cli import main

    out = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "cyclegan",
                "--domains",
                "bag-edges:bags",
                "--epochs",
                "1",
                "--batch-size",
                "4",
                "--quiet",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    return out


def test_cli_train_cyclegan_writes_run_and_evaluation(cyclegan_run, capsys):
    import json

    for name in ("samples.png", "losses.png", "progress.gif", "history.json", "evaluation.json"):
        assert (cyclegan_run / name).is_file(), name
    report = json.loads((cyclegan_run / "evaluation.json").read_text())
    assert report["domains"] == ["bag-edges", "bags"] and "paired_l1_ab" in report
    from gancourse.train import load_checkpoint

    ckpt = load_checkpoint(next((cyclegan_run / "checkpoints").glob("*.pt")))
    assert ckpt["kind"] == "cyclegan" and ckpt["config"]["generator"] == "resnet"
    assert set(ckpt["state"]) == {"pool_a", "pool_b"}


def test_cli_resume_translation(cyclegan_run, capsys):
    from gancourse.cli import main

    assert (
        main(
            [
                "train",
                "cyclegan",
                "--epochs",
                "2",
                "--batch-size",
                "4",
                "--quiet",
                "--out",
                str(cyclegan_run),
                "--resume",
            ]
        )
        == 0
    )
    assert "resuming" in capsys.readouterr().out


def test_cli_translate_file_and_folder(cyclegan_run, tmp_path, capsys):
    from gancourse.cli import main

    ckpt = sorted((cyclegan_run / "checkpoints").glob("*.pt"))[-1]
    inputs = tmp_path / "edges"
    inputs.mkdir()
    for i in range(3):
        Image.fromarray(np.full((28, 28), 40 * i, np.uint8), "L").save(inputs / f"{i}.png")
    assert main(["translate", str(ckpt), "--input", str(inputs / "1.png"), "--out", str(tmp_path / "bag.png")]) == 0
    assert np.asarray(Image.open(tmp_path / "bag.png")).shape == (28, 28)
    assert (
        main(["translate", str(ckpt), "--direction", "BA", "--input", str(inputs), "--out", str(tmp_path / "out")]) == 0
    )
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["0.png", "1.png", "2.png"]
    # a second run never writes into the first one's folder
    assert main(["translate", str(ckpt), "--input", str(inputs), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out-2").is_dir()


def test_cli_translation_errors_are_one_line(cyclegan_run, tmp_path, capsys):
    from gancourse.cli import main

    ckpt = sorted((cyclegan_run / "checkpoints").glob("*.pt"))[-1]
    assert (
        main(["translate", str(ckpt), "--input", str(tmp_path / "missing.png"), "--out", str(tmp_path / "x.png")]) == 2
    )
    assert "does not exist" in capsys.readouterr().err
    assert main(["train", "discogan", "--domains", "bags", "--quiet", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "A:B" in err
    assert (
        main(["train", "cyclegan", "--pix2pix", str(tmp_path / "nothing"), "--quiet", "--out", str(tmp_path / "r2")])
        == 2
    )
    assert "does not exist" in capsys.readouterr().err


def test_cli_translate_refuses_other_models(tmp_path, capsys):
    from gancourse.cli import main
    from gancourse.train import GANSteps, Trainer

    G, D = registry.build("dcgan", {"width": 4})
    t = Trainer(G, D, [], GANSteps(100), kind="dcgan", progress=False)
    t.save_checkpoint(tmp_path / "dcgan.pt")
    assert main(["translate", str(tmp_path / "dcgan.pt"), "--input", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "needs a discogan or cyclegan checkpoint" in capsys.readouterr().err


def test_cli_trains_on_a_pix2pix_folder_and_on_two_folders(tmp_path, capsys):
    """The same command trains on real A|B data (edges2handbags layout) and on trainA/ trainB/ folders."""
    from gancourse.cli import main

    real = tmp_path / "edges2handbags" / "train"
    real.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(8):
        _rgb(real / f"{i}_AB.jpg", rng.integers(0, 256, (40, 80, 3)))
    out = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "discogan",
                "--pix2pix",
                str(real),
                "--image-size",
                "32",
                "--epochs",
                "1",
                "--batch-size",
                "4",
                "--quiet",
                "--out",
                str(out),
                "--generator",
                "unet",
            ]
        )
        == 0
    )
    ckpt = next((out / "checkpoints").glob("*.pt"))
    from gancourse.train import load_checkpoint

    cfg = load_checkpoint(ckpt)["config"]
    assert (cfg["image_size"], cfg["channels_a"], cfg["generator"]) == (32, 3, "unet")
    assert not (out / "evaluation.json").exists()  # no Fashion-MNIST classifier for real photos
    for side in ("trainA", "trainB"):
        (tmp_path / side).mkdir()
        for i in range(4):
            _rgb(tmp_path / side / f"{i}.png", rng.integers(0, 256, (32, 32, 3)))
    assert (
        main(
            [
                "train",
                "cyclegan",
                "--folders",
                str(tmp_path / "trainA"),
                str(tmp_path / "trainB"),
                "--image-size",
                "32",
                "--epochs",
                "1",
                "--batch-size",
                "2",
                "--quiet",
                "--out",
                str(tmp_path / "r2"),
            ]
        )
        == 0
    )
    assert (tmp_path / "r2" / "samples.png").is_file()


def test_cli_time_limit(tiny_fashion, tmp_path, capsys):
    from gancourse.cli import main

    assert (
        main(
            [
                "train",
                "discogan",
                "--epochs",
                "50",
                "--batch-size",
                "4",
                "--time-limit",
                "0.001",
                "--quiet",
                "--out",
                str(tmp_path / "r"),
            ]
        )
        == 0
    )
    from gancourse.train import load_checkpoint

    ckpt = load_checkpoint(sorted((tmp_path / "r" / "checkpoints").glob("*.pt"))[-1])
    assert ckpt["epoch"] < 50  # stopped by the clock, and saved
    assert main(["train", "gan", "--time-limit", "-1", "--quiet", "--out", str(tmp_path / "g")]) == 2
    assert "--time-limit: must be a finite number above 0" in capsys.readouterr().err


def test_the_identity_term_is_an_injection_point_of_the_generator_update():
    """Lesson 04 passes the student's identity_loss: the library's G update adds exactly what it returns."""
    from dataclasses import replace as _replace

    from gancourse.translation import METHODS, TranslationSteps, identity_loss

    torch.manual_seed(0)
    a, b = torch.rand(4, 1, 8, 8) * 2 - 1, torch.rand(4, 1, 8, 8) * 2 - 1
    seen = []

    def spy(G_AB, G_BA, a_, b_, lam_id):
        seen.append(lam_id)
        return identity_loss(G_AB, G_BA, a_, b_, lam_id) * 0 + 7.0  # a constant the logs must show

    G = torch.nn.ModuleDict({"AB": torch.nn.Conv2d(1, 1, 1), "BA": torch.nn.Conv2d(1, 1, 1)})
    D = torch.nn.ModuleDict({"A": torch.nn.Conv2d(1, 1, 1), "B": torch.nn.Conv2d(1, 1, 1)})
    opt = torch.optim.SGD(G.parameters(), lr=0.0)
    loss = _replace(METHODS["cyclegan"], lambda_id=2.5)
    logs = TranslationSteps(loss, (a, b), identity=spy).g_update(G, D, opt, a, b, G["BA"](b), G["AB"](a))
    assert seen == [2.5] and float(logs["loss_id"]) == pytest.approx(7.0)
    want = identity_loss(G["AB"], G["BA"], a, b, 2.5)
    default = TranslationSteps(loss, (a, b)).g_update(G, D, opt, a, b, G["BA"](b), G["AB"](a))
    assert float(default["loss_id"]) == pytest.approx(float(want))
