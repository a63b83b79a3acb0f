"""Measuring a translation model. Introduced in lesson 04.

For G_AB: A -> B and G_BA: B -> A, on held-out images of both domains:

* **target-domain rate**: the fraction of G_AB(a) that the Fashion-MNIST course classifier
  assigns to one of B's classes (e.g. how many edges -> bag outputs it calls "Bag");
* **cycle L1**: mean |G_BA(G_AB(a)) - a| (and B -> A -> B), in [-1, 1] pixel units;
* **paired L1**: when the domains are secretly paired (bag-edges <-> bags), the mean
  |G_AB(a_i) - b_i| against the hidden ground truth (0 would be a perfect translation);
* **domain FD**: the Fréchet distance between classifier features of G_AB(a) and of real b.

Every number has a baseline beside it: the untranslated input (identity: ``a`` itself judged
as B). It matters: the Fashion-MNIST classifier calls 85 % of raw bag *edge maps* "Bag",
and 94 % of uniform noise, so a high target rate alone proves little; the domain FD and the
L1 to the hidden pairs must also fall well below the identity's.
"""

from __future__ import annotations

import torch
from torch import nn

from ..data.domains import DomainPair
from ..evaluation.classifier import load_classifier
from ..evaluation.metrics import embed, frechet_distance
from ..tables import Markdown, markdown_table
from ..tensors import generate, to_uint8, to_unit

Tensor = torch.Tensor


@torch.no_grad()
def translate_images(G: nn.Module, images: Tensor, batch_size: int = 256) -> Tensor:
    """Run one generator over uint8 or [-1, 1] images ``(N, C, S, S)``; returns uint8 ``(N, C', S, S)``."""
    device = next(G.parameters()).device
    out = [
        to_uint8(generate(G, to_unit(images[i : i + batch_size].to(device))))  # (n, C', S, S) uint8
        for i in range(0, len(images), batch_size)
    ]
    return torch.cat(out)


def _l1(x: Tensor, y: Tensor) -> float:
    """Mean absolute difference of two uint8 batches, in [-1, 1] pixel units."""
    return ((x.float() - y.float()).abs().mean() / 127.5).item()


def domain_rate(probs: Tensor, classes: tuple[int, ...]) -> float:
    """Fraction of images whose most likely class is one of ``classes``."""
    return torch.isin(probs.argmax(1), torch.tensor(classes)).double().mean().item()


def evaluate_translation(G: nn.ModuleDict, pair: DomainPair, clf=None, n: int = 1000) -> dict:
    """The metrics above on the first ``n`` images of each domain of ``pair`` (use the test split)."""
    a, b = pair.a[:n], pair.b[:n]
    ab, ba = translate_images(G["AB"], a), translate_images(G["BA"], b)
    aba, bab = translate_images(G["BA"], ab), translate_images(G["AB"], ba)
    report: dict = {
        "domains": list(pair.names),
        "n": [len(a), len(b)],
        "cycle_l1_aba": _l1(aba, a),
        "cycle_l1_bab": _l1(bab, b),
    }
    if pair.paired:
        m = min(len(a), len(b))
        report["paired_l1_ab"] = _l1(ab[:m], b[:m])
        report["paired_l1_ba"] = _l1(ba[:m], a[:m])
        report["paired_l1_identity"] = _l1(a[:m], b[:m])  # baseline: the input itself against its pair
    gray28 = a.shape[1:] == (1, 28, 28) and b.shape[1:] == (1, 28, 28)
    if gray28:
        clf = clf or load_classifier("fashion-mnist")
        f_ab, p_ab = embed(clf, ab)
        f_ba, p_ba = embed(clf, ba)
        f_b, p_b = embed(clf, b)
        f_a, p_a = embed(clf, a)
        report["fd_ab"] = frechet_distance(f_b, f_ab)
        report["fd_ba"] = frechet_distance(f_a, f_ba)
        report["fd_identity"] = frechet_distance(f_b, f_a)  # baseline: how far A itself is from B
        cls_a, cls_b = pair.target_classes
        if cls_b is not None:
            report["target_rate_ab"] = domain_rate(p_ab, cls_b)
            report["target_rate_real_b"] = domain_rate(p_b, cls_b)  # the classifier's own ceiling
            report["target_rate_identity_ab"] = domain_rate(p_a, cls_b)  # baseline: untranslated A judged as B
        if cls_a is not None and pair.names[0] != "bag-edges":  # edge maps are not a Fashion-MNIST class
            report["target_rate_ba"] = domain_rate(p_ba, cls_a)
            report["target_rate_real_a"] = domain_rate(p_a, cls_a)
            report["target_rate_identity_ba"] = domain_rate(p_b, cls_a)
    return report


NAMES = [
    ("target_rate_ab", "A->B classified as B ↑", "{:.3f}"),
    ("target_rate_real_b", "real B classified as B", "{:.3f}"),
    ("target_rate_identity_ab", "untranslated A classified as B", "{:.3f}"),
    ("target_rate_ba", "B->A classified as A ↑", "{:.3f}"),
    ("target_rate_real_a", "real A classified as A", "{:.3f}"),
    ("target_rate_identity_ba", "untranslated B classified as A", "{:.3f}"),
    ("cycle_l1_aba", "cycle L1 A->B->A ↓", "{:.4f}"),
    ("cycle_l1_bab", "cycle L1 B->A->B ↓", "{:.4f}"),
    ("paired_l1_ab", "L1 to hidden pair, A->B ↓", "{:.4f}"),
    ("paired_l1_ba", "L1 to hidden pair, B->A ↓", "{:.4f}"),
    ("paired_l1_identity", "L1 of A itself to its pair", "{:.4f}"),
    ("fd_ab", "domain FD, A->B vs real B ↓", "{:.2f}"),
    ("fd_ba", "domain FD, B->A vs real A ↓", "{:.2f}"),
    ("fd_identity", "domain FD, A itself vs real B", "{:.2f}"),
]


def format_translation(reports: dict[str, dict]) -> Markdown:
    """A Markdown table with one column per model, e.g. ``{"discogan": r1, "cyclegan": r2}``."""
    models = list(reports)
    first = reports[models[0]]
    rows = [
        [name] + [fmt.format(r[key]) if key in r else "–" for r in reports.values()]
        for key, name, fmt in NAMES
        if any(key in r for r in reports.values())
    ]
    return markdown_table(
        ["metric", *models],
        rows,
        [False] + [True] * len(models),
        before=f"Domains A = {first['domains'][0]}, B = {first['domains'][1]}; "
        f"{first['n'][0]:,} / {first['n'][1]:,} test images.",
    )


def evaluate_one_way(G_ab: nn.Module, pair: DomainPair, clf=None, n: int = 1000, size: int = 28) -> dict:
    """A -> B only (pix2pix, or one direction of a CycleGAN) on a paired test split: the target rate, the domain
    FD and the L1 to the true pair, each beside the untranslated input's. Images are judged on their centre
    ``size`` px (pix2pix pads 28 px images to 32)."""
    from ..data.paired import crop_to

    a, b = pair.a[:n], pair.b[:n]
    ab, a, b = (crop_to(x, size) for x in (translate_images(G_ab, a), a, b))
    clf = clf or load_classifier("fashion-mnist")
    (f_ab, p_ab), (f_b, p_b), (f_a, p_a) = embed(clf, ab), embed(clf, b), embed(clf, a)
    report = {
        "domains": list(pair.names),
        "n": [len(a), len(b)],
        "paired_l1_ab": _l1(ab, b),
        "paired_l1_identity": _l1(a, b),
    }
    report |= {"fd_ab": frechet_distance(f_b, f_ab), "fd_identity": frechet_distance(f_b, f_a)}
    cls_b = pair.target_classes[1]
    if cls_b is not None:
        report |= {
            "target_rate_ab": domain_rate(p_ab, cls_b),
            "target_rate_real_b": domain_rate(p_b, cls_b),
            "target_rate_identity_ab": domain_rate(p_a, cls_b),
        }
    return report
