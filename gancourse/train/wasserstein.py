"""The critic's update for Wasserstein GANs (lesson 06): gradient penalty or weight clipping.

    L_critic = E[f(G(z))] - E[f(x)] + lambda E[(||grad f(x_hat)||_2 - 1)^2]      (Gulrajani et al. 2017)

The critic is updated n_critic = 5 times per generator update (``TrainConfig.d_steps``), each
time on a fresh real batch and fresh fakes. ``W`` in the logs is the critic's estimate of the
Wasserstein-1 distance, E[f(x)] - E[f(G(z))]: it falls as the samples improve. Weight clipping
(Arjovsky et al. 2017) is the original, cruder way to keep f Lipschitz: every weight into [-c, c]
after each update.
"""

from __future__ import annotations

import torch
from torch import nn

from ..losses import gradient_penalty, input_gradient_norms
from ..tensors import net_output

Tensor = torch.Tensor


def critic_step(
    D: nn.Module, opt_D, real: Tensor, fake: Tensor, critic_loss, penalty=gradient_penalty, y: Tensor | None = None
) -> dict:
    """One critic update: the Wasserstein loss on (real, detached fakes) plus ``penalty(D, real, fake)``."""
    opt_D.zero_grad(set_to_none=True)
    fake = fake.detach()  # (N, C, H, W): nothing flows back into G
    loss_w = critic_loss(net_output(D, real, y), net_output(D, fake, y))  # E f(G(z)) - E f(x)
    gp = penalty(D, real, fake) if y is None else penalty(D, real, fake, y=y)
    (loss_w + gp).backward()
    opt_D.step()
    return {"loss_D": (loss_w + gp).detach(), "W": -loss_w.detach(), "GP": gp.detach()}


def clip_weights(D: nn.Module, c: float = 0.01) -> None:
    """Every parameter of the critic into [-c, c] (the original WGAN's Lipschitz constraint)."""
    with torch.no_grad():
        for p in D.parameters():
            p.clamp_(-c, c)


def no_penalty(D: nn.Module, real: Tensor, fake: Tensor, y: Tensor | None = None) -> Tensor:
    return real.new_zeros(())


def critic_gradient_norm(D: nn.Module, real: Tensor, fake: Tensor) -> Tensor:
    """Mean ||grad_x f(x_hat)|| over interpolates: 1 for a critic the penalty has shaped, far from it under clipping."""
    return input_gradient_norms(D, real, fake, create_graph=False).mean().detach()
