"""The critic's update of lesson 06: the reference step, weight clipping and the gradient-norm probe."""

import pytest
import torch
from torch import nn

from gancourse import losses
from gancourse.train import clip_weights, critic_gradient_norm, critic_step, no_penalty


class _Linear(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(w))

    def forward(self, x):
        return x.flatten(1) @ self.w  # (N,)


def test_critic_step_logs_the_distance_and_moves_only_the_critic():
    torch.manual_seed(0)
    D = _Linear([3.0, 4.0])  # |w| = 5: penalty 10 (5 - 1)^2 = 160 wherever it is taken
    G = nn.Linear(2, 2)
    real, fake = torch.ones(4, 2), G(torch.zeros(4, 2))
    logs = critic_step(D, torch.optim.SGD(D.parameters(), lr=0.0), real, fake, losses.d_loss_wasserstein)
    w_est = float((real @ torch.tensor([3.0, 4.0])).mean() - (fake.detach() @ torch.tensor([3.0, 4.0])).mean())
    assert abs(float(logs["W"]) - w_est) < 1e-5 and abs(float(logs["GP"]) - 160.0) < 1e-3
    assert abs(float(logs["loss_D"]) - (160.0 - w_est)) < 1e-3
    assert all(p.grad is None for p in G.parameters())  # the fakes were detached
    no_gp = critic_step(D, torch.optim.SGD(D.parameters(), lr=0.0), real, fake, losses.d_loss_wasserstein, no_penalty)
    assert float(no_gp["GP"]) == 0.0


def test_weight_clipping_and_the_gradient_norm_probe():
    D = _Linear([3.0, -0.001])
    assert abs(float(critic_gradient_norm(D, torch.randn(5, 2), torch.randn(5, 2))) - (9 + 1e-6) ** 0.5) < 1e-4
    clip_weights(D, 0.01)
    assert D.w.tolist() == pytest.approx([0.01, -0.001])
    assert abs(float(critic_gradient_norm(D, torch.randn(5, 2), torch.randn(5, 2))) - (1e-4 + 1e-6) ** 0.5) < 1e-6
