"""pix2pix on the one trainer (Isola et al., 2017). Introduced in lesson 08.

For paired images (a, b), G: A -> B and a conditional PatchGAN D(a, b):

    L_D = 0.5 · [BCE(D(a, b), 1) + BCE(D(a, G(a)), 0)]           (halved, as the paper does, to slow D)
    L_G = adv · BCE(D(a, G(a)), 1) + lam · E|G(a) - b|           (adv = 1, lam = 100 in the paper)

The L1 term ties G(a) to *this* a's target (low frequencies); the patch discriminator judges local
texture (high frequencies). ``adv = 0`` is the paper's "L1 only" ablation (D is then not trained), ``lam = 0``
its "cGAN only". ``g_loss`` is the injection point: lesson 08 passes the student's objective.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..losses import get_loss
from ..tensors import eval_mode, to_unit
from ..train.steps import frozen

Tensor = torch.Tensor


def pix2pix_g_loss(fake_logits: Tensor, fake: Tensor, target: Tensor, lam: float = 100.0, adv: float = 1.0) -> Tensor:
    """adv · BCE(D(a, G(a)), 1) + lam · E|G(a) - b|: fool the patch discriminator, stay close to the true pair."""
    fool = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))  # mean over every patch
    return adv * fool + lam * (fake - target).abs().mean()


class Pix2PixSteps:
    """The steps object (``gancourse.train.Steps``) for G: A -> B and D(a, b); batches ``((a, b), None)``."""

    def __init__(
        self,
        fixed: tuple[Tensor, Tensor],
        g_loss: Callable[..., Tensor] = pix2pix_g_loss,
        lam: float = 100.0,
        adv: float = 1.0,
    ):
        self.fixed, self.g_loss, self.lam, self.adv = fixed, g_loss, lam, adv
        self.bce = get_loss("bce")
        self.grid_nrow = len(fixed[0])

    def step(self, G: nn.Module, D: nn.Module, opt_G, opt_D, batch, update_g: bool) -> dict[str, Tensor]:
        (a, b), _ = batch  # (N, C_A, S, S), (N, C_B, S, S) in [-1, 1], b[i] the target of a[i]
        with torch.set_grad_enabled(update_g):
            fake = G(a)  # (N, C_B, S, S), one translation per step
        logs = self.d_update(D, opt_D, a, b, fake) if self.adv > 0 else {}
        if not update_g:
            return logs
        with frozen(D):
            opt_G.zero_grad(set_to_none=True)
            loss = self.g_loss(D(a, fake), fake, b, lam=self.lam, adv=self.adv)
            loss.backward()
            opt_G.step()
        return {**logs, "loss_G": loss.detach(), "L1": (fake.detach() - b).abs().mean()}

    def d_update(self, D: nn.Module, opt_D, a: Tensor, b: Tensor, fake: Tensor) -> dict[str, Tensor]:
        opt_D.zero_grad(set_to_none=True)
        real_logits, fake_logits = D(a, b), D(a, fake.detach())  # (N, 1, s, s) each: every patch judged
        loss = 0.5 * self.bce.d(real_logits, fake_logits)
        loss.backward()
        opt_D.step()
        return {
            "loss_D": loss.detach(),
            "D(a,b)": torch.sigmoid(real_logits.detach()).mean(),
            "D(a,G(a))": torch.sigmoid(fake_logits.detach()).mean(),
        }

    def fixed_inputs(self, n: int, generator: torch.Generator, device: torch.device) -> tuple[Tensor, Tensor]:
        return to_unit(self.fixed[0][:n]).to(device), to_unit(self.fixed[1][:n]).to(device)

    @torch.no_grad()
    def sample(self, G: nn.Module, fixed: tuple[Tensor, ...]) -> Tensor:
        """Rows a, G(a), b: (3n, C, S, S) for a grid with nrow = n."""
        a, b = fixed
        with eval_mode(G):
            rows = [a, G(a), b]
        c = max(t.shape[1] for t in rows)
        return torch.cat([t.expand(-1, c, -1, -1) for t in rows])

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass
