"""Offline evaluation: a small digit classifier's features instead of Inception's. Introduced in lesson 03.

Inception-based FID needs downloaded weights; on 28x28 digits a small domain classifier
is also the better judge (cf. the "Fréchet LeNet distance"). All metrics are computed on
the classifier's penultimate features phi(x) (128-d) or its class probabilities p(y|x):

* Fréchet distance  FD = |mu_r - mu_g|^2 + tr(S_r + S_g - 2 (S_r^1/2 S_g S_r^1/2)^1/2), in float64;
* KID  = unbiased MMD^2 with the kernel k(a, b) = (a.b / d + 1)^3, averaged over subsets;
* classifier Inception Score  IS = exp E_x KL(p(y|x) || p(y));
* precision / recall (k=3, Kynkäänniemi et al. 2019), density / coverage (k=5, Naeem et al. 2020);
* the predicted-class histogram and its entropy H / log(n_classes): 1 = all classes equally often;
* label accuracy (GAN-test): how often the classifier agrees with the label G was asked for.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..config import GancourseError
from ..data import load_dataset
from ..tables import Markdown, markdown_table
from .classifier import DigitClassifier, accuracy, as_model_input, fit_classifier, load_classifier

Tensor = torch.Tensor


@torch.no_grad()
def embed(clf: DigitClassifier, images: Tensor, batch_size: int = 500) -> tuple[Tensor, Tensor]:
    """Penultimate features (N, 128) and class probabilities (N, 10), in float64 on the CPU."""
    clf.eval()
    device = next(clf.parameters()).device
    feats, probs = [], []
    for i in range(0, len(images), batch_size):
        x = as_model_input(images[i : i + batch_size]).to(device)
        f = clf.features(x)
        feats.append(f.double().cpu())
        probs.append(F.softmax(clf.head(f), dim=1).double().cpu())
    return torch.cat(feats), torch.cat(probs)


# ------------------------------------------------------------------ distances between feature sets


def _sqrtm_psd(m: Tensor) -> Tensor:
    vals, vecs = torch.linalg.eigh((m + m.T) / 2)
    return (vecs * vals.clamp(min=0).sqrt()) @ vecs.T


def frechet_distance(a: Tensor, b: Tensor) -> float:
    """FD between Gaussians fitted to feature sets a (N, d) and b (M, d), in float64.

    tr((S_a S_b)^1/2) is computed as tr((S_a^1/2 S_b S_a^1/2)^1/2): a symmetric PSD matrix,
    so an eigendecomposition gives a stable square root (no complex parts, no Newton iterations).
    """
    a, b = a.double(), b.double()
    mu_a, mu_b = a.mean(0), b.mean(0)
    d = a.shape[1]
    cov_a, cov_b = torch.cov(a.T).reshape(d, d), torch.cov(b.T).reshape(d, d)  # (d, d), even for d = 1
    root_a = _sqrtm_psd(cov_a)
    cross = torch.linalg.eigvalsh(root_a @ cov_b @ root_a).clamp(min=0).sqrt().sum()
    fd = (mu_a - mu_b).square().sum() + torch.trace(cov_a) + torch.trace(cov_b) - 2 * cross
    return max(float(fd), 0.0)


def mmd2_unbiased(x: Tensor, y: Tensor) -> Tensor:
    """Unbiased MMD^2 between feature sets x (m, d) and y (n, d) with k(a, b) = (a.b / d + 1)^3 (Bińkowski et al. 2018).

    MMD^2_u = sum_{i!=j} k(x_i, x_j) / (m(m-1)) + sum_{i!=j} k(y_i, y_j) / (n(n-1)) - 2 sum_{i,j} k(x_i, y_j) / (mn):
    the diagonal terms k(x_i, x_i) are left out, so its expectation is 0 when both sets come from one
    distribution (single estimates can be negative).
    """
    d = x.shape[1]
    kxx, kyy, kxy = ((x @ x.T) / d + 1) ** 3, ((y @ y.T) / d + 1) ** 3, ((x @ y.T) / d + 1) ** 3  # (m,m) (n,n) (m,n)
    m, n = len(x), len(y)
    within_x = (kxx.sum() - kxx.diagonal().sum()) / (m * (m - 1))
    within_y = (kyy.sum() - kyy.diagonal().sum()) / (n * (n - 1))
    return within_x + within_y - 2 * kxy.mean()


def kid(
    a: Tensor, b: Tensor, subset_size: int = 1000, n_subsets: int = 50, seed: int = 0, mmd2=mmd2_unbiased
) -> tuple[float, float]:
    """Kernel Inception Distance: mean and std of ``mmd2`` (the unbiased MMD^2) over random subsets of both sets.

    ``mmd2`` is an injection point: lesson 07 passes the student's own estimator.
    """
    a, b = a.double(), b.double()
    m = min(subset_size, len(a), len(b))
    if m < 2:
        raise ValueError("KID needs at least 2 samples in each set")
    g = torch.Generator().manual_seed(seed)
    values = []
    for _ in range(n_subsets):
        x = a[torch.randperm(len(a), generator=g)[:m]]  # (m, d)
        y = b[torch.randperm(len(b), generator=g)[:m]]  # (m, d)
        values.append(float(mmd2(x, y)))
    t = torch.tensor(values)
    return float(t.mean()), float(t.std()) if len(values) > 1 else 0.0


def _kth_neighbour_radius(x: Tensor, k: int) -> Tensor:
    d = torch.cdist(x, x)  # (N, N)
    return d.kthvalue(k + 1, dim=1).values  # +1: each point is its own nearest neighbour


def precision_recall(real: Tensor, fake: Tensor, k: int = 3) -> tuple[float, float]:
    """Improved precision (fakes inside the real manifold) and recall (reals inside the fake manifold).

    A manifold is the union of balls around its points reaching their k-th nearest neighbour.
    """
    real, fake = real.double(), fake.double()
    r_real, r_fake = _kth_neighbour_radius(real, k), _kth_neighbour_radius(fake, k)
    d = torch.cdist(fake, real)  # (N_fake, N_real)
    precision = (d <= r_real[None, :]).any(dim=1).double().mean()
    recall = (d.T <= r_fake[None, :]).any(dim=1).double().mean()
    return float(precision), float(recall)


def density_coverage(real: Tensor, fake: Tensor, k: int = 5) -> tuple[float, float]:
    """Density: mean count of real balls holding each fake, over k. Coverage: share of real balls holding a fake."""
    real, fake = real.double(), fake.double()
    r_real = _kth_neighbour_radius(real, k)
    inside = torch.cdist(fake, real) <= r_real[None, :]  # (N_fake, N_real)
    density = inside.double().sum(dim=1).mean() / k
    coverage = inside.any(dim=0).double().mean()
    return float(density), float(coverage)


# ------------------------------------------------------------------ what the classifier predicts


def class_histogram(probs: Tensor) -> tuple[list[float], float]:
    """Share of samples predicted as each class, and its entropy normalised to [0, 1]."""
    n_classes = probs.shape[1]
    counts = torch.bincount(probs.argmax(1), minlength=n_classes).double()
    p = counts / counts.sum()
    h = -(p[p > 0] * p[p > 0].log()).sum()
    return p.tolist(), max(0.0, float(h / math.log(n_classes)))


def inception_score(probs: Tensor, eps: float = 1e-12) -> float:
    """exp(E_x KL(p(y|x) || p(y))): high when each sample is confident and the classes are spread."""
    probs = probs.double()
    marginal = probs.mean(0, keepdim=True)
    kl = (probs * ((probs + eps).log() - (marginal + eps).log())).sum(1)
    return float(kl.mean().exp())


def label_accuracy(probs: Tensor, labels: Tensor) -> float:
    """GAN-test: the share of samples the classifier assigns to the label G was asked for."""
    return float((probs.argmax(1) == labels.to(probs.device)).double().mean())


# ------------------------------------------------------------------ samples files


MIN_SAMPLES = 10  # covariances and nearest neighbours need a handful of points; stable numbers need hundreds


def load_samples(path) -> tuple[Tensor, Tensor | None]:
    """Read ``samples.npz``: ``images`` uint8 (N, 1, 28, 28), optional ``labels`` int64 (N,). Clear errors."""
    import zipfile
    from pathlib import Path

    import numpy as np

    path = Path(path)
    if not path.is_file():
        raise GancourseError(f"no samples file at {path}: make one with `gancourse sample CKPT --out {path.name}`.")
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise GancourseError(
                f'{path} holds one bare array (a .npy): save it as np.savez("samples.npz", '
                "images=images[, labels=labels]), or write it with `gancourse sample CKPT --out samples.npz`."
            )
        with loaded as f:
            arrays = {k: f[k] for k in f.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise GancourseError(
            f"{path} is not a readable .npz file ({type(e).__name__}): write it with numpy.savez."
        ) from None
    if "images" not in arrays:
        raise GancourseError(f"{path} has no 'images' array (it has: {', '.join(arrays) or 'nothing'}).")
    images = arrays["images"]
    if images.size == 0 or images.ndim == 0 or len(images) == 0:
        raise GancourseError(f"{path} holds no images: sample at least a few hundred.")
    if images.dtype != np.uint8:
        raise GancourseError(
            f"{path}: images are {images.dtype}, expected uint8 in 0..255 (use gancourse.tensors.to_uint8)."
        )
    if images.ndim != 4 or images.shape[1:] != (1, 28, 28):
        raise GancourseError(f"{path}: images have shape {images.shape}, expected (N, 1, 28, 28).")
    labels = arrays.get("labels")
    if labels is not None:
        if labels.dtype != np.int64 or labels.shape != (len(images),):
            raise GancourseError(f"{path}: labels are {labels.dtype} {labels.shape}, expected int64 ({len(images)},).")
        if labels.min() < 0 or labels.max() > 9:
            raise GancourseError(f"{path}: labels must be class numbers 0..9.")
    if len(images) < MIN_SAMPLES:
        raise GancourseError(
            f"{path} holds {len(images)} image(s): the metrics need at least {MIN_SAMPLES} "
            "(a few hundred for stable numbers); sample more with --n."
        )
    return torch.from_numpy(images), None if labels is None else torch.from_numpy(labels)


# ------------------------------------------------------------------ reports


def on_sphere(x: Tensor) -> Tensor:
    """Features scaled to unit length: the space the k-NN metrics (precision, recall, density, coverage) use.

    Raw classifier features of noise have a small norm and land among the few real images with
    small norms and huge neighbourhood radii, so uniform noise scored precision 0.93 on MNIST. On the
    unit sphere only the features' direction counts: noise scores 0.0 and held-out real digits 0.88
    (tests/test_evaluate.py checks both).
    """
    return x / x.norm(dim=1, keepdim=True).clamp_min(1e-12)


def compare(
    ref_feats: Tensor, feats: Tensor, probs: Tensor, labels: Tensor | None = None, kid_subset: int = 1000
) -> dict:
    """Every metric of one sample set against the reference features."""
    hist, entropy = class_histogram(probs)
    precision, recall = precision_recall(on_sphere(ref_feats), on_sphere(feats), k=3)
    density, coverage = density_coverage(on_sphere(ref_feats), on_sphere(feats), k=5)
    kid_mean, kid_std = kid(ref_feats, feats, subset_size=kid_subset)
    out = {
        "n": len(feats),
        "fd": frechet_distance(ref_feats, feats),
        "kid": kid_mean,
        "kid_std": kid_std,
        "is": inception_score(probs),
        "precision": precision,
        "recall": recall,
        "density": density,
        "coverage": coverage,
        "class_entropy": entropy,
        "class_histogram": hist,
    }
    if labels is not None:
        out["label_accuracy"] = label_accuracy(probs, labels)
    return out


def evaluate_samples(
    images: Tensor,
    labels: Tensor | None = None,
    dataset: str = "mnist",
    root=None,
    n_ref: int = 5000,
    gan_train: bool = False,
    seed: int = 0,
    clf=None,
) -> dict:
    """Score uint8 samples (N, 1, 28, 28) against real training images, with the floor and ceiling beside them.

    * ``samples``: the generated images;
    * ``floor``: real test images (what a perfect generator would score);
    * ``ceiling``: uniform noise of the same size (what a useless one would score).
    """
    if images.ndim != 4 or tuple(images.shape[1:]) != (1, 28, 28):
        raise ValueError(f"images must have shape (N, 1, 28, 28), got {tuple(images.shape)}")
    clf = clf or load_classifier(dataset, root)
    train, test = load_dataset(dataset, "train", root=root), load_dataset(dataset, "test", root=root)
    g = torch.Generator().manual_seed(seed)
    ref = train.images[torch.randperm(len(train), generator=g)[:n_ref]]
    ref_feats, _ = embed(clf, ref)
    n = min(len(images), len(test))
    noise = torch.randint(0, 256, (len(images), 1, 28, 28), generator=g, dtype=torch.uint8)
    kid_subset = min(1000, n)
    report = {
        "dataset": dataset,
        "reference": f"{len(ref):,} real training images ({train.source})",
        "samples": compare(ref_feats, *embed(clf, images), labels, kid_subset),
        "floor": compare(ref_feats, *embed(clf, test.images[:n]), test.labels[:n], kid_subset),
        "ceiling": compare(ref_feats, *embed(clf, noise), torch.randint(0, 10, (len(noise),), generator=g), kid_subset),
    }
    if gan_train and labels is not None:
        fake_clf = fit_classifier(images, labels.long(), epochs=5, seed=seed)
        report["samples"]["gan_train"] = accuracy(fake_clf, test.images, test.labels)
        report["floor"]["gan_train"] = accuracy(clf, test.images, test.labels)
    return report


ROWS = [
    ("fd", "Fréchet distance ↓", "{:.2f}"),
    ("kid", "KID ↓", "{:.4f}"),
    ("is", "classifier IS ↑", "{:.2f}"),
    ("precision", "precision ↑", "{:.3f}"),
    ("recall", "recall ↑", "{:.3f}"),
    ("density", "density", "{:.3f}"),
    ("coverage", "coverage ↑", "{:.3f}"),
    ("class_entropy", "class entropy ↑", "{:.3f}"),
    ("label_accuracy", "label accuracy ↑", "{:.3f}"),
    ("gan_train", "GAN-train accuracy ↑", "{:.3f}"),
]


def format_report(report: dict) -> Markdown:
    """A Markdown table: one row per metric, columns samples / real test images / uniform noise.

    Real test images show what a perfect generator would score, uniform noise what a useless one
    would: read each row against both, whichever way its arrow points. In Jupyter it renders as a table.
    """
    cols = ["samples", "floor", "ceiling"]
    rows = [
        [name] + [fmt.format(report[c][key]) if key in report[c] else "–" for c in cols]
        for key, name, fmt in ROWS
        if key in report["samples"]
    ]
    hist = " ".join(f"{p:.2f}" for p in report["samples"]["class_histogram"])
    return markdown_table(
        ["metric", "samples", "real test images (best case)", "uniform noise (worst case)"],
        rows,
        [False, True, True, True],
        before=f"Evaluated on {report['dataset']} against {report['reference']}.",
        after=f"Predicted classes of the samples: {hist}",
    )
