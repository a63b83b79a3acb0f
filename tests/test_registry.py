"""The model registry: one entry per kind, read by the CLI, ``build`` and the benchmarks.

A new kind is one network file plus one registry entry: the toy below trains through the
command line without any other file knowing about it.
"""

import math
from dataclasses import dataclass

import pytest
import torch
from torch import nn

from gancourse import registry
from gancourse.cli import build_parser, main
from gancourse.config import GancourseError
from gancourse.train import GANSteps, load_checkpoint


@dataclass
class ToyConfig:
    z_dim: int = 8
    img_shape: tuple[int, int, int] = (1, 28, 28)


class ToyG(nn.Module):
    def __init__(self, cfg: ToyConfig):
        super().__init__()
        self.cfg = cfg
        self.net = nn.Sequential(
            nn.Linear(cfg.z_dim, 32), nn.ReLU(), nn.Linear(32, math.prod(cfg.img_shape)), nn.Tanh()
        )

    def forward(self, z):
        return self.net(z).view(-1, *self.cfg.img_shape)  # (N, C, H, W)


class ToyD(nn.Module):
    def __init__(self, cfg: ToyConfig):
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(), nn.Linear(math.prod(cfg.img_shape), 32), nn.LeakyReLU(0.2), nn.Linear(32, 1)
        )

    def forward(self, x):
        return self.net(x).squeeze(1)  # (N,)


@pytest.fixture
def toy_kind(monkeypatch):
    monkeypatch.setattr(registry, "REGISTRY", dict(registry.REGISTRY))  # the entry lives for this test only
    return registry.register(
        registry.ModelKind(
            "toy",
            ToyConfig,
            lambda c: (ToyG(c), ToyD(c)),
            make_config=lambda data, options: ToyConfig(img_shape=tuple(data.images.shape[1:])),
        )
    )


def test_a_new_kind_trains_through_the_cli_with_no_other_file(toy_kind, tmp_path, capsys):
    out = tmp_path / "toy"
    assert (
        main(["train", "toy", "--epochs", "1", "--limit", "64", "--batch-size", "32", "--quiet", "--out", str(out)])
        == 0
    )
    ckpt = load_checkpoint(next((out / "checkpoints").glob("ckpt-*.pt")))
    assert ckpt["kind"] == "toy" and ckpt["step"] == 2 and ckpt["config"]["img_shape"] == (1, 28, 28)
    assert len(ckpt["history"]) == 1 and {"loss_D", "loss_G", "D(x)", "D(G(z))"} <= set(ckpt["history"][0])
    assert (out / "samples.png").is_file() and (out / "progress.gif").is_file()
    assert (
        main(["sample", str(next((out / "checkpoints").glob("*.pt"))), "--n", "4", "--out", str(tmp_path / "s.npz")])
        == 0
    )
    assert "toy (lesson" not in build_parser().format_help()  # no lesson given: listed by name only


def test_the_cli_offers_exactly_the_registered_kinds(toy_kind):
    train = build_parser()._subparsers._group_actions[0].choices["train"]
    model = next(a for a in train._actions if a.dest == "model")
    assert tuple(model.choices) == registry.kinds() and "toy" in model.choices


@pytest.mark.parametrize("name", ["gan", "dcgan", "cgan", "biggan", "discogan", "cyclegan"])
def test_every_course_kind_builds_from_its_config_and_says_how_it_trains(name):
    kind = registry.get(name)
    G, D = registry.build(name, kind.config())
    assert isinstance(G, nn.Module) and isinstance(D, nn.Module)
    assert kind.lesson in {"01", "02", "03", "04", "05"}
    assert registry.is_conditional(name) == (name in ("cgan", "biggan"))
    assert kind.data == ("domains" if name in ("discogan", "cyclegan") else "images")
    before = kind.train.epochs
    assert kind.train_config(epochs=before + 1).epochs == before + 1 and kind.train.epochs == before  # a copy


def test_recipes_and_steps_follow_the_entry():
    big = registry.get("biggan")
    assert (big.train.loss, big.train.d_steps, big.train.ema_decay) == ("hinge", 2, 0.999)
    steps = big.steps(big.config(), big.train)
    assert isinstance(steps, GANSteps) and steps.n_classes == 10 and steps.g_penalty is not None
    plain = registry.get("dcgan").steps(
        registry.get("dcgan").config(), registry.get("dcgan").train_config(update="simultaneous")
    )
    assert (
        steps.simultaneous is False and plain.simultaneous is True and plain.n_classes == 0 and plain.g_penalty is None
    )
    assert registry.get("cyclegan").updates == ("alternating",)


def test_unknown_kinds_and_bad_configs_are_one_line_errors():
    with pytest.raises(GancourseError, match="unknown model kind 'progan': this gancourse knows gan, dcgan"):
        registry.get("progan")
    with pytest.raises(GancourseError, match="DCGAN works on 28x28 or 64x64 images, not 30x30"):
        registry.build("dcgan", {"img_size": 30})
    with pytest.raises(GancourseError, match="has no field"):
        registry.build("dcgan", {"n_res": 3})


def test_generator_from_checkpoint_prefers_the_ema(tmp_path):
    torch.manual_seed(0)
    G, _ = registry.build("gan", {"z_dim": 4, "img_shape": [1, 4, 4], "g_hidden": [8], "d_hidden": [8]})
    ema = {f"module.{k}": torch.zeros_like(v) for k, v in G.state_dict().items()}
    ckpt = {
        "kind": "gan",
        "config": {"z_dim": 4, "img_shape": [1, 4, 4], "g_hidden": [8], "d_hidden": [8]},
        "G": G.state_dict(),
        "ema": {**ema, "n_averaged": torch.tensor(3)},
    }
    assert all((p == 0).all() for p in registry.generator_from_checkpoint(ckpt, "x.pt").parameters())
    assert torch.equal(
        next(registry.generator_from_checkpoint(ckpt, "x.pt", ema=False).parameters()), next(G.parameters())
    )
    with pytest.raises(GancourseError, match="x.pt: the weights do not fit its own config"):
        registry.generator_from_checkpoint({**ckpt, "ema": None, "G": {}}, "x.pt")
