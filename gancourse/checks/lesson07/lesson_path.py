"""Hidden check for lesson 07: the student's three metrics on the lesson's own path.

The lesson scores the shipped generators (:mod:`gancourse.pretrained`) on the course classifier's float64
features (``embed``): ``frechet_distance`` on the raw features, ``mmd2_unbiased`` through the library's
``kid(..., mmd2=...)`` subsets, ``precision_recall`` on the features scaled to unit length (``on_sphere``).
Pieces that pass their own probes but fail on 128-d float64 features (a dtype, a device, a shape that only
the small cases had) fail here with the error line, as the lesson's cells would.
"""

from __future__ import annotations

import torch

from ...evaluation.metrics import embed, frechet_distance, kid, mmd2_unbiased, on_sphere, precision_recall
from ..common import OK, fail
from ..protocol import check
from ..training import run_path

N, KID_SUBSET, KID_SUBSETS = 300, 100, 5


def lesson_features(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Classifier features (N, 128) of samples from the final and the early shipped cGAN, float64."""
    from ...evaluation import load_classifier
    from ...pretrained import load_pretrained
    from ...tensors import generate, to_uint8

    clf = load_classifier("fashion-mnist", train_if_missing=False)  # the bundled weights
    g = torch.Generator().manual_seed(int(seed))
    feats = []
    for name in ("cgan-fashion-mnist", "cgan-fashion-mnist-early"):
        G = load_pretrained(name)
        z, y = torch.randn(N, G.cfg.z_dim, generator=g), torch.arange(N) % G.cfg.n_classes  # (N, z_dim), (N,)
        feats.append(embed(clf, to_uint8(generate(G, z, y)))[0])  # (N, 128)
    return feats[0], feats[1]


def _measure(seed: int, fd, mmd2, pr) -> dict:
    final, early = lesson_features(seed)
    kept = final.clone(), early.clone()
    out = {
        "fd": float(fd(final, early)),
        "kid": kid(final, early, subset_size=KID_SUBSET, n_subsets=KID_SUBSETS, seed=seed, mmd2=mmd2)[0],
        "pr": [float(v) for v in pr(on_sphere(final), on_sphere(early), k=3)],
    }
    return {**out, "mutated": not (torch.equal(kept[0], final) and torch.equal(kept[1], early))}


def _probe(seed: int, frechet_distance, mmd2_unbiased, precision_recall) -> dict:
    return run_path(lambda: _measure(seed, frechet_distance, mmd2_unbiased, precision_recall))


@check(_probe)
def hidden_lesson07_measures(r: dict, seed: int) -> str:
    if r.get("error"):
        fail(
            f"with your pieces, the lesson's measuring cells stopped: {r['error']}\n"
            "Hint: the lesson passes float64 classifier features of shape (N, 128); your functions must take "
            "them as they are and return plain numbers."
        )
    if r.get("mutated"):
        fail(
            "your metrics changed the lesson's feature sets in place: every later number would be measured "
            "against a spoiled reference set.\nHint: build new tensors instead of writing into the ones you were given."
        )
    want = _measure(seed, frechet_distance, mmd2_unbiased, precision_recall)
    for key, name in (("fd", "Fréchet distance"), ("kid", "KID")):
        if abs(r[key] - want[key]) > 1e-4 * max(1.0, abs(want[key])):
            fail(
                f"on the shipped generators' 128-d features your {name} is {r[key]:.5g}, expected {want[key]:.5g}.\n"
                "Hint: the small cases of the check passed, so look at what only many features change: the "
                "dtype (float64 in, no float32 round trip) and the feature dimension d."
            )
    if any(abs(a - b) > 1e-9 for a, b in zip(r["pr"], want["pr"], strict=True)):
        fail(
            f"on the shipped generators' features your precision and recall are {r['pr']}, expected {want['pr']}.\n"
            "Hint: every ball's radius is its point's k-th nearest neighbour in its own set, itself not counted."
        )
    return f"{OK} your metrics measure the shipped generators as the library does."


MEASURES = (
    "hidden: measures as the lesson does",
    "hidden_lesson07_measures",
    ("frechet_distance", "mmd2_unbiased", "precision_recall"),
)
