"""The steps protocol, and the GAN steps of lessons 01-03 and 05. Introduced in lesson 01.

The trainer knows no model. It hands each batch to one *steps* object (:class:`Steps`):

    logs = steps.step(G, D, opt_G, opt_D, batch, update_g)   one training step; 0-d tensors to log
    fixed = steps.fixed_inputs(n, generator, device)         G's inputs for the grids, drawn once
    images = steps.sample(G, fixed)                          a grid's images (eval mode, no graph)
    steps.grid_nrow, steps.state_dict(), steps.load_state_dict(state)

One alternating step computes the fakes once and lets both updates use them, as pytorch/examples'
DCGAN does:

    fake = G(z)                                    one generator forward
    D update on (real, fake.detach())              detach: D's loss sends nothing into G
    G update through D(fake)                       with the freshly updated D

which is the same algorithm as running G(z) again for the G update (G has not changed in
between), one forward cheaper. The simultaneous update (``simultaneous=True``) is a
different algorithm: both gradients are taken before either network moves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch
from torch import nn

from ..config import GancourseError
from ..losses import GANLoss, get_loss
from ..tensors import generate, net_output
from .distributed import unwrap_ddp

Tensor = torch.Tensor


class Steps(Protocol):
    """What a model kind does in one training step; the trainer needs nothing else."""

    grid_nrow: int | None  # columns of the sample grids (None: square)

    def step(self, G: nn.Module, D: nn.Module, opt_G, opt_D, batch, update_g: bool) -> dict[str, Tensor]: ...
    def fixed_inputs(self, n: int, generator: torch.Generator, device: torch.device) -> tuple[Tensor, ...]: ...
    def sample(self, G: nn.Module, fixed: tuple[Tensor, ...]) -> Tensor: ...
    def state_dict(self) -> dict[str, Any]: ...
    def load_state_dict(self, state: dict[str, Any]) -> None: ...


def d_step(D: nn.Module, opt_D, real: Tensor, fake: Tensor, d_loss, y: Tensor | None = None) -> dict:
    """One discriminator update on a real batch and G's fakes.

    ``fake.detach()`` cuts the graph at the fake images: D's loss must not send gradients into
    G, and G's graph must survive for the generator update that follows.
    """
    opt_D.zero_grad(set_to_none=True)
    real_logits = net_output(D, real, y)  # (N,)
    fake_logits = net_output(D, fake.detach(), y)  # (N,), no path back into G
    loss = d_loss(real_logits, fake_logits)
    loss.backward()
    opt_D.step()
    return {
        "loss_D": loss.detach(),
        "D(x)": torch.sigmoid(real_logits.detach()).mean(),
        "D(G(z))": torch.sigmoid(fake_logits.detach()).mean(),
    }


def g_step(D: nn.Module, opt_G, fake: Tensor, g_loss, y: Tensor | None = None) -> dict:
    """One generator update: gradients flow through D into G, but only G's optimizer steps."""
    opt_G.zero_grad(set_to_none=True)
    loss = g_loss(net_output(D, fake, y))  # D(G(z)): (N,) logits, graph through D and G
    loss.backward()
    opt_G.step()
    return {"loss_G": loss.detach()}


@contextmanager
def frozen(*nets: nn.Module) -> Iterator[None]:
    """The networks' parameters need no gradient inside: G's update through D.

    G's gradient is the same; what is skipped is D's weight gradients, which G's optimizer never
    reads and D's next update clears (PyTorch computes a gradient for every parameter that requires
    one, so without this the G step pays for a backward through D's weights too). A DDP-wrapped
    network is left as it is: its reducer waits for every parameter's gradient.
    """
    params = [p for net in nets if unwrap_ddp(net) is net for p in net.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)


