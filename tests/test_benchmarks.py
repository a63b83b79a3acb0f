"""The throughput benchmark's pieces: the old two-forward step it compares against, and the TensorFlow yardstick."""

import importlib.util
import sys

import pytest
import torch

from gancourse import losses
from gancourse.nets import MLPConfig, MLPDiscriminator, MLPGenerator
from gancourse.train import GANSteps
from tests.notebook_code import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from throughput import TwoForwardSteps, tensorflow_tutorial  # noqa: E402

CFG = MLPConfig(z_dim=8, img_shape=(1, 4, 4), g_hidden=(16,), d_hidden=(16,))


def one_step(steps_cls):
    torch.manual_seed(0)
    G, D = MLPGenerator(CFG), MLPDiscriminator(CFG)
    calls = []
    G.register_forward_hook(lambda *_: calls.append(1))
    opt_G, opt_D = (torch.optim.Adam(n.parameters(), 1e-3) for n in (G, D))
    real = torch.rand(16, 1, 4, 4) * 2 - 1
    torch.manual_seed(1)
    steps_cls(CFG.z_dim, losses.get_loss("bce")).step(G, D, opt_G, opt_D, (real, None), update_g=True)
    return [p.detach().clone() for p in [*G.parameters(), *D.parameters()]], len(calls)


def test_two_forward_step_is_the_same_update_with_one_more_generator_call():
    one, n_one = one_step(GANSteps)
    two, n_two = one_step(TwoForwardSteps)
    assert (n_one, n_two) == (1, 2)
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(one, two, strict=True))


@pytest.mark.skipif(importlib.util.find_spec("tensorflow") is not None, reason="this Python has TensorFlow")
def test_without_tensorflow_the_yardstick_is_skipped_with_a_reason(capsys):
    assert tensorflow_tutorial(sys.executable, batch_size=8, steps=1, threads=1) is None
    assert "TensorFlow tutorial not measured" in capsys.readouterr().err
