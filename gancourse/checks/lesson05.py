"""Checks for lesson 05: conditional BatchNorm, the projection output, the hinge loss and truncation."""

from __future__ import annotations

import math

import torch
from torch import nn

from ._common import OK, _close, _fail, _run


def check_conditional_bn(ConditionalBN) -> None:
    """ConditionalBN(C, cond_dim)(x, c) = BN(x) · (1 + gain(c)) + bias(c): BN without affine, gain and bias linear in c."""
    torch.manual_seed(0)
    cbn = _run("ConditionalBN(4, 6)", ConditionalBN, 4, 6)
    if not isinstance(cbn, nn.Module):
        _fail("ConditionalBN should be a class that subclasses nn.Module.\nHint: class ConditionalBN(nn.Module): ...")
    bns = [m for m in cbn.modules() if isinstance(m, nn.BatchNorm2d)]
    if len(bns) != 1 or bns[0].affine:
        _fail("ConditionalBN should hold one BatchNorm2d without its own scale and shift.\n"
              "Hint: the condition supplies scale and shift, so the BatchNorm must not learn a second pair.")
    x = torch.randn(6, 4, 3, 3)
    plain = nn.functional.batch_norm(x, None, None, training=True, eps=bns[0].eps)  # BN(x), no affine
    out0 = _run("ConditionalBN.forward", cbn, x, torch.zeros(6, 6))
    if not isinstance(out0, torch.Tensor) or out0.shape != x.shape:
        _fail(f"the output should keep the input's shape {tuple(x.shape)}.\nHint: the per-sample scale and shift are "
              "(N, C): give them two trailing size-1 dimensions to broadcast over H and W.")
    if not torch.allclose(out0, plain, atol=1e-4):
        if out0.abs().max() < 1e-6:
            _fail("with a zero condition the output is 0.\nHint: the scale must start at 1, not 0: use 1 + gain(c).")
        _fail("with a zero condition the layer should be plain BatchNorm.\n"
              "Hint: scale 1 + gain(c) and shift bias(c) must vanish at c = 0: linear layers without their own bias.")
    torch.manual_seed(1)
    c = torch.randn(6, 6)
    out = _run("ConditionalBN.forward", cbn, x, c)
    out2 = _run("ConditionalBN.forward", cbn, x, 2 * c)
    if torch.allclose(out, plain, atol=1e-4):
        _fail("the condition changes nothing.\nHint: compute a scale and a shift from c (one linear layer each).")
    if not torch.allclose(out2 - plain, 2 * (out - plain), atol=1e-3):
        _fail("scale and shift are not linear in the condition.\nHint: gain(c) and bias(c) are linear maps of c.")
    same = _run("ConditionalBN.forward", cbn, x, c[:1].expand(6, -1))  # one condition for the whole batch
    shift = (same - plain).mean(dim=(0, 2, 3))  # (C,): BN(x) has mean 0 per channel, so what is left is bias(c)
    if shift.abs().max() < 1e-5:
        _fail("the shift is missing.\nHint: add bias(c), the condition's shift, after scaling.")
    perm = torch.tensor([5, 4, 3, 2, 1, 0])
    swapped = _run("ConditionalBN.forward", cbn, x, c[perm])
    if torch.allclose(swapped, out, atol=1e-5):
        _fail("every sample got the same scale and shift.\nHint: sample i's scale and shift come from its own c_i.")
    out.sum().backward()
    if any(p.grad is None for p in cbn.parameters() if p.requires_grad):
        _fail("some of ConditionalBN's parameters get no gradient.\nHint: use every layer you create in forward().")
    print(f"{OK} conditional BatchNorm: BN(x) · (1 + gain(c)) + bias(c), each sample its own scale and shift.")


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
              "Hint: the inner product of two (N, F) tensors row by row is one number per row; psi(phi) is (N, 1).")
    if not torch.allclose(out, want, atol=1e-5):
        if torch.allclose(out, (embed(y) * phi).sum(1), atol=1e-5):
            _fail("the unconditional term is missing.\nHint: D(x, y) = psi(phi(x)) + e_y . phi(x): both terms.")
        if torch.allclose(out, psi(phi).squeeze(1), atol=1e-5):
            _fail("the class term is missing.\nHint: the label enters through the inner product of e_y with phi(x).")
        _fail("the logits differ from psi(phi) + <e_y, phi>.\nHint: e_y is the embedding row of each sample's own label.")
    print(f"{OK} projection discriminator: psi(phi(x)) + <e_y, phi(x)>.")


def check_hinge(d_hinge, g_hinge) -> None:
    """d_hinge = E[relu(1 - s_real)] + E[relu(1 + s_fake)], g_hinge = -E[s_fake]."""
    real, fake = torch.tensor([2.0, 0.5, -1.0]), torch.tensor([-2.0, 0.0, 0.5])
    d = _run("d_hinge", d_hinge, real, fake)
    if not _close(d, 5.0 / 3):
        hint = "Hint: each term is the mean of max(0, 1 -/+ logit): zero once a logit is beyond its margin."
        if _close(d, (torch.relu(1 + real).mean() + torch.relu(1 - fake).mean())):
            hint = "Hint: the signs are swapped: real logits should be pushed above +1, fake ones below -1."
        _fail(f"d_hinge gave {float(d):.4f} on our test logits, expected {5 / 3:.4f}.\n{hint}")
    g = _run("g_hinge", g_hinge, fake)
    if not _close(g, 0.5):
        hint = "Hint: G's hinge loss is minus D's mean score of the fakes."
        if _close(g, torch.relu(1 - fake).mean()):
            hint = "Hint: G's loss is not clipped: it keeps pushing D's score of the fakes up, without a margin."
        _fail(f"g_hinge gave {float(g):.4f}, expected 0.5000.\n{hint}")
    print(f"{OK} hinge losses: D only learns from samples inside the margin, G raises D's score of its fakes.")


def check_truncation(truncated_z) -> None:
    """truncated_z(n, dim, threshold) resamples entries with |z| > threshold until all are inside."""
    torch.manual_seed(0)
    z = _run("truncated_z", truncated_z, 20000, 4, 1.0)
    if not isinstance(z, torch.Tensor) or tuple(z.shape) != (20000, 4):
        _fail("truncated_z(20000, 4, 1.0) should return a (20000, 4) tensor.\nHint: start from standard normal noise of that shape.")
    if z.abs().max() > 1.0:
        _fail(f"some values lie outside [-1, 1] (max |z| = {z.abs().max():.2f}).\n"
              "Hint: keep redrawing the entries that are still outside until none is left.")
    if (z.abs() > 0.999).float().mean() > 0.01:
        _fail("values pile up at the threshold: they were clamped, not redrawn.\n"
              "Hint: clamping changes the distribution; out-of-range entries must be drawn again.")
    # the std of N(0, 1) truncated to [-1, 1] is sqrt(1 - 2·pdf(1) / (2·cdf(1) - 1)) ≈ 0.538
    pdf, cdf = math.exp(-0.5) / math.sqrt(2 * math.pi), 0.5 * (1 + math.erf(1 / math.sqrt(2)))
    want = math.sqrt(1 - 2 * pdf / (2 * cdf - 1))
    if abs(z.std().item() - want) > 0.02:
        _fail(f"the spread is {z.std():.3f}, a truncated normal has {want:.3f}.\n"
              "Hint: rescaling z is not the truncation trick; redraw the entries outside instead.")
    print(f"{OK} truncation: z is a truncated normal (std {z.std():.3f}, theory {want:.3f}).")