def simultaneous_step(
    G: nn.Module, D: nn.Module, opt_G, opt_D, real: Tensor, z: Tensor, loss: GANLoss, y: Tensor | None = None
) -> dict:
    """Both updates from one G(z) forward and one D pass: the TensorFlow DCGAN tutorial's step.

    G's gradient is taken against D *before* D's update (both gradients at the same point), so
    it also saves the D forward on the fakes. Each network receives only its own loss's
    gradient: dL_D/dtheta_D and dL_G/dtheta_G, via ``torch.autograd.grad``.
    """
    fake = net_output(G, z, y)  # (N, C, H, W), one forward for both updates
    real_logits, fake_logits = net_output(D, real, y), net_output(D, fake, y)  # (N,), (N,)
    loss_d = loss.d(real_logits.float(), fake_logits.float())
    loss_g = loss.g(fake_logits.float())
    d_params, g_params = [p for p in D.parameters() if p.requires_grad], [p for p in G.parameters() if p.requires_grad]
    grads_d = torch.autograd.grad(loss_d, d_params, retain_graph=True)
    grads_g = torch.autograd.grad(loss_g, g_params)
    for p, g in zip(d_params, grads_d, strict=True):
        p.grad = g
    for p, g in zip(g_params, grads_g, strict=True):
        p.grad = g
    opt_D.step()
    opt_G.step()
    return {
        "loss_D": loss_d.detach(),
        "loss_G": loss_g.detach(),
        "D(x)": torch.sigmoid(real_logits.detach().float()).mean(),
        "D(G(z))": torch.sigmoid(fake_logits.detach().float()).mean(),
    }


@dataclass
class GANSteps:
    """Noise-to-image GAN steps: batches ``(x, y)``, G(z[, y]) and D(x[, y]) giving logits (N,).

    ``d_step`` / ``g_step`` are injection points: lesson 01 passes the student's own. With
    ``n_classes > 0`` the batch labels go to G and D and the grids cycle through the classes,
    one class per column. ``g_penalty(G)`` is added to G's loss (BigGAN's orthogonal
    regularisation).
    """

    z_dim: int
    loss: GANLoss = field(default_factory=lambda: get_loss("bce"))
    d_step: Callable[..., dict] = d_step
    g_step: Callable[..., dict] = g_step
    n_classes: int = 0
    g_penalty: Callable[[nn.Module], Tensor] | None = None
    simultaneous: bool = False
    augment: Callable[[Tensor], Tensor] | None = None  # DiffAugment: applied to real and fake before D sees them

    def __post_init__(self):
        if self.augment is not None and self.simultaneous:
            raise GancourseError(
                "augmentation runs with the alternating update only: drop --simultaneous or --augment."
            )

    @property
    def grid_nrow(self) -> int | None:
        return self.n_classes or None

    def step(self, G: nn.Module, D: nn.Module, opt_G, opt_D, batch, update_g: bool) -> dict[str, Tensor]:
        real, y = batch  # (N, C, H, W) in [-1, 1], labels (N,) or None
        extra = {} if y is None else {"y": y}
        z = torch.randn(len(real), self.z_dim, device=real.device)  # (N, z_dim)
        if self.simultaneous:
            return simultaneous_step(G, D, opt_G, opt_D, real, z, self.loss, **extra)
        with torch.set_grad_enabled(update_g):  # no G graph on the steps where G does not move
            fake = net_output(G, z, y)  # (N, C, H, W): the one generator forward of this step
        if self.augment is not None:  # T(x) and T(G(z)), differentiable: G's gradient passes through T
            real, fake = self.augment(real), self.augment(fake)
        logs = self.d_step(D, opt_D, real, fake, self.loss.d, **extra)
        if update_g:
            with frozen(D):  # G's gradient through D, without D's weight gradients
                logs = {**logs, **self.g_step(D, opt_G, fake, self._g_loss(G), **extra)}
        return logs

    def _g_loss(self, G: nn.Module) -> Callable[[Tensor], Tensor]:
        if self.g_penalty is None:
            return self.loss.g
        return lambda fake_logits: self.loss.g(fake_logits) + self.g_penalty(G)

    def fixed_inputs(self, n: int, generator: torch.Generator, device: torch.device) -> tuple[Tensor, ...]:
        z = torch.randn(n, self.z_dim, generator=generator).to(device)  # (n, z_dim)
        if not self.n_classes:
            return (z,)
        return z, torch.arange(n, device=device) % self.n_classes  # (n,): 0, 1, ..., n_classes - 1, 0, ...

    def sample(self, G: nn.Module, fixed: tuple[Tensor, ...]) -> Tensor:
        return generate(G, *fixed)

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass
