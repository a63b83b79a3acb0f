"""The loops the course's trainer is measured against: the seed material's, and the course's own before the
steps protocol.

The seed-style reference (``reference``):

* a torch ``Dataset`` whose ``__getitem__`` applies ``ToTensor()`` and ``Normalize`` per sample,
  read through a ``DataLoader``;
* G runs once; D runs on the detached fakes for its update, then a second time on the fakes
  for G's update;
* ``.item()`` on both losses after every step;
* torch's ``nn.Dropout`` where the course's networks use ``FastDropout`` (same distribution,
  cheaper mask), and BigGAN's blocks resampling and convolving one after the other
  (:class:`UnfoldedGBlock`, :class:`UnfoldedDBlock`) where the course folds the two into one
  convolution (``nets/resampling.py``); everything else about the networks is identical.

``TwoForwardSteps`` is the course's step before the one-forward contract (G runs twice per step).
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from quality import model_config
from torch.utils.data import DataLoader, Dataset

from gancourse import registry
from gancourse.losses import get_loss
from gancourse.nets.biggan import DBlock, GBlock
from gancourse.tensors import net_output
from gancourse.train import GANSteps


class SeedStyleDataset(Dataset):
    """Per-sample transforms, as in the seed material."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor):
        from torchvision import transforms

        self.images, self.labels = images[:, 0].numpy(), labels
        self.transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i):
        return self.transform(self.images[i]), self.labels[i]


def build(kind: str, data, device):
    torch.manual_seed(0)
    G, D = (net.to(device) for net in registry.build(kind, asdict(model_config(kind, data))))
    betas = (0.5, 0.999)
    return (
        G,
        D,
        torch.optim.Adam(G.parameters(), 2e-4, betas=betas),
        torch.optim.Adam(D.parameters(), 2e-4, betas=betas),
    )


class UnfoldedGBlock(GBlock):
    """BigGAN's up-block as drawn in the paper (and computed before issue 19): upsample, then convolve."""

    def forward(self, x, c):
        h = F.interpolate(F.relu(self.bn1(x, c)), scale_factor=2)  # (N, c_in, 2H, 2W)
        h = self.conv2(F.relu(self.bn2(self.conv1(h), c)))  # (N, c_out, 2H, 2W)
        return h + self.skip(F.interpolate(x, scale_factor=2))  # (N, c_out, 2H, 2W)


class UnfoldedDBlock(DBlock):
    """BigGAN's down-block as drawn in the paper (and computed before issue 19): convolve, then pool both paths."""

    def forward(self, x):
        h = x if self.first else F.relu(x)
        h, s = self.conv2(F.relu(self.conv1(h))), self.skip(x)  # (N, c_out, H, W) each
        return F.avg_pool2d(h, 2) + F.avg_pool2d(s, 2) if self.down else h + s


def unfolded(net: torch.nn.Module) -> torch.nn.Module:
    """``net`` with BigGAN's blocks computing as before issue 19 (same parameters, same function), in place."""
    swaps = {GBlock: UnfoldedGBlock, DBlock: UnfoldedDBlock}
    for m in net.modules():
        m.__class__ = swaps.get(type(m), type(m))
    return net


def _standard_layers(net: torch.nn.Module) -> torch.nn.Module:
    """The seed's layers: torch's own ``nn.Dropout`` in place of the course's faster-masked one."""
    from gancourse.nets.blocks import FastDropout

    for name, child in net.named_children():
        if isinstance(child, FastDropout):
            setattr(net, name, torch.nn.Dropout(child.p))
        else:
            _standard_layers(child)
    return net


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def plain_steps(kind: str) -> bool:
    """Whether ``kind`` trains with the plain GAN steps (a loss of D's outputs), which these loops reproduce;
    WGAN-GP's critic step with its penalty and the translation steps are not."""
    return registry.get(kind).make_steps is registry.gan_steps


@dataclass(frozen=True)
class Timing:
    """How long each column is timed: ``warmup`` steps, then at least ``steps`` steps and, by the warm-up's
    pace, at least ``seconds``, never more than one pass over the data (10 steps of a fast model last
    half a second, too short to rise above the noise of a shared machine)."""

    steps: int = 10
    seconds: float = 20.0
    warmup: int = 2

    def count(self, per_step_s: float, available: int) -> int:
        wanted = max(self.steps, math.ceil(self.seconds / per_step_s)) if per_step_s > 0 else self.steps
        return max(1, min(wanted, available))


def reference(kind: str, data, batch_size: int, timing: Timing = Timing(), device=torch.device("cpu")) -> float:
    G, D, opt_G, opt_D = build(kind, data, device)
    G, D = _standard_layers(unfolded(G)), _standard_layers(unfolded(D))
    how = registry.get(kind)
    loss, cond, penalty = get_loss(how.train.loss), how.conditional, how.g_penalty
    z_dim = G.cfg.z_dim
    loader = iter(
        DataLoader(SeedStyleDataset(data.images, data.labels), batch_size=batch_size, shuffle=True, drop_last=True)
    )

    def step() -> None:
        x, y = next(loader)
        x, y = x.to(device), y.to(device)
        args = (y,) if cond else ()
        fake = G(torch.randn(len(x), z_dim, device=device), *args)
        opt_D.zero_grad()
        loss_D = loss.d(D(x, *args), D(fake.detach(), *args))  # the detached D pass
        loss_D.backward()
        opt_D.step()
        opt_G.zero_grad()
        loss_G = loss.g(D(fake, *args))  # a second D pass on the fakes
        if penalty is not None:  # BigGAN's orthogonal regularisation: the same objective as the course's steps
            loss_G = loss_G + penalty(G)
        loss_G.backward()
        opt_G.step()
        loss_D.item(), loss_G.item()  # a host sync on every step

    pace = []
    for _ in range(timing.warmup):
        start = time.perf_counter()
        step()
        pace.append(time.perf_counter() - start)
    n = timing.count(min(pace), len(data.images) // batch_size - timing.warmup)
    sync(device)
    start = time.perf_counter()
    for _ in range(n):
        step()
    sync(device)
    return batch_size * n / (time.perf_counter() - start)


class TwoForwardSteps(GANSteps):
    """The step before the one-forward contract: G(z) without a graph for D's update, then G(z) again for G's."""

    @classmethod
    def like(cls, kind: registry.ModelKind, G: torch.nn.Module, train_config) -> TwoForwardSteps:
        """The two-forward step with ``kind``'s loss, labels and G penalty."""
        return cls(
            G.cfg.z_dim,
            get_loss(train_config.loss),
            n_classes=G.cfg.n_classes if kind.conditional else 0,
            g_penalty=kind.g_penalty,
        )

    def step(self, G, D, opt_G, opt_D, batch, update_g):
        real, y = batch
        extra = {} if y is None else {"y": y}
        z = torch.randn(len(real), self.z_dim, device=real.device)  # (N, z_dim)
        with torch.no_grad():
            fake = net_output(G, z, y)  # (N, C, H, W), for D only
        logs = self.d_step(D, opt_D, real, fake, self.loss.d, **extra)
        if update_g:
            logs = {
                **logs,
                **self.g_step(D, opt_G, net_output(G, z, y), self._g_loss(G), **extra),
            }  # the second forward
        return logs
