"""Lesson 08 (pix2pix): receptive fields by hand, the paired batches, the U-Net's route injection, the steps and
their ablations, the conditional D, the `pix2pix` registry kind on the command line, and the lab."""

import json
import math

import pytest
import torch

from gancourse import nets, registry
from gancourse.config import GancourseError
from gancourse.data import PairedBatches, crop_to, load_domains, pad_to, paired
from gancourse.nets.pix2pix import conv_geometry, receptive_field, unet_generator
from gancourse.nets.translation import unet_route
from gancourse.train import TrainConfig, Trainer
from gancourse.translation import Pix2PixSteps, pix2pix_g_loss
from tests.test_labs import code_cells
from tests.test_translation import tiny_fashion  # noqa: F401 - a fixture


def test_receptive_field_by_hand():
    assert receptive_field([(4, 2), (4, 2), (4, 2), (4, 1), (4, 1)]) == 70  # the paper's 70x70 PatchGAN
    assert receptive_field([(4, 2), (4, 1), (4, 1)]) == 16  # 1 + 3 = 4, 4 + 3 = 7, (7 - 1) * 2 + 4 = 16
    assert receptive_field([(3, 1)] * 3) == 7 and receptive_field([]) == 1


@pytest.mark.parametrize("levels, rf, side", [(1, 16, 14), (2, 34, 6), (3, 70, 2)])
def test_the_library_patchgan_has_the_receptive_field_it_claims(levels, rf, side):
    cfg = nets.Pix2PixConfig(width=4, d_levels=levels)
    D = nets.ConditionalPatchDiscriminator(cfg)
    assert receptive_field(conv_geometry(D)) == rf
    assert D(torch.zeros(2, 1, 32, 32), torch.zeros(2, 1, 32, 32)).shape == (2, 1, side, side)


def test_one_logit_sees_exactly_its_receptive_field():
    """Changing a pixel outside a patch leaves that patch's logit alone; inside, it moves it."""
    torch.manual_seed(0)
    D = nets.ConditionalPatchDiscriminator(nets.Pix2PixConfig(width=4, d_levels=1)).eval()
    a, b = torch.randn(1, 1, 32, 32), torch.randn(1, 1, 32, 32)
    base = D(a, b)[0, 0, 0, 0]  # the top-left patch sees input rows and columns -5 .. 10 (16 px, padding included)
    far, near = b.clone(), b.clone()
    far[..., 11, 11] += 5.0
    near[..., 10, 10] += 5.0
    assert torch.equal(D(a, far)[0, 0, 0, 0], base) and not torch.equal(D(a, near)[0, 0, 0, 0], base)


def test_unet_route_is_an_injection_point_and_the_default_is_the_library_route():
    torch.manual_seed(0)
    calls = []

    def mine(down, up, x):
        calls.append(x.shape)
        return unet_route(down, up, x)

    G = unet_generator(nets.Pix2PixConfig(width=4), route=mine)
    x = torch.randn(2, 1, 32, 32)
    assert G(x).shape == (2, 1, 32, 32) and calls == [(2, 1, 32, 32)]
    G.route = None
    assert torch.equal(G(x), mine(G.down, G.up, x))
    assert "route" not in G.state_dict() and "EncoderDecoder" in repr(G)


def test_paired_batches_keep_each_pair_together():
    a = torch.arange(10, dtype=torch.uint8).view(10, 1, 1, 1).expand(10, 1, 4, 4).contiguous()
    batches = PairedBatches(a, 255 - a, batch_size=4, seed=3)
    for (xa, xb), labels in batches:
        assert labels is None and torch.allclose(xa, -xb)  # b = 255 - a, in [-1, 1]: b_i = -a_i
    with pytest.raises(GancourseError, match="as many A images"):
        PairedBatches(a, a[:5])


def test_pad_and_crop_round_trip_and_refusals():
    x = torch.randint(0, 256, (3, 1, 28, 28), dtype=torch.uint8)
    padded = pad_to(x, 32)
    assert padded.shape == (3, 1, 32, 32) and padded[..., :2, :].sum() == 0 and torch.equal(crop_to(padded, 28), x)
    with pytest.raises(GancourseError, match="cannot pad"):
        pad_to(x, 27)


def test_pix2pix_g_loss_by_hand():
    logits = torch.zeros(2, 1, 3, 3)  # D undecided: BCE(0, 1) = log 2
    fake, target = torch.full((2, 1, 4, 4), 0.5), torch.zeros(2, 1, 4, 4)
    assert float(pix2pix_g_loss(logits, fake, target)) == pytest.approx(math.log(2) + 50.0)
    assert float(pix2pix_g_loss(logits, fake, target, lam=0.0)) == pytest.approx(math.log(2))
    assert float(pix2pix_g_loss(logits, fake, target, adv=0.0)) == pytest.approx(50.0)


def _steps_and_nets(adv=1.0, lam=100.0):
    torch.manual_seed(0)
    cfg = nets.Pix2PixConfig(width=4)
    G, D = nets.build_pix2pix(cfg)
    images = torch.randint(0, 256, (8, 1, 32, 32), dtype=torch.uint8)
    return G, D, Pix2PixSteps((images[:2], images[:2]), adv=adv, lam=lam), images


def test_l1_only_never_updates_the_discriminator():
    G, D, steps, images = _steps_and_nets(adv=0.0)
    before = [p.clone() for p in D.parameters()]
    opt_G, opt_D = torch.optim.Adam(G.parameters()), torch.optim.Adam(D.parameters())
    logs = steps.step(
        G, D, opt_G, opt_D, ((images[:4].float() / 127.5 - 1, images[4:].float() / 127.5 - 1), None), True
    )
    assert "loss_D" not in logs and logs["loss_G"] == pytest.approx(100 * float(logs["L1"]), rel=1e-5)
    assert all(torch.equal(b, p) for b, p in zip(before, D.parameters(), strict=True))


def test_the_trainer_trains_pix2pix_and_draws_input_output_target_rows():
    G, D, steps, images = _steps_and_nets()
    t = Trainer(
        G,
        D,
        PairedBatches(images, images.flip(-1), batch_size=4),
        steps,
        TrainConfig(epochs=1, log_every=1, lr_g=2e-4, lr_d=2e-4, beta1=0.5),
        progress=False,
    )
    history = t.fit()
    assert len(history) == 2 and {"loss_D", "loss_G", "L1", "D(a,b)"} <= set(history[-1])
    assert t.sample_fixed().shape == (6, 1, 32, 32)  # rows a, G(a), b of two images


def test_paired_refuses_unpaired_domains(tiny_fashion):  # noqa: F811
    with pytest.raises(GancourseError, match="pix2pix needs paired images") as e:
        paired(load_domains("bags:shoes"))
    assert "\n" not in str(e.value)
    assert paired(load_domains("bag-edges:bags")).a.shape[-1] == 32


def test_cli_train_pix2pix(tiny_fashion, tmp_path, capsys):  # noqa: F811
    from gancourse.cli import main

    out = tmp_path / "run"
    assert main(["train", "pix2pix", "--epochs", "1", "--batch-size", "2", "--quiet", "--out", str(out)]) == 0
    report = json.loads((out / "evaluation.json").read_text())
    assert {"paired_l1_ab", "fd_ab", "target_rate_ab", "paired_l1_identity"} <= set(report)
    ckpt = torch.load(next((out / "checkpoints").glob("*.pt")), weights_only=True)
    assert ckpt["kind"] == "pix2pix" and ckpt["config"]["image_size"] == 32
    G, _ = registry.build("pix2pix", ckpt["config"])  # rebuilt from the file alone
    G.load_state_dict(ckpt["G"])
    assert main(["train", "pix2pix", "--domains", "bags:shoes", "--epochs", "1", "--out", str(tmp_path / "x")]) == 2
    assert "pix2pix needs paired images" in capsys.readouterr().err


def test_the_lesson_trains_the_students_pieces():
    training = next(c for c in code_cells("08_pix2pix.ipynb") if "def train_pix2pix" in c)
    assert "unet_generator(cfg, route=unet_route), ConditionalPatchD(cfg)" in training
    assert "g_loss=pix2pix_g_loss" in training and "d_levels=D_LEVELS" in training
    assert "train_pix2pix(adv=0.0)" in training and "train_pix2pix(lam=0.0)" in training
