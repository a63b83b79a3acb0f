"""Checks for lesson 01: the MLP GAN, its losses and its two training steps.

Each ``check_*`` either prints one success line or raises ``AssertionError`` whose
message ends in a hint a student can act on. Student code that still raises
``NotImplementedError`` (an unfilled exercise) gets its own clear message, and no
check lets a deep torch traceback reach the student.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

from .. import losses
from ..nets.mlp import MLPConfig, MLPDiscriminator, MLPGenerator
from ..train.steps import d_step as ref_d_step
from ..train.steps import g_step as ref_g_step
from ._common import OK, _build, _close, _fail, _logit_range, _output_range, _run, _shaped

# ------------------------------------------------------------------ networks


def check_generator(Generator, z_dim: int = 100) -> None:
    """G maps (N, z_dim) noise to (N, 1, 28, 28) images in [-1, 1], with BatchNorm and a tanh output."""
    torch.manual_seed(0)
    G = _build(Generator, "Generator")
    z_dim = getattr(G, "z_dim", z_dim)
    z = torch.randn(16, z_dim)
    out = _shaped(G, "Generator", z, (16, 1, 28, 28),
                  "the last layer gives 784 numbers per image: reshape them to one 1x28x28 image each.")
    if not any(isinstance(m, nn.BatchNorm1d) for m in G.modules()):
        _fail("the Generator has no BatchNorm1d.\nHint: put nn.BatchNorm1d(h) after each hidden nn.Linear, before the ReLU.")
    _output_range(G, "Generator", z)
    out.mean().backward()
    frozen = [n for n, p in G.named_parameters() if p.requires_grad and p.grad is None]
    if frozen:
        _fail(f"no gradient reaches {frozen[0]}.\nHint: don't use torch.no_grad() or .detach() inside forward().")
    print(f"{OK} Generator: (N, {z_dim}) noise -> (N, 1, 28, 28) images in [-1, 1]. Well done!")


def check_discriminator(Discriminator) -> None:
    """D maps (N, 1, 28, 28) images to (N,) unbounded logits, with LeakyReLU."""
    torch.manual_seed(0)
    D = _build(Discriminator, "Discriminator")
    x = torch.rand(16, 1, 28, 28) * 2 - 1
    _shaped(D, "Discriminator", x, (16,), "one logit per image: drop the size-1 dimension of the last layer's output.")
    _logit_range(D, "Discriminator", x)
    if not any(isinstance(m, nn.LeakyReLU) for m in D.modules()):
        _fail("the Discriminator has no LeakyReLU.\n"
              "Hint: use nn.LeakyReLU(0.2) between layers, so G still gets a gradient where D's units are negative.")
    print(f"{OK} Discriminator: (N, 1, 28, 28) images -> (N,) logits. Well done!")


# ------------------------------------------------------------------ losses

_REAL = torch.tensor([2.0, -1.0, 0.5])
_FAKE = torch.tensor([-3.0, 0.0, 1.0])


def check_d_loss(d_loss) -> None:
    """d_loss(real_logits, fake_logits) = -mean log D(x) - mean log(1 - D(G(z)))."""
    real, fake = _REAL.clone().requires_grad_(), _FAKE.clone()
    got = _run("d_loss", d_loss, real, fake)
    if not isinstance(got, torch.Tensor) or got.ndim != 0:
        _fail("d_loss should return one number as a 0-d tensor.\nHint: average with .mean() (BCE does by default).")
    want = losses.d_loss_bce(_REAL, _FAKE)
    if not _close(got, want):
        if _close(got, F.softplus(_REAL).mean() + F.softplus(-_FAKE).mean()):
            _fail("the labels are swapped.\nHint: real images have target 1 (torch.ones_like), fakes target 0.")
        if _close(got, want / 2):
            _fail("you averaged the two terms.\nHint: add the real and the fake BCE terms (do not divide by 2).")
        if _close(got, F.binary_cross_entropy_with_logits(torch.sigmoid(_REAL), torch.ones(3))
                  + F.binary_cross_entropy_with_logits(torch.sigmoid(_FAKE), torch.zeros(3))):
            _fail("a sigmoid is applied before BCE-with-logits.\nHint: pass the logits straight in.")
        _fail(f"d_loss gave {float(got):.4f} for our test logits, expected {float(want):.4f}.\n"
              "Hint: BCE-with-logits of the real logits against ones plus that of the fake logits against zeros.")
    if not got.requires_grad:
        _fail("d_loss's result has no gradient.\nHint: don't call .item(), .detach() or torch.no_grad() inside it.")
    print(f"{OK} d_loss matches -E[log D(x)] - E[log(1 - D(G(z)))] = {float(want):.4f} on the test logits.")


def check_g_loss(g_loss) -> None:
    """g_loss(fake_logits) = -mean log D(G(z)), the non-saturating generator loss."""
    got = _run("g_loss", g_loss, _FAKE.clone().requires_grad_())
    if not isinstance(got, torch.Tensor) or got.ndim != 0:
        _fail("g_loss should return one number as a 0-d tensor.\nHint: BCE averages over the batch by default.")
    want = losses.g_loss_nonsaturating(_FAKE)
    if not _close(got, want):
        if _close(got, F.softplus(_FAKE).mean()):
            _fail("the target label is wrong: this loss trains G to make D say 'fake'.\n"
                  "Hint: G wants D(G(z)) -> 1, so use torch.ones_like(fake_logits) as the target.")
        if _close(got, losses.g_loss_minimax(_FAKE)):
            _fail("this is the minimax loss log(1 - D(G(z))), which saturates when D wins.\n"
                  "Hint: minimise -log D(G(z)) instead: BCE against ones.")
        _fail(f"g_loss gave {float(got):.4f}, expected {float(want):.4f}.\n"
              "Hint: BCE-with-logits of the fake logits against ones.")
    print(f"{OK} g_loss is the non-saturating -E[log D(G(z))] = {float(want):.4f} on the test logits.")


# ------------------------------------------------------------------ steps


def _tiny_gan(seed: int = 0):
    torch.manual_seed(seed)
    cfg = MLPConfig(z_dim=8, g_hidden=(16,), d_hidden=(16,))
    G, D = MLPGenerator(cfg), MLPDiscriminator(cfg)
    real = torch.rand(8, 1, 28, 28) * 2 - 1
    z = torch.randn(8, cfg.z_dim)
    return G, D, real, z


def _params(m: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in m.parameters()]


def _same(a: list[torch.Tensor], b: list[torch.Tensor], tol: float = 1e-5) -> bool:
    return all(torch.allclose(x, y, atol=tol, rtol=1e-4) for x, y in zip(a, b, strict=True))


def _garbage_grads(m: nn.Module) -> None:
    """Stale gradients, as a previous step would leave them: a missing zero_grad adds them in."""
    for p in m.parameters():
        p.grad = torch.full_like(p, 3.0)


def check_d_step(d_step) -> None:
    """d_step zeroes D's gradients, detaches the fakes, and takes one step on D only."""
    G, D, real, z = _tiny_gan()
    G_ref, D_ref = copy.deepcopy(G), copy.deepcopy(D)
    ref = ref_d_step(D_ref, torch.optim.SGD(D_ref.parameters(), lr=0.1), real, G_ref(z), losses.d_loss_bce)
    _garbage_grads(D)
    opt = torch.optim.SGD(D.parameters(), lr=0.1)
    fake = G(z)  # (8, 1, 28, 28), still attached to G's graph, as the trainer passes it
    out = _run("d_step", d_step, D, opt, real, fake, losses.d_loss_bce)
    if not isinstance(out, dict) or "loss_D" not in out:
        _fail("d_step should return a dict with the key 'loss_D'.\nHint: return {'loss_D': loss.detach(), ...}.")
    if any(p.grad is not None and p.grad.abs().sum() > 0 for p in G.parameters()):
        _fail("D's loss sent gradients into G.\n"
              "Hint: detach the fakes, D(fake.detach()): the D step must not touch the generator, and G's graph "
              "must stay intact for the G step.")
    for key, what in (("D(x)", "real"), ("D(G(z))", "fake")):
        if key not in out:
            _fail(f"the returned dict has no {key!r} entry.\nHint: log the mean probability D gives the {what} batch.")
        if not _close(out[key], ref[key]):
            _fail(f"{key} is {float(out[key]):.4f}, expected {float(ref[key]):.4f}.\n"
                  f"Hint: {key} is a probability: the mean of sigmoid(logit) over the {what} batch, not of the logits.")
    if not _close(out["loss_D"], ref["loss_D"]):
        _fail(f"loss_D is {float(out['loss_D']):.4f}, expected {float(ref['loss_D']):.4f}.\n"
              "Hint: loss = d_loss(D(real), D(fake.detach())), computed before opt_D.step().")
    if not _same(_params(D), _params(D_ref)):
        _fail("D's update differs from one clean gradient step.\n"
              "Hint: call opt_D.zero_grad() first (old gradients pile up otherwise), then loss.backward(), "
              "then opt_D.step().")
    print(f"{OK} d_step: zero_grad, detached fakes, one update of D only. Well done!")


def check_g_step(g_step) -> None:
    """g_step zeroes G's gradients and takes one non-saturating step on G through D."""
    G, D, _, z = _tiny_gan(1)
    G_ref, D_ref = copy.deepcopy(G), copy.deepcopy(D)
    with torch.no_grad():  # what a G loss with the wrong target (zeros) would report
        wrong_target = F.softplus(copy.deepcopy(D)(copy.deepcopy(G)(z))).mean()
    ref = ref_g_step(D_ref, torch.optim.SGD(G_ref.parameters(), lr=0.1), G_ref(z), losses.g_loss_nonsaturating)
    d_before = _params(D)
    g_before = _params(G)
    _garbage_grads(G)
    opt = torch.optim.SGD(G.parameters(), lr=0.1)
    out = _run("g_step", g_step, D, opt, G(z), losses.g_loss_nonsaturating)
    if not isinstance(out, dict) or "loss_G" not in out:
        _fail("g_step should return a dict with the key 'loss_G'.\nHint: return {'loss_G': loss.detach()}.")
    if not _same(d_before, _params(D)):
        _fail("g_step changed D's weights.\nHint: only opt_G steps in the generator step.")
    if _same(g_before, _params(G)):
        _fail("g_step did not change G.\nHint: call loss.backward() and then opt_G.step(); do not detach the fakes here.")
    if not _close(out["loss_G"], ref["loss_G"]):
        msg = (f"loss_G is {float(out['loss_G']):.4f}, expected {float(ref['loss_G']):.4f}.\n"
               "Hint: loss = g_loss(D(fake)) with the g_loss argument (targets are ones: G wants D to say 'real').")
        if _close(out["loss_G"], wrong_target, tol=1e-3):
            msg = "loss_G uses the wrong target label.\nHint: G wants D(G(z)) -> 1: compare with ones, not zeros."
        _fail(msg)
    if not _same(_params(G), _params(G_ref)):
        _fail("G's update differs from one clean gradient step.\n"
              "Hint: call opt_G.zero_grad() first (old gradients pile up otherwise), then loss.backward(), "
              "then opt_G.step().")
    print(f"{OK} g_step: one non-saturating update of G through D. Well done!")
