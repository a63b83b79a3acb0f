"""Autotuning (autotune.py): the first step is recorded, each layer and network timed, the fastest kept."""

import json
from dataclasses import replace

import pytest
import torch
from torch import nn

from gancourse import nets, registry
from gancourse.config import GancourseError
from gancourse.data import Batches
from gancourse.speed import autotune
from gancourse.speed.algorithms import algorithm_of, conv_layers
from gancourse.speed.options import (
    check_precision,
    fused_adam_available,
    optimizer_state_like_parameters,
    resolve_fused_adam,
)
from gancourse.train import TrainConfig, Trainer


@pytest.fixture(autouse=True)
def _fresh_memory(monkeypatch):
    monkeypatch.setattr(autotune, "_MEMORY", {})


def _trainer(epochs=1, **cfg):
    torch.manual_seed(0)
    G, D = registry.build("dcgan", {"width": 8, "dropout": 0.0})
    images = torch.randint(0, 256, (64, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    config = replace(TrainConfig(epochs=epochs, log_every=1), **cfg)
    steps = registry.get("dcgan").steps(nets.DCGANConfig(width=8, dropout=0.0), config)
    return Trainer(G, D, Batches(images, None, 16, seed=0), steps, config, progress=False)


def _fake_timings(monkeypatch, layer_ms, net_ms):
    """Timings by rule instead of a clock: ``layer_ms(name-free layer, algorithm, nhwc)``, ``net_ms(plan)``."""
    monkeypatch.setattr(autotune, "time_layer", lambda layer, a, shape, fmt, device, ac: layer_ms(layer, a, fmt))
    monkeypatch.setattr(autotune, "time_net", lambda net, plan, inputs, device, ac: net_ms(plan))


def test_recorder_sees_each_convolution_and_each_network_then_lets_go():
    G, D = registry.build("dcgan", {"width": 8})
    with autotune.Recorder({"G": G, "D": D}) as rec:
        D(G(torch.randn(3, 100)))
    assert rec.shapes["G"] == {"body.0.0": [3, 32, 7, 7], "body.1.0": [3, 16, 7, 7], "body.2": [3, 8, 14, 14]}
    assert rec.shapes["D"] == {"body.0.0": [3, 1, 28, 28], "body.1.0": [3, 8, 14, 14]}
    assert rec.inputs["G"][0][0].shape == (3, 100) and rec.inputs["D"][0][0].shape == (3, 1, 28, 28)
    assert not any(m._forward_pre_hooks for m in [*G.modules(), *D.modules()])  # hooks removed


def test_the_fastest_layers_and_format_are_chosen(monkeypatch):
    """Per layer the fastest algorithm in each format; then the format whose whole network is faster."""

    def layer_ms(layer, algorithm, nhwc):
        if isinstance(layer, nn.ConvTranspose2d) and layer.stride == (2, 2):
            return {"torch": 3, "phase": 1, "dft": 2}[algorithm]
        return {"torch": 1, "phase": 2, "dft": 3 if nhwc else 0.5}[algorithm]

    _fake_timings(monkeypatch, layer_ms, lambda plan: 5.0 if plan.channels_last else 7.0)
    G, _ = registry.build("dcgan", {})
    with autotune.Recorder({"G": G}) as rec:
        G(torch.randn(2, 100))
    plans = autotune.tune(rec, torch.device("cpu"), "fp32", say=lambda text: None)
    assert plans["G"].channels_last and plans["G"].ms == 5000.0
    assert plans["G"].layers == {"body.1.0": "phase", "body.2": "phase"}  # body.0.0: stride 1, torch beats DFT in NHWC
    fixed = autotune.tune(rec, torch.device("cpu"), "fp32", formats=(False,), algorithm="dft", say=lambda text: None)
    assert not fixed["G"].channels_last and fixed["G"].layers == {"body.0.0": "dft", "body.1.0": "dft"}


@pytest.mark.parametrize(("tuned_ms", "kept"), [(9.9, "torch's"), (9.7, "tuned"), (9.0, "tuned")])
def test_torchs_own_way_stays_unless_beaten_by_three_percent(monkeypatch, tuned_ms, kept):
    """Two timed runs cannot tell a 1 % gain from noise: the tuned plan must be at most 97 % of torch's."""
    timed = []

    def net_ms(plan):
        timed.append((plan.channels_last, dict(plan.layers)))
        return 10.0 if (plan.channels_last, plan.layers) == (False, {}) else tuned_ms

    _fake_timings(monkeypatch, lambda layer, algorithm, nhwc: {"torch": 2, "phase": 1}.get(algorithm, 3), net_ms)
    G, _ = registry.build("dcgan", {})
    with autotune.Recorder({"G": G}) as rec:
        G(torch.randn(2, 100))
    plan = autotune.tune(rec, torch.device("cpu"), "fp32", say=lambda text: None)["G"]
    assert (False, {}) in timed  # torch's own way was timed as a whole network
    if kept == "torch's":
        assert (plan.channels_last, plan.layers, plan.ms) == (False, {}, 10000.0)
    else:
        assert plan.layers and plan.ms == tuned_ms * 1000


def test_an_algorithm_set_by_hand_is_not_second_guessed(monkeypatch):
    timed = []
    _fake_timings(monkeypatch, lambda *a: 1.0, lambda plan: timed.append(dict(plan.layers)) or 20.0)
    G, _ = registry.build("dcgan", {})
    with autotune.Recorder({"G": G}) as rec:
        G(torch.randn(2, 100))
    plan = autotune.tune(rec, torch.device("cpu"), "fp32", formats=(False,), algorithm="phase", say=lambda text: None)[
        "G"
    ]
    assert plan.layers and {} not in timed  # --conv phase: no comparison with torch's layers


def test_plans_are_cached_on_disk_and_reused_without_timing(tmp_path, monkeypatch):
    said = []
    G, _ = registry.build("dcgan", {"width": 8})
    with autotune.Recorder({"G": G}) as rec:
        G(torch.randn(2, 100))
    first = autotune.tune(rec, torch.device("cpu"), "fp32", say=said.append)
    assert len(said) == 1 and "once" in said[0]
    cache = json.loads((tmp_path / "cache" / autotune.CACHE_NAME).read_text())
    assert list(cache.values()) == [
        {"channels_last": first["G"].channels_last, "layers": first["G"].layers, "ms": first["G"].ms}
    ]
    monkeypatch.setattr(autotune, "_MEMORY", {})
    monkeypatch.setattr(autotune, "time_layer", lambda *a: pytest.fail("timed again despite the cache"))
    assert autotune.tune(rec, torch.device("cpu"), "fp32", say=said.append) == first and len(said) == 1
    assert autotune.tune(rec, torch.device("cpu"), "bf16", measure=False) == {}  # another precision: not cached


def test_a_broken_or_unwritable_cache_costs_only_the_timing(tmp_path, monkeypatch):
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / autotune.CACHE_NAME).write_text("{not json")
    G, _ = registry.build("dcgan", {"width": 8})
    with autotune.Recorder({"G": G}) as rec:
        G(torch.randn(2, 100))
    key = autotune.cache_key("G", G, rec.shapes["G"], rec.inputs["G"], "fp32", (False, True), None)
    (tmp_path / "cache" / autotune.CACHE_NAME).write_text(json.dumps({key: {"layers": 3}, "x": [1]}))
    assert autotune.tune(rec, torch.device("cpu"), "fp32", measure=False) == {}  # not a plan: not cached
    monkeypatch.setattr(autotune, "atomic_write_text", lambda *a: (_ for _ in ()).throw(PermissionError("read-only")))
    assert set(autotune.tune(rec, torch.device("cpu"), "fp32", say=lambda t: None)) == {"G"}


def test_trainer_tunes_long_runs_and_trains_as_torchs_layers_do(monkeypatch):
    monkeypatch.setattr(autotune, "TUNE_FROM_STEPS", 4)
    plain = _trainer(conv="torch", channels_last=False, fused_adam=False).fit()
    auto = _trainer()
    assert auto.runner.pending and auto.opt_G.defaults["fused"] is fused_adam_available("cpu")
    history = auto.fit()
    assert not auto.runner.pending and set(auto.speed_plans) == {"G", "D"}
    chosen = {name: algorithm_of(m) for name, m in conv_layers(auto.G).items()}
    assert {k: v for k, v in chosen.items() if v != "torch"} == auto.speed_plans["G"]["layers"]
    for a, b in zip(plain, history, strict=True):
        assert a["loss_D"] == pytest.approx(b["loss_D"], rel=1e-3) and a["loss_G"] == pytest.approx(
            b["loss_G"], rel=1e-3
        )


def test_short_runs_use_only_cached_plans(monkeypatch):
    monkeypatch.setattr(autotune, "time_layer", lambda *a: pytest.fail("a 4-step run should not time layers"))
    t = _trainer()
    t.fit()
    assert t.speed_plans == {} and not t.runner.pending
    assert all(algorithm_of(m) == "torch" for m in conv_layers(t.G).values())


def test_checkpoints_carry_the_plans_and_a_resume_computes_alike(tmp_path, monkeypatch):
    monkeypatch.setattr(autotune, "TUNE_FROM_STEPS", 4)
    first = _trainer()
    first.fit()
    path = first.save_checkpoint(tmp_path / "ckpt.pt")
    assert torch.load(path, weights_only=False)["speed"] == {"machine": autotune.machine(), "plans": first.speed_plans}
    monkeypatch.setattr(autotune, "_MEMORY", {})
    monkeypatch.setattr(autotune, "time_layer", lambda *a: pytest.fail("the checkpoint's plans should be used"))
    second = _trainer(epochs=2)
    second.load_checkpoint(path)
    assert not second.runner.pending and second.speed_plans == first.speed_plans
    assert [type(m) for m in second.G.modules()] == [type(m) for m in first.G.modules()]
    second.fit()


def test_auto_options_resolve_per_machine(monkeypatch):
    cpu = torch.device("cpu")
    assert resolve_fused_adam(None, cpu) is fused_adam_available("cpu") and resolve_fused_adam(False, cpu) is False
    monkeypatch.setattr("gancourse.speed.options.cpu_has_bf16", lambda: True)
    assert check_precision("bf16", cpu) == "bf16" and TrainConfig().precision == "fp32"  # bf16 only when asked for
    monkeypatch.setattr("gancourse.speed.options.cpu_has_bf16", lambda: False)
    with pytest.raises(GancourseError, match="no native bf16"):
        check_precision("bf16", cpu)
    assert check_precision("fp32", cpu) == "fp32"


def test_optimizer_moments_follow_their_parameters_layout():
    conv = nn.Conv2d(3, 4, 3)
    opt = torch.optim.Adam(conv.parameters())
    conv(torch.randn(2, 3, 5, 5)).sum().backward()
    opt.step()
    conv.to(memory_format=torch.channels_last)
    optimizer_state_like_parameters(opt)
    assert opt.state[conv.weight]["exp_avg"].is_contiguous(memory_format=torch.channels_last)
    assert opt.state[conv.bias]["exp_avg"].is_contiguous()


def test_lesson_04s_networks_each_get_a_plan(monkeypatch):
    """G and D are ModuleDicts there: each of the four networks inside is recorded, timed and planned."""
    from gancourse.data.domains import DomainPair
    from gancourse.translation import translation_trainer

    monkeypatch.setattr(autotune, "TUNE_FROM_STEPS", 2)
    monkeypatch.setattr(
        autotune, "time_layer", lambda layer, a, shape, fmt, device, ac: {"torch": 2, "phase": 1}.get(a, 3)
    )
    monkeypatch.setattr(autotune, "time_net", lambda net, plan, inputs, device, ac: 1.0 if plan.channels_last else 2.0)
    g = torch.Generator().manual_seed(0)
    pair = DomainPair(
        torch.randint(0, 256, (8, 1, 16, 16), dtype=torch.uint8, generator=g),
        torch.randint(0, 256, (8, 1, 16, 16), dtype=torch.uint8, generator=g),
        ("a", "b"),
        False,
        "random",
    )
    t = translation_trainer("discogan", pair, batch_size=4, progress=False)
    t.fit(1)
    assert set(t.speed_plans) == {"G.AB", "G.BA", "D.A", "D.B"}
    assert all(plan["channels_last"] for plan in t.speed_plans.values()) and t.runner.nhwc_batches
    assert all(
        m.weight.is_contiguous(memory_format=torch.channels_last)
        for m in conv_layers(t.G["AB"]).values()
        if m.weight.shape[-1] > 1
    )
    assert (
        "phase" in t.speed_plans["G.AB"]["layers"].values()
        and algorithm_of(
            t.G["AB"].get_submodule(next(k for k, v in t.speed_plans["G.AB"]["layers"].items() if v == "phase"))
        )
        == "phase"
    )


class EqualizedConvTranspose2d(nn.ConvTranspose2d):
    """StyleGAN's equalized learning rate: the user's own forward scales the weight at every call."""

    def forward(self, x, output_size=None):
        scale = (2 / (self.in_channels * self.kernel_size[0] * self.kernel_size[1])) ** 0.5
        return nn.functional.conv_transpose2d(
            x, self.weight * scale, self.bias, self.stride, self.padding, self.output_padding
        )


@pytest.mark.parametrize("conv", ["auto", "phase", "dft"])
def test_a_users_layer_with_its_own_forward_trains_as_written(monkeypatch, conv):
    """Tuned or forced, the equalized-LR layer keeps its class, its repr and the output of its own forward."""
    monkeypatch.setattr(autotune, "TUNE_FROM_STEPS", 2)
    _fake_timings(
        monkeypatch,
        lambda layer, a, fmt: {"torch": 3, "phase": 1, "dft": 2}[a],
        lambda plan: 1.0 if plan.layers else 5.0,
    )
    t = _trainer(conv=conv)
    old = t.G.body[0][0]
    t.G.body[0][0] = EqualizedConvTranspose2d(old.in_channels, old.out_channels, 5, 1, 2, bias=False)
    t.G.body[1][0] = EqualizedConvTranspose2d(
        old.out_channels, old.out_channels // 2, 5, 2, 2, output_padding=1, bias=False
    )
    t.opt_G = torch.optim.Adam(t.G.parameters())
    text = repr(t.G)
    t.fit()
    assert repr(t.G) == text and type(t.G.body[1][0]) is EqualizedConvTranspose2d
    assert "forward" not in t.G.body[1][0].__dict__ and algorithm_of(t.G.body[1][0]) == "torch"
    if conv != "dft":  # (too few channels for the DFT) torch's own layers still get the fast algorithm
        assert algorithm_of(t.G.body[2]) == "phase"
    x = torch.randn(2, old.out_channels, 7, 7)
    with torch.no_grad():
        assert torch.equal(t.G.body[1][0](x), EqualizedConvTranspose2d.forward(t.G.body[1][0], x))


def test_an_algorithm_that_disagrees_with_torch_is_refused_once(monkeypatch):
    """A wrong fast forward (planted) is faster by the clock but fails the output check: torch's stays."""
    from gancourse.speed import algorithms

    wrong = lambda self, x, output_size=None: nn.ConvTranspose2d.forward(self, x) * 1.01  # noqa: E731
    monkeypatch.setitem(algorithms.FORWARDS, ("phase", True), wrong)
    monkeypatch.setattr(autotune, "_TOLD", set())
    _fake_timings(monkeypatch, lambda layer, a, fmt: 1 if a == "phase" else 5, lambda plan: 1.0 if plan.layers else 5.0)
    G, _ = registry.build("dcgan", {"width": 8})
    with autotune.Recorder({"G": G}) as rec:
        G(torch.randn(4, 100))
    said = []
    plan = autotune.tune(rec, torch.device("cpu"), "fp32", say=said.append)["G"]
    assert "body.2" not in plan.layers and algorithm_of(G.body[2]) == "torch"  # the output layer: transposed, stride 2
    refusals = [s for s in said if "keeps torch's convolution" in s]
    assert (
        refusals
        == [
            "gancourse: G.body.2 keeps torch's convolution: the phase algorithm's output differs from "
            "torch's on this layer's input"
        ]
        or len(refusals) == 2
    )  # body.1.0 is also transposed, stride 2
    monkeypatch.setattr(autotune, "_MEMORY", {})
    autotune.tune(rec, torch.device("cpu"), "bf16", say=said.append)
    assert [s for s in said if "keeps torch's" in s] == refusals  # said once per layer and algorithm


def test_print_of_lesson_02s_networks_after_training_shows_their_classes(monkeypatch):
    """Whatever autotuning chose, the student's G and D print as they were built."""
    monkeypatch.setattr(autotune, "TUNE_FROM_STEPS", 2)
    _fake_timings(
        monkeypatch,
        lambda layer, a, fmt: {"torch": 3, "phase": 1, "dft": 2}[a],
        lambda plan: 1.0 if plan.layers else 5.0,
    )
    t = _trainer()
    before = repr(t.G), repr(t.D)
    t.fit()
    assert any(plan["layers"] for plan in t.speed_plans.values())
    assert (repr(t.G), repr(t.D)) == before
