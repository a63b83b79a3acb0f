"""StyleGAN's generator (Karras et al., 2019), small: 28x28 images in three resolutions. Lesson 09.

    z (N, z_dim) --mapping--> w (N, w_dim)            an MLP, 8 layers in the paper (4 here)
    ws = one w per style layer (two w's when styles are mixed), optionally truncated towards w_avg
    const (C, 7, 7) -> [noise, AdaIN(ws[0])] -> conv -> [noise, AdaIN(ws[1])]          7 x 7: coarse
                    -> up, conv -> [noise, AdaIN(ws[2])] -> conv -> [noise, AdaIN(ws[3])]   14 x 14: middle
                    -> up, conv -> [noise, AdaIN(ws[4])] -> conv -> [noise, AdaIN(ws[5])]   28 x 28: fine
                    -> 1x1 conv to the image, tanh

* **AdaIN**(x, w) = y_s(w) · (x - mu(x)) / sigma(x) + y_b(w), mean and deviation per sample and channel over
  the pixels; (y_s, y_b) is an affine map of w, its scale's bias starting at 1.
* **noise**: x + s_c · n, one fresh N(0, 1) map n (N, 1, H, W) per layer and call, scaled by a learned weight per
  channel s_c (zero at the start).
* **style mixing** (training, probability ``cfg.mixing``): the layers before a random crossover take w1, the rest w2.
* **truncation in W**: w_avg + psi · (w - w_avg), w_avg an exponential moving average of training w's.

Injection points (lesson 09 passes the student's): ``mapping``, ``adain``, ``noise`` (classes) and ``mix``,
``truncate`` (functions). The discriminator is lesson 02's DCGAN discriminator.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

Tensor = torch.Tensor


@dataclass
class StyleGANConfig:
    z_dim: int = 64
    w_dim: int = 64
    mapping_layers: int = 4  # 8 in the paper
    width: int = 64  # channels of every synthesis layer
    img_size: int = 28
    channels: int = 1
    mixing: float = 0.9  # share of training batches whose styles come from two latents (the paper's 90 %)
    w_avg_beta: float = 0.995  # w_avg <- beta · w_avg + (1 - beta) · mean(w) at every training forward
    n_classes: int = 0  # unconditional


N_STYLES = 6  # two style layers per resolution: 7, 14, 28 px


class MappingNetwork(nn.Module):
    """z (N, z_dim) -> w (N, w_dim): z scaled to unit mean square, then ``n_layers`` He-initialised Linear + LeakyReLU.

    With PyTorch's default initialisation each layer keeps about a sixth of the variance, so after four layers
    every z maps to nearly the same w and every sample gets the same style (StyleGAN's equalised learning rate
    starts from the same He scale)."""

    def __init__(self, z_dim: int, w_dim: int, n_layers: int):
        super().__init__()
        layers: list[nn.Module] = []
        for i in range(n_layers):
            layers += [nn.Linear(z_dim if i == 0 else w_dim, w_dim), nn.LeakyReLU(0.2)]
        self.net = nn.Sequential(*layers)
        for m in self.net:
            if isinstance(m, nn.Linear):  # He initialisation: w keeps the spread of z through every layer
                nn.init.kaiming_normal_(m.weight, a=0.2, nonlinearity="leaky_relu")
                nn.init.zeros_(m.bias)

    def forward(self, z: Tensor) -> Tensor:
        z = z * torch.rsqrt(z.square().mean(dim=1, keepdim=True) + 1e-8)  # (N, z_dim): pixel norm
        return self.net(z)  # (N, w_dim)


class AdaIN(nn.Module):
    """x (N, C, H, W), w (N, w_dim) -> y_s(w) · instance_norm(x) + y_b(w)."""

    def __init__(self, channels: int, w_dim: int):
        super().__init__()
        self.style = nn.Linear(w_dim, 2 * channels)  # w -> (y_s, y_b)
        with torch.no_grad():
            self.style.bias[:channels].fill_(1.0)  # a fresh layer is a plain instance norm
            self.style.bias[channels:].zero_()

    def forward(self, x: Tensor, w: Tensor) -> Tensor:
        scale, shift = self.style(w)[:, :, None, None].chunk(2, dim=1)  # (N, C, 1, 1) each
        return scale * F.instance_norm(x) + shift  # per sample and channel over H, W


class NoiseInjection(nn.Module):
    """x (N, C, H, W) + s_c · n with n (N, 1, H, W) ~ N(0, 1), one learned scale s_c per channel (zeros at first)."""

    def __init__(self, channels: int):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1, channels, 1, 1))

    def forward(self, x: Tensor, noise: Tensor | None = None) -> Tensor:
        if noise is None:
            noise = torch.randn(x.shape[0], 1, *x.shape[2:], device=x.device, dtype=x.dtype)  # (N, 1, H, W)
        return x + self.weight * noise


def mix_styles(w1: Tensor, w2: Tensor, crossover: int, n_styles: int = N_STYLES) -> Tensor:
    """(N, n_styles, w_dim): w1 for the style layers before ``crossover``, w2 from it on."""
    take_first = (torch.arange(n_styles, device=w1.device) < crossover)[None, :, None]  # (1, L, 1)
    return torch.where(take_first, w1[:, None], w2[:, None])


def truncate_w(w: Tensor, w_avg: Tensor, psi: float) -> Tensor:
    """w_avg + psi · (w - w_avg): psi = 1 changes nothing, psi = 0 gives the average image."""
    return w_avg + psi * (w - w_avg)


class StyleLayer(nn.Module):
    """[up, conv3x3, LeakyReLU] (not for the constant), then noise and AdaIN: (N, C, s, s) -> (N, C, s', s')."""

    def __init__(self, cfg: StyleGANConfig, adain: type, noise: type, conv: bool = True, up: bool = False):
        super().__init__()
        c = cfg.width
        self.up = up
        self.conv = nn.Conv2d(c, c, 3, padding=1) if conv else None
        self.noise, self.adain = noise(c), adain(c, cfg.w_dim)

    def forward(self, x: Tensor, w: Tensor, noise: Tensor | None = None) -> Tensor:
        if self.up:
            x = F.interpolate(x, scale_factor=2, mode="nearest")  # (N, C, 2s, 2s)
        if self.conv is not None:
            x = self.conv(x)  # (N, C, s, s)
        x = F.leaky_relu(self.noise(x, noise), 0.2)  # (N, C, s, s)
        return self.adain(x, w)


class StyleGenerator(nn.Module):
    """z (N, z_dim) -> images (N, channels, 28, 28) in [-1, 1]; see the module's docstring."""

    def __init__(
        self,
        cfg: StyleGANConfig = StyleGANConfig(),
        mapping=MappingNetwork,
        adain=AdaIN,
        noise=NoiseInjection,
        mix=mix_styles,
        truncate=truncate_w,
    ):
        super().__init__()
        if cfg.img_size != 28:
            raise ValueError(f"the course's StyleGAN generator makes 28x28 images, not {cfg.img_size}x{cfg.img_size}")
        self.cfg, self.z_dim, self.mix, self.truncate = cfg, cfg.z_dim, mix, truncate
        self.mapping = mapping(cfg.z_dim, cfg.w_dim, cfg.mapping_layers)
        self.const = nn.Parameter(torch.ones(1, cfg.width, 7, 7))  # (1, C, 7, 7): the learned constant input
        where = [(False, False), (True, False), (True, True), (True, False), (True, True), (True, False)]
        self.layers = nn.ModuleList(StyleLayer(cfg, adain, noise, conv, up) for conv, up in where)
        self.to_image = nn.Conv2d(cfg.width, cfg.channels, 1)  # (N, channels, 28, 28)
        self.register_buffer("w_avg", torch.zeros(cfg.w_dim))

    def styles(self, z: Tensor, psi: float = 1.0) -> Tensor:
        """(N, N_STYLES, w_dim): one w per style layer; two latents mixed while training; truncated if psi < 1."""
        w = self.mapping(z)  # (N, w_dim)
        if self.training:
            with torch.no_grad():
                self.w_avg.lerp_(w.detach().mean(0), 1 - self.cfg.w_avg_beta)
            if torch.rand(()) < self.cfg.mixing:
                crossover = int(torch.randint(1, N_STYLES, ()))
                return self.mix(w, self.mapping(torch.randn_like(z)), crossover, N_STYLES)
        ws = w[:, None].expand(-1, N_STYLES, -1)  # (N, L, w_dim)
        return ws if psi == 1.0 else self.truncate(ws, self.w_avg, psi)

    def synthesis(self, ws: Tensor, noise: list[Tensor | None] | None = None) -> Tensor:
        """ws (N, N_STYLES, w_dim) -> images; ``noise``: one map per layer (None: fresh ones)."""
        x = self.const.expand(len(ws), -1, -1, -1)  # (N, C, 7, 7)
        for i, layer in enumerate(self.layers):
            x = layer(x, ws[:, i], None if noise is None else noise[i])  # 7, 7, 14, 14, 28, 28 px
        return torch.tanh(self.to_image(x))  # (N, channels, 28, 28)

    def forward(self, z: Tensor, psi: float = 1.0) -> Tensor:
        return self.synthesis(self.styles(z, psi))
