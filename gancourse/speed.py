"""Speed options of the trainer: the simultaneous update, and checks for precision and layout.

Off by default; the lessons teach the alternating algorithm. ``benchmarks/throughput.py``
measures what each option is worth.
"""

from __future__ import annotations

import torch
from torch import nn

from .config import GancourseError

Tensor = torch.Tensor


def _call(net: nn.Module, x: Tensor, y: Tensor | None) -> Tensor:
    """net(x), or net(x, y) for conditional networks; shared with train.d_step/g_step."""
    return net(x) if y is None else net(x, y)


def simultaneous_step(G: nn.Module, D: nn.Module, opt_G, opt_D, real: Tensor, z: Tensor, loss,
                      y: Tensor | None = None) -> dict:
    """Both updates from one G(z) forward: the TensorFlow DCGAN tutorial's training step.

    This is a different algorithm from the alternating one: G's gradient is taken against D
    *before* D's update (both gradients at the same point), so it saves a G forward and a D
    forward per step. Each network still receives only its own loss's gradient:
    dL_D/dtheta_D and dL_G/dtheta_G, via ``torch.autograd.grad``.
    """
    fake = _call(G, z, y)  # (N, C, H, W), one forward for both updates
    real_logits, fake_logits = _call(D, real, y), _call(D, fake, y)  # (N,), (N,)
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


def check_speed_options(cfg, device: torch.device) -> None:
    """Refuse combinations that cannot work, with what to do instead."""
    if cfg.update not in ("alternating", "simultaneous"):
        raise GancourseError(f"update must be 'alternating' or 'simultaneous', got {cfg.update!r}.")
    if cfg.update == "simultaneous" and cfg.d_steps != 1:
        raise GancourseError("the simultaneous update makes one D step per G step: set d_steps=1 or use 'alternating'.")
    if cfg.precision not in ("fp32", "bf16"):
        raise GancourseError(f"precision must be 'fp32' or 'bf16', got {cfg.precision!r}.")
    if cfg.precision == "bf16" and device.type == "cpu" and not _cpu_has_bf16():
        raise GancourseError("this CPU has no native bf16 (avx512_bf16/amx): bf16 would be slower; use --precision fp32.")


def _cpu_has_bf16() -> bool:
    try:
        flags = open("/proc/cpuinfo").read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags
