"""Checks for lesson 05: conditional BatchNorm, the projection output, the hinge loss and truncation."""

from __future__ import annotations

import math

import torch
from torch import nn

from ._common import OK, _close, _fail, _run


def check_conditional_bn(ConditionalBN) -> None:
    """ConditionalBN(C, n_classes)(x, y) = BN(x) · gamma[y] + beta[y], gamma starting at 1 and beta at 0."""
    torch.manual_seed(0)
    cbn = _run("ConditionalBN(4, 10)", ConditionalBN, 4, 10)
    if not isinstance(cbn, nn.Module):
        _fail("ConditionalBN should be a class that subclasses nn.Module.")
    for name in ("bn", "gamma", "beta"):
        if not hasattr(cbn, name):
            _fail(f"ConditionalBN has no attribute '{name}'.\nHint: self.bn = nn.BatchNorm2d(C, affine=False), "
                  "self.gamma = nn.Embedding(n_classes, C), self.beta = nn.Embedding(n_classes, C).")
    if not isinstance(cbn.bn, nn.BatchNorm2d) or cbn.bn.affine:
        _fail("self.bn should be nn.BatchNorm2d(C, affine=False).\nHint: the class embeddings supply scale and shift.")
    if not (torch.allclose(cbn.gamma.weight, torch.ones(10, 4)) and torch.allclose(cbn.beta.weight, torch.zeros(10, 4))):
        _fail("gamma should start at 1 and beta at 0 for every class.\n"
              "Hint: nn.init.ones_(self.gamma.weight) and nn.init.zeros_(self.beta.weight), so training starts from plain BN.")
    with torch.no_grad():
        cbn.gamma.weight.copy_(torch.arange(1.0, 41.0).view(10, 4) / 10)
        cbn.beta.weight.copy_(-torch.arange(40.0).view(10, 4) / 20)
    x, y = torch.randn(6, 4, 3, 3), torch.tensor([0, 1, 2, 2, 7, 9])
    out = _run("ConditionalBN.forward", cbn, x, y)
    normed = nn.functional.batch_norm(x, None, None, training=True, eps=cbn.bn.eps)
    want = normed * cbn.gamma.weight[y][:, :, None, None] + cbn.beta.weight[y][:, :, None, None]
    if not isinstance(out, torch.Tensor) or out.shape != x.shape:
        _fail(f"the output should keep the input's shape {tuple(x.shape)}.\nHint: gamma(y) is (N, C): view it as (N, C, 1, 1).")
    if not torch.allclose(out, want, atol=1e-4):
        if torch.allclose(out, normed * cbn.gamma.weight[y][:, :, None, None], atol=1e-4):
            _fail("the shift is missing.\nHint: add self.beta(y) as well.")
        _fail("the output is not BN(x) · gamma[y] + beta[y] per sample.\n"
              "Hint: self.bn(x) * self.gamma(y)[:, :, None, None] + self.beta(y)[:, :, None, None].")
    print(f"{OK} conditional BatchNorm: each class gets its own scale and shift.")


def check_projection(projection_logits) -> None:
    """projection_logits(phi, y, psi, embed) = psi(phi) + <embed(y), phi>, shape (N,)."""
    torch.manual_seed(0)
    phi, y = torch.randn(5, 6), torch.tensor([0, 3, 3, 1, 2])
    psi, embed = nn.Linear(6, 1), nn.Embedding(4, 6)
    out = _run("projection_logits", projection_logits, phi, y, psi, embed)
    want = psi(phi).squeeze(1) + (embed(y) * phi).sum(1)
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (5,):
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        _fail(f"you returned {shape}, expected one logit per image: (5,).\n"
              "Hint: the inner product is (embed(y) * phi).sum(dim=1); psi(phi) is (N, 1): squeeze it.")
    if not torch.allclose(out, want, atol=1e-5):
        if torch.allclose(out, (embed(y) * phi).sum(1), atol=1e-5):
            _fail("the unconditional term is missing.\nHint: add psi(phi).squeeze(1).")
        if torch.allclose(out, psi(phi).squeeze(1), atol=1e-5):
            _fail("the class term is missing.\nHint: add (embed(y) * phi).sum(dim=1).")
        _fail("the logits differ from psi(phi) + <e_y, phi>.\nHint: psi(phi).squeeze(1) + (embed(y) * phi).sum(dim=1).")
    print(f"{OK} projection discriminator: psi(phi(x)) + <e_y, phi(x)>.")


def check_hinge(d_hinge, g_hinge) -> None:
    """d_hinge = E[relu(1 - s_real)] + E[relu(1 + s_fake)], g_hinge = -E[s_fake]."""
    real, fake = torch.tensor([2.0, 0.5, -1.0]), torch.tensor([-2.0, 0.0, 0.5])
    d = _run("d_hinge", d_hinge, real, fake)
    if not _close(d, 5.0 / 3):
        hint = "Hint: torch.relu(1 - real_logits).mean() + torch.relu(1 + fake_logits).mean()."
        if _close(d, (torch.relu(1 + real).mean() + torch.relu(1 - fake).mean())):
            hint = "Hint: the signs are swapped: real logits should be pushed above +1, fake ones below -1."
        _fail(f"d_hinge gave {float(d):.4f} on our test logits, expected {5 / 3:.4f}.\n{hint}")
    g = _run("g_hinge", g_hinge, fake)
    if not _close(g, 0.5):
        hint = "Hint: the generator's hinge loss is just -fake_logits.mean()."
        if _close(g, torch.relu(1 - fake).mean()):
            hint = "Hint: G's loss is not clipped: use -fake_logits.mean(), not a relu."
        _fail(f"g_hinge gave {float(g):.4f}, expected 0.5000.\n{hint}")
    print(f"{OK} hinge losses: D only learns from samples inside the margin, G raises D's score of its fakes.")


def check_truncation(truncated_z) -> None:
    """truncated_z(n, dim, threshold) resamples entries with |z| > threshold until all are inside."""
    torch.manual_seed(0)
    z = _run("truncated_z", truncated_z, 20000, 4, 1.0)
    if not isinstance(z, torch.Tensor) or tuple(z.shape) != (20000, 4):
        _fail("truncated_z(20000, 4, 1.0) should return a (20000, 4) tensor.\nHint: start from torch.randn(n, dim).")
    if z.abs().max() > 1.0:
        _fail(f"some values lie outside [-1, 1] (max |z| = {z.abs().max():.2f}).\n"
              "Hint: loop while (z.abs() > threshold).any(), redrawing just those entries.")
    if (z.abs() > 0.999).float().mean() > 0.01:
        _fail("values pile up at the threshold: they were clamped, not redrawn.\n"
              "Hint: torch.clamp changes the distribution; redraw out-of-range entries with torch.randn instead.")
    # the std of N(0, 1) truncated to [-1, 1] is sqrt(1 - 2·pdf(1) / (2·cdf(1) - 1)) ≈ 0.538
    pdf, cdf = math.exp(-0.5) / math.sqrt(2 * math.pi), 0.5 * (1 + math.erf(1 / math.sqrt(2)))
    want = math.sqrt(1 - 2 * pdf / (2 * cdf - 1))
    if abs(z.std().item() - want) > 0.02:
        _fail(f"the spread is {z.std():.3f}, a truncated normal has {want:.3f}.\n"
              "Hint: don't rescale z (z * threshold / z.abs().max() is not the truncation trick); redraw instead.")
    print(f"{OK} truncation: z is a truncated normal (std {z.std():.3f}, theory {want:.3f}).")
