import math

import pytest
import torch

from gancourse import losses
from gancourse.config import GancourseError


def softplus(x: float) -> float:
    return math.log1p(math.exp(x))


def t(*v):
    return torch.tensor(v, dtype=torch.float64)


def test_bce_at_zero_logits_is_log2():
    # D(x) = D(G(z)) = 1/2: L_D = 2 log 2, L_G = log 2 (the equilibrium values quoted in lesson 01)
    assert losses.d_loss_bce(t(0.0), t(0.0)).item() == pytest.approx(2 * math.log(2))
    assert losses.g_loss_nonsaturating(t(0.0)).item() == pytest.approx(math.log(2))
    assert losses.g_loss_minimax(t(0.0)).item() == pytest.approx(-math.log(2))


def test_bce_by_hand():
    real, fake = t(2.0, -1.0), t(-3.0, 1.0)
    # -log sigmoid(s) = softplus(-s); -log(1 - sigmoid(s)) = softplus(s)
    want_d = (softplus(-2) + softplus(1)) / 2 + (softplus(-3) + softplus(1)) / 2
    assert losses.d_loss_bce(real, fake).item() == pytest.approx(want_d, rel=1e-12)
    assert losses.g_loss_nonsaturating(fake).item() == pytest.approx((softplus(3) + softplus(-1)) / 2, rel=1e-12)
    assert losses.g_loss_minimax(fake).item() == pytest.approx(-(softplus(-3) + softplus(1)) / 2, rel=1e-12)


def test_bce_matches_value_function_in_probabilities():
    real, fake = t(0.3, 1.7, -0.2), t(-0.5, 0.9, -2.0)
    dx, dgz = torch.sigmoid(real), torch.sigmoid(fake)
    v = torch.log(dx).mean() + torch.log(1 - dgz).mean()  # V(D, G)
    assert losses.d_loss_bce(real, fake).item() == pytest.approx(-v.item(), rel=1e-10)
    assert losses.g_loss_minimax(fake).item() == pytest.approx(torch.log(1 - dgz).mean().item(), rel=1e-10)
    assert losses.g_loss_nonsaturating(fake).item() == pytest.approx(-torch.log(dgz).mean().item(), rel=1e-10)


def test_bce_stays_finite_for_extreme_logits():
    assert torch.isfinite(losses.d_loss_bce(t(200.0), t(-200.0)))
    assert losses.g_loss_nonsaturating(t(-200.0)).item() == pytest.approx(200.0)


def test_nonsaturating_gradient_is_strong_where_minimax_saturates():
    s = t(-6.0).requires_grad_()
    (g_ns,) = torch.autograd.grad(losses.g_loss_nonsaturating(s), s)
    (g_mm,) = torch.autograd.grad(losses.g_loss_minimax(s), s)
    # d/ds softplus(-s) = -(1 - sigmoid(s)); d/ds -softplus(s) = -sigmoid(s)
    assert g_ns.item() == pytest.approx(-(1 - 1 / (1 + math.exp(6))))
    assert g_mm.item() == pytest.approx(-1 / (1 + math.exp(6)))
    assert abs(g_ns.item()) > 100 * abs(g_mm.item())


def test_hinge_by_hand():
    real, fake = t(0.5, 2.0), t(-2.0, 0.5)
    # relu(1 - 0.5)=0.5, relu(1 - 2)=0 -> 0.25; relu(1 - 2)=0, relu(1 + 0.5)=1.5 -> 0.75
    assert losses.d_loss_hinge(real, fake).item() == pytest.approx(1.0)
    assert losses.g_loss_hinge(fake).item() == pytest.approx(0.75)


def test_lsgan_by_hand():
    real, fake = t(1.0, 0.0), t(0.5, -1.0)
    # ((0)^2 + (-1)^2)/2 = 0.5 ; (0.25 + 1)/2 = 0.625
    assert losses.d_loss_lsgan(real, fake).item() == pytest.approx(1.125)
    # ((-0.5)^2 + (-2)^2)/2 = 2.125
    assert losses.g_loss_lsgan(fake).item() == pytest.approx(2.125)


def test_cycle_and_reconstruction_by_hand():
    x, x_rec = t(0.0, 1.0, -1.0), t(0.5, 1.0, 0.0)
    assert losses.cycle_loss(x, x_rec).item() == pytest.approx(10 * 0.5)  # mean |.| = 1.5/3
    assert losses.cycle_loss(x, x_rec, weight=1.0).item() == pytest.approx(0.5)
    assert losses.reconstruction_loss_l2(x, x_rec).item() == pytest.approx((0.25 + 0 + 1) / 3)


def test_registry():
    assert losses.get_loss("bce") == (losses.d_loss_bce, losses.g_loss_nonsaturating)
    assert losses.get_loss("minimax").g is losses.g_loss_minimax
    with pytest.raises(GancourseError, match="choose one of"):
        losses.get_loss("wasserstein")
